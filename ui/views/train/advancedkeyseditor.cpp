#include "ui/views/train/advancedkeyseditor.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QVBoxLayout>

namespace qs::ui {

AdvancedKeysEditor::AdvancedKeysEditor(QWidget *parent) : QWidget(parent)
{
    m_toggle = new QToolButton;
    m_toggle->setObjectName(QStringLiteral("advancedToggle"));
    m_toggle->setText(QStringLiteral("Advanced\u2026"));
    m_toggle->setCheckable(true);
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setArrowType(Qt::RightArrow);
    m_toggle->setAutoRaise(true);
    m_toggle->setToolTip(QStringLiteral("Every other configuration key as key = value lines"));
    m_edit = new QPlainTextEdit;
    m_edit->setObjectName(QStringLiteral("advancedEdit"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setMinimumHeight(160);
    m_edit->setToolTip(QStringLiteral(
        "key = value, one per line (# comments), as in a run's config.ini: every key the form above "
        "does not show. Unknown keys and bad values are reported here."));
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("advancedError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_edit->setVisible(false);
    m_error->setVisible(false);
    connect(m_toggle, &QToolButton::toggled, this, [this](bool on) {
        m_toggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        m_edit->setVisible(on);
        m_error->setVisible(on && !m_error->text().isEmpty());
    });
    connect(m_edit, &QPlainTextEdit::textChanged, this, &AdvancedKeysEditor::edited);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_toggle);
    layout->addWidget(m_edit);
    layout->addWidget(m_error);
}

QString AdvancedKeysEditor::text() const
{
    return m_edit->toPlainText();
}

void AdvancedKeysEditor::setText(const QString &text)
{
    m_edit->setPlainText(text);
}

bool AdvancedKeysEditor::isExpanded() const
{
    return m_toggle->isChecked();
}

void AdvancedKeysEditor::setExpanded(bool expanded)
{
    m_toggle->setChecked(expanded);
}

void AdvancedKeysEditor::setError(const QString &line)
{
    m_error->setText(line);
    m_error->setVisible(!line.isEmpty() && isExpanded());
}

} // namespace qs::ui
