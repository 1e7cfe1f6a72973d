#pragma once
// The Train view's form for a TrainConfig: preset, model (depth, shortcut), data, quantization (method,
// backward, bits), optimization (epochs, batch, learning rate, warm start), every other key in the
// Advanced editor, and the run directory. The user's edits turn the preset into "(custom)" and move the
// default run directory along.

#include "core/train/trainconfig.h"

#include <QString>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QSettings;
QT_END_NAMESPACE

namespace qs::ui {

class AdvancedKeysEditor;
class DataSourceBox;
class OptimizationBox;
class QuantizationBox;
class RunDirectoryBox;

class TrainForm final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainForm)

public:
    explicit TrainForm(QWidget *parent = nullptr);

    // The form as a configuration; nullopt with one line in *why when the form does not make one.
    std::optional<TrainConfig> config(QString *why = nullptr) const;
    // Fills the form (every key the form has no field for goes to the Advanced editor).
    void setConfig(const TrainConfig &config);
    bool applyPreset(const QString &name); // one of presetNames(); false, with message(), when it fails
    void showCustomPreset();               // "(custom)" without touching the fields

    QString runDirectory() const;
    void setRunDirectory(const QString &dir); // the user's choice; empty: follow the form again
    void refreshDefaultRunDirectory();        // a fresh time stamp, unless the user chose the directory
    // Why Start cannot start, as one line (empty when it can); `runInProgress` is the directory of the run
    // in progress (it may hold a run). Also shows the Advanced editor's own error under it.
    QString validate(const QString &runInProgress);

    void saveSettings(QSettings &settings) const; // keys of the "train" group
    bool restoreSettings(QSettings &settings);    // false (nothing changed) when no form was saved

Q_SIGNALS:
    void edited(); // a field changed (by the user or setConfig): validate again
    void message(const QString &line);

private:
    void buildUi();
    void onFormEdited();
    void onDatasetKindChosen(const QString &kind);

    QComboBox *m_preset = nullptr;
    QComboBox *m_depth = nullptr;
    QComboBox *m_shortcut = nullptr;
    DataSourceBox *m_data = nullptr;
    QuantizationBox *m_quant = nullptr;
    OptimizationBox *m_optimization = nullptr;
    AdvancedKeysEditor *m_advanced = nullptr;
    RunDirectoryBox *m_runDir = nullptr;
    bool m_filling = false; // setConfig() or restoreSettings() is writing the form: not a user edit
};

} // namespace qs::ui
