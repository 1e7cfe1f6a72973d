#pragma once
// The layout every tool view shares: its controls on the left, its figure on the right, in a splitter whose
// state the view saves with its settings.

#include <QScrollArea>

class QSplitter;
class QString;
class QWidget;

namespace qs::ui {

// Scrolls vertically only. As narrow as its widget allows (a splitter keeps the widget's controls whole) and
// as short as a few lines, so a tall sidebar or figure never sets the window's minimum height: presentation
// mode's large type on a 720-pixel projector scrolls instead of pushing the window off the screen.
class VerticalScrollArea final : public QScrollArea
{
public:
    explicit VerticalScrollArea(QWidget *widget, QWidget *parent = nullptr);
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    // The widget's hints changed (presentation mode's larger type): so did this area's, and the splitter
    // around it must hear of it (QScrollArea does not pass it on).
    bool eventFilter(QObject *watched, QEvent *event) override;
};

// Fills `view` with a horizontal splitter holding `controls` and `figure` (the figure takes the extra width,
// each scrolls vertically when the view is shorter than it) and returns the splitter, named `objectName`.
QSplitter *placeControlsBesideFigure(QWidget *view, QWidget *controls, QWidget *figure,
                                     const QString &objectName, int controlsWidth);

// Word wrap breaks only at spaces: `text` with a break opportunity (a zero-width space) after each path or
// list separator and every 60 characters without a space, so a long path or key list wraps in a label.
QString breakableText(const QString &text);

} // namespace qs::ui
