#include "ui/views/model/layertree.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/weightfigures.h"

#include <QHeaderView>

namespace qs::ui {

namespace {

enum Column
{
    ColName,
    ColShape,
    ColParams,
    ColAlpha,
    ColSqnr,
    ColCount
};

} // namespace

LayerTree::LayerTree(QWidget *parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("layerTree"));
    setColumnCount(ColCount);
    setHeaderLabels({QStringLiteral("Layer"), QStringLiteral("Shape"), QStringLiteral("Params"),
                     QStringLiteral("\u03b1"), QStringLiteral("SQNR dB")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    // "layer3.2.conv2" keeps its block and its conv when the column is narrow; the tooltip has it all.
    setTextElideMode(Qt::ElideMiddle);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(ColName, QHeaderView::Stretch);
    for (int c = ColShape; c < ColCount; ++c)
        header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    headerItem()->setToolTip(ColAlpha, richToolTip(weightFormulas::alpha()));
    headerItem()->setToolTip(ColSqnr, richToolTip(weightFormulas::sqnr()));
}

void LayerTree::setCompact(bool compact)
{
    setColumnHidden(ColShape, compact);
    setColumnHidden(ColParams, compact);
}

void LayerTree::fill(const ModelSnapshot *snapshot)
{
    const QSignalBlocker block(this);
    clear();
    if (!snapshot)
        return;
    for (const auto &layer : snapshot->layers()) {
        auto *item = new QTreeWidgetItem(this);
        item->setText(ColName, shortLayerName(layer.name));
        item->setData(ColName, Qt::UserRole, QString::fromStdString(layer.name));
        item->setToolTip(ColName, QString::fromStdString(layer.name));
        item->setText(ColShape, shapeText(layer.shape));
        item->setText(ColParams, QString::number(layer.numel));
        item->setText(ColAlpha, layer.checkpointAlpha ? QString::number(*layer.checkpointAlpha, 'f', 3)
                                                      : QStringLiteral("\u2013"));
        for (int c = ColParams; c < ColCount; ++c)
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    }
    // Start on the first quantized layer (the first conv stays full precision in the reference).
    const int start = topLevelItemCount() > 2 ? 1 : 0;
    setCurrentItem(topLevelItem(start));
}

QString LayerTree::selectedLayer() const
{
    QTreeWidgetItem *item = currentItem();
    return item ? item->data(ColName, Qt::UserRole).toString() : QString();
}

int LayerTree::selectedRow() const
{
    QTreeWidgetItem *item = currentItem();
    return item ? indexOfTopLevelItem(item) : -1;
}

bool LayerTree::selectLayer(const QString &name)
{
    for (int i = 0; i < topLevelItemCount(); ++i)
        if (topLevelItem(i)->data(ColName, Qt::UserRole).toString() == name) {
            setCurrentItem(topLevelItem(i));
            return true;
        }
    return false;
}

void LayerTree::showAnalysis(int row, const LayerWeightAnalysis *a)
{
    QTreeWidgetItem *item = topLevelItem(row);
    if (!item)
        return;
    if (!a) {
        item->setText(ColSqnr, QStringLiteral("\u2026"));
        return;
    }
    item->setText(ColAlpha, QString::number(a->alpha, 'f', 3));
    item->setToolTip(ColAlpha, QStringLiteral("clip source: %1").arg(QString::fromStdString(a->alphaSource)));
    item->setText(ColSqnr, QString::number(a->sqnrDb, 'f', 2));
    item->setToolTip(ColSqnr, QStringLiteral("MSE %1").arg(a->mse, 0, 'g', 4));
}

} // namespace qs::ui
