#include "ui/views/train/rundirectorybox.h"

#include "ui/views/train/trainformrules.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace qs::ui {

namespace {
const QString kRunDirTip =
    QStringLiteral("config.ini, metrics.jsonl, last.qsckpt and best.qsckpt go here (as with quantscope-cli "
                   "train --out). Follows the method and bits until you edit it.");
} // namespace

RunDirectoryBox::RunDirectoryBox(QWidget *parent) : QGroupBox(QStringLiteral("Run directory"), parent)
{
    auto *runLayout = new QHBoxLayout(this);
    m_edit = new QLineEdit;
    m_edit->setObjectName(QStringLiteral("runDirEdit"));
    m_edit->setToolTip(kRunDirTip);
    auto *browseRun = new QToolButton;
    browseRun->setText(QStringLiteral("\u2026"));
    browseRun->setToolTip(QStringLiteral("Choose the run directory"));
    connect(browseRun, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Run directory"),
                                                              QFileInfo(m_edit->text()).absolutePath());
        if (!dir.isEmpty())
            setDirectory(dir);
    });
    connect(m_edit, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_edit->setToolTip(QStringLiteral("<tt>%1</tt><br>").arg(text.toHtmlEscaped()) + kRunDirTip);
    });
    connect(m_edit, &QLineEdit::textEdited, this, [this](const QString &text) {
        m_chosen = !text.trimmed().isEmpty(); // cleared: follow the form again
        Q_EMIT edited();
    });
    runLayout->addWidget(m_edit, 1);
    runLayout->addWidget(browseRun);
}

QString RunDirectoryBox::directory() const
{
    return QDir::fromNativeSeparators(m_edit->text().trimmed());
}

void RunDirectoryBox::setDirectory(const QString &dir)
{
    m_chosen = !dir.isEmpty();
    m_edit->setText(QDir::toNativeSeparators(dir));
    Q_EMIT edited();
}

void RunDirectoryBox::followForm(const TrainConfig &config)
{
    if (!m_chosen)
        m_edit->setText(QDir::toNativeSeparators(trainform::defaultRunDirectory(config)));
}

} // namespace qs::ui
