#include "ui/plotting/figurewidget.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace qs::ui {

FigureWidget::FigureWidget(QWidget *parent)
    : QWidget(parent), m_style(ChartStyle::screen()), m_splitter(new QSplitter(Qt::Vertical, this)),
      m_note(new QLabel(this))
{
    m_splitter->setObjectName(QStringLiteral("figureSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_note->setWordWrap(true);
    // A long error (a path, a key list) wraps in the figure's width instead of widening the window.
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter, 1);
    layout->addWidget(m_note);
}

void FigureWidget::setFigure(const FigureSpec &figure)
{
    const bool panelCountChanged = figure.panels.size() != m_figure.panels.size();
    m_figure = figure;
    for (int i = 0; i < figure.panels.size(); ++i) {
        const PanelSpec &panel = figure.panels[i];
        if (i < m_views.size()) {
            updateChart(m_views[i]->chart(), panel, m_style);
            m_views[i]->show();
            continue;
        }
        auto *view = new QChartView(createChart(panel, m_style), m_splitter);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(120);
        m_splitter->addWidget(view);
        m_splitter->setStretchFactor(i, int(100 * panel.heightWeight));
        m_views << view;
    }
    for (int i = int(figure.panels.size()); i < m_views.size(); ++i)
        m_views[i]->hide(); // kept for when the panel comes back; hidden charts are not in figure()
    if (panelCountChanged && figure.panels.size() > 1) {
        // A panel added to a splitter already laid out would get only its minimum height: share the
        // height by the panels' weights again (setSizes takes relative sizes).
        QList<int> sizes;
        for (int i = 0; i < m_views.size(); ++i)
            sizes << (i < figure.panels.size() ? int(1000 * figure.panels[i].heightWeight) : 0);
        m_splitter->setSizes(sizes);
    }
    m_note->setStyleSheet(QString());
    m_note->setText(figure.note);
    m_note->setVisible(!figure.note.isEmpty());
}

void FigureWidget::setError(const QString &message)
{
    m_note->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_note->setText(message);
    m_note->setVisible(!message.isEmpty());
}

QList<QChart *> FigureWidget::charts() const
{
    QList<QChart *> result;
    for (int i = 0; i < m_figure.panels.size() && i < m_views.size(); ++i)
        result << m_views[i]->chart();
    return result;
}

QChart *FigureWidget::chart(const QString &panelId) const
{
    for (QChart *c : charts())
        if (c->objectName() == panelId)
            return c;
    return nullptr;
}

} // namespace qs::ui
