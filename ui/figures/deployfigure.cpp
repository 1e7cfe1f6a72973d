#include "ui/figures/deployfigure.h"

#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace qs::ui {

namespace {

constexpr double kKiB = 1024.0;
constexpr double kBarWidthScale = 10.0; // a bar: a segment 10 line widths thick (20 px on screen)

// Okabe-Ito, as the rest of the app.
const QColor kWeights{0x00, 0x72, 0xB2};
const QColor kParameters{0x56, 0xB4, 0xE9};
const QColor kActivations{0xE6, 0x9F, 0x00};
const QColor kFloat{0xB0, 0xB0, 0xB0};
const QColor kBudget{0xD5, 0x5E, 0x00};

// Rows, bottom to top: each a band [row, row + 1] with its bar at the centre.
enum Row
{
    RamRow = 0,
    FlashRow = 1,
    FloatRow = 2,
    RowCount = 3
};

SeriesSpec bar(const QString &id, const QString &name, const QColor &color, Row row, double fromKiB,
               double toKiB)
{
    SeriesSpec s;
    s.id = id;
    s.name = name;
    s.color = color;
    s.widthScale = kBarWidthScale;
    const double y = row + 0.5;
    s.points = {QPointF(fromKiB, y), QPointF(toKiB, y)};
    return s;
}

// A budget: a dashed vertical line at `kib` across the rows [bottom, top]. One series per line: Qt Charts
// would join the segments of one series.
SeriesSpec budget(const QString &id, const QString &name, double kib, double bottom, double top)
{
    SeriesSpec s;
    s.id = id;
    s.name = name;
    s.color = kBudget;
    s.penStyle = Qt::DashLine;
    s.points = {QPointF(kib, bottom), QPointF(kib, top)};
    return s;
}

PanelSpec basePanel(double maxKiB)
{
    PanelSpec panel;
    panel.id = QStringLiteral("memory");
    panel.title = QStringLiteral("Flash and RAM of the C model");
    // Room past the longest bar and the 1 MiB line, so neither ends on the frame.
    panel.x = {
        QStringLiteral("KiB (1 KiB = 1024 bytes)"), 0.0, std::max(maxKiB, kFlashBudgetsKiB[1]) * 1.08, {}};
    panel.y = {QString(), 0.0, double(RowCount), {}};
    panel.y.categories = {
        {QStringLiteral("RAM"), 1.0}, {QStringLiteral("Flash"), 2.0}, {QStringLiteral("float32"), 3.0}};
    // The three lines share one legend entry (a short legend keeps its entries whole on a 720-pixel
    // projector in presentation mode): each spans only the rows it is a budget for.
    SeriesSpec large = budget(QStringLiteral("budget.flash.1mib"), QStringLiteral("flash budget 1 MiB"),
                              kFlashBudgetsKiB[1], FlashRow, RowCount);
    SeriesSpec ram = budget(QStringLiteral("budget.ram"), QStringLiteral("RAM budget 64 KiB"), kRamBudgetKiB,
                            RamRow, FlashRow);
    large.inLegend = ram.inLegend = false;
    panel.series << budget(QStringLiteral("budget.flash"), QStringLiteral("budgets"), kFlashBudgetsKiB[0],
                           FlashRow, RowCount)
                 << large << ram;
    return panel;
}

QString fitText(double kib, double budgetKiB)
{
    return kib <= budgetKiB ? QStringLiteral("fits") : QStringLiteral("over");
}

} // namespace

QString bytesText(int64_t bytes)
{
    const QLocale c = QLocale::c();
    if (std::llabs(bytes) < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    if (std::llabs(bytes) < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(c.toString(double(bytes) / kKiB, 'f', 1));
    return QStringLiteral("%1 MiB").arg(c.toString(double(bytes) / (kKiB * kKiB), 'f', 2));
}

QString countText(int64_t n)
{
    QLocale locale = QLocale::c();
    locale.setNumberOptions(QLocale::DefaultNumberOptions); // C omits the group separator by default
    return locale.toString(qlonglong(n));
}

QString arithmeticText(DeployArithmetic arithmetic)
{
    return arithmetic == DeployArithmetic::ShiftAdd ? QStringLiteral("shift-add")
                                                    : QStringLiteral("multiply");
}

QString levelProductText(const DeployLevel &level, DeployArithmetic arithmetic)
{
    if (level.integer == 0)
        return QStringLiteral("0 (skipped)");
    const QString minus(QChar(0x2212));
    if (arithmetic == DeployArithmetic::Multiply)
        return QStringLiteral("a \u00b7 %1")
            .arg(level.integer < 0 ? minus + QString::number(-level.integer)
                                   : QString::number(level.integer));
    std::vector<int> shifts = level.shifts;
    std::sort(shifts.begin(), shifts.end(), std::greater<>());
    QStringList terms;
    for (int s : shifts)
        terms << QStringLiteral("(a<<%1)").arg(s);
    if (terms.isEmpty()) // a level the core gave no terms: its integer says what it is
        return QStringLiteral("a \u00b7 %1").arg(level.integer);
    const QString sum = terms.join(QStringLiteral(" + "));
    if (level.integer > 0)
        return sum;
    return terms.size() == 1 ? minus + sum : minus + QStringLiteral("[") + sum + QStringLiteral("]");
}

QString levelEquationText(const DeployLevel &level)
{
    const QString minus(QChar(0x2212));
    QString value = QString::number(level.level, 'g', 4);
    if (level.level < 0)
        value = minus + QString::number(-level.level, 'g', 4);
    const QString integer =
        level.integer < 0 ? minus + QString::number(-level.integer) : QString::number(level.integer);
    return QStringLiteral("%1 = %2 \u00b7 s").arg(value, integer);
}

FigureSpec emptyDeployFigure()
{
    FigureSpec figure;
    figure.id = QStringLiteral("deploy");
    figure.panels = {basePanel(0.0)};
    return figure;
}

FigureSpec makeDeployFigure(const DeployPlan &plan, const QString &checkpoint)
{
    const double weights = double(plan.weightBytes) / kKiB;
    const double parameters = double(plan.parameterBytes) / kKiB;
    const double flash = weights + parameters;
    const double ram = double(plan.arenaBytes) / kKiB;
    const double floatWeights = double(plan.floatWeightBytes) / kKiB;
    PanelSpec panel = basePanel(std::max({flash, ram, floatWeights}));
    // Bars first, the budget lines over them.
    QList<SeriesSpec> bars;
    bars << bar(QStringLiteral("flash.weights"),
                QStringLiteral("weights %1").arg(bytesText(plan.weightBytes)), kWeights, FlashRow, 0.0,
                weights)
         << bar(QStringLiteral("flash.parameters"),
                QStringLiteral("parameters %1").arg(bytesText(plan.parameterBytes)), kParameters, FlashRow,
                weights, flash)
         << bar(QStringLiteral("ram.activations"),
                QStringLiteral("activations %1").arg(bytesText(plan.arenaBytes)), kActivations, RamRow, 0.0,
                ram)
         << bar(QStringLiteral("float.weights"),
                QStringLiteral("float32 %1").arg(bytesText(plan.floatWeightBytes)), kFloat, FloatRow, 0.0,
                floatWeights);
    bars.back().inLegend = false; // its row says what it is; the note gives its size
    panel.series = bars + panel.series;

    FigureSpec figure;
    figure.id = QStringLiteral("deploy");
    figure.panels = {panel};
    const int64_t flashBytes = plan.weightBytes + plan.parameterBytes;
    QString note =
        QStringLiteral("Flash %1 (%2 weights + %3 parameters)")
            .arg(bytesText(flashBytes), bytesText(plan.weightBytes), bytesText(plan.parameterBytes));
    if (plan.weightBytes > 0 && plan.floatWeightBytes > 0)
        note +=
            QStringLiteral(": the weights are %1\u00d7 smaller than as float32 (%2)")
                .arg(QLocale::c().toString(double(plan.floatWeightBytes) / double(plan.weightBytes), 'f', 1),
                     bytesText(plan.floatWeightBytes));
    note += QStringLiteral("; %1 256 KiB. RAM %2 of activations (+%3 input image); %4 64 KiB.")
                .arg(fitText(flash, kFlashBudgetsKiB[0]), bytesText(plan.arenaBytes),
                     bytesText(plan.inputBytes), fitText(ram, kRamBudgetKiB));
    figure.note = note;
    figure.settings = {{QStringLiteral("checkpoint"), checkpoint},
                       {QStringLiteral("model"), QString::fromStdString(plan.model)},
                       {QStringLiteral("scheme"), QString::fromStdString(schemeName(plan.scheme))},
                       {QStringLiteral("weight bits"), QString::number(plan.wbits)},
                       {QStringLiteral("activation bits"), QString::number(plan.abits)},
                       {QStringLiteral("flash bytes"), QString::number(flashBytes)},
                       {QStringLiteral("RAM bytes"), QString::number(plan.arenaBytes)},
                       {QStringLiteral("float32 weight bytes"), QString::number(plan.floatWeightBytes)}};
    return figure;
}

} // namespace qs::ui
