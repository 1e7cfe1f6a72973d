#pragma once
// The Model view's left column: what is open, the data set the capture and accuracy jobs use, the grid every
// layer is quantized to (scheme, bits, overlay, clip rule) and the layer list. The pages read the grid and
// the selected layer from here; the composer adds the selected layer's box under the list.

#include "core/quant/levels.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <optional>

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
    LevelSpec spec() const { return {scheme(), bits(), true}; } // signed weights
    std::optional<Scheme> overlay() const;
    bool searchAll() const;   // every layer's clip MSE-optimal (else the checkpoint's, or 3.0)
    QString dataSpec() const; // trimmed; empty: the checkpoint's own
    void setDataSpec(const QString &spec);
    LayerTree *tree() const { return m_tree; }
    QLineEdit *dataEdit() const { return m_dataEdit; }

    // Keys of the "model" group: scheme, bits, overlay, searchAll, data. Restoring emits nothing.
    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

Q_SIGNALS:
    void schemeChanged();
    void bitsChanged();
    void overlayChanged();
    void searchAllToggled();
    void dataEdited(); // editing finished

private:
    void updateBitRange();

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    QVBoxLayout *m_layout = nullptr;
    QLabel *m_description = nullptr;
    QLineEdit *m_dataEdit = nullptr;
    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bitsSpin = nullptr;
    QComboBox *m_overlay = nullptr;
    QCheckBox *m_searchAll = nullptr;
    LayerTree *m_tree = nullptr;
};

} // namespace qs::ui
