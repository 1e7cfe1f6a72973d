#pragma once
// The Train form's "Quantization" box: method, backward (STE or EWGS) and the weight/activation bits (off
// for full precision).

#include "core/train/trainconfig.h"

#include <QGroupBox>
#include <QString>

QT_BEGIN_NAMESPACE
class QComboBox;
class QSettings;
class QSpinBox;
QT_END_NAMESPACE

namespace qs::ui {

class QuantizationBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QuantizationBox)

public:
    explicit QuantizationBox(QWidget *parent = nullptr);

    void read(TrainConfig &config) const; // method, backward, wbits, abits
    void write(const TrainConfig &config);
    void showMethod(); // the method's tooltip; bits only where the method quantizes

    void saveSettings(QSettings &settings) const; // method, backward, wbits, abits
    void restoreSettings(QSettings &settings);

Q_SIGNALS:
    void edited();

private:
    QComboBox *m_method = nullptr;
    QComboBox *m_backward = nullptr;
    QSpinBox *m_wbits = nullptr;
    QSpinBox *m_abits = nullptr;
};

} // namespace qs::ui
