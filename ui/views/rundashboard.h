#pragma once
// The run dashboard: one or more run directories followed as they grow (metrics.jsonl polled on a timer,
// redraws coalesced to the poll; a run of this process also drawn from its worker's samples before the file
// has them, see LiveTail), drawn as pages of charts: loss (raw and smoothed) / accuracy / learning
// rate, EWGS delta_W and delta_A per layer, alpha per layer, and the newest level occupancy of a chosen
// layer; a divergence is marked on every chart with the layer and values that caused it. The Train view shows
// the live run in one; the Runs view overlays several.

#include "core/runs/runhistory.h"
#include "ui/figures/runfigures.h"
#include "ui/plotting/figure.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QTabWidget;
class QTimer;
QT_END_NAMESPACE

namespace qs::ui {

class AnimationPlayer;
class FigureWidget;

class RunDashboard final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunDashboard)

public:
    enum class Page
    {
        Curves = 0,
        Ewgs = 1,
        Alpha = 2,
        Occupancy = 3,
        Compare = 4 // several runs overlaid (loss, test top-1, largest delta); shown after setCompareVisible
    };

    explicit RunDashboard(QWidget *parent = nullptr);
    ~RunDashboard() override;

    // Follows DIR/metrics.jsonl from its start. A directory whose metrics.jsonl does not exist yet (a run
    // about to start) is accepted and picked up when the file appears. False, with one line in *error, when
    // DIR is not a directory or is already shown.
    bool addRun(const QString &dir, QString *error = nullptr);
    void removeRun(const QString &dir);
    void clearRuns();
    QStringList runs() const;
    // The one name of a run on every chart, chooser, list and table: the label the user gave it
    // (setRunLabel), else the one from its config.ini, told apart from a same-recipe run by its directory.
    QString runLabel(int index) const;
    // A user's label for the run in `dir`; empty: back to the automatic one. Redraws and emits runsChanged.
    void setRunLabel(const QString &dir, const QString &label);
    const std::vector<std::unique_ptr<RunHistory>> &histories() const { return m_histories; }

    void setPollInterval(int milliseconds); // default 250 ms
    void pollNow(); // reads what is new in every followed file, redraws if anything (or a live sample) was

    // The training worker's own samples of the followed run in `dir` (this process's live run), drawn at the
    // next poll however many arrive; what metrics.jsonl has by then is drawn from the file instead.
    // `after`: the step of the worker's point before steps.front() (the session's start for its first).
    void addLiveSteps(const QString &dir, int64_t after, const std::vector<StepSample> &steps);
    void addLiveEpoch(const QString &dir, const EpochSample &epoch);
    // What the charts show: each run's file history, with its live tail where it has one.
    std::vector<const RunHistory *> drawnHistories() const;

    // Trials (indices into runs(), core/runs/trials.h): while a group has several runs, the Compare page
    // draws each group's mean over its trials with the min..max range (makeTrialsFigure). Empty: every run.
    // `labels`: a name per group for the legends (a sweep's row, "apot wbits=2"); `rule`: what makes
    // a group, for the figure's note (RunFigureOptions::groupLabels, groupRule).
    void setTrialGroups(const std::vector<std::vector<size_t>> &groups,
                        const std::vector<std::string> &labels = {}, const std::string &rule = {});

    void setCompareVisible(bool visible);
    void setStatusVisible(bool visible); // the per-run status lines (the Runs view's table says the same) //
                                         // the Compare page's tab (off by default: one run needs no overlay)
    void showPage(Page page);
    Page page() const;
    const FigureSpec &figure() const; // the current page's (Ctrl+E exports it)
    FigureWidget *figureWidget(Page page) const;
    AnimationPlayer *player() const { return m_player; } // Play: the current page's curves grow step by step
    // The height below which a chart's ticks and titles no longer fit: a page scrolls rather than going below
    // it per panel.
    int minimumPanelHeight() const;

Q_SIGNALS:
    void runsChanged(); // a run added or removed
    void updated();     // new records drawn
    void divergenceSeen(const QString &dir, const QString &line);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Followed;
    void redraw(); // the current page, when the dashboard is visible (hidden pages wait until shown)
    FigureSpec buildFigure(int page) const;
    const FigureSpec &spec(int page) const;
    void syncWidget(int page) const;
    void markStale();
    void refreshChoices(); // the layer and run choosers follow the runs' layers
    void updateStatus();
    void afterRemoval(); // a run or all of them removed: stop polling when none is left, redraw, tell
    Followed *followed(const QString &dir) const;
    int preferredLayerRun() const; // the run the per-layer pages start on: one with EWGS δ when there is one
    RunFigureOptions options() const;

    std::vector<std::unique_ptr<RunHistory>> m_histories;
    std::vector<std::unique_ptr<Followed>> m_followers; // same order as m_histories
    QTabWidget *m_pages = nullptr;
    QComboBox *m_layer = nullptr; // EWGS/alpha: the highlighted layer; occupancy: the layer shown
    QComboBox *m_run = nullptr;   // occupancy: which run
    QDoubleSpinBox *m_smoothing = nullptr;
    QLabel *m_status = nullptr;
    QTimer *m_pollTimer = nullptr;
    AnimationPlayer *m_player = nullptr; // the current page's curves growing over the run
    QList<FigureSpec> m_playFrames;
    QList<FigureWidget *> m_figures;
    mutable QList<FigureSpec> m_specs;
    mutable QList<bool> m_specStale, m_viewStale;
    QStringList m_layerNames;
    std::vector<std::vector<size_t>> m_trialGroups;
    std::vector<std::string> m_trialLabels;
    std::string m_trialRule;
};

} // namespace qs::ui
