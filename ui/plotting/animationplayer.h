#pragma once
// The Play button of a teaching moment: steps a view through its frames on screen (the view shows frame k
// itself, e.g. by setting its bits spin box, so its controls and caption follow), and an "Export animation"
// button that writes the same frames as a looping GIF or WebP for slides (ui/plotting/animation.h).

#include "ui/plotting/animation.h"

#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QTimer;
class QToolButton;
QT_END_NAMESPACE

namespace qs::ui {

class AnimationPlayer final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnimationPlayer)

public:
    struct Steps
    {
        std::function<int()> frameCount;          // frames of the current settings
        std::function<void(int frame)> showFrame; // put the view at frame k (0-based)
        std::function<void()> finish;             // after the last frame (or Stop): e.g. restore a setting
        std::function<AnimationSpec()>
            animation; // the frames as figures, for the export (may throw invalid_argument)
    };

    // `what` names the moment in the tooltips ("the bits stepping 2 -> 6").
    AnimationPlayer(const QString &what, Steps steps, QWidget *parent = nullptr);

    void play(); // from frame 0; a running animation restarts
    void stop(); // at the current frame, then finish()
    bool isPlaying() const;
    int currentFrame() const { return m_frame; }
    void setFrameMs(int ms);
    int frameMs() const { return m_frameMs; }

    QToolButton *playButton() const { return m_play; }
    QToolButton *exportButton() const { return m_export; }

    // Writes the animation to path (.gif or .webp), rendered on the single-column preset at 150 dpi.
    std::optional<QString> exportTo(const QString &path) const;

Q_SIGNALS:
    void frameShown(int frame);
    void finished();
    void exported(const QString &path);
    void exportFailed(const QString &line);

private:
    void advance();
    void exportWithDialog();

    Steps m_steps;
    QToolButton *m_play = nullptr;
    QToolButton *m_export = nullptr;
    QTimer *m_timer = nullptr;
    int m_frame = -1;
    int m_frameMs = 700;
};

} // namespace qs::ui
