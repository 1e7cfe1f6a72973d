// FigureWidget's hover read-out: the value of the plotted point under the cursor, found through the chart's
// own mapping (QChart::mapToPosition), so the read-out and the drawing cannot disagree.
#include "ui/plotting/figurewidget.h"

#include <QChart>
#include <QChartView>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QXYSeries>

using namespace qs::ui;

namespace {

FigureSpec twoPanelFigure()
{
    FigureSpec figure;
    PanelSpec line;
    line.id = QStringLiteral("loss");
    line.x = {QStringLiteral("step"), 0, 10, {}};
    line.y = {QStringLiteral("loss"), 0, 4, {}};
    SeriesSpec loss;
    loss.id = QStringLiteral("loss.raw");
    loss.name = QStringLiteral("raw");
    loss.points = {QPointF(1, 3.5), QPointF(2, 2.25), QPointF(5, 1.125), QPointF(9, 0.5)};
    line.series << loss;
    PanelSpec levels;
    levels.id = QStringLiteral("levels");
    levels.x = {QStringLiteral("level value"), -1, 1, {}};
    levels.y = {QString(), 0, 2, {{QStringLiteral("PoT (7)"), 1.0}, {QStringLiteral("APoT (7)"), 2.0}}};
    SeriesSpec apot;
    apot.id = QStringLiteral("apot");
    apot.name = QStringLiteral("APoT");
    apot.kind = SeriesKind::Scatter;
    apot.points = {QPointF(-0.75, 1.5), QPointF(0.375, 1.5)};
    levels.series << apot;
    figure.panels << line << levels;
    return figure;
}

// Where Qt Charts draws `value` of series `id` in panel `panel`, in that panel's view coordinates.
QPoint drawnAt(const FigureWidget &widget, int panel, const QString &id, const QPointF &value)
{
    QChart *chart = widget.charts().at(panel);
    QAbstractSeries *series = nullptr;
    for (QAbstractSeries *s : chart->series())
        if (s->objectName() == id)
            series = s;
    auto *view = qobject_cast<QChartView *>(chart->scene()->views().front());
    return view->mapFromScene(chart->mapToScene(chart->mapToPosition(value, series)));
}

} // namespace

class TestFigureWidget final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readoutNamesThePointUnderTheCursor()
    {
        FigureWidget widget;
        widget.setFigure(twoPanelFigure());
        widget.resize(700, 600);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        const QPoint at = drawnAt(widget, 0, QStringLiteral("loss.raw"), QPointF(5, 1.125));
        QCOMPARE(widget.readoutAt(0, at), QStringLiteral("raw: step = 5, loss = 1.125"));
        // A few pixels off still finds it; far off finds nothing.
        QCOMPARE(widget.readoutAt(0, at + QPoint(4, -3)), QStringLiteral("raw: step = 5, loss = 1.125"));
        QVERIFY(widget.readoutAt(0, at + QPoint(40, 40)).isEmpty());
        // A number line: the row's category and the level's value.
        const QPoint level = drawnAt(widget, 1, QStringLiteral("apot"), QPointF(0.375, 1.5));
        QCOMPARE(widget.readoutAt(1, level), QStringLiteral("APoT (7): level value = 0.375"));
        QVERIFY(widget.readoutAt(5, level).isEmpty());
    }

    void hoveringEmitsTheReadout()
    {
        FigureWidget widget;
        widget.setFigure(twoPanelFigure());
        widget.resize(700, 600);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        QSignalSpy hovered(&widget, &FigureWidget::hovered);
        auto *view = qobject_cast<QChartView *>(widget.charts().front()->scene()->views().front());
        const QPoint at = drawnAt(widget, 0, QStringLiteral("loss.raw"), QPointF(2, 2.25));
        QMouseEvent move(QEvent::MouseMove, QPointF(at), view->viewport()->mapToGlobal(QPointF(at)),
                         Qt::NoButton, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view->viewport(), &move);
        QCOMPARE(hovered.count(), 1);
        QCOMPARE(hovered.first().first().toString(), QStringLiteral("raw: step = 2, loss = 2.25"));
        QCOMPARE(widget.lastReadout(), QStringLiteral("raw: step = 2, loss = 2.25"));
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(view->viewport(), &leave);
        QCOMPARE(hovered.count(), 2);
        QVERIFY(widget.lastReadout().isEmpty());
    }
};

QTEST_MAIN(TestFigureWidget)
#include "tst_figurewidget.moc"
