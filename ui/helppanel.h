#pragma once
// "What am I looking at?": a short explanation for students above a tab's content, collapsed to one line
// until opened. The text is resources/help/<topic>.html (compiled in as :/help/<topic>.html); whether it is
// open is remembered in QSettings ("help/<topic>"). Presentation mode opens every panel.

#include <QString>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QScrollArea;
class QToolButton;
QT_END_NAMESPACE

namespace qs::ui {

class HelpPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HelpPanel)

public:
    explicit HelpPanel(const QString &topic, QWidget *parent = nullptr);

    static QString helpText(const QString &topic); // the compiled-in HTML; empty when there is none

    QString topic() const { return m_topic; }
    QString text() const;
    bool isOpen() const;
    void setOpen(bool open); // remembered
    // Presentation mode: open whatever the remembered choice (not saved); false goes back to that choice.
    void setForcedOpen(bool forced);

private:
    void apply(bool open);

    QString m_topic;
    QToolButton *m_toggle = nullptr;
    QLabel *m_text = nullptr;
    QScrollArea *m_scroll = nullptr;
    bool m_forced = false;
};

} // namespace qs::ui
