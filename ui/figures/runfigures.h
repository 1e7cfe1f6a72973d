#pragma once
// Training-run figures, shared by the run dashboard, the Runs view and `quantscope-cli figure --kind
// curves|ewgs|alpha|occupancy|compare`: loss/accuracy/learning-rate curves, EWGS delta and clip alpha per
// layer, a layer's level occupancy, and several runs overlaid. Each run gets its own colour and its label;
// a divergence is a dashed vertical line on every step or epoch panel, named with its reason and layer.
//
// Series ids (stable, for tests and the CSV): panel "loss": "loss.raw.<i>", "loss.smoothed.<i>";
// "accuracy": "test-top1.<i>", "train-top1.<i>"; "lr": "lr.<i>"; "delta-w.<i>" / "delta-a.<i>":
// "delta-w.<i>.<layer>"; "alpha-w.<i>" / "alpha-a.<i>": "alpha-w.<i>.<layer>"; "occupancy":
// "occupancy.stems", "occupancy"; compare: "loss" ("loss.smoothed.<i>"), "test-top1" ("test-top1.<i>"),
// "max-delta" ("max-delta.<i>"). Divergence markers: "divergence.<i>" in every panel but the occupancy's.
// <i> is the run's index in the vector given to the builder.

#include "core/runs/runhistory.h"
#include "ui/plotting/figure.h"

#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>

#include <string>
#include <vector>

namespace qs::ui {

struct RunFigureOptions
{
    double smoothing = 0.9; // EMA weight on the past for the smoothed loss (RunHistory::smoothedLoss)
    int maxPoints = 2000;   // per series; longer ones are decimated keeping each bucket's min and max
    int topLayers = 5;      // per-layer panels: this many layers coloured and in the legend, the rest grey
    std::string highlightLayer; // non-empty: colour only this layer (the others grey)
    bool logDelta = true;       // EWGS delta on a log10 axis (delta <= 0 not drawn), else linear from 0
    int occupancyRun = 0;       // makeOccupancyFigure: the run (index) and layer; empty layer: the first one
    std::string occupancyLayer;
    // makeTrialsFigure: a name per group (empty, or one missing: the first member's name, with "(n trials)"),
    // and what makes a group, for the note (empty: runs that differ only in seed).
    std::vector<std::string> groupLabels;
    std::string groupRule;
};

// Okabe-Ito colours in a fixed order, so run i has the same colour on every chart and in the table.
QColor runColor(int index);

// At most maxPoints points: the first and last, and per bucket of consecutive points its min and max y in
// x order, so spikes survive (LabPlot's rule). Shorter input is returned as is.
QList<QPointF> decimateMinMax(const QList<QPointF> &points, int maxPoints);

// Steps per epoch as the epoch records show it (0 when no epoch has ended yet).
double stepsPerEpoch(const RunHistory &run);

FigureSpec makeCurvesFigure(const std::vector<const RunHistory *> &runs,
                            const RunFigureOptions &options = {});
FigureSpec makeEwgsFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &options = {});
FigureSpec makeAlphaFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &options = {});
FigureSpec makeOccupancyFigure(const std::vector<const RunHistory *> &runs,
                               const RunFigureOptions &options = {});
FigureSpec makeCompareFigure(const std::vector<const RunHistory *> &runs,
                             const RunFigureOptions &options = {});

// Trials (runs that differ only in seed; `groups` holds indices into `runs`, see core/runs/trials.h): one
// curve per group, the mean over its trials, with the min..max range over them as thin lines (smoothed
// loss, at the steps every trial has) and as bars (test top-1 at each epoch every trial reached). Series ids:
// panel "loss": "trial-loss.<g>" (mean), "trial-loss-min.<g>", "trial-loss-max.<g>"; panel "test-top1":
// "trial-top1.<g>" (mean), "trial-top1-range.<g>" (segments). <g> is the group's index.
FigureSpec makeTrialsFigure(const std::vector<const RunHistory *> &runs,
                            const std::vector<std::vector<size_t>> &groups,
                            const RunFigureOptions &options = {});

// One line naming a run's divergence: "diverged at step S (epoch E): REASON; layer L; loss = nan".
QString divergenceLine(const RunHistory &run);

namespace runFormulas {
QString smoothing(); // the EMA rule, rich text for tooltips
QString delta();     // what EWGS delta is and where it comes from
QString alpha();     // the learned clip
QString occupancy();
QString compare();
} // namespace runFormulas

} // namespace qs::ui
