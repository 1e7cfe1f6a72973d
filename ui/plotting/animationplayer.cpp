#include "ui/plotting/animationplayer.h"

#include "ui/plotting/figureexport.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QSettings>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

#include <algorithm>
#include <stdexcept>

namespace qs::ui {

AnimationPlayer::AnimationPlayer(const QString &what, Steps steps, QWidget *parent)
    : QWidget(parent), m_steps(std::move(steps)), m_play(new QToolButton(this)),
      m_export(new QToolButton(this)), m_timer(new QTimer(this))
{
    m_play->setObjectName(QStringLiteral("playButton"));
    m_play->setText(QStringLiteral("\u25b6 Play"));
    m_play->setToolButtonStyle(Qt::ToolButtonTextOnly);
    // <qt>: rich text, so the tooltip wraps like every other tooltip of the app.
    m_play->setToolTip(
        QStringLiteral("<qt>Play %1 on screen; click again to stop</qt>").arg(what.toHtmlEscaped()));
    m_export->setObjectName(QStringLiteral("exportAnimationButton"));
    m_export->setText(QStringLiteral("GIF/WebP\u2026"));
    m_export->setToolTip(QStringLiteral("<qt>Export %1 as a looping animated GIF or WebP for slides</qt>")
                             .arg(what.toHtmlEscaped()));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_play);
    layout->addWidget(m_export);
    layout->addStretch(1);
    m_timer->setInterval(m_frameMs);
    connect(m_timer, &QTimer::timeout, this, &AnimationPlayer::advance);
    connect(m_play, &QToolButton::clicked, this, [this] { isPlaying() ? stop() : play(); });
    connect(m_export, &QToolButton::clicked, this, &AnimationPlayer::exportWithDialog);
}

bool AnimationPlayer::isPlaying() const
{
    return m_timer->isActive();
}

void AnimationPlayer::setFrameMs(int ms)
{
    m_frameMs = std::clamp(ms, kMinFrameMs, kMaxFrameMs);
    m_timer->setInterval(m_frameMs);
}

void AnimationPlayer::play()
{
    m_timer->stop();
    if (m_steps.frameCount() <= 0)
        return;
    m_frame = 0;
    m_steps.showFrame(0);
    Q_EMIT frameShown(0);
    m_play->setText(QStringLiteral("\u25a0 Stop"));
    m_timer->start();
}

void AnimationPlayer::advance()
{
    const int count = m_steps.frameCount();
    if (m_frame + 1 >= count) {
        stop();
        return;
    }
    ++m_frame;
    m_steps.showFrame(m_frame);
    Q_EMIT frameShown(m_frame);
    if (m_frame + 1 >= count) // hold the end state one frame longer, then finish
        m_timer->setInterval(2 * m_frameMs);
}

void AnimationPlayer::stop()
{
    const bool wasPlaying = m_timer->isActive();
    m_timer->stop();
    m_timer->setInterval(m_frameMs);
    m_play->setText(QStringLiteral("\u25b6 Play"));
    if (!wasPlaying)
        return;
    if (m_steps.finish)
        m_steps.finish();
    Q_EMIT finished();
}

std::optional<QString> AnimationPlayer::exportTo(const QString &path) const
{
    AnimationSpec animation;
    try {
        animation = m_steps.animation();
    } catch (const std::invalid_argument &e) {
        return QString::fromUtf8(e.what());
    }
    ExportOptions options;
    options.dpi = 150; // slides: sharp on a projector, a small file
    return exportAnimation(animation, path, options);
}

void AnimationPlayer::exportWithDialog()
{
    QSettings settings;
    QString dir = settings.value(QStringLiteral("export/directory")).toString();
    if (dir.isEmpty() || !QFileInfo(dir).isDir())
        dir = defaultExportDirectory();
    AnimationSpec probe;
    try {
        probe = m_steps.animation();
    } catch (const std::invalid_argument &e) {
        Q_EMIT exportFailed(QString::fromUtf8(e.what()));
        return;
    }
    const QString suggested = QDir(dir).filePath(probe.id + QStringLiteral(".gif"));
    const QString path =
        QFileDialog::getSaveFileName(this, QStringLiteral("Export animation"), suggested,
                                     QStringLiteral("Animated GIF (*.gif);;Animated WebP (*.webp)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/directory"), QFileInfo(path).absolutePath());
    if (auto error = exportTo(path))
        Q_EMIT exportFailed(*error);
    else
        Q_EMIT exported(path);
}

} // namespace qs::ui
