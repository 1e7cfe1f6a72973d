#include "ui/views/model/clipdrag.h"

#include "ui/plotting/figurewidget.h"

#include <QChart>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>

#include <cmath>

namespace qs::ui {

ClipDrag::ClipDrag(FigureWidget *figure, QString panelId, std::function<std::optional<double>()> alpha,
                   std::function<void(double)> setAlpha, QObject *parent)
    : QObject(parent), m_figure(figure), m_panelId(std::move(panelId)), m_alpha(std::move(alpha)),
      m_setAlpha(std::move(setAlpha))
{}

void ClipDrag::attach()
{
    QChart *chart = m_figure->chart(m_panelId);
    if (!chart || !chart->scene())
        return;
    for (QGraphicsView *view : chart->scene()->views()) {
        view->viewport()->installEventFilter(this); // installing twice keeps one filter
        view->viewport()->setMouseTracking(true);
    }
}

bool ClipDrag::eventFilter(QObject *watched, QEvent *event)
{
    const auto type = event->type();
    const std::optional<double> alpha = m_alpha();
    if (!alpha ||
        (type != QEvent::MouseButtonPress && type != QEvent::MouseMove && type != QEvent::MouseButtonRelease))
        return QObject::eventFilter(watched, event);
    QChart *chart = m_figure->chart(m_panelId);
    auto *viewport = qobject_cast<QWidget *>(watched);
    auto *view = viewport ? qobject_cast<QGraphicsView *>(viewport->parentWidget()) : nullptr;
    if (!chart || !view)
        return QObject::eventFilter(watched, event);
    const auto *mouse = static_cast<QMouseEvent *>(event);
    const QPointF scenePos = view->mapToScene(mouse->position().toPoint());
    const double x = chart->mapToValue(chart->mapFromScene(scenePos)).x();
    // Within 6 pixels of either clip line counts as grabbing it.
    const double pixelsPerUnit =
        chart->mapToPosition(QPointF(1.0, 0.0)).x() - chart->mapToPosition(QPointF(0.0, 0.0)).x();
    const bool nearClip = std::abs(std::abs(x) - *alpha) * pixelsPerUnit <= 6.0;
    if (type == QEvent::MouseButtonPress && mouse->button() == Qt::LeftButton && nearClip) {
        m_dragging = true;
        return true;
    }
    if (type == QEvent::MouseMove) {
        if (m_dragging) {
            m_setAlpha(std::abs(x));
            return true;
        }
        viewport->setCursor(nearClip ? Qt::SizeHorCursor : Qt::ArrowCursor);
    }
    if (type == QEvent::MouseButtonRelease && m_dragging) {
        m_dragging = false;
        return true;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace qs::ui
