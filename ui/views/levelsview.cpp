#include "ui/views/levelsview.h"

#include "ui/figures/animations.h"
#include "ui/plotting/animationplayer.h"

#include "ui/figures/palette.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/toollayout.h"

#include <QChart>
#include <QCheckBox>
#include <QEvent>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QSlider>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs::ui {

namespace {
constexpr std::array<Scheme, 3> kSchemes{Scheme::Uniform, Scheme::PoT, Scheme::APoT};
constexpr double kAlphaSliderMax = 4.0; // the spin box goes further; the slider covers the usual range
} // namespace

PlotAreaAligner::PlotAreaAligner(FigureWidget *figure) : QObject(figure), m_figure(figure)
{
    // New fonts or labels (presentation mode, another bit width) move the plot areas once the charts have
    // laid out again: align when the event loop is next idle.
    connect(figure, &FigureWidget::figureChanged, this,
            [this] { QTimer::singleShot(0, this, &PlotAreaAligner::align); });
}

void PlotAreaAligner::align()
{
    const QList<QChart *> charts = m_figure->charts();
    for (QChart *chart : charts)
        if (chart->scene())
            for (QGraphicsView *view : chart->scene()->views())
                view->installEventFilter(this); // installing twice keeps one filter
    if (charts.size() < 2)
        return;
    // Automatic layout first: the plot areas the labels need now.
    for (QChart *chart : charts) {
        chart->setPlotArea(QRectF());
        if (QGraphicsLayout *layout = chart->layout()) {
            layout->invalidate(); // lay out now, at the chart's current size (not at the next event)
            layout->activate();
        }
    }
    double left = -1e300, right = 1e300;
    for (QChart *chart : charts) {
        const QRectF area = chart->plotArea();
        if (area.width() <= 0)
            return; // not laid out yet (hidden): the next resize aligns
        left = std::max(left, area.left());
        right = std::min(right, area.right());
    }
    if (!(right > left))
        return;
    for (QChart *chart : charts) {
        const QRectF area = chart->plotArea();
        chart->setPlotArea(QRectF(left, area.top(), right - left, area.height()));
        // Lay out with the fixed area now: plotArea() reports it at once, but the axes and series move only
        // when the chart lays itself out again, which a chart already laid out at this size may never do.
        if (QGraphicsLayout *layout = chart->layout()) {
            layout->invalidate();
            layout->activate();
        }
    }
}

bool PlotAreaAligner::eventFilter(QObject *watched, QEvent *event)
{
    if ((event->type() != QEvent::Resize && event->type() != QEvent::Show) || m_inEvent)
        return QObject::eventFilter(watched, event);
    // The view resizes its chart in its own handler: let it run first, then align at the new size, before
    // anything paints (a screenshot or the next frame sees aligned axes).
    m_inEvent = true;
    watched->event(event);
    m_inEvent = false;
    align();
    // Fonts and pens can change after the resize (presentation mode's larger type, say) and move a plot area
    // once more: align again when the event loop is next idle.
    QTimer::singleShot(0, this, &PlotAreaAligner::align);
    return true;
}

LevelsView::LevelsView(QWidget *parent) : QWidget(parent)
{
    auto *controls = new QWidget;
    auto *form = new QFormLayout;

    m_scheme = new QComboBox;
    m_scheme->setObjectName(QStringLiteral("schemeCombo"));
    for (Scheme scheme : kSchemes) {
        m_scheme->addItem(schemeLabel(scheme), int(scheme));
        m_scheme->setItemData(m_scheme->count() - 1, richToolTip(schemeToolTip(scheme)), Qt::ToolTipRole);
    }
    m_scheme->setCurrentIndex(2);
    m_scheme->setToolTip(richToolTip(QStringLiteral("The scheme whose bit range the bits box follows.")));
    form->addRow(QStringLiteral("&Scheme"), m_scheme);

    m_bits = new QSpinBox;
    m_bits->setObjectName(QStringLiteral("bitsSpin"));
    m_bits->setValue(4);
    m_bits->setSuffix(QStringLiteral(" bit"));
    form->addRow(QStringLiteral("&Bits"), m_bits);

    m_signed = new QCheckBox(QStringLiteral("Si&gned (weights)"));
    m_signed->setObjectName(QStringLiteral("signedCheck"));
    m_signed->setToolTip(
        richToolTip(QStringLiteral("Signed: 1 sign bit + b\u22121 magnitude bits, 2<sup>b</sup>\u22121 "
                                   "levels symmetric about 0. A 2-bit signed APoT weight is ternary.")));
    form->addRow(QString(), m_signed);

    m_zeroLevel = new QCheckBox(QStringLiteral("&Zero level"));
    m_zeroLevel->setObjectName(QStringLiteral("zeroLevelCheck"));
    m_zeroLevel->setChecked(true);
    m_zeroLevel->setEnabled(false); // unsigned grids always keep 0
    m_zeroLevel->setToolTip(richToolTip(
        QStringLiteral("Signed grids only. Off: the grid without its zero level (config zero_level = false), "
                       "2<sup>b</sup> levels: each magnitude m becomes (m + h)/(1 + h), h half the gap next "
                       "to 0. On the uniform grid that is the official EWGS weight grid (2 bits: "
                       "&minus;1, &minus;1/3, 1/3, 1).")));
    form->addRow(QString(), m_zeroLevel);

    m_alpha = new QDoubleSpinBox;
    m_alpha->setObjectName(QStringLiteral("alphaSpin"));
    m_alpha->setRange(0.05, 100.0);
    m_alpha->setDecimals(2);
    m_alpha->setSingleStep(0.05);
    m_alpha->setValue(1.0);
    const QString alphaTip =
        richToolTip(QStringLiteral("Clip value &alpha;: the largest level. ") + formulas::staircase());
    m_alpha->setToolTip(alphaTip);
    m_alphaSlider = new QSlider(Qt::Horizontal);
    m_alphaSlider->setObjectName(QStringLiteral("alphaSlider"));
    m_alphaSlider->setRange(int(std::lround(0.05 * kAlphaScale)),
                            int(std::lround(kAlphaSliderMax * kAlphaScale)));
    m_alphaSlider->setSingleStep(5);
    m_alphaSlider->setPageStep(25);
    m_alphaSlider->setValue(int(std::lround(m_alpha->value() * kAlphaScale)));
    m_alphaSlider->setToolTip(alphaTip);
    auto *alphaRow = new QHBoxLayout;
    alphaRow->setContentsMargins(0, 0, 0, 0);
    alphaRow->addWidget(m_alphaSlider, 1);
    alphaRow->addWidget(m_alpha);
    auto *alphaLabel = new QLabel(QStringLiteral("Clip &\u03b1"));
    alphaLabel->setBuddy(m_alpha);
    form->addRow(alphaLabel, alphaRow);

    auto *compareBox = new QGroupBox(QStringLiteral("Overlay at the same bits"));
    auto *compareLayout = new QVBoxLayout(compareBox);
    for (size_t i = 0; i < kSchemes.size(); ++i) {
        m_compare[i] = new QCheckBox(schemeLabel(kSchemes[i]));
        m_compare[i]->setObjectName(QStringLiteral("compare") + schemeLabel(kSchemes[i]));
        m_compare[i]->setToolTip(richToolTip(schemeToolTip(kSchemes[i])));
        m_compare[i]->setChecked(true);
        compareLayout->addWidget(m_compare[i]);
    }

    // What the level sets show is the figure's note (levelsCaption), under the charts.
    auto *help = new QLabel(QStringLiteral("Hover a control for its formula."));
    help->setWordWrap(true);

    // Play: the grid at 2, 3, ..., 6 bits (those the scheme defines), through the Bits box itself, so the
    // caption and the counts follow each step; it stays at the last one.
    auto firstBits = [this] { return std::max(2, m_bits->minimum()); };
    m_player = new AnimationPlayer(
        QStringLiteral("the bits stepping 2 \u2192 6"),
        {[this, firstBits] { return std::max(0, std::min(6, m_bits->maximum()) - firstBits() + 1); },
         [this, firstBits](int k) { m_bits->setValue(firstBits() + k); }, nullptr,
         [this] { return levelsBitsAnimation(options(), 2, 6); }},
        controls);

    auto *controlsLayout = new QVBoxLayout(controls);
    controlsLayout->addLayout(form);
    controlsLayout->addWidget(compareBox);
    controlsLayout->addWidget(m_player);
    controlsLayout->addWidget(help);
    controlsLayout->addStretch(1);

    m_figure = new FigureWidget;
    m_figure->setToolTip(richToolTip(formulas::staircase()));
    m_aligner = new PlotAreaAligner(m_figure);

    m_splitter = placeControlsBesideFigure(this, controls, m_figure, QStringLiteral("levelsSplitter"), 260);

    connect(m_scheme, &QComboBox::currentIndexChanged, this, [this] {
        updateBitRange();
        rebuild();
    });
    connect(m_signed, &QCheckBox::toggled, this, [this] {
        updateBitRange();
        rebuild();
    });
    connect(m_zeroLevel, &QCheckBox::toggled, this, &LevelsView::rebuild);
    connect(m_bits, &QSpinBox::valueChanged, this, &LevelsView::rebuild);
    connect(m_alpha, &QDoubleSpinBox::valueChanged, this, [this](double alpha) {
        {
            const QSignalBlocker block(m_alphaSlider);
            m_alphaSlider->setValue(int(std::lround(alpha * kAlphaScale)));
        }
        rebuild();
    });
    connect(m_alphaSlider, &QSlider::valueChanged, this,
            [this](int position) { m_alpha->setValue(position / kAlphaScale); }); // the spin box rebuilds
    for (auto *check : m_compare)
        connect(check, &QCheckBox::toggled, this, &LevelsView::rebuild);

    updateBitRange();
    rebuild();
}

LevelsFigureOptions LevelsView::options() const
{
    LevelsFigureOptions o;
    o.scheme = Scheme(m_scheme->currentData().toInt());
    o.bits = m_bits->value();
    o.isSigned = m_signed->isChecked();
    o.zeroLevel = !o.isSigned || m_zeroLevel->isChecked();
    o.alpha = m_alpha->value();
    for (size_t i = 0; i < kSchemes.size(); ++i)
        if (m_compare[i]->isChecked())
            o.compareWith << kSchemes[i];
    return o;
}

const FigureSpec &LevelsView::figure() const
{
    return m_figure->figure();
}

void LevelsView::updateBitRange()
{
    const auto scheme = Scheme(m_scheme->currentData().toInt());
    const auto [lo, hi] = supportedBits(scheme, m_signed->isChecked());
    const QSignalBlocker blocker(m_bits); // one rebuild per user action, done by the caller
    m_bits->setRange(lo, hi);
    m_bits->setToolTip(
        richToolTip(QStringLiteral("%1 %2 levels are defined for %3 to %4 bits.")
                        .arg(schemeLabel(scheme),
                             m_signed->isChecked() ? QStringLiteral("signed") : QStringLiteral("unsigned"))
                        .arg(lo)
                        .arg(hi)));
    m_zeroLevel->setEnabled(m_signed->isChecked());
    // The primary scheme is always drawn; its overlay box is implied.
    for (size_t i = 0; i < kSchemes.size(); ++i)
        m_compare[i]->setEnabled(kSchemes[i] != scheme);
}

void LevelsView::rebuild()
{
    if (m_restoring)
        return;
    try {
        m_figure->setFigure(makeLevelsFigure(options()));
        m_aligner->align();
    } catch (const std::exception &e) {
        m_figure->setError(QString::fromStdString(e.what()));
    }
}

void LevelsView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("levels"));
    settings.setValue(QStringLiteral("scheme"), QString::fromStdString(schemeName(options().scheme)));
    settings.setValue(QStringLiteral("bits"), m_bits->value());
    settings.setValue(QStringLiteral("signed"), m_signed->isChecked());
    settings.setValue(QStringLiteral("zeroLevel"), m_zeroLevel->isChecked());
    settings.setValue(QStringLiteral("alpha"), m_alpha->value());
    for (size_t i = 0; i < kSchemes.size(); ++i)
        settings.setValue(QStringLiteral("compare/") + QString::fromStdString(schemeName(kSchemes[i])),
                          m_compare[i]->isChecked());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("figureSplitter"), m_figure->splitter()->saveState());
    settings.endGroup();
}

void LevelsView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("levels"));
    m_restoring = true;
    if (auto scheme = parseScheme(settings.value(QStringLiteral("scheme")).toString().toStdString()))
        m_scheme->setCurrentIndex(m_scheme->findData(int(*scheme)));
    m_signed->setChecked(settings.value(QStringLiteral("signed"), m_signed->isChecked()).toBool());
    m_zeroLevel->setChecked(settings.value(QStringLiteral("zeroLevel"), true).toBool());
    updateBitRange();
    m_bits->setValue(settings.value(QStringLiteral("bits"), m_bits->value()).toInt()); // clamped to the range
    m_alpha->setValue(settings.value(QStringLiteral("alpha"), m_alpha->value()).toDouble());
    for (size_t i = 0; i < kSchemes.size(); ++i)
        m_compare[i]->setChecked(
            settings.value(QStringLiteral("compare/") + QString::fromStdString(schemeName(kSchemes[i])), true)
                .toBool());
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_figure->splitter()->restoreState(settings.value(QStringLiteral("figureSplitter")).toByteArray());
    m_restoring = false;
    settings.endGroup();
    rebuild();
}

} // namespace qs::ui
