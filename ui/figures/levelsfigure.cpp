#include "ui/figures/levelsfigure.h"

#include "core/quant/curves.h"
#include "ui/figures/palette.h"
#include "ui/plotting/steps.h"

#include <stdexcept>

namespace qs::ui {

namespace {

QString lowerName(Scheme scheme)
{
    return QString::fromStdString(schemeName(scheme));
}

} // namespace

QString levelsSeriesId(Scheme scheme)
{
    return QStringLiteral("levels.") + lowerName(scheme);
}

QString staircaseSeriesId(Scheme scheme)
{
    return QStringLiteral("staircase.") + lowerName(scheme);
}

FigureSpec makeLevelsFigure(const LevelsFigureOptions &options)
{
    const LevelSpec primary{options.scheme, options.bits, options.isSigned};
    if (auto why = checkLevelSpec(primary))
        throw std::invalid_argument(*why);
    if (!(options.alpha > 0))
        throw std::invalid_argument("alpha must be positive");

    // Fixed order (Uniform, PoT, APoT) so colours, rows and legend never shuffle.
    QList<Scheme> shown;
    QStringList skipped;
    for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
        if (scheme != options.scheme && !options.compareWith.contains(scheme))
            continue;
        if (auto why = checkLevelSpec({scheme, options.bits, options.isSigned}))
            skipped << QString::fromStdString(*why);
        else
            shown << scheme;
    }

    const double a = options.alpha;
    const double xMin = options.isSigned ? -1.3 * a : -0.3 * a;
    const double xMax = 1.3 * a;
    const QString signedness = options.isSigned ? QStringLiteral("signed") : QStringLiteral("unsigned");

    PanelSpec numberLine;
    numberLine.id = QStringLiteral("levels");
    numberLine.title =
        QStringLiteral("%1-bit %2 levels, \u03b1 = %3").arg(options.bits).arg(signedness).arg(a);
    numberLine.x = {QStringLiteral("level value"), xMin, xMax, {}};
    numberLine.y = {QString(), 0.0, double(shown.size()), {}};
    numberLine.heightWeight = 0.32 + 0.16 * shown.size();
    numberLine.showLegend = false; // rows are labelled on the axis

    PanelSpec staircase;
    staircase.id = QStringLiteral("staircase");
    staircase.title = QStringLiteral("Quantizer y = \u03b1\u00b7P(clamp(x/\u03b1))");
    staircase.x = {QStringLiteral("x"), xMin, xMax, {}};
    staircase.y = {QStringLiteral("y"), options.isSigned ? -1.15 * a : -0.1 * a, 1.15 * a, {}};

    SeriesSpec identity;
    identity.id = QStringLiteral("identity");
    identity.name = QStringLiteral("y = x");
    identity.color = colors::reference;
    identity.penStyle = Qt::DashLine;
    identity.widthScale = 0.6;
    identity.points = {{options.isSigned ? -a : 0.0, options.isSigned ? -a : 0.0}, {a, a}};
    staircase.series << identity;

    for (int row = 0; row < shown.size(); ++row) {
        const Scheme scheme = shown[row];
        const auto levels = levelSet({scheme, options.bits, options.isSigned});
        numberLine.y.categories.append(
            {QStringLiteral("%1 (%2)").arg(schemeLabel(scheme)).arg(levels.size()), double(row + 1)});

        SeriesSpec markers;
        markers.id = levelsSeriesId(scheme);
        markers.name = schemeLabel(scheme) + QStringLiteral(" levels");
        markers.kind = SeriesKind::Scatter;
        markers.color = schemeColor(scheme);
        markers.markerScale = levels.size() > 64 ? 0.5 : 1.0; // 8+ bit uniform sets become a solid bar anyway
        for (double level : levels)
            markers.points.append({a * level, row + 0.5});
        numberLine.series << markers;

        CurveParams params;
        params.method = hardCurveMethod(scheme);
        params.bits = options.bits;
        params.isSigned = options.isSigned;
        params.alpha = a;
        params.from = xMin;
        params.to = xMax;
        params.points = 2001;
        const auto samples = sampleCurve(params);
        SeriesSpec steps;
        steps.id = staircaseSeriesId(scheme);
        steps.name = schemeLabel(scheme);
        steps.color = schemeColor(scheme);
        steps.points = stepPoints(samples.x, samples.yHard);
        staircase.series << steps;
    }

    FigureSpec figure;
    figure.id = QStringLiteral("levels");
    figure.panels = {numberLine, staircase};
    QStringList schemes;
    for (Scheme s : shown)
        schemes << schemeLabel(s);
    figure.settings = {
        {QStringLiteral("scheme"), schemes.join(QStringLiteral(", "))},
        {QStringLiteral("bits"), QString::number(options.bits)},
        {QStringLiteral("signed"), options.isSigned ? QStringLiteral("yes") : QStringLiteral("no")},
        {QStringLiteral("alpha"), QString::number(options.alpha, 'g', 6)}};
    figure.note = skipped.join(QStringLiteral("; "));
    return figure;
}

} // namespace qs::ui
