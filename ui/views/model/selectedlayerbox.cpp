#include "ui/views/model/selectedlayerbox.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/weightfigures.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/model/clipdrag.h"
#include "ui/views/model/layertree.h"
#include "ui/views/model/modelsidebar.h"

#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QWheelEvent>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>

namespace qs::ui {

namespace {

// Wheel steps over a chart zoom its x axis about the pointer (the histogram and the occupancy share it).
class WheelZoom final : public QObject
{
public:
    WheelZoom(FigureWidget *figure, std::function<void(double centre, double factor)> zoom, QObject *parent)
        : QObject(parent), m_figure(figure), m_zoom(std::move(zoom))
    {}

    void attach()
    {
        for (QChart *chart : m_figure->charts())
            if (chart->scene())
                for (QGraphicsView *view : chart->scene()->views())
                    view->viewport()->installEventFilter(this); // installing twice keeps one filter
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::Wheel)
            return QObject::eventFilter(watched, event);
        auto *viewport = qobject_cast<QWidget *>(watched);
        auto *view = viewport ? qobject_cast<QGraphicsView *>(viewport->parentWidget()) : nullptr;
        const auto *wheel = static_cast<QWheelEvent *>(event);
        if (!view || wheel->angleDelta().y() == 0)
            return QObject::eventFilter(watched, event);
        for (QChart *chart : m_figure->charts()) {
            if (chart->scene() != view->scene())
                continue;
            const QPointF scenePos = view->mapToScene(wheel->position().toPoint());
            const double x = chart->mapToValue(chart->mapFromScene(scenePos)).x();
            const double steps = wheel->angleDelta().y() / 120.0;
            m_zoom(x, std::pow(0.8, steps));
            return true;
        }
        return QObject::eventFilter(watched, event);
    }

private:
    FigureWidget *m_figure;
    std::function<void(double, double)> m_zoom;
};

FigureSpec selectALayer()
{
    FigureSpec f;
    f.id = QStringLiteral("histogram");
    f.note = QStringLiteral("Select a layer.");
    return f;
}

} // namespace

SelectedLayerBox::SelectedLayerBox(const ModelSidebar *sidebar, QWidget *parent)
    : QGroupBox(QStringLiteral("Selected layer"), parent), m_sidebar(sidebar)
{
    auto *layerLayout = new QVBoxLayout(this);
    ClipControlSetup weightClip;
    weightClip.sliderName = QStringLiteral("alphaSlider");
    weightClip.spinName = QStringLiteral("modelAlphaSpin");
    weightClip.searchName = QStringLiteral("searchAlphaButton");
    weightClip.resetName = QStringLiteral("resetAlphaButton");
    weightClip.alphaToolTip = weightFormulas::alpha();
    weightClip.searchToolTip =
        QStringLiteral("Set this layer's clip to the one minimizing its MSE. ") + weightFormulas::mse();
    weightClip.resetToolTip =
        QStringLiteral("Back to the model-wide rule (checkpoint \u03b1, 3.0 or MSE-optimal).");
    m_clip = new ClipControl(weightClip, this);
    auto *alphaRow = new QHBoxLayout;
    alphaRow->addWidget(new QLabel(QStringLiteral("Clip \u03b1")));
    alphaRow->addWidget(m_clip->slider(), 1);
    alphaRow->addWidget(m_clip->spin());
    layerLayout->addLayout(alphaRow);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_clip->searchButton());
    buttons->addWidget(m_clip->resetButton());
    layerLayout->addLayout(buttons);
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setToolTip(weightFormulas::mse() + QStringLiteral("<br>") + weightFormulas::sqnr());
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long error (a data set path, a loader message) wraps here instead of widening the window.
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layerLayout->addWidget(m_errorLabel);
    auto *histRow = new QHBoxLayout;
    m_bins = new QSpinBox;
    m_bins->setObjectName(QStringLiteral("binsSpin"));
    m_bins->setRange(10, 400);
    m_bins->setValue(120);
    m_bins->setSuffix(QStringLiteral(" bins"));
    m_bins->setToolTip(QStringLiteral("Histogram bins over the range below (they do not move with \u03b1). "
                                      "The occupancy chart is exact whatever the binning."));
    m_logScale = new QCheckBox(QStringLiteral("Log counts"));
    m_logScale->setObjectName(QStringLiteral("logScaleCheck"));
    m_logScale->setToolTip(QStringLiteral("Histogram height log\u2081\u2080(1 + count): shows the tails."));
    histRow->addWidget(m_bins);
    histRow->addWidget(m_logScale);
    histRow->addStretch(1);
    layerLayout->addLayout(histRow);
    auto *rangeRow = new QHBoxLayout;
    m_range = new QComboBox;
    m_range->setObjectName(QStringLiteral("histRangeCombo"));
    // In HistogramRange's order.
    m_range->addItems({QStringLiteral("Bulk + clip"), QStringLiteral("Full range"), QStringLiteral("Range")});
    m_range->setToolTip(QStringLiteral(
        "<p>What the histogram spans. <b>Bulk + clip</b>: the 0.1&ndash;99.9 percentiles of w&#771; and the "
        "clip &plusmn;&alpha; (a few outliers no longer squeeze the bulk into a few bins; the note counts "
        "the weights left out). <b>Full range</b>: &plusmn;max|w&#771;|. <b>Range</b>: the interval "
        "typed next to it. The mouse wheel over the chart zooms about the pointer.</p>"));
    auto makeRangeSpin = [](const QString &name, double value) {
        auto *spin = new QDoubleSpinBox;
        spin->setObjectName(name);
        spin->setRange(-1000.0, 1000.0);
        spin->setDecimals(2);
        spin->setSingleStep(0.25);
        spin->setValue(value);
        spin->setKeyboardTracking(false);
        spin->setToolTip(QStringLiteral("Histogram range (normalized units); typing here selects Range."));
        return spin;
    };
    m_rangeLo = makeRangeSpin(QStringLiteral("histLoSpin"), -3.0);
    m_rangeHi = makeRangeSpin(QStringLiteral("histHiSpin"), 3.0);
    rangeRow->addWidget(m_range);
    rangeRow->addWidget(m_rangeLo);
    rangeRow->addWidget(new QLabel(QStringLiteral("\u2013")));
    rangeRow->addWidget(m_rangeHi);
    rangeRow->addStretch(1);
    layerLayout->addLayout(rangeRow);

    m_figure = new FigureWidget;
    m_figure->setObjectName(QStringLiteral("layerFigure"));
    m_figure->setToolTip(weightFormulas::normalization() + QStringLiteral("<br>") +
                         weightFormulas::occupancy());
    m_figure->setFigure(selectALayer());
    m_drag = new ClipDrag(
        m_figure, QStringLiteral("histogram"),
        [this] { return m_selected ? std::optional<double>(m_selected->alpha) : std::nullopt; },
        [this](double alpha) { m_clip->spin()->setValue(alpha); }, // clamps, and drives the analysis
        this);

    m_wheel = new WheelZoom(
        m_figure, [this](double centre, double factor) { zoomHistogram(centre, factor); }, this);
    connect(m_bins, &QSpinBox::valueChanged, this, &SelectedLayerBox::rebuildFigure);
    connect(m_range, &QComboBox::currentIndexChanged, this, &SelectedLayerBox::rebuildFigure);
    for (QDoubleSpinBox *spin : {m_rangeLo, m_rangeHi})
        connect(spin, &QDoubleSpinBox::valueChanged, this, [this] {
            const QSignalBlocker block(m_range);
            m_range->setCurrentIndex(int(HistogramRange::Custom));
            rebuildFigure();
        });
    connect(m_logScale, &QCheckBox::toggled, this, &SelectedLayerBox::rebuildFigure);
    m_recomputeTimer = connectClipOverrides(
        m_clip, m_overrides, [this] { return m_selected ? m_selected->name : std::string(); },
        [this] { recompute(); }, [this] { searchAlpha(); }, this);
}

void SelectedLayerBox::setModel(std::shared_ptr<const ModelSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    m_overrides.clear();
    m_selected.reset();
    m_normalized.clear();
    m_normalizedFor.clear();
    m_bulk.reset();
}

bool SelectedLayerBox::recomputePending() const
{
    return m_recomputeTimer->isActive();
}

void SelectedLayerBox::recompute()
{
    m_recomputeTimer->stop();
    const QString name = m_sidebar->tree()->selectedLayer();
    if (!m_snapshot || name.isEmpty()) {
        m_selected.reset();
        rebuildFigure();
        return;
    }
    const std::string key = name.toStdString();
    const SnapshotLayer *layer = m_snapshot->layer(key);
    if (!layer)
        return;
    const auto &values = m_snapshot->weights(key);
    std::optional<double> alpha = layer->checkpointAlpha;
    bool search = m_sidebar->searchAll();
    const auto override = m_overrides.find(key);
    if (override != m_overrides.end()) {
        alpha = override->second.alpha;
        search = false;
    }
    try {
        auto a = analyzeWeightValues(key, values, layer->shape, m_sidebar->spec(), alpha, search);
        if (override != m_overrides.end())
            a.alphaSource = override->second.source();
        else if (!search && layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        m_selected = std::move(a);
    } catch (const std::exception &e) {
        m_selected.reset();
        m_errorLabel->setText(QString::fromStdString(e.what()).toHtmlEscaped());
        m_figure->setError(QString::fromStdString(e.what()));
        return;
    }
    if (m_normalizedFor != key) {
        m_normalized = normalizeWeights(values, m_selected->mean, m_selected->std);
        m_normalizedFor = key;
        m_bulk.reset();
        float maxAbs = 0;
        for (float v : m_normalized)
            maxAbs = std::max(maxAbs, std::abs(v));
        m_clip->fitSliderTo(double(maxAbs),
                            QStringLiteral("max|w\u0303| = %1").arg(double(maxAbs), 0, 'f', 2));
    }
    m_clip->setAlpha(m_selected->alpha);
    m_errorLabel->setText(QStringLiteral("MSE <b>%1</b> \u00b7 SQNR <b>%2 dB</b> \u00b7 clip: %3")
                              .arg(m_selected->mse, 0, 'g', 4)
                              .arg(m_selected->sqnrDb, 0, 'f', 2)
                              .arg(QString::fromStdString(m_selected->alphaSource)));
    Q_EMIT analysed();
    rebuildFigure();
}

void SelectedLayerBox::searchAlpha()
{
    if (!m_selected || !m_snapshot)
        return;
    const std::string key = m_selected->name;
    const SnapshotLayer *layer = m_snapshot->layer(key);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        const auto a = analyzeWeightValues(key, m_snapshot->weights(key), layer->shape, m_sidebar->spec(),
                                           std::nullopt, true);
        m_overrides[key] = {a.alpha, true};
    } catch (const std::exception &) {
    }
    QApplication::restoreOverrideCursor();
    recompute();
}

void SelectedLayerBox::rebuildFigure()
{
    if (!m_selected) {
        m_figure->setFigure(selectALayer());
        return;
    }
    LayerFigureOptions o;
    o.scheme = m_sidebar->scheme();
    o.bits = m_sidebar->bits();
    o.zeroLevel = m_sidebar->zeroLevel();
    o.bins = m_bins->value();
    o.logScale = m_logScale->isChecked();
    o.overlay = m_sidebar->overlay();
    o.range = HistogramRange(std::clamp(m_range->currentIndex(), 0, 2));
    o.rangeLo = m_rangeLo->value();
    o.rangeHi = m_rangeHi->value();
    if (o.range == HistogramRange::Percentiles) {
        if (!m_bulk)
            m_bulk = bulkPercentiles(m_normalized);
        o.bulk = m_bulk;
    }
    try {
        const FigureSpec figure = makeLayerFigure(*m_selected, m_normalized, o);
        m_figure->setFigure(figure);
        m_drag->attach();
        static_cast<WheelZoom *>(m_wheel)->attach();
        // The spin boxes show the span drawn, so a typed or zoomed range starts from what is seen.
        if (o.range != HistogramRange::Custom && !figure.panels.isEmpty()) {
            const QSignalBlocker blockLo(m_rangeLo), blockHi(m_rangeHi);
            m_rangeLo->setValue(figure.panels.front().x.min);
            m_rangeHi->setValue(figure.panels.front().x.max);
        }
    } catch (const std::exception &e) {
        m_figure->setError(QString::fromStdString(e.what()));
    }
}

void SelectedLayerBox::zoomHistogram(double centre, double factor)
{
    if (!m_selected || !(factor > 0))
        return;
    const double lo = m_rangeLo->value(), hi = m_rangeHi->value();
    centre = std::clamp(centre, lo, hi);
    double newLo = centre - (centre - lo) * factor, newHi = centre + (hi - centre) * factor;
    if (!(newHi - newLo > 0.02)) // two hundredths: the spin boxes' resolution
        return;
    {
        const QSignalBlocker blockLo(m_rangeLo), blockHi(m_rangeHi), blockRange(m_range);
        m_rangeLo->setValue(newLo);
        m_rangeHi->setValue(newHi);
        m_range->setCurrentIndex(int(HistogramRange::Custom));
    }
    rebuildFigure();
}

void SelectedLayerBox::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("histRange"), m_range->currentIndex());
    settings.setValue(QStringLiteral("histLo"), m_rangeLo->value());
    settings.setValue(QStringLiteral("histHi"), m_rangeHi->value());
    settings.setValue(QStringLiteral("bins"), m_bins->value());
    settings.setValue(QStringLiteral("log"), m_logScale->isChecked());
}

void SelectedLayerBox::restoreSettings(QSettings &settings)
{
    const QSignalBlocker blockBins(m_bins), blockLog(m_logScale), blockRange(m_range), blockLo(m_rangeLo),
        blockHi(m_rangeHi);
    m_rangeLo->setValue(settings.value(QStringLiteral("histLo"), m_rangeLo->value()).toDouble());
    m_rangeHi->setValue(settings.value(QStringLiteral("histHi"), m_rangeHi->value()).toDouble());
    m_range->setCurrentIndex(std::clamp(settings.value(QStringLiteral("histRange"), 0).toInt(), 0, 2));
    m_bins->setValue(settings.value(QStringLiteral("bins"), m_bins->value()).toInt());
    m_logScale->setChecked(settings.value(QStringLiteral("log"), false).toBool());
}

} // namespace qs::ui
