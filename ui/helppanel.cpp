#include "ui/helppanel.h"

#include <QFile>
#include <QLabel>
#include <QResizeEvent>
#include <QScrollArea>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

namespace {

QString settingsKey(const QString &topic)
{
    return QStringLiteral("help/") + topic;
}

// The text as tall as it needs at the panel's width, but willing to shrink to three lines with a scroll bar
// when the window is short (presentation mode's large type on a 1280x720 projector): the view below keeps
// its room and the window never grows past the screen.
class TextScroll final : public QScrollArea
{
public:
    QSize sizeHint() const override
    {
        const int w = viewport()->width() > 50 ? viewport()->width() : 800;
        const int h = widget() ? widget()->heightForWidth(w) : 0;
        return {w, h + 2 * frameWidth()};
    }
    QSize minimumSizeHint() const override
    {
        return {50, std::min(sizeHint().height(), 3 * fontMetrics().lineSpacing() + 2 * frameWidth())};
    }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        const bool widthChanged = event->size().width() != event->oldSize().width();
        QScrollArea::resizeEvent(event);
        if (widthChanged)
            updateGeometry(); // the text's height follows the width
    }
};

} // namespace

HelpPanel::HelpPanel(const QString &topic, QWidget *parent) : QWidget(parent), m_topic(topic)
{
    setObjectName(QStringLiteral("helpPanel_") + topic);
    m_toggle = new QToolButton;
    m_toggle->setObjectName(QStringLiteral("helpToggle"));
    m_toggle->setText(QStringLiteral("What am I looking at?"));
    m_toggle->setCheckable(true);
    m_toggle->setAutoRaise(true);
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setArrowType(Qt::RightArrow);
    m_toggle->setToolTip(QStringLiteral("A short explanation of this tab: what it shows, what to try"));
    m_text = new QLabel(helpText(topic));
    m_text->setObjectName(QStringLiteral("helpText"));
    m_text->setTextFormat(Qt::RichText);
    m_text->setWordWrap(true);
    m_text->setOpenExternalLinks(false);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A framed, shaded box from the palette (no style sheet: it would pin the font, and presentation mode
    // enlarges the application font).
    m_text->setFrameShape(QFrame::StyledPanel);
    m_text->setAutoFillBackground(true);
    m_text->setBackgroundRole(QPalette::AlternateBase);
    m_text->setMargin(6);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(2);
    layout->addWidget(m_toggle, 0, Qt::AlignLeft);
    m_scroll = new TextScroll;
    m_scroll->setObjectName(QStringLiteral("helpScroll"));
    m_scroll->setWidget(m_text);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    layout->addWidget(m_scroll);
    apply(QSettings().value(settingsKey(topic), false).toBool());
    connect(m_toggle, &QToolButton::toggled, this, [this](bool open) {
        apply(open);
        if (!m_forced)
            QSettings().setValue(settingsKey(m_topic), open);
    });
}

QString HelpPanel::helpText(const QString &topic)
{
    QFile file(QStringLiteral(":/help/%1.html").arg(topic));
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromUtf8(file.readAll()).trimmed();
}

QString HelpPanel::text() const
{
    return m_text->text();
}

bool HelpPanel::isOpen() const
{
    return m_toggle->isChecked();
}

void HelpPanel::setOpen(bool open)
{
    m_toggle->setChecked(open); // toggled(): shown and remembered
}

void HelpPanel::setForcedOpen(bool forced)
{
    if (forced == m_forced)
        return;
    m_forced = forced;
    const QSignalBlocker block(m_toggle);
    const bool open = forced || QSettings().value(settingsKey(m_topic), false).toBool();
    m_toggle->setChecked(open);
    apply(open);
}

void HelpPanel::apply(bool open)
{
    if (m_toggle->isChecked() != open) {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(open);
    }
    m_toggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    m_scroll->setVisible(open);
}

} // namespace qs::ui
