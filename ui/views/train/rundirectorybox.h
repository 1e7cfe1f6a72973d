#pragma once
// The Train form's "Run directory" box. Until the user types or picks one, it follows the form: a fresh
// time-stamped directory named after the method and bits (trainform::defaultRunDirectory).

#include "core/train/trainconfig.h"

#include <QGroupBox>
#include <QString>

QT_BEGIN_NAMESPACE
class QLineEdit;
QT_END_NAMESPACE

namespace qs::ui {

class RunDirectoryBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunDirectoryBox)

public:
    explicit RunDirectoryBox(QWidget *parent = nullptr);

    QString directory() const;                 // '/' separators, trimmed
    void setDirectory(const QString &dir);     // the user's choice; empty: follow the form again
    bool isChosen() const { return m_chosen; } // typed or picked by the user
    // Unless one was chosen: a fresh default for a run of `config`'s method and bits.
    void followForm(const TrainConfig &config);

Q_SIGNALS:
    void edited(); // the user typed or picked a directory, or cleared it (then followForm is due)

private:
    QLineEdit *m_edit = nullptr;
    bool m_chosen = false;
};

} // namespace qs::ui
