#pragma once
// Presentation mode (F5, View > Presentation mode): for a projector in a classroom. The window goes full
// screen, the application font grows by kFontScale, chart lines by kLineScale, the palette turns
// high-contrast, and advanced controls are hidden: every widget with the dynamic property "advanced" = true,
// and those named in advancedObjectNames() (views that do not set the property). Turning it off restores
// exactly what was there before: window state and geometry, font, palette, line scale, and which widgets were
// visible.

#include "ui/plotting/chartbuilder.h"

#include <QByteArray>
#include <QFont>
#include <QList>
#include <QObject>
#include <QPalette>
#include <QPointer>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

namespace qs::ui {

// The chart style on screen now: `style` itself normally; in presentation mode its lines kLineScale times
// thicker and its fonts kFontScale times larger. ui/plotting/chartbuilder's updateChart draws with it.
ChartStyle presentationStyle(const ChartStyle &style);
double screenLineScale(); // 1 normally, kLineScale in presentation mode

class PresentationMode final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PresentationMode)

public:
    static constexpr double kFontScale = 1.5; // less (1.35, 1.2, 1.1) where the window would not fit
    static constexpr double kLineScale = 2.0;
    static constexpr const char *kAdvancedProperty = "advanced";
    static QStringList advancedObjectNames(); // e.g. the dashboard's smoothing, the histogram's bins

    explicit PresentationMode(QWidget *window);

    bool isOn() const { return m_on; }
    double fontScale() const; // the application font's enlargement now (1 when off)
    void setOn(bool on);
    void toggle() { setOn(!m_on); }

    // True for a widget presentation mode hides (by property or object name).
    static bool isAdvanced(const QWidget *widget);
    static QPalette highContrastPalette();

Q_SIGNALS:
    void toggled(bool on);

private:
    void redrawCharts();

    QWidget *m_window;
    bool m_on = false;
    // What was there before: restored on the way out.
    Qt::WindowStates m_savedStates;
    QByteArray m_savedGeometry;
    QFont m_savedFont;
    QPalette m_savedPalette;
    double m_savedLineScale = 1.0;
    QList<QPointer<QWidget>> m_hidden;
};

} // namespace qs::ui
