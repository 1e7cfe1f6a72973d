#include "ui/views/toollayout.h"

#include <QEvent>
#include <QScrollBar>
#include <QSplitter>
#include <QString>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

VerticalScrollArea::VerticalScrollArea(QWidget *widget, QWidget *parent) : QScrollArea(parent)
{
    setWidget(widget);
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    widget->installEventFilter(this);
}

bool VerticalScrollArea::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == widget() && event->type() == QEvent::LayoutRequest)
        updateGeometry();
    return QScrollArea::eventFilter(watched, event);
}

QSize VerticalScrollArea::minimumSizeHint() const
{
    const QSize inner = widget() ? widget()->minimumSizeHint() : QSize();
    return {inner.width() + verticalScrollBar()->sizeHint().width() + 2 * frameWidth(),
            std::min(inner.height(), 6 * fontMetrics().lineSpacing())};
}

QSize VerticalScrollArea::sizeHint() const
{
    const QSize inner = widget() ? widget()->sizeHint() : QSize();
    return {inner.width() + verticalScrollBar()->sizeHint().width() + 2 * frameWidth(),
            QScrollArea::sizeHint().height()};
}

QSplitter *placeControlsBesideFigure(QWidget *view, QWidget *controls, QWidget *figure,
                                     const QString &objectName, int controlsWidth)
{
    auto *splitter = new QSplitter(Qt::Horizontal, view);
    splitter->setObjectName(objectName);
    splitter->addWidget(new VerticalScrollArea(controls));
    splitter->addWidget(new VerticalScrollArea(figure));
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({controlsWidth, 900});
    auto *layout = new QVBoxLayout(view);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);
    return splitter;
}

QString breakableText(const QString &text)
{
    QString out;
    out.reserve(text.size() + text.size() / 8);
    int run = 0;
    for (const QChar c : text) {
        out += c;
        run = c.isSpace() ? 0 : run + 1;
        if (c == QLatin1Char('/') || c == QLatin1Char('\\') || c == QLatin1Char(',') || run >= 60) {
            out += QChar(0x200B); // zero-width space: a break opportunity
            run = 0;
        }
    }
    return out;
}

} // namespace qs::ui
