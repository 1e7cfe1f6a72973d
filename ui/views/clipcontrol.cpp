#include "ui/views/clipcontrol.h"

#include "ui/figures/levelsfigure.h"

#include <QDoubleSpinBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {
// Slider positions per unit of alpha: 0.01 resolution; the keyboard moves 0.05, Page Up/Down 0.25.
constexpr double kPositionsPerUnit = 100.0;
constexpr int kSingleStep = 5, kPageStep = 25;
} // namespace

ClipControl::ClipControl(const ClipControlSetup &setup, QObject *parent)
    : QObject(parent), m_alphaToolTip(setup.alphaToolTip), m_sliderMax(setup.sliderMax)
{
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setObjectName(setup.sliderName);
    m_slider->setSingleStep(kSingleStep);
    m_slider->setPageStep(kPageStep);
    m_slider->setToolTip(richToolTip(setup.alphaToolTip));
    m_spin = new QDoubleSpinBox;
    m_spin->setObjectName(setup.spinName);
    m_spin->setRange(kMinAlpha, setup.spinMax);
    m_spin->setDecimals(3);
    m_spin->setSingleStep(setup.spinStep);
    m_spin->setToolTip(richToolTip(setup.alphaToolTip));
    updateSliderRange();
    m_search = new QPushButton(QStringLiteral("MSE-optimal \u03b1"));
    m_search->setObjectName(setup.searchName);
    m_search->setToolTip(richToolTip(setup.searchToolTip));
    m_reset = new QPushButton(QStringLiteral("Reset \u03b1"));
    m_reset->setObjectName(setup.resetName);
    m_reset->setToolTip(richToolTip(setup.resetToolTip));

    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        double alpha = std::max(kMinAlpha, v / kPositionsPerUnit);
        {
            const QSignalBlocker block(m_spin);
            m_spin->setValue(alpha);
            alpha = m_spin->value(); // the value shown (rounded to the box's decimals) is the one used
        }
        Q_EMIT alphaEdited(alpha);
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double alpha) {
        {
            const QSignalBlocker block(m_slider);
            m_slider->setValue(sliderPosition(alpha));
        }
        Q_EMIT alphaEdited(alpha);
    });
    connect(m_search, &QPushButton::clicked, this, &ClipControl::searchRequested);
    connect(m_reset, &QPushButton::clicked, this, &ClipControl::resetRequested);
}

void ClipControl::fitSliderTo(double largest, const QString &dataNote)
{
    m_sliderMax = std::max(1.0, std::ceil(largest * 1.1 * 10.0) / 10.0);
    updateSliderRange();
    m_spin->setToolTip(richToolTip(
        m_alphaToolTip +
        QStringLiteral("<br>Slider range 0\u2013%1 (%2).").arg(m_sliderMax).arg(dataNote.toHtmlEscaped())));
}

void ClipControl::updateSliderRange()
{
    const QSignalBlocker block(m_slider);
    const double alpha = m_spin->value();
    m_slider->setRange(1, int(std::lround(m_sliderMax * kPositionsPerUnit)));
    m_slider->setValue(sliderPosition(alpha));
}

void ClipControl::setAlpha(double alpha)
{
    const QSignalBlocker a(m_slider), b(m_spin);
    m_spin->setValue(alpha);
    m_slider->setValue(sliderPosition(alpha));
}

int ClipControl::sliderPosition(double alpha) const
{
    return std::clamp(int(std::lround(alpha * kPositionsPerUnit)), 1,
                      int(std::lround(m_sliderMax * kPositionsPerUnit)));
}

void makeToolTipsRich(QWidget *root)
{
    if (!root)
        return;
    QList<QWidget *> widgets = root->findChildren<QWidget *>();
    widgets.prepend(root);
    for (QWidget *w : widgets)
        if (!w->toolTip().isEmpty())
            w->setToolTip(richToolTip(w->toolTip()));
}

QTimer *connectClipOverrides(ClipControl *clip, ClipOverrides &overrides,
                             std::function<std::string()> selected, std::function<void()> recompute,
                             std::function<void()> search, QObject *context)
{
    auto *timer = new QTimer(context);
    timer->setSingleShot(true);
    timer->setInterval(10); // coalesce a burst of slider moves into one re-analysis
    QObject::connect(timer, &QTimer::timeout, context, recompute);
    QObject::connect(clip, &ClipControl::alphaEdited, context, [&overrides, selected, timer](double alpha) {
        const std::string name = selected();
        if (name.empty())
            return;
        overrides[name] = {alpha, false};
        timer->start();
    });
    QObject::connect(clip, &ClipControl::searchRequested, context, std::move(search));
    QObject::connect(clip, &ClipControl::resetRequested, context, [&overrides, selected, recompute] {
        const std::string name = selected();
        if (name.empty())
            return;
        overrides.erase(name);
        recompute();
    });
    return timer;
}

} // namespace qs::ui
