#include "ui/views/train/optimizationbox.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>

namespace qs::ui {

OptimizationBox::OptimizationBox(QWidget *parent) : QGroupBox(QStringLiteral("Optimization"), parent)
{
    auto *opt = new QFormLayout(this);
    m_epochs = new QSpinBox;
    m_epochs->setObjectName(QStringLiteral("epochsSpin"));
    m_epochs->setRange(1, 10000);
    m_batch = new QSpinBox;
    m_batch->setObjectName(QStringLiteral("batchSpin"));
    m_batch->setRange(1, 65536);
    m_lr = new QDoubleSpinBox;
    m_lr->setObjectName(QStringLiteral("lrSpin"));
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 10.0);
    m_lr->setSingleStep(0.01);
    m_lr->setToolTip(QStringLiteral("Base learning rate of the weights; the schedule (Advanced: schedule, "
                                    "milestones) scales it per epoch."));
    m_init = new QLineEdit;
    m_init->setObjectName(QStringLiteral("initEdit"));
    m_init->setPlaceholderText(QStringLiteral("none: from scratch"));
    m_init->setToolTip(QStringLiteral(
        "Warm start: load matching weights from this checkpoint (ours or a PyTorch state_dict; "
        "non-strict). Fashion-MNIST runs default to the shipped full-precision model."));
    auto *browseInit = new QToolButton;
    browseInit->setText(QStringLiteral("\u2026"));
    browseInit->setToolTip(QStringLiteral("Choose a checkpoint"));
    connect(browseInit, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, QStringLiteral("Warm-start checkpoint"), QFileInfo(m_init->text()).absolutePath(),
            QStringLiteral("Checkpoints (*.qsckpt *.pt *.pth *.tar);;All files (*)"));
        if (!file.isEmpty())
            m_init->setText(file);
    });
    auto *initRow = new QHBoxLayout;
    initRow->addWidget(m_init, 1);
    initRow->addWidget(browseInit);
    opt->addRow(QStringLiteral("&Epochs"), m_epochs);
    opt->addRow(QStringLiteral("Batch si&ze"), m_batch);
    opt->addRow(QStringLiteral("Learning &rate"), m_lr);
    auto *initLabel = new QLabel(QStringLiteral("&Init"));
    initLabel->setBuddy(m_init);
    opt->addRow(initLabel, initRow);

    for (QSpinBox *spin : {m_epochs, m_batch})
        connect(spin, &QSpinBox::valueChanged, this, &OptimizationBox::edited);
    connect(m_lr, &QDoubleSpinBox::valueChanged, this, &OptimizationBox::edited);
    connect(m_init, &QLineEdit::textChanged, this, &OptimizationBox::edited);
}

void OptimizationBox::read(TrainConfig &config) const
{
    config.epochs = m_epochs->value();
    config.batchSize = m_batch->value();
    config.lr = m_lr->value();
    config.init = init().toStdString();
}

void OptimizationBox::write(const TrainConfig &config)
{
    m_epochs->setValue(config.epochs);
    m_batch->setValue(config.batchSize);
    m_lr->setValue(config.lr);
    m_init->setText(QString::fromStdString(config.init));
}

QString OptimizationBox::init() const
{
    return m_init->text().trimmed();
}

void OptimizationBox::setInit(const QString &path)
{
    m_init->setText(path);
}

void OptimizationBox::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("epochs"), m_epochs->value());
    settings.setValue(QStringLiteral("batch"), m_batch->value());
    settings.setValue(QStringLiteral("lr"), m_lr->value());
    settings.setValue(QStringLiteral("init"), m_init->text());
}

void OptimizationBox::restoreSettings(QSettings &settings)
{
    m_epochs->setValue(settings.value(QStringLiteral("epochs"), m_epochs->value()).toInt());
    m_batch->setValue(settings.value(QStringLiteral("batch"), m_batch->value()).toInt());
    m_lr->setValue(settings.value(QStringLiteral("lr"), m_lr->value()).toDouble());
    m_init->setText(settings.value(QStringLiteral("init")).toString());
}

} // namespace qs::ui
