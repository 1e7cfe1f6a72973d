#pragma once
// Dragging a ±alpha clip line drawn on a histogram panel of a FigureWidget sets alpha, like the slider:
// within 6 pixels of either line the cursor becomes a resize arrow and a left-button drag moves the clip.

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace qs::ui {

class FigureWidget;

class ClipDrag final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClipDrag)

public:
    // `alpha()`: the clip drawn now (nullopt: nothing to drag); `setAlpha`: where the user dragged it.
    ClipDrag(FigureWidget *figure, QString panelId, std::function<std::optional<double>()> alpha,
             std::function<void(double)> setAlpha, QObject *parent = nullptr);

    // After each setFigure: the panel's chart view may be new.
    void attach();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    FigureWidget *m_figure;
    QString m_panelId;
    std::function<std::optional<double>()> m_alpha;
    std::function<void(double)> m_setAlpha;
    bool m_dragging = false;
};

} // namespace qs::ui
