#include "ui/presentation.h"

#include "ui/plotting/figurewidget.h"

#include <QApplication>
#include <QBoxLayout>
#include <QLabel>
#include <QScreen>
#include <QWidget>

#include <algorithm>

namespace qs::ui {

namespace {

double g_lineScale = 1.0;
double g_fontScale = 1.0;

QFont scaled(QFont font, double factor)
{
    if (font.pixelSize() > 0)
        font.setPixelSize(std::max(1, qRound(font.pixelSize() * factor)));
    else if (font.pointSizeF() > 0)
        font.setPointSizeF(font.pointSizeF() * factor);
    return font;
}

// The layout under `layout` (itself or nested) that holds `widget` directly.
QLayout *layoutHolding(QLayout *layout, QWidget *widget)
{
    if (!layout)
        return nullptr;
    if (layout->indexOf(widget) >= 0)
        return layout;
    for (int i = 0; i < layout->count(); ++i)
        if (QLayout *found = layoutHolding(layout->itemAt(i)->layout(), widget))
            return found;
    return nullptr;
}

// The caption just before `widget` in a row ("Smoothing β" [spin box]) when it names no buddy of its own.
QLabel *rowCaption(const QWidget *widget)
{
    QWidget *parent = widget->parentWidget();
    auto *row = qobject_cast<QBoxLayout *>(
        parent ? layoutHolding(parent->layout(), const_cast<QWidget *>(widget)) : nullptr);
    if (!row || (row->direction() != QBoxLayout::LeftToRight && row->direction() != QBoxLayout::RightToLeft))
        return nullptr;
    const int index = row->indexOf(const_cast<QWidget *>(widget));
    auto *label = index > 0 ? qobject_cast<QLabel *>(row->itemAt(index - 1)->widget()) : nullptr;
    return label && !label->buddy() ? label : nullptr;
}

// The window's minimum height with the fonts just set (their change events delivered, layouts redone).
int minimumHeight(QWidget *window)
{
    QCoreApplication::sendPostedEvents();
    for (QLayout *layout : window->findChildren<QLayout *>())
        layout->invalidate();
    if (window->layout())
        window->layout()->activate();
    return window->minimumSizeHint().height();
}

} // namespace

double screenLineScale()
{
    return g_lineScale;
}

ChartStyle presentationStyle(const ChartStyle &style)
{
    if (g_lineScale == 1.0 && g_fontScale == 1.0)
        return style;
    ChartStyle s = style;
    s.lineWidth *= g_lineScale;
    s.markerSize *= g_lineScale;
    s.titleFont = scaled(s.titleFont, g_fontScale);
    s.axisTitleFont = scaled(s.axisTitleFont, g_fontScale);
    s.tickFont = scaled(s.tickFont, g_fontScale);
    s.legendFont = scaled(s.legendFont, g_fontScale);
    return s;
}

QStringList PresentationMode::advancedObjectNames()
{
    // Controls of views that do not set the "advanced" property themselves: the dashboards' loss smoothing
    // and the histogram's bin count.
    return {QStringLiteral("dashboardSmoothing"), QStringLiteral("runsSmoothing"),
            QStringLiteral("binsSpin")};
}

PresentationMode::PresentationMode(QWidget *window) : QObject(window), m_window(window) {}

double PresentationMode::fontScale() const
{
    return m_on ? g_fontScale : 1.0;
}

bool PresentationMode::isAdvanced(const QWidget *widget)
{
    if (!widget)
        return false;
    if (widget->property(kAdvancedProperty).toBool() || advancedObjectNames().contains(widget->objectName()))
        return true;
    // A form label goes with its field.
    if (const auto *label = qobject_cast<const QLabel *>(widget); label && label->buddy())
        return label->buddy()->property(kAdvancedProperty).toBool() ||
               advancedObjectNames().contains(label->buddy()->objectName());
    return false;
}

QPalette PresentationMode::highContrastPalette()
{
    // Black on white with a saturated selection: readable from the back of a room on a washed-out projector.
    QPalette p;
    const QColor black(0, 0, 0), white(255, 255, 255), blue(0, 51, 153);
    for (auto group : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(group, QPalette::Window, white);
        p.setColor(group, QPalette::WindowText, black);
        p.setColor(group, QPalette::Base, white);
        p.setColor(group, QPalette::AlternateBase, QColor(235, 235, 235));
        p.setColor(group, QPalette::Text, black);
        p.setColor(group, QPalette::Button, QColor(235, 235, 235));
        p.setColor(group, QPalette::ButtonText, black);
        p.setColor(group, QPalette::BrightText, white);
        p.setColor(group, QPalette::Highlight, blue);
        p.setColor(group, QPalette::HighlightedText, white);
        p.setColor(group, QPalette::ToolTipBase, QColor(255, 255, 220));
        p.setColor(group, QPalette::ToolTipText, black);
        p.setColor(group, QPalette::Link, blue);
        p.setColor(group, QPalette::PlaceholderText, QColor(90, 90, 90));
    }
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(110, 110, 110));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(110, 110, 110));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(110, 110, 110));
    p.setColor(QPalette::Disabled, QPalette::Window, white);
    p.setColor(QPalette::Disabled, QPalette::Base, QColor(245, 245, 245));
    p.setColor(QPalette::Disabled, QPalette::Button, QColor(235, 235, 235));
    return p;
}

void PresentationMode::setOn(bool on)
{
    if (on == m_on)
        return;
    m_on = on;
    if (on) {
        m_savedStates = m_window->windowState();
        m_savedGeometry = m_window->saveGeometry();
        m_savedFont = QApplication::font();
        m_savedPalette = QApplication::palette();
        m_savedLineScale = g_lineScale;
        QApplication::setPalette(highContrastPalette());
        g_lineScale = kLineScale;
        // Hidden first: the advanced controls take no room when the window's size at large type is measured.
        m_hidden.clear();
        for (QWidget *w : m_window->findChildren<QWidget *>())
            if (!w->isHidden() && isAdvanced(w)) {
                w->hide();
                m_hidden << w;
                if (QLabel *caption = rowCaption(w); caption && !caption->isHidden()) {
                    caption->hide();
                    m_hidden << caption;
                }
            }
        g_fontScale = kFontScale;
        QApplication::setFont(scaled(m_savedFont, g_fontScale));
        // A small projector (1280x720): less enlargement where the views would not fit at 1.5x.
        const QScreen *screen = m_window->screen();
        for (double fallback : {1.35, 1.2, 1.1})
            if (screen && minimumHeight(m_window) > screen->geometry().height()) {
                g_fontScale = fallback;
                QApplication::setFont(scaled(m_savedFont, g_fontScale));
            }
        m_window->showFullScreen();
    } else {
        for (const auto &w : std::as_const(m_hidden))
            if (w)
                w->show();
        m_hidden.clear();
        QApplication::setFont(m_savedFont);
        QApplication::setPalette(m_savedPalette);
        g_lineScale = m_savedLineScale;
        g_fontScale = 1.0;
        minimumHeight(m_window); // the layouts' minimum sizes at the normal font, before the old geometry
        m_window->setWindowState(m_savedStates);
        m_window->restoreGeometry(m_savedGeometry);
    }
    redrawCharts();
    Q_EMIT toggled(on);
}

void PresentationMode::redrawCharts()
{
    // Each chart takes its pens and fonts from presentationStyle() when it is updated.
    for (FigureWidget *figure : m_window->findChildren<FigureWidget *>())
        if (!figure->figure().panels.isEmpty())
            figure->setFigure(FigureSpec(figure->figure()));
}

} // namespace qs::ui
