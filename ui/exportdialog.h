#pragma once
// Asks where and how to export the current figure: format, paper preset, DPI (PNG only) and file name.
// Remembers its choices in QSettings ("export/...").

#include "ui/plotting/figureexport.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace qs::ui {

class ExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDialog)

public:
    ExportDialog(const FigureSpec &figure, QWidget *parent = nullptr);

    QString path() const;
    ExportOptions options() const;

    void accept() override;

private:
    void browse();
    void syncSuffixAndSize();

    FigureSpec m_figure;
    QComboBox *m_format = nullptr;
    QComboBox *m_preset = nullptr;
    QSpinBox *m_dpi = nullptr;
    QLineEdit *m_path = nullptr;
    QLabel *m_size = nullptr;
};

} // namespace qs::ui
