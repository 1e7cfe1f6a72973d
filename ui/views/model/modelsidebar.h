#pragma once
// The Model view's left column: what is open, the data set the capture and accuracy jobs use, the grid every
// layer is quantized to (scheme, bits, overlay, clip rule) and the layer list. The pages read the grid and
// the selected layer from here; the composer adds the selected layer's box under the list.

#include "core/quant/levels.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSettings;
class QSpinBox;
class QVBoxLayout;
QT_END_NAMESPACE

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class LayerTree;

// How the whole-model jobs (the accuracy sweep) evaluate the open model: as it was trained (the method and
// bits the file says, core/analysis/trainedas.h; bits from the sidebar where the file has none) or in full
// precision, with a normalization.
struct EvaluationSetting
{
    std::string quant;             // empty: as the checkpoint stores it (ours); else a method, "fp" included
    int wbits = 0, abits = 0;      // 0: the checkpoint's own
    std::vector<double> mean, std; // empty: the checkpoint's, else the data set's default
    QString label;                 // "as trained: APoT W4A4", "full precision (trained as APoT W4A4)"
    QString problem;               // non-empty: cannot evaluate, and why (one line)
};

class ModelSidebar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelSidebar)

public:
    explicit ModelSidebar(QWidget *parent = nullptr);
    ~ModelSidebar() override;

    // A newly opened model: its description, its data set placeholder, its layers.
    void setModel(const std::shared_ptr<const ModelSnapshot> &snapshot, const QString &path);
    void addSection(QWidget *section); // under the layer list

    Scheme scheme() const;
    void setScheme(Scheme scheme);
    int bits() const;
    void setBits(int bits);
    // Without the zero level when the checkpoint was trained so (TrainedAs::zeroLevel) or the box is cleared.
    bool zeroLevel() const;
    void setZeroLevel(bool zeroLevel);
    LevelSpec spec() const { return {scheme(), bits(), true, zeroLevel()}; } // signed weights
    std::optional<Scheme> overlay() const;
    bool searchAll() const;   // every layer's clip MSE-optimal (else the checkpoint's, or 3.0)
    QString dataSpec() const; // trimmed; empty: the checkpoint's own
    void setDataSpec(const QString &spec);
    LayerTree *tree() const { return m_tree; }
    QLineEdit *dataEdit() const { return m_dataEdit; }

    EvaluationSetting evaluationSetting() const;
    QLabel *trainedAsLabel() const { return m_trainedAs; }
    QComboBox *evaluateAsCombo() const { return m_evaluateAs; }
    QSpinBox *trainedBitsSpin() const { return m_trainedBits; }
    QLineEdit *meanEdit() const { return m_meanEdit; }
    QLineEdit *stdEdit() const { return m_stdEdit; }

    // Keys of the "model" group: scheme, bits, overlay, searchAll, data. Restoring emits nothing.
    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

Q_SIGNALS:
    void schemeChanged();
    void bitsChanged();
    void overlayChanged();
    void searchAllToggled();
    void zeroLevelToggled();
    void dataEdited();        // editing finished
    void evaluationChanged(); // evaluate as, trained bits or mean/std

private:
    void updateBitRange();
    void updateTrainedAs(); // the label and the bits control for the open model

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    QVBoxLayout *m_layout = nullptr;
    QLabel *m_description = nullptr;
    QLineEdit *m_dataEdit = nullptr;
    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bitsSpin = nullptr;
    QComboBox *m_overlay = nullptr;
    QCheckBox *m_searchAll = nullptr;
    QCheckBox *m_zeroLevel = nullptr;
    LayerTree *m_tree = nullptr;
    QLabel *m_trainedAs = nullptr;
    QComboBox *m_evaluateAs = nullptr;
    QSpinBox *m_trainedBits = nullptr;
    QLineEdit *m_meanEdit = nullptr, *m_stdEdit = nullptr;
};

} // namespace qs::ui
