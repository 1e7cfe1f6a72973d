// Presentation mode (F5) and the "What am I looking at?" panels: presentation mode enlarges the font and the
// chart lines, hides advanced controls, goes full screen with a high-contrast palette and opens the help;
// toggling it back restores exactly what was there. Every tab has a help panel with text for students,
// remembered open or closed.

#include "ui/helppanel.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figurewidget.h"
#include "ui/presentation.h"
#include "ui/views/levelsview.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace qs::ui;

namespace {

// The pen width of the first line series on the Levels tab's charts.
double firstLineWidth(const MainWindow &window)
{
    for (FigureWidget *figure : window.levelsView()->findChildren<FigureWidget *>())
        for (QChart *chart : figure->charts())
            for (QAbstractSeries *series : chart->series())
                if (auto *line = qobject_cast<QLineSeries *>(series))
                    return line->pen().widthF();
    return -1;
}

QList<QWidget *> advancedWidgets(const MainWindow &window)
{
    QList<QWidget *> found;
    for (QWidget *w : window.findChildren<QWidget *>())
        if (PresentationMode::isAdvanced(w))
            found << w;
    return found;
}

} // namespace

class TestPresentation final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopePresentationTest"));
    }

    void everyTabHasHelpForStudents()
    {
        MainWindow window;
        QCOMPARE(window.tabs()->count(), 6);
        for (int i = 0; i < window.tabs()->count(); ++i) {
            HelpPanel *help = window.helpPanel(MainWindow::Tab(i));
            QVERIFY2(help, qPrintable(window.tabs()->tabText(i)));
            QVERIFY(window.tabs()->widget(i)->isAncestorOf(help)); // on its own tab
            const QString text = help->text();
            // A few sentences: what the chart shows, what to try, what to notice.
            QVERIFY2(text.size() > 300, qPrintable(window.tabs()->tabText(i)));
            QVERIFY2(text.contains(QStringLiteral("Try:")) && text.contains(QStringLiteral("Notice:")),
                     qPrintable(text));
            QVERIFY(!help->isOpen()); // collapsed until asked for
        }
        QVERIFY(window.helpPanel(MainWindow::Tab::Levels)
                    ->text()
                    .contains(QStringLiteral("3 bits signed, PoT and APoT are the same grid")));
        // The Levels view is still the Levels tab's figure source.
        window.showTab(MainWindow::Tab::Levels);
        QCOMPARE(&window.currentFigure(), &window.levelsView()->figure());
    }

    void helpOpenIsRemembered()
    {
        {
            MainWindow window;
            HelpPanel *help = window.helpPanel(MainWindow::Tab::Model);
            auto *toggle = help->findChild<QToolButton *>(QStringLiteral("helpToggle"));
            auto *text = help->findChild<QLabel *>(QStringLiteral("helpText"));
            auto *scroll = help->findChild<QWidget *>(QStringLiteral("helpScroll"));
            QVERIFY(text && scroll && scroll->isAncestorOf(text));
            QVERIFY(scroll->isHidden());
            toggle->click();
            QVERIFY(help->isOpen());
            QVERIFY(!scroll->isHidden());
        }
        MainWindow again;
        QVERIFY(again.helpPanel(MainWindow::Tab::Model)->isOpen());
        QVERIFY(!again.helpPanel(MainWindow::Tab::Levels)->isOpen());
        again.helpPanel(MainWindow::Tab::Model)->setOpen(false);
        QVERIFY(!MainWindow().helpPanel(MainWindow::Tab::Model)->isOpen());
    }

    void presentationModeTogglesAndRestores()
    {
        MainWindow window;
        window.resize(1200, 860); // above the minimum size, so the geometry is the one asked for
        window.move(40, 30);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QApplication::processEvents();

        // F5, in the View menu, checkable.
        QAction *action = window.presentationAction();
        QCOMPARE(action->shortcut(), QKeySequence(Qt::Key_F5));
        QVERIFY(action->isCheckable());
        bool inViewMenu = false;
        for (QAction *menu : window.menuBar()->actions())
            if (menu->menu() && menu->text().remove(QLatin1Char('&')) == QStringLiteral("View"))
                inViewMenu = menu->menu()->actions().contains(action);
        QVERIFY(inViewMenu);

        const QFont font = QApplication::font();
        const QPalette palette = QApplication::palette();
        const QRect geometry = window.geometry();
        const Qt::WindowStates states = window.windowState();
        const double lineWidth = firstLineWidth(window);
        QVERIFY(lineWidth > 0);
        const QList<QWidget *> advanced = advancedWidgets(window);
        // The Train form's Advanced section, the dashboard's smoothing, the histogram's bins.
        QVERIFY(window.findChild<QWidget *>(QStringLiteral("dashboardSmoothing")));
        QVERIFY(advanced.contains(window.findChild<QWidget *>(QStringLiteral("dashboardSmoothing"))));
        QVERIFY(
            advanced.contains(window.findChild<QWidget *>(QStringLiteral("advancedToggle"))->parentWidget()));
        QList<QWidget *> shown;
        for (QWidget *w : advanced)
            if (!w->isHidden())
                shown << w;
        QVERIFY(!shown.isEmpty());

        action->trigger();
        QVERIFY(window.presentationMode()->isOn());
        QVERIFY(action->isChecked());
        QVERIFY(window.windowState() & Qt::WindowFullScreen);
        QVERIFY2(QApplication::font().pointSizeF() >= 1.4 * font.pointSizeF() ||
                     (font.pixelSize() > 0 && QApplication::font().pixelSize() >= 1.4 * font.pixelSize()),
                 qPrintable(QApplication::font().toString()));
        QCOMPARE(QApplication::palette().color(QPalette::Window), QColor(Qt::white));
        QCOMPARE(QApplication::palette().color(QPalette::WindowText), QColor(Qt::black));
        for (QWidget *w : shown)
            QVERIFY2(w->isHidden(), qPrintable(w->objectName()));
        // The caption of a hidden control goes with it.
        QLabel *smoothingCaption = nullptr;
        for (QLabel *label : window.findChildren<QLabel *>())
            if (label->text().startsWith(QStringLiteral("Smoothing")))
                smoothingCaption = label;
        QVERIFY(smoothingCaption && smoothingCaption->isHidden());
        QVERIFY(qFuzzyCompare(firstLineWidth(window), lineWidth * PresentationMode::kLineScale));
        // The help opens where the screen has room for it; on a short one (the offscreen 800x800, a 720-px
        // projector) it stays closed rather than pushing the charts off the screen.
        const bool room =
            window.screen()->geometry().height() >= MainWindow::kPresentationHelpMinScreenHeight;
        for (int i = 0; i < window.tabs()->count(); ++i)
            QCOMPARE(window.helpPanel(MainWindow::Tab(i))->isOpen(), room);

        // F5 again: everything as it was.
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(!window.presentationMode()->isOn());
        QVERIFY(!action->isChecked());
        QCOMPARE(QApplication::font(), font);
        QCOMPARE(QApplication::palette(), palette);
        QCOMPARE(window.windowState(), states);
        QTRY_COMPARE(window.geometry(), geometry);
        for (QWidget *w : shown)
            QVERIFY2(!w->isHidden(), qPrintable(w->objectName()));
        QVERIFY(!smoothingCaption->isHidden());
        QVERIFY(qFuzzyCompare(firstLineWidth(window), lineWidth));
        for (int i = 0; i < window.tabs()->count(); ++i)
            QVERIFY(!window.helpPanel(MainWindow::Tab(i))->isOpen()); // back to the remembered (closed)
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestPresentation)
#include "tst_presentation.moc"
