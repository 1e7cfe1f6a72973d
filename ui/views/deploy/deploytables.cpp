#include "ui/views/deploy/deploytables.h"

#include "ui/figures/deployfigure.h"
#include "ui/figures/levelsfigure.h" // richToolTip
#include "ui/views/deployview.h"

#include <QFont>
#include <QHeaderView>
#include <QStringList>
#include <QTableWidget>

namespace qs::ui {

namespace {

int64_t weightCount(const DeployLayer &layer)
{
    if (layer.weightShape.empty())
        return 0;
    int64_t n = 1;
    for (int64_t d : layer.weightShape)
        n *= d;
    return n;
}

QString shapeText(const std::vector<int64_t> &shape)
{
    QStringList dims;
    for (int64_t d : shape)
        dims << QString::number(d);
    return dims.join(QChar(0x00d7));
}

// A number with a typographic minus, as the products beside it.
QString signedText(QString number)
{
    if (number.startsWith(QLatin1Char('-')))
        number[0] = QChar(0x2212);
    return number;
}

QTableWidgetItem *textItem(const QString &text, const QString &toolTip = {})
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (!toolTip.isEmpty())
        item->setToolTip(toolTip);
    return item;
}

QTableWidgetItem *numberItem(int64_t value, const QString &toolTip = {})
{
    QTableWidgetItem *item = textItem(countText(value), toolTip);
    item->setData(DeployView::kValueRole, qlonglong(value));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

QTableWidget *createLayerTable()
{
    auto *table = new QTableWidget(0, DeployView::ColumnCount);
    table->setObjectName(QStringLiteral("deployLayerTable"));
    table->setHorizontalHeaderLabels({QStringLiteral("Layer"), QStringLiteral("Kind"),
                                      QStringLiteral("Arithmetic"), QStringLiteral("W bits"),
                                      QStringLiteral("Weights"), QStringLiteral("Flash (B)"),
                                      QStringLiteral("RAM (B)"), QStringLiteral("Multiplies"),
                                      QStringLiteral("Shifts"), QStringLiteral("Adds")});
    const QString headerTips[DeployView::ColumnCount] = {
        QStringLiteral("The layer's state_dict prefix, in forward order; the last row is the whole model."),
        QStringLiteral("What the layer is in the C model."),
        QStringLiteral(
            "Shift-add: every weight level is a sum of at most 3 powers of two times one scale, so "
            "a product is a few shifts and adds. Multiply: integer multiply-accumulate."),
        QStringLiteral("Bits per stored weight code."),
        QStringLiteral("Number of weights (the shape in the tooltip)."),
        QStringLiteral("Flash bytes: packed weight codes plus the per-channel multipliers, offsets, "
                       "thresholds and tables."),
        QStringLiteral("RAM bytes of the layer's output buffer, inside the static arena. Total: the arena, "
                       "the peak of the buffers alive at once (they are reused), not their sum."),
        QStringLiteral("Integer multiplies per image (zero weights skipped), requantization included."),
        QStringLiteral("Shifts per image."),
        QStringLiteral("Adds per image.")};
    for (int c = 0; c < DeployView::ColumnCount; ++c)
        table->horizontalHeaderItem(c)->setToolTip(richToolTip(headerTips[c]));
    table->verticalHeader()->hide();
    // Rows as tall as their text (more layers in view than the style's default; presentation mode's larger
    // type gets taller rows).
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    // Every column as wide as its text (the table scrolls sideways when the page is narrower than that, as
    // in presentation mode on a 720-pixel projector): no cell wraps or elides.
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(false); // a wide page leaves room, not a wide "Adds"
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideNone);
    return table;
}

QTableWidget *createLevelsTable()
{
    auto *table = new QTableWidget(0, DeployView::LevelColumnCount);
    table->setObjectName(QStringLiteral("deployLevelsTable"));
    table->setHorizontalHeaderLabels(
        {QStringLiteral("Level"), QStringLiteral("Integer"), QStringLiteral("a \u00b7 level in C")});
    table->horizontalHeaderItem(DeployView::LevelColumn)
        ->setToolTip(richToolTip(QStringLiteral("The weight level on the normalized grid (largest 1).")));
    table->horizontalHeaderItem(DeployView::IntegerColumn)
        ->setToolTip(richToolTip(
            QStringLiteral("The level times the layer's integer scale: level = integer \u00b7 s.")));
    table->horizontalHeaderItem(DeployView::ProductColumn)
        ->setToolTip(richToolTip(
            QStringLiteral("How the C computes the product with an input code a: shifted copies of a "
                           "added (a<<k is a \u00b7 2^k), or one integer multiply.")));
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideNone);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

void fillLayerTable(QTableWidget *table, const DeployPlan &plan)
{
    const auto &layers = plan.layers;
    table->setRowCount(int(layers.size()) + 1);
    int64_t totalWeights = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const DeployLayer &l = layers[i];
        const int r = int(i);
        const int64_t weights = weightCount(l);
        totalWeights += weights;
        table->setItem(r, DeployView::LayerColumn, textItem(QString::fromStdString(l.name)));
        table->setItem(r, DeployView::KindColumn,
                       textItem(QString::fromStdString(l.kind),
                                l.actBits > 0
                                    ? QStringLiteral("Reads %1-bit activation codes.").arg(l.actBits)
                                    : QString()));
        table->setItem(r, DeployView::ArithmeticColumn, textItem(arithmeticText(l.arithmetic)));
        table->setItem(r, DeployView::WeightBitsColumn, numberItem(l.weightBits));
        table->setItem(r, DeployView::WeightsColumn,
                       numberItem(weights, QStringLiteral("shape %1").arg(shapeText(l.weightShape))));
        table->setItem(r, DeployView::FlashColumn,
                       numberItem(l.weightBytes + l.parameterBytes,
                                  QStringLiteral("%1 B packed weights + %2 B parameters")
                                      .arg(countText(l.weightBytes), countText(l.parameterBytes))));
        table->setItem(r, DeployView::RamColumn,
                       numberItem(l.activationBytes,
                                  QStringLiteral("%1 outputs per image").arg(countText(l.outputElements))));
        table->setItem(r, DeployView::MultipliesColumn, numberItem(l.multiplies));
        table->setItem(r, DeployView::ShiftsColumn, numberItem(l.shifts));
        table->setItem(r, DeployView::AddsColumn, numberItem(l.adds));
    }
    const int t = int(layers.size());
    const DeployPlan &p = plan;
    table->setItem(t, DeployView::LayerColumn, textItem(QStringLiteral("Total")));
    table->setItem(
        t, DeployView::KindColumn,
        textItem(
            QStringLiteral("%1 layers").arg(layers.size()),
            QStringLiteral("Input image: %1 B (uint8, outside the arena).").arg(countText(p.inputBytes))));
    table->setItem(t, DeployView::ArithmeticColumn, textItem(QString()));
    table->setItem(t, DeployView::WeightBitsColumn, textItem(QString()));
    table->setItem(t, DeployView::WeightsColumn, numberItem(totalWeights));
    table->setItem(t, DeployView::FlashColumn,
                   numberItem(p.weightBytes + p.parameterBytes,
                              QStringLiteral("%1 B packed weights + %2 B parameters")
                                  .arg(countText(p.weightBytes), countText(p.parameterBytes))));
    table->setItem(t, DeployView::RamColumn,
                   numberItem(p.arenaBytes, QStringLiteral("The static arena: the peak of the activation "
                                                           "buffers alive at once, not their sum.")));
    table->setItem(t, DeployView::MultipliesColumn, numberItem(p.multiplies));
    table->setItem(t, DeployView::ShiftsColumn, numberItem(p.shifts));
    table->setItem(t, DeployView::AddsColumn, numberItem(p.adds));
    QFont bold = table->font();
    bold.setBold(true);
    for (int c = 0; c < DeployView::ColumnCount; ++c)
        table->item(t, c)->setFont(bold);
}

QString fillLevelsTable(QTableWidget *table, const DeployLayer &layer)
{
    table->setRowCount(0);
    const QString name = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(layer.name).toHtmlEscaped());
    if (layer.levels.empty())
        return QStringLiteral("%1: %2, %3-bit weights multiplied as integers (no level grid).")
            .arg(name, QString::fromStdString(layer.kind).toHtmlEscaped())
            .arg(layer.weightBits);
    table->setRowCount(int(layer.levels.size()));
    // Largest level first, as the grids are drawn elsewhere (top of the staircase).
    for (size_t i = 0; i < layer.levels.size(); ++i) {
        const DeployLevel &level = layer.levels[layer.levels.size() - 1 - i];
        const QString product = levelProductText(level, layer.arithmetic);
        const QString tip = levelEquationText(level) + QStringLiteral(" \u2192 ") + product;
        const int r = int(i);
        QTableWidgetItem *value = textItem(signedText(QString::number(level.level, 'g', 4)), tip);
        value->setData(DeployView::kValueRole, level.level);
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(r, DeployView::LevelColumn, value);
        QTableWidgetItem *integer = textItem(signedText(QString::number(level.integer)), tip);
        integer->setData(DeployView::kValueRole, qlonglong(level.integer));
        integer->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(r, DeployView::IntegerColumn, integer);
        table->setItem(r, DeployView::ProductColumn, textItem(product, tip));
    }
    return layer.arithmetic == DeployArithmetic::ShiftAdd
               ? QStringLiteral(
                     "%1: %2 levels, each an integer times the scale s; the C adds shifted copies of "
                     "the input code a.")
                     .arg(name)
                     .arg(layer.levels.size())
               : QStringLiteral("%1: %2 levels, each an integer times the scale s; the C multiplies.")
                     .arg(name)
                     .arg(layer.levels.size());
}

} // namespace qs::ui
