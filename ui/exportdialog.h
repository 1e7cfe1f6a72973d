#pragma once
// Asks where and how to export the current figure: format, paper preset, DPI (PNG only), font, font size,
// line width, panel letters and file name. Save writes the figure and its CSV; a failure shows as one line in
// the dialog (which stays open, its size unchanged). Remembers its choices and the last folder in QSettings
// ("export/..."); without one it proposes defaultExportDirectory(), a folder that exists.

#include "ui/plotting/figureexport.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFontComboBox;
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

    // Exports; on success remembers the choices and closes, else shows the error line and stays open.
    void accept() override;

    QString errorText() const; // the error line shown, empty when none
    bool exported() const { return m_exported; }

private:
    void browse();
    void syncSuffixAndSize();
    void showError(const QString &message);

    FigureSpec m_figure;
    QComboBox *m_format = nullptr;
    QComboBox *m_preset = nullptr;
    QSpinBox *m_dpi = nullptr;
    QFontComboBox *m_font = nullptr;
    QDoubleSpinBox *m_fontSize = nullptr;
    QDoubleSpinBox *m_lineWidth = nullptr;
    QCheckBox *m_letters = nullptr;
    QLineEdit *m_path = nullptr;
    QLabel *m_size = nullptr;
    QLabel *m_error = nullptr;
    QString m_errorText;
    bool m_exported = false;
};

} // namespace qs::ui
