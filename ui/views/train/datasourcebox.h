#pragma once
// The Train form's "Data" box: the data set kind and its location (a directory, or an image count for
// synthetic data), as one dataset spec "kind:location".

#include <QGroupBox>
#include <QString>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
class QToolButton;
QT_END_NAMESPACE

namespace qs::ui {

class DataSourceBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DataSourceBox)

public:
    explicit DataSourceBox(QWidget *parent = nullptr);

    QString kind() const;
    QString location() const; // trimmed
    QString spec() const;     // "kind:location"; plain "synthetic" for the default count
    // Selects the kind (added when unknown) and the location, without kindChosen().
    void setSpec(const QString &spec);
    QString problem() const; // why the location does not work, as one line; empty when it does

Q_SIGNALS:
    void edited();                        // the kind or the location changed, by the user or setSpec
    void kindChosen(const QString &kind); // the user chose another kind: its default location is filled in

private:
    void showKind(); // the placeholder, tooltip and browse button of the current kind

    QComboBox *m_kind = nullptr;
    QLineEdit *m_location = nullptr;
    QToolButton *m_browse = nullptr;
    bool m_setting = false;
};

} // namespace qs::ui
