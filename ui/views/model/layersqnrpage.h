#pragma once
// The Model view's "Per-layer SQNR" page: every layer of the open model analysed at the current bits for
// the three schemes (the chosen one first), on a WorkerThread, latest request wins; a layer whose clip the
// user moved shows its own analysis. Also fills the layer list's alpha and SQNR columns.

#include "ui/figures/weightfigures.h"
#include "ui/threading/workerthread.h"

#include <QList>
#include <QWidget>

#include <memory>

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class FigureWidget;
class ModelSidebar;
class SelectedLayerBox;

class LayerSqnrPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerSqnrPage)

public:
    LayerSqnrPage(const ModelSidebar *sidebar, const SelectedLayerBox *selected, QWidget *parent = nullptr);
    ~LayerSqnrPage() override; // cancels the analysis and joins its thread

    FigureWidget *figure() const { return m_figure; }
    // What Ctrl+E exports: the same figure over a layer-index axis (paper draws no category labels on x;
    // the settings map each index to its layer), so the paper figure keeps its ticks.
    const FigureSpec &exportFigure() const { return m_exportFigure; }
    void setModel(std::shared_ptr<const ModelSnapshot> snapshot); // drops the previous model's results
    bool analysisPending() const { return m_pending; }

public Q_SLOTS:
    void requestAnalysis(); // the grid changed: analyse the whole model again in the background
    // The selected layer was analysed again: its row, and its bar when the user set its clip.
    void selectedAnalysed();
    void rebuildFigure(); // also when the selection moves (its bars are highlighted)

private:
    void applyAnalysis(const QList<SchemeLayers> &results);
    void showRow(int row);

    const ModelSidebar *m_sidebar;
    const SelectedLayerBox *m_selected;
    std::shared_ptr<const ModelSnapshot> m_snapshot;
    QList<SchemeLayers> m_results; // first: the chosen scheme
    FigureWidget *m_figure = nullptr;
    FigureSpec m_exportFigure;
    bool m_pending = false;
    WorkerThread m_thread{QStringLiteral("modelAnalysis")}; // last: joined before the members above go
};

} // namespace qs::ui
