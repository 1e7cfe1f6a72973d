#pragma once
// The Train form's "Optimization" box: epochs, batch size, base learning rate and the warm-start checkpoint.

#include "core/train/trainconfig.h"

#include <QGroupBox>
#include <QString>

QT_BEGIN_NAMESPACE
class QDoubleSpinBox;
class QLineEdit;
class QSettings;
class QSpinBox;
QT_END_NAMESPACE

namespace qs::ui {

class OptimizationBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OptimizationBox)

public:
    explicit OptimizationBox(QWidget *parent = nullptr);

    void read(TrainConfig &config) const; // epochs, batch_size, lr, init
    void write(const TrainConfig &config);
    QString init() const; // trimmed
    void setInit(const QString &path);

    void saveSettings(QSettings &settings) const; // epochs, batch, lr, init
    void restoreSettings(QSettings &settings);

Q_SIGNALS:
    void edited();

private:
    QSpinBox *m_epochs = nullptr;
    QSpinBox *m_batch = nullptr;
    QDoubleSpinBox *m_lr = nullptr;
    QLineEdit *m_init = nullptr;
};

} // namespace qs::ui
