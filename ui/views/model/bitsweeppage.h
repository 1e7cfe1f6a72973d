#pragma once
// The Model view's "Bit sweep" page: the mean layer SQNR of uniform, PoT and APoT at 2-6 bits, and, when the
// model's data set is at hand, the post-training top-1 at each point; both run as cancellable background
// jobs (latest start wins). Each point re-optimizes every layer's clip for its scheme and bits (a clip
// learned at 4 bits is far too wide at 6, which flattens the curve), unless "Fixed clip" is checked: then
// every point uses the checkpoint's clip (else 3.0).

#include "core/analysis/analysis.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
QT_END_NAMESPACE

namespace qs::ui {

class BackgroundJob;
class FigureWidget;
class ModelSidebar;

class BitSweepPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BitSweepPage)

public:
    explicit BitSweepPage(const ModelSidebar *sidebar, QWidget *parent = nullptr);
    ~BitSweepPage() override; // cancels both jobs and joins their threads

    // A new model: both jobs cancelled, their results dropped.
    void setModel(std::shared_ptr<const ModelSnapshot> snapshot);

    FigureWidget *figure() const { return m_figure; }
    bool sweepRunning() const;
    const std::vector<SweepPoint> &sweepPoints() const { return m_sweep; }
    void setAccuracyImages(int images); // 0: the whole test split
    bool accuracyRunning() const;
    const std::optional<PtqResult> &accuracy() const { return m_accuracy; }
    QProgressBar *accuracyProgress() const { return m_accuracyProgress; }
    // What the last accuracy sweep evaluated (its setting, reference top-1, normalization), a near-chance
    // warning with the likely causes, or why it cannot run; wraps, never widens the window.
    QLabel *accuracySummary() const { return m_accuracySummary; }
    QPushButton *accuracyButton() const { return m_accuracyButton; }
    QCheckBox *fixedClipCheck() const { return m_fixedClip; }
    bool fixedClip() const;

    void saveSettings(QSettings &settings) const; // accuracyImages, sweepFixedClip
    void restoreSettings(QSettings &settings);

public Q_SLOTS:
    void startSweep();
    void cancelSweep();
    void zeroLevelChanged(); // the sidebar's zero level: the SQNR sweep shown is redone
    void startAccuracySweep();
    void cancelAccuracySweep();

private:
    void rebuildFigure();

    const ModelSidebar *m_sidebar;
    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::vector<SweepPoint> m_sweep;
    bool m_sweepSearched = false; // the clip rule of the sweep shown
    std::optional<PtqResult> m_accuracy;
    bool m_accuracySearched = false; // the clip rule of the accuracy shown

    QCheckBox *m_fixedClip = nullptr;
    QPushButton *m_sweepButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_accuracyButton = nullptr;
    QPushButton *m_accuracyCancel = nullptr;
    QSpinBox *m_accuracyImages = nullptr;
    QProgressBar *m_accuracyProgress = nullptr;
    QLabel *m_accuracySummary = nullptr;
    QString m_accuracyToolTip;
    FigureWidget *m_figure = nullptr;
    // Each job has its own thread, so neither waits behind the other's queue.
    std::unique_ptr<BackgroundJob> m_sweepJob, m_accuracyJob;
};

} // namespace qs::ui
