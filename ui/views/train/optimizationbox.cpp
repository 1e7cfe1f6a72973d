#include "ui/views/train/optimizationbox.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>

#include <cmath>

namespace qs::ui {

namespace {

// The learning rate as people write it (0.01, 0.1, 1e-05: %g, not 0.010000), stepped along 1-2-5 (0.01,
// 0.02, 0.05, 0.1, ...): a fixed step of 0.01 jumps from 0.001 to 0.011.
class LearningRateSpinBox final : public QDoubleSpinBox
{
public:
    LearningRateSpinBox()
    {
        setDecimals(12); // what value() keeps; the text shows significant digits only
        setRange(1e-6, 10.0);
    }

    QString textFromValue(double value) const override { return locale().toString(value, 'g', 6); }

    double valueFromText(const QString &text) const override { return locale().toDouble(text.trimmed()); }

    QValidator::State validate(QString &text, int &) const override
    {
        const QString t = text.trimmed();
        if (t.isEmpty())
            return QValidator::Intermediate;
        bool ok = false;
        const double v = locale().toDouble(t, &ok);
        if (ok)
            return v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
        // Half-typed: "1e", "1e-", "0.", "-".
        static const QRegularExpression partial(QStringLiteral("^[0-9]*[.,]?[0-9]*([eE][-+]?[0-9]*)?$"));
        return partial.match(t).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
    }

    void stepBy(int steps) override
    {
        double v = value();
        for (; steps > 0; --steps)
            v = nextOnScale(v, true);
        for (; steps < 0; ++steps)
            v = nextOnScale(v, false);
        setValue(v);
    }

private:
    // The next value of the 1-2-5 series above (or below) v.
    static double nextOnScale(double v, bool up)
    {
        const double decade = std::pow(10.0, std::floor(std::log10(v)));
        const double mantissas[] = {0.5, 1, 2, 5, 10, 20};
        if (up) {
            for (double m : mantissas)
                if (m * decade > v * (1 + 1e-9))
                    return m * decade;
        } else {
            for (auto it = std::rbegin(mantissas); it != std::rend(mantissas); ++it)
                if (*it * decade < v * (1 - 1e-9))
                    return *it * decade;
        }
        return v;
    }
};

} // namespace

OptimizationBox::OptimizationBox(QWidget *parent) : QGroupBox(QStringLiteral("Optimization"), parent)
{
    auto *opt = new QFormLayout(this);
    m_epochs = new QSpinBox;
    m_epochs->setObjectName(QStringLiteral("epochsSpin"));
    m_epochs->setRange(1, 10000);
    m_batch = new QSpinBox;
    m_batch->setObjectName(QStringLiteral("batchSpin"));
    m_batch->setRange(1, 65536);
    m_lr = new LearningRateSpinBox;
    m_lr->setObjectName(QStringLiteral("lrSpin"));
    m_lr->setToolTip(
        QStringLiteral("Base learning rate of the weights; the schedule (Advanced: schedule, "
                       "milestones) scales it per epoch. The arrows step along 1, 2, 5, 10, ..."));
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
