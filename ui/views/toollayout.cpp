#include "ui/views/toollayout.h"

#include <QSplitter>
#include <QString>
#include <QVBoxLayout>

namespace qs::ui {

QSplitter *placeControlsBesideFigure(QWidget *view, QWidget *controls, QWidget *figure,
                                     const QString &objectName, int controlsWidth)
{
    auto *splitter = new QSplitter(Qt::Horizontal, view);
    splitter->setObjectName(objectName);
    splitter->addWidget(controls);
    splitter->addWidget(figure);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({controlsWidth, 900});
    auto *layout = new QVBoxLayout(view);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);
    return splitter;
}

} // namespace qs::ui
