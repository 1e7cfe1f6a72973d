#pragma once
// The layout every tool view shares: its controls on the left, its figure on the right, in a splitter whose
// state the view saves with its settings.

class QSplitter;
class QString;
class QWidget;

namespace qs::ui {

// Fills `view` with a horizontal splitter holding `controls` and `figure` (the figure takes the extra width)
// and returns the splitter, named `objectName`.
QSplitter *placeControlsBesideFigure(QWidget *view, QWidget *controls, QWidget *figure,
                                     const QString &objectName, int controlsWidth);

} // namespace qs::ui
