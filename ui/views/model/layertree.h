#pragma once
// The Model view's list of conv/linear layers: name, shape, parameter count, the clip alpha in use and the
// layer's SQNR at the current grid. The layer's state_dict key is the row's identity.

#include "core/analysis/analysis.h"

#include <QString>
#include <QTreeWidget>

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class LayerTree final : public QTreeWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerTree)

public:
    explicit LayerTree(QWidget *parent = nullptr);

    // One row per layer of `snapshot` (none for null), without emitting currentItemChanged; the first
    // quantized layer is made current.
    void fill(const ModelSnapshot *snapshot);
    // Presentation mode: only the layer, its α and its SQNR, so the names keep their width at large type.
    void setCompact(bool compact);
    QString selectedLayer() const; // a state_dict key, or empty
    int selectedRow() const;       // -1 when none
    bool selectLayer(const QString &name);
    // The row's alpha and SQNR columns from `analysis`; null: "…" (being analysed).
    void showAnalysis(int row, const LayerWeightAnalysis *analysis);
};

} // namespace qs::ui
