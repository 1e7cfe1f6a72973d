#include "ui/views/model/bitsweeppage.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/activationfigures.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/weightfigures.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/backgroundjob.h"
#include "ui/views/model/modelsidebar.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qs::ui {

namespace {
constexpr int kSweepFrom = 2, kSweepTo = 6;
constexpr int kDefaultAccuracyImages = 2000; // seconds to a minute on 2 cores for the 15 evaluations
} // namespace

BitSweepPage::BitSweepPage(const ModelSidebar *sidebar, QWidget *parent) : QWidget(parent), m_sidebar(sidebar)
{
    auto *sweepLayout = new QVBoxLayout(this);
    sweepLayout->setContentsMargins(0, 0, 0, 0);
    auto *sweepBar = new QHBoxLayout;
    m_sweepButton = new QPushButton(QStringLiteral("Run sweep"));
    m_sweepButton->setObjectName(QStringLiteral("sweepButton"));
    m_sweepButton->setToolTip(QStringLiteral("Every layer at 2\u20136 bits, uniform, PoT and APoT, in the "
                                             "background."));
    m_cancelButton = new QPushButton(QStringLiteral("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelSweepButton"));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("sweepProgress"));
    m_fixedClip = new QCheckBox(QStringLiteral("Fixed clip"));
    m_fixedClip->setObjectName(QStringLiteral("fixedClipCheck"));
    m_fixedClip->setToolTip(QStringLiteral(
        "<p>Unchecked: every scheme and bit width gets each layer's MSE-optimal clip &alpha;, found anew, as "
        "<tt>quantscope-cli analyze --alpha-search mse</tt> does. Checked: every point uses the "
        "checkpoint's &alpha; (learned at one bit width; 3.0 where the file has none), which shows how "
        "a clip tuned for one grid fares on the others.</p>"));
    sweepBar->addWidget(m_sweepButton);
    sweepBar->addWidget(m_cancelButton);
    sweepBar->addWidget(m_fixedClip);
    sweepBar->addWidget(m_progress, 1);
    sweepLayout->addLayout(sweepBar);
    auto *accuracyBar = new QHBoxLayout;
    m_accuracyButton = new QPushButton(QStringLiteral("Accuracy"));
    m_accuracyButton->setObjectName(QStringLiteral("accuracyButton"));
    m_accuracyToolTip =
        activationFormulas::ptq() +
        QStringLiteral(" Every scheme at 2\u20136 bits, in the background, next to the model "
                       "evaluated as the sidebar's Evaluation box says (as trained by default).");
    m_accuracyButton->setToolTip(m_accuracyToolTip);
    m_accuracyCancel = new QPushButton(QStringLiteral("Cancel"));
    m_accuracyCancel->setObjectName(QStringLiteral("cancelAccuracyButton"));
    m_accuracyImages = new QSpinBox;
    m_accuracyImages->setObjectName(QStringLiteral("accuracyImagesSpin"));
    m_accuracyImages->setRange(0, 100000);
    m_accuracyImages->setSingleStep(500);
    m_accuracyImages->setValue(kDefaultAccuracyImages);
    m_accuracyImages->setSpecialValueText(QStringLiteral("all test images"));
    m_accuracyImages->setSuffix(QStringLiteral(" test images"));
    m_accuracyImages->setToolTip(QStringLiteral(
        "Top-1 over the first N test images for each of the 15 (scheme, bits) points and the unquantized "
        "baseline; 0 = the whole test split (slower)."));
    m_accuracyProgress = new QProgressBar;
    m_accuracyProgress->setObjectName(QStringLiteral("accuracyProgress"));
    accuracyBar->addWidget(m_accuracyButton);
    accuracyBar->addWidget(m_accuracyCancel);
    accuracyBar->addWidget(m_accuracyImages);
    accuracyBar->addWidget(m_accuracyProgress, 1);
    sweepLayout->addLayout(accuracyBar);
    m_accuracySummary = new QLabel;
    m_accuracySummary->setObjectName(QStringLiteral("accuracySummary"));
    m_accuracySummary->setWordWrap(true);
    m_accuracySummary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_accuracySummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_accuracySummary->hide();
    sweepLayout->addWidget(m_accuracySummary);
    m_figure = new FigureWidget;
    m_figure->setObjectName(QStringLiteral("sweepFigure"));
    m_figure->setToolTip(QStringLiteral("Mean over layers of each layer's SQNR, per scheme and bit width. ") +
                         weightFormulas::sqnr());
    sweepLayout->addWidget(m_figure, 1);

    m_sweepJob = std::make_unique<BackgroundJob>(QStringLiteral("modelSweep"), m_sweepButton, m_cancelButton,
                                                 m_progress);
    m_accuracyJob = std::make_unique<BackgroundJob>(QStringLiteral("modelAccuracy"), m_accuracyButton,
                                                    m_accuracyCancel, m_accuracyProgress);
    connect(m_sweepButton, &QPushButton::clicked, this, &BitSweepPage::startSweep);
    connect(m_fixedClip, &QCheckBox::toggled, this, [this] {
        if (m_snapshot)
            startSweep(); // the sweep shown always says which clip rule made it
    });
    connect(m_cancelButton, &QPushButton::clicked, this, &BitSweepPage::cancelSweep);
    connect(m_accuracyButton, &QPushButton::clicked, this, &BitSweepPage::startAccuracySweep);
    connect(m_accuracyCancel, &QPushButton::clicked, this, &BitSweepPage::cancelAccuracySweep);
    rebuildFigure();
}

BitSweepPage::~BitSweepPage() = default; // each job cancels and joins its thread

void BitSweepPage::setModel(std::shared_ptr<const ModelSnapshot> snapshot)
{
    cancelSweep();
    cancelAccuracySweep();
    m_snapshot = std::move(snapshot);
    m_accuracy.reset();
    m_accuracyJob->resetProgress();
    m_sweep.clear();
    m_accuracySummary->clear();
    m_accuracySummary->hide();
    // A model QuantScope cannot run (an ImageNet ResNet): the button says why.
    const bool evaluable = !m_snapshot || m_snapshot->trainedAs().evaluable();
    m_accuracyButton->setEnabled(evaluable);
    m_accuracyButton->setToolTip(richToolTip(
        evaluable ? m_accuracyToolTip : QString::fromStdString(m_snapshot->trainedAs().notEvaluable)));
}

bool BitSweepPage::sweepRunning() const
{
    return m_sweepJob->running();
}

bool BitSweepPage::fixedClip() const
{
    return m_fixedClip->isChecked();
}

bool BitSweepPage::accuracyRunning() const
{
    return m_accuracyJob->running();
}

void BitSweepPage::setAccuracyImages(int images)
{
    m_accuracyImages->setValue(images);
}

void BitSweepPage::rebuildFigure()
{
    if (m_sweep.empty() && !m_accuracy) {
        FigureSpec f;
        f.id = QStringLiteral("bit-sweep");
        f.note = m_sweepJob->running() ? QStringLiteral("Sweeping\u2026") : QStringLiteral("Run the sweep.");
        m_figure->setFigure(f);
        return;
    }
    m_figure->setFigure(makeBitSweepFigure(m_sweep, m_sweepSearched, m_accuracy ? &*m_accuracy : nullptr,
                                           m_accuracySearched));
}

void BitSweepPage::startSweep()
{
    if (!m_snapshot)
        return;
    const auto snapshot = m_snapshot;
    const bool search = !fixedClip();
    const bool zero = m_sidebar->zeroLevel();
    m_sweepJob->start(
        [this, snapshot, search, zero](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto points = bitSweep(*snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, kSweepFrom,
                                   kSweepTo, search, progress, zero);
            return [this, points = std::move(points), search] {
                m_sweep = points;
                m_sweepSearched = search;
                rebuildFigure();
            };
        },
        [this](const QString &error) { m_figure->setError(error); });
    if (m_sweep.empty())
        rebuildFigure();
}

void BitSweepPage::zeroLevelChanged()
{
    // The SQNR curves shown were made on the other grids: redo them; an accuracy sweep is started by hand.
    if (m_snapshot && !m_sweep.empty())
        startSweep();
}

void BitSweepPage::cancelSweep()
{
    m_sweepJob->cancel();
}

void BitSweepPage::startAccuracySweep()
{
    if (!m_snapshot)
        return;
    const EvaluationSetting setting = m_sidebar->evaluationSetting();
    if (!setting.problem.isEmpty()) {
        m_accuracySummary->setText(setting.problem.toHtmlEscaped());
        m_accuracySummary->setToolTip(setting.problem);
        m_accuracySummary->show();
        return;
    }
    PtqRequest request;
    request.weights = m_snapshot->path();
    request.quant = setting.quant;
    request.wbits = setting.wbits;
    request.abits = setting.abits;
    request.mean = setting.mean;
    request.std = setting.std;
    request.data = m_sidebar->dataSpec().toStdString();
    request.zeroLevel = m_sidebar->zeroLevel();
    request.fromBits = kSweepFrom;
    request.toBits = kSweepTo;
    request.testImages = m_accuracyImages->value();
    request.alphaSearch = !fixedClip();
    m_accuracyJob->start(
        [this, request](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto result = ptqAccuracySweep(request, progress);
            if (!result.complete)
                return {};
            return [this, result = std::move(result), search = request.alphaSearch] {
                m_accuracyProgress->setFormat(QStringLiteral("%1 %2% on %3 images")
                                                  .arg(QString::fromStdString(result.reference))
                                                  .arg(result.referenceTop1, 0, 'f', 2)
                                                  .arg(result.images));
                m_accuracyProgress->setToolTip(QString());
                QString summary = QStringLiteral("Reference: %1, top-1 <b>%2%</b> on %3 images of %4 "
                                                 "\u00b7 %5 \u00b7 points: activations %6")
                                      .arg(QString::fromStdString(result.reference).toHtmlEscaped())
                                      .arg(result.referenceTop1, 0, 'f', 2)
                                      .arg(result.images)
                                      .arg(QString::fromStdString(
                                               result.dataSpec.back() == ':'
                                                   ? result.dataSpec.substr(0, result.dataSpec.size() - 1)
                                                   : result.dataSpec)
                                               .toHtmlEscaped())
                                      .arg(QString::fromStdString(normalizationText(result.mean, result.std)))
                                      .arg(QString::fromStdString(result.activations).toHtmlEscaped());
                if (nearChance(result.referenceTop1, result.classes))
                    summary +=
                        QStringLiteral("<br><span style='color:#b00020'>\u26a0 %1</span>")
                            .arg(QString::fromStdString(
                                     nearChanceWarning(result.referenceTop1, result.classes,
                                                       m_snapshot ? m_snapshot->trainedAs() : TrainedAs{}))
                                     .toHtmlEscaped());
                m_accuracySummary->setText(summary);
                m_accuracySummary->setToolTip(QString());
                m_accuracySummary->show();
                m_accuracy = result;
                m_accuracySearched = search;
                rebuildFigure();
            };
        },
        [this](const QString &error) {
            m_accuracyProgress->setToolTip(error);
            m_accuracySummary->setText(error.toHtmlEscaped());
            m_accuracySummary->setToolTip(error);
            m_accuracySummary->show();
            m_figure->setError(error);
        });
}

void BitSweepPage::cancelAccuracySweep()
{
    m_accuracyJob->cancel();
}

void BitSweepPage::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("accuracyImages"), m_accuracyImages->value());
    settings.setValue(QStringLiteral("sweepFixedClip"), m_fixedClip->isChecked());
}

void BitSweepPage::restoreSettings(QSettings &settings)
{
    m_accuracyImages->setValue(
        settings.value(QStringLiteral("accuracyImages"), kDefaultAccuracyImages).toInt());
    const QSignalBlocker block(m_fixedClip); // the model opened next starts the sweep
    m_fixedClip->setChecked(settings.value(QStringLiteral("sweepFixedClip"), false).toBool());
}

} // namespace qs::ui
