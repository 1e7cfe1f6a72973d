#include "ui/figures/levelsfigure.h"
#include "ui/views/model/capturebar.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/activationfigures.h"
#include "ui/views/backgroundjob.h"
#include "ui/views/model/modelsidebar.h"

#include <QHBoxLayout>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace qs::ui {

namespace {
constexpr int kDefaultCaptureImages = 256;
} // namespace

CaptureBar::CaptureBar(const ModelSidebar *sidebar, QWidget *parent) : QWidget(parent), m_sidebar(sidebar)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_button = new QPushButton(QStringLiteral("Run batch"));
    m_button->setObjectName(QStringLiteral("captureButton"));
    m_buttonToolTip = activationFormulas::capture();
    m_button->setToolTip(m_buttonToolTip);
    m_cancel = new QPushButton(QStringLiteral("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelCaptureButton"));
    m_images = new QSpinBox;
    m_images->setObjectName(QStringLiteral("captureImagesSpin"));
    m_images->setRange(1, 10000);
    m_images->setSingleStep(64);
    m_images->setValue(kDefaultCaptureImages);
    m_images->setSuffix(QStringLiteral(" images"));
    m_images->setToolTip(QStringLiteral("The first N images of the test split."));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("captureProgress"));
    layout->addWidget(m_button);
    layout->addWidget(m_cancel);
    layout->addWidget(m_images);
    layout->addWidget(m_progress, 1);
    m_job = std::make_unique<BackgroundJob>(QStringLiteral("modelCapture"), m_button, m_cancel, m_progress);
    connect(m_button, &QPushButton::clicked, this, &CaptureBar::start);
    connect(m_cancel, &QPushButton::clicked, this, &CaptureBar::cancel);
}

CaptureBar::~CaptureBar() = default; // the job cancels and joins its thread

void CaptureBar::setModel(std::shared_ptr<const ModelSnapshot> snapshot)
{
    cancel();
    m_snapshot = std::move(snapshot);
    m_capture.reset();
    m_error.clear();
    m_job->resetProgress();
    // A model QuantScope cannot run (an ImageNet ResNet): the button says why instead of failing later.
    const bool evaluable = !m_snapshot || m_snapshot->trainedAs().evaluable();
    m_button->setEnabled(evaluable);
    m_button->setToolTip(richToolTip(
        evaluable ? m_buttonToolTip : QString::fromStdString(m_snapshot->trainedAs().notEvaluable)));
}

bool CaptureBar::running() const
{
    return m_job->running();
}

int CaptureBar::images() const
{
    return m_images->value();
}

void CaptureBar::setImages(int images)
{
    m_images->setValue(images);
}

QString CaptureBar::note() const
{
    if (m_job->running())
        return QStringLiteral("Running %1 images through the model\u2026").arg(m_images->value());
    if (!m_error.isEmpty())
        return m_error;
    if (m_capture || !m_snapshot)
        return {};
    if (!m_snapshot->trainedAs().evaluable())
        return QString::fromStdString(m_snapshot->trainedAs().notEvaluable);
    const std::string own = m_snapshot->dataSpec();
    const QString typed = m_sidebar->dataSpec();
    if (typed.isEmpty() && own.empty())
        return QStringLiteral("This file names no data set: type one (e.g. cifar10:DIR) above the grid, "
                              "then Run batch.");
    return QStringLiteral("Run batch: the first %1 test images of %2.")
        .arg(m_images->value())
        .arg(typed.isEmpty() ? QString::fromStdString(own) : typed);
}

void CaptureBar::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("captureImages"), m_images->value());
}

void CaptureBar::restoreSettings(QSettings &settings)
{
    m_images->setValue(settings.value(QStringLiteral("captureImages"), kDefaultCaptureImages).toInt());
}

void CaptureBar::start()
{
    if (!m_snapshot || !m_snapshot->trainedAs().evaluable())
        return;
    cancel();
    m_error.clear();
    ActivationRequest request;
    request.weights = m_snapshot->path();
    request.data = m_sidebar->dataSpec().toStdString();
    request.images = m_images->value();
    m_job->start(
        [this, request](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto capture = std::make_shared<const ActivationCapture>(captureActivations(request, progress));
            if (!capture->complete)
                return {};
            return [this, capture] {
                m_progress->setFormat(QStringLiteral("%1 images of %2")
                                          .arg(capture->images)
                                          .arg(QString::fromStdString(capture->dataSpec)));
                m_capture = capture;
                Q_EMIT captured();
            };
        },
        [this](const QString &error) {
            m_error = error;
            Q_EMIT failed(error);
        });
    Q_EMIT started();
}

void CaptureBar::cancel()
{
    if (m_job->cancel())
        Q_EMIT cancelled();
}

} // namespace qs::ui
