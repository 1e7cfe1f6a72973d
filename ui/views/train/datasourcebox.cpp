#include "ui/views/train/datasourcebox.h"

#include "ui/views/train/trainformrules.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

#include <utility>

namespace qs::ui {

DataSourceBox::DataSourceBox(QWidget *parent) : QGroupBox(QStringLiteral("Data"), parent)
{
    auto *form = new QFormLayout(this);
    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("datasetCombo"));
    const std::pair<const char *, const char *> kinds[] = {
        {"fashion-mnist", "Fashion-MNIST IDX files (plain or .gz); empty: Debian's dataset-fashion-mnist in "
                          "/usr/share/datasets/fashion-mnist"},
        {"cifar10", "CIFAR-10 binary: data_batch_1..5.bin and test_batch.bin"},
        {"cifar100", "CIFAR-100 binary: train.bin and test.bin (fine labels)"},
        {"mnist", "MNIST IDX files (plain or .gz)"},
        {"synthetic", "Generated 3x32x32 images of 10 classes: seconds-long runs; location = image count"}};
    for (const auto &[kind, tip] : kinds) {
        m_kind->addItem(QString::fromLatin1(kind), QString::fromLatin1(kind));
        m_kind->setItemData(m_kind->count() - 1, QString::fromLatin1(tip), Qt::ToolTipRole);
    }
    m_location = new QLineEdit;
    m_location->setObjectName(QStringLiteral("dataLocationEdit"));
    m_browse = new QToolButton;
    m_browse->setText(QStringLiteral("\u2026"));
    m_browse->setToolTip(QStringLiteral("Choose the data directory"));
    connect(m_browse, &QToolButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, QStringLiteral("Data directory"), m_location->text());
        if (!dir.isEmpty())
            m_location->setText(dir);
    });
    auto *locationRow = new QHBoxLayout;
    locationRow->addWidget(m_location, 1);
    locationRow->addWidget(m_browse);
    form->addRow(QStringLiteral("Data &set"), m_kind);
    auto *locationLabel = new QLabel(QStringLiteral("&Location"));
    locationLabel->setBuddy(m_location); // a row holding a layout gets no buddy by itself
    form->addRow(locationLabel, locationRow);

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        showKind();
        if (!m_setting) {
            m_location->setText(trainform::defaultDataLocation(kind()));
            Q_EMIT kindChosen(kind());
        }
        Q_EMIT edited();
    });
    connect(m_location, &QLineEdit::textChanged, this, &DataSourceBox::edited);
}

QString DataSourceBox::kind() const
{
    return m_kind->currentData().toString();
}

QString DataSourceBox::location() const
{
    return m_location->text().trimmed();
}

QString DataSourceBox::spec() const
{
    if (kind() == QStringLiteral("synthetic") && location().isEmpty())
        return kind();
    return kind() + QLatin1Char(':') + location();
}

void DataSourceBox::setSpec(const QString &spec)
{
    m_setting = true;
    const auto colon = spec.indexOf(QLatin1Char(':'));
    const QString k = colon < 0 ? spec : spec.left(colon);
    const QString where = colon < 0 ? QString() : spec.mid(colon + 1);
    int index = m_kind->findData(k);
    if (index < 0) {
        m_kind->addItem(k, k);
        index = m_kind->count() - 1;
    }
    m_kind->setCurrentIndex(index);
    m_location->setText(where);
    showKind(); // placeholder; a given location stays
    m_setting = false;
}

QString DataSourceBox::problem() const
{
    return trainform::dataLocationProblem(kind(), location());
}

void DataSourceBox::showKind()
{
    const QString k = kind();
    const bool synthetic = k == QStringLiteral("synthetic");
    m_browse->setVisible(!synthetic);
    m_location->setPlaceholderText(synthetic ? QStringLiteral("image count (default 512)")
                                   : k == QStringLiteral("fashion-mnist")
                                       ? QString::fromLatin1(trainform::kFashionDefault)
                                       : QStringLiteral("directory with the %1 files").arg(k));
    m_location->setToolTip(m_kind->currentData(Qt::ToolTipRole).toString());
}

} // namespace qs::ui
