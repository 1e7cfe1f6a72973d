// quantscope: the QuantScope desktop GUI.
//   quantscope                     the window, with the last session's geometry, tab and choices
//   quantscope --screenshot DIR    render each view to DIR/levels.png, DIR/softround.png, DIR/train.png,
//                                  DIR/runs.png and DIR/deploy.png (and, with a model, DIR/model.png,
//                                  DIR/model-sweep.png and DIR/model-activations.png), then exit
//   quantscope FILE|DIR ...        open each: a checkpoint in the Model tab, a run directory in the Runs tab
//   quantscope --model FILE        open FILE in the Model tab (a .qsckpt or a PyTorch state_dict)
//   quantscope --run DIR           open the run directory DIR in the Runs tab (repeatable)
//   quantscope --open-sweep DIR    open the sweep directory DIR (sweep.json + its runs) in the Runs tab
//   quantscope --screenshot DIR --screenshot-size 1280x720 [FILE|DIR...]
//                                  the same at another window size, with those paths opened first (a path
//                                  that fails to open leaves its error on screen)
//   quantscope --presentation      start in presentation mode (F5: full screen, large type, high contrast)
//   quantscope --screenshot DIR --screenshot-train-seconds N
//                                  train the Train tab's default recipe for N seconds first (docs
//                                  screenshots)

#include "ui/mainwindow.h"
#include "ui/presentation.h"
#include "ui/views/modelview.h"
#include "ui/views/trainview.h"
#include "ui/views/runsview.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTemporaryDir>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationDisplayName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Quantization levels, soft rounding and gradient scaling, "
                       "seen and compared."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render each view to DIR/<view>.png and exit."),
                                        QStringLiteral("DIR"));
    parser.addOption(screenshot);
    const QCommandLineOption model(
        QStringLiteral("model"),
        QStringLiteral("Open FILE (.qsckpt or PyTorch state_dict) in the Model tab."),
        QStringLiteral("FILE"));
    parser.addOption(model);
    const QCommandLineOption run(QStringLiteral("run"),
                                 QStringLiteral("Open the run directory DIR in the Runs tab (repeatable)."),
                                 QStringLiteral("DIR"));
    parser.addOption(run);
    const QCommandLineOption sweep(
        QStringLiteral("open-sweep"),
        QStringLiteral("Open the sweep directory DIR (sweep.json and its run directories) in the Runs tab."),
        QStringLiteral("DIR"));
    parser.addOption(sweep);
    const QCommandLineOption trainFor(
        QStringLiteral("screenshot-train-seconds"),
        QStringLiteral("With --screenshot: first train the Train tab's default recipe for N seconds (into a "
                       "temporary run directory, epochs of 3200 images) so train.png shows a live run."),
        QStringLiteral("N"));
    parser.addOption(trainFor);
    const QCommandLineOption shotSize(
        QStringLiteral("screenshot-size"),
        QStringLiteral("With --screenshot: the window size, WIDTHxHEIGHT (default "
                       "1400x860)."),
        QStringLiteral("WxH"));
    parser.addOption(shotSize);
    const QCommandLineOption presentation(
        QStringLiteral("presentation"),
        QStringLiteral(
            "Start in presentation mode (F5 toggles it): full screen, larger type and chart lines, "
            "high contrast, advanced controls hidden, every tab's help open."));
    parser.addOption(presentation);
    parser.addPositionalArgument(
        QStringLiteral("paths"),
        QStringLiteral("Checkpoints to open in the Model tab, run directories to open "
                       "in the Runs tab."),
        QStringLiteral("[FILE|DIR...]"));
    parser.process(app);

    qs::ui::MainWindow window;
    auto openRequestedModel = [&] {
        if (!parser.isSet(model))
            return true;
        const auto connection =
            QObject::connect(window.modelView(), &qs::ui::ModelView::loadFailed,
                             [](const QString &message) { qWarning("%s", qPrintable(message)); });
        const bool ok = window.modelView()->openModel(parser.value(model));
        QObject::disconnect(connection);
        return ok;
    };
    auto openRequestedRuns = [&] {
        bool ok = true;
        for (const QString &dir : parser.values(run)) {
            QString error;
            if (!window.runsView()->addRun(dir, &error)) {
                qWarning("%s", qPrintable(error));
                ok = false;
            }
        }
        if (parser.isSet(sweep)) {
            QString error;
            if (!window.runsView()->openSweep(parser.value(sweep), &error)) {
                qWarning("%s", qPrintable(error));
                ok = false;
            }
        }
        return ok;
    };
    if (parser.isSet(screenshot)) {
        if (!parser.isSet(model) && !qs::ui::ModelView::defaultModelPath().isEmpty())
            window.modelView()->openModel(qs::ui::ModelView::defaultModelPath());
        if (!openRequestedModel() || !openRequestedRuns())
            return 1;
        for (const QString &path : parser.positionalArguments()) {
            QString error;
            if (!window.openPath(path, &error))
                qWarning("%s", qPrintable(error)); // kept on screen: the shot shows how an error looks
        }
        // A fixed, documented size so README screenshots do not depend on the last session.
        QSize size(1400, 860);
        if (parser.isSet(shotSize)) {
            const QStringList wh = parser.value(shotSize).split(QLatin1Char('x'));
            const int w = wh.value(0).toInt(), h = wh.size() == 2 ? wh[1].toInt() : 0;
            if (w < 200 || h < 200) {
                qWarning("--screenshot-size: expected WIDTHxHEIGHT, e.g. 1280x720, got '%s'",
                         qPrintable(parser.value(shotSize)));
                return 2;
            }
            size = QSize(w, h);
        }
        window.resize(size);
        window.show();
        if (parser.isSet(presentation))
            window.presentationMode()->setOn(true);
        QApplication::processEvents();
        QTemporaryDir trainRoot;
        if (parser.isSet(trainFor)) {
            auto *train = window.trainView();
            window.showTab(qs::ui::MainWindow::Tab::Train);
            // Epochs of 25 steps, so the accuracy panel has points within a minute or two.
            if (auto config = train->config()) {
                config->trainSubset = 3200;
                config->testSubset = 1000;
                config->epochs = 20;
                train->setConfig(*config);
            }
            train->setRunDirectory(trainRoot.filePath(QStringLiteral("run")));
            if (!train->startTraining()) {
                qWarning("%s", qPrintable(train->validationMessage()));
                return 1;
            }
            QElapsedTimer running;
            running.start();
            while (running.elapsed() < 1000 * parser.value(trainFor).toInt())
                QApplication::processEvents(QEventLoop::AllEvents, 50);
        }
        const bool saved = window.saveScreenshots(parser.value(screenshot));
        window.trainView()->shutdown();
        return saved ? 0 : 1;
    }
    window.restoreSettings();
    if (parser.isSet(model)) {
        window.showTab(qs::ui::MainWindow::Tab::Model);
        openRequestedModel();
    }
    if (parser.isSet(run) || parser.isSet(sweep)) {
        window.showTab(qs::ui::MainWindow::Tab::Runs);
        openRequestedRuns();
    }
    for (const QString &path : parser.positionalArguments()) {
        QString error;
        if (!window.openPath(path, &error))
            qWarning("%s", qPrintable(error));
    }
    window.show();
    if (parser.isSet(presentation))
        window.presentationMode()->setOn(true);
    return QApplication::exec();
}
