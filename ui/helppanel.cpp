#include "ui/helppanel.h"

#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

namespace qs::ui {

namespace {
QString settingsKey(const QString &topic)
{
    return QStringLiteral("help/") + topic;
}
} // namespace

HelpPanel::HelpPanel(const QString &topic, QWidget *parent) : QWidget(parent), m_topic(topic)
{
    setObjectName(QStringLiteral("helpPanel_") + topic);
    m_toggle = new QToolButton;
    m_toggle->setObjectName(QStringLiteral("helpToggle"));
    m_toggle->setText(QStringLiteral("What am I looking at?"));
    m_toggle->setCheckable(true);
    m_toggle->setAutoRaise(true);
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setArrowType(Qt::RightArrow);
    m_toggle->setToolTip(QStringLiteral("A short explanation of this tab: what it shows, what to try"));
    m_text = new QLabel(helpText(topic));
    m_text->setObjectName(QStringLiteral("helpText"));
    m_text->setTextFormat(Qt::RichText);
    m_text->setWordWrap(true);
    m_text->setOpenExternalLinks(false);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wraps to the window's width instead of widening it.
    m_text->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_text->setStyleSheet(QStringLiteral("QLabel { background: palette(alternate-base); border: 1px solid "
                                         "palette(mid); border-radius: 3px; padding: 6px; }"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(2);
    layout->addWidget(m_toggle, 0, Qt::AlignLeft);
    layout->addWidget(m_text);
    apply(QSettings().value(settingsKey(topic), false).toBool());
    connect(m_toggle, &QToolButton::toggled, this, [this](bool open) {
        apply(open);
        if (!m_forced)
            QSettings().setValue(settingsKey(m_topic), open);
    });
}

QString HelpPanel::helpText(const QString &topic)
{
    QFile file(QStringLiteral(":/help/%1.html").arg(topic));
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromUtf8(file.readAll()).trimmed();
}

QString HelpPanel::text() const
{
    return m_text->text();
}

bool HelpPanel::isOpen() const
{
    return m_toggle->isChecked();
}

void HelpPanel::setOpen(bool open)
{
    m_toggle->setChecked(open); // toggled(): shown and remembered
}

void HelpPanel::setForcedOpen(bool forced)
{
    if (forced == m_forced)
        return;
    m_forced = forced;
    const QSignalBlocker block(m_toggle);
    const bool open = forced || QSettings().value(settingsKey(m_topic), false).toBool();
    m_toggle->setChecked(open);
    apply(open);
}

void HelpPanel::apply(bool open)
{
    if (m_toggle->isChecked() != open) {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(open);
    }
    m_toggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    m_text->setVisible(open);
}

} // namespace qs::ui
