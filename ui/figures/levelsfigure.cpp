#include "ui/figures/levelsfigure.h"

#include "core/quant/curves.h"
#include "ui/figures/palette.h"
#include "ui/plotting/steps.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs::ui {

namespace {

QString lowerName(Scheme scheme)
{
    return QString::fromStdString(schemeName(scheme));
}

// The level spec of `scheme` under the options; an unsigned grid always keeps its zero level.
LevelSpec specOf(const LevelsFigureOptions &options, Scheme scheme)
{
    return {scheme, options.bits, options.isSigned, !options.isSigned || options.zeroLevel};
}

// The schemes drawn, in the fixed order, and the reasons the others asked for are not.
QList<Scheme> shownSchemes(const LevelsFigureOptions &options, QStringList *skipped)
{
    QList<Scheme> shown;
    for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
        if (scheme != options.scheme && !options.compareWith.contains(scheme))
            continue;
        if (auto why = checkLevelSpec(specOf(options, scheme))) {
            if (skipped)
                *skipped << QString::fromStdString(*why);
        } else {
            shown << scheme;
        }
    }
    return shown;
}

bool sameLevels(const std::vector<double> &a, const std::vector<double> &b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::abs(a[i] - b[i]) > 1e-12)
            return false;
    return true;
}

QString joinNames(const QStringList &names)
{
    if (names.size() <= 1)
        return names.join(QString());
    return QStringList(names.mid(0, names.size() - 1)).join(QStringLiteral(", ")) + QStringLiteral(" and ") +
           names.back();
}

} // namespace

QString richToolTip(const QString &text)
{
    if (text.isEmpty() || text.startsWith(QLatin1String("<qt>")))
        return text;
    static const QRegularExpression html(
        QStringLiteral("&[A-Za-z]+;|&#[0-9]+;|<(b|i|u|sub|sup|br|p|tt|span|table|ul|li|code|h[1-6])\\b"));
    return QStringLiteral("<qt>") + (html.match(text).hasMatch() ? text : text.toHtmlEscaped()) +
           QStringLiteral("</qt>");
}

QString levelsCaption(const LevelsFigureOptions &options)
{
    const QList<Scheme> shown = shownSchemes(options, nullptr);
    if (shown.size() < 2)
        return {};
    std::vector<std::vector<double>> sets;
    for (Scheme s : shown)
        sets.push_back(levelSet(specOf(options, s)));
    const QString where = QStringLiteral("At %1 bits %2")
                              .arg(options.bits)
                              .arg(options.isSigned ? QStringLiteral("signed") : QStringLiteral("unsigned"));

    // Groups of equal sets, in drawing order.
    QList<QList<int>> groups;
    for (int i = 0; i < shown.size(); ++i) {
        bool placed = false;
        for (auto &g : groups)
            if (sameLevels(sets[size_t(g.front())], sets[size_t(i)])) {
                g << i;
                placed = true;
                break;
            }
        if (!placed)
            groups << QList<int>{i};
    }
    QStringList sentences;
    for (const auto &g : groups) {
        if (g.size() < 2)
            continue;
        QStringList names;
        for (int i : g)
            names << schemeLabel(shown[i]);
        sentences << QStringLiteral("%1, %2 are the same grid (%3 levels): their markers and staircases "
                                    "coincide.")
                         .arg(where, joinNames(names))
                         .arg(sets[size_t(g.front())].size());
    }
    if (groups.size() < 2)
        return sentences.join(QLatin1Char(' '));

    // Per distinct grid: levels within +-alpha/4 (the crowd near 0) and the largest step, in units of alpha.
    struct Spread
    {
        QString names;
        int nearZero = 0, total = 0;
        double largestStep = 0;
    };
    QList<Spread> spreads;
    for (const auto &g : groups) {
        const auto &levels = sets[size_t(g.front())];
        Spread s;
        QStringList names;
        for (int i : g)
            names << schemeLabel(shown[i]);
        s.names = names.join(QLatin1Char('/'));
        s.total = int(levels.size());
        for (size_t i = 0; i < levels.size(); ++i) {
            if (std::abs(levels[i]) < 0.25 - 1e-12)
                ++s.nearZero;
            if (i > 0)
                s.largestStep = std::max(s.largestStep, levels[i] - levels[i - 1]);
        }
        spreads << s;
    }
    QStringList parts;
    for (const auto &s : spreads)
        parts << QStringLiteral("%1 has %2 of %3 levels within ±α/4, largest step %4α")
                     .arg(s.names)
                     .arg(s.nearZero)
                     .arg(s.total)
                     .arg(s.largestStep, 0, 'g', 3);
    QString sentence = where + QStringLiteral(": ") + parts.join(QStringLiteral("; ")) + QLatin1Char('.');
    const auto most = std::max_element(spreads.begin(), spreads.end(), [](const Spread &a, const Spread &b) {
        return double(a.nearZero) / a.total < double(b.nearZero) / b.total;
    });
    const auto fewest =
        std::min_element(spreads.begin(), spreads.end(),
                         [](const Spread &a, const Spread &b) { return a.largestStep < b.largestStep; });
    if (double(most->nearZero) / most->total > double(fewest->nearZero) / fewest->total && most != fewest)
        sentence +=
            QStringLiteral(" %1 crowds its levels near 0; %2 spreads them more evenly over the range.")
                .arg(most->names, fewest->names);
    sentences << sentence;
    return sentences.join(QLatin1Char(' '));
}

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
    const LevelSpec primary = specOf(options, options.scheme);
    if (auto why = checkLevelSpec(primary))
        throw std::invalid_argument(*why);
    if (!(options.alpha > 0))
        throw std::invalid_argument("alpha must be positive");

    // Fixed order (Uniform, PoT, APoT) so colours, rows and legend never shuffle.
    QStringList skipped;
    const QList<Scheme> shown = shownSchemes(options, &skipped);

    const double a = options.alpha;
    const double xMin = options.isSigned ? -1.3 * a : -0.3 * a;
    const double xMax = 1.3 * a;
    const QString signedness = !options.isSigned   ? QStringLiteral("unsigned")
                               : options.zeroLevel ? QStringLiteral("signed")
                                                   : QStringLiteral("signed zero-free");

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
        const auto levels = levelSet(specOf(options, scheme));
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
        params.zeroLevel = specOf(options, scheme).zeroLevel;
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
        // A staircase equal to one drawn before would hide it: dashed and thinner, both stay visible.
        for (int before = 0; before < row; ++before)
            if (sameLevels(levelSet(specOf(options, shown[before])), levels)) {
                steps.penStyle = Qt::DashLine;
                steps.widthScale = 0.8;
            }
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
    if (!specOf(options, options.scheme).zeroLevel)
        figure.settings.append({QStringLiteral("zero level"), QStringLiteral("no")});
    QStringList note;
    if (const QString caption = levelsCaption(options); !caption.isEmpty())
        note << caption;
    if (!skipped.isEmpty())
        note << skipped.join(QStringLiteral("; ")) + QLatin1Char('.');
    figure.note = note.join(QLatin1Char(' '));
    return figure;
}

} // namespace qs::ui
