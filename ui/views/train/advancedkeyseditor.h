#pragma once
// The Train form's "Advanced..." section: a toggle that shows an editor of every configuration key the form
// has no field for, as config.ini's key = value lines, and the editor's own error under it.

#include <QString>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
class QToolButton;
QT_END_NAMESPACE

namespace qs::ui {

class AdvancedKeysEditor final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdvancedKeysEditor)

public:
    explicit AdvancedKeysEditor(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    bool isExpanded() const;
    void setExpanded(bool expanded);
    void setError(const QString &line); // shown under the editor while it is expanded; empty: none

Q_SIGNALS:
    void edited();

private:
    QToolButton *m_toggle = nullptr;
    QPlainTextEdit *m_edit = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace qs::ui
