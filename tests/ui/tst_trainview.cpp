// The Train tab: the form makes a TrainConfig (and refuses undefined ones with one line), a tiny synthetic
// run starts from the view and reaches the dashboard, the buttons and the status line follow the run through
// every state (and Start works again after every ending), divergence and failure show a banner, the log's
// numbers are readable, the form persists, and the main window's new tabs and close behaviour.

#include "core/train/trainconfig.h"
#include "ui/mainwindow.h"
#include "trainfixtures.h"
#include "ui/training/trainworker.h"
#include "ui/views/rundashboard.h"
#include "ui/views/trainview.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace qs;
using namespace qs::ui;

namespace {

constexpr int kTimeoutMs = 120000;

template <typename T> T *child(const QWidget &parent, const char *name)
{
    auto *w = parent.findChild<T *>(QString::fromLatin1(name));
    if (!w)
        qFatal("no child %s", name);
    return w;
}

void selectData(QComboBox *combo, const QString &value)
{
    const int i = combo->findData(value);
    QVERIFY2(i >= 0, qPrintable(value));
    combo->setCurrentIndex(i);
}

TrainConfig tinyConfig(int epochs)
{
    return qs::test::tinyTrainConfig(epochs);
}

struct Buttons
{
    bool start, pause, resume, stop;
    bool operator==(const Buttons &o) const
    {
        return start == o.start && pause == o.pause && resume == o.resume && stop == o.stop;
    }
};

Buttons buttons(const TrainView &view)
{
    return {view.startButton()->isEnabled(), view.pauseButton()->isEnabled(),
            view.resumeButton()->isEnabled(), view.stopButton()->isEnabled()};
}

// Neither the red validation line nor the banner is up.
bool quiet(const TrainView &view, QString *why)
{
    const auto *validation = view.findChild<QLabel *>(QStringLiteral("validationLabel"));
    if (validation->isVisibleTo(&view)) {
        *why = QStringLiteral("validation: ") + validation->text();
        return false;
    }
    if (view.banner()->isVisibleTo(&view)) {
        *why = QStringLiteral("banner: ") + view.banner()->text();
        return false;
    }
    return true;
}

#define QVERIFY_QUIET(view)                                                                                  \
    do {                                                                                                     \
        QString why;                                                                                         \
        QVERIFY2(quiet(view, &why), qPrintable(why));                                                        \
    } while (false)

QString format(const TrainView &view)
{
    return view.progressBar()->format();
}

} // namespace

namespace QTest {
template <> char *toString(const Buttons &b)
{
    return qstrdup(qPrintable(QStringLiteral("start %1 pause %2 resume %3 stop %4")
                                  .arg(b.start)
                                  .arg(b.pause)
                                  .arg(b.resume)
                                  .arg(b.stop)));
}
} // namespace QTest

class TestTrainView final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Never touch the user's settings or run directories.
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopeTrainTest"));
    }

    void formMakesTheConfig_data()
    {
        QTest::addColumn<QString>("preset");
        for (const auto &name : presetNames())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void formMakesTheConfig()
    {
        // Every preset survives form -> config unchanged (the form's fields plus Advanced cover every key).
        QFETCH(QString, preset);
        TrainView view;
        const TrainConfig expected = parseTrainConfig(*presetText(preset.toStdString()));
        view.setConfig(expected);
        QString why;
        const auto config = view.config(&why);
        QVERIFY2(config, qPrintable(why));
        QCOMPARE(QString::fromStdString(serializeTrainConfig(*config)),
                 QString::fromStdString(serializeTrainConfig(expected)));
    }

    void firstLaunchIsReadyToStart()
    {
        // APoT W4A4 on Fashion-MNIST from the shipped model where Debian's data set is installed, else the
        // synthetic preset: either way Start works without touching the form.
        TrainView view;
        QVERIFY2(view.validationMessage().isEmpty(), qPrintable(view.validationMessage()));
        QVERIFY(view.startButton()->isEnabled());
        const auto c = view.config();
        QVERIFY(c);
        // The teaching preset where Fashion-MNIST is installed, the synthetic one where not.
        const bool fashion = QFileInfo(QStringLiteral("/usr/share/datasets/fashion-mnist")).isDir();
        const QString expected =
            fashion ? QString::fromLatin1(TrainView::kTeachingPreset) : QStringLiteral("quick-synthetic");
        QCOMPARE(child<QComboBox>(view, "presetCombo")->currentData().toString(), expected);
        QCOMPARE(QString::fromStdString(serializeTrainConfig(*c)),
                 QString::fromStdString(
                     serializeTrainConfig(parseTrainConfig(*presetText(expected.toStdString())))));
    }

    void presetFillsTheForm()
    {
        TrainView view;
        auto *preset = child<QComboBox>(view, "presetCombo");
        const int index = preset->findData(QStringLiteral("quick-synthetic"));
        QVERIFY(index > 0);
        preset->setCurrentIndex(0);
        preset->activated(index); // as a user's choice
        QCOMPARE(child<QComboBox>(view, "methodCombo")->currentData().toString(), QStringLiteral("apot"));
        QCOMPARE(child<QSpinBox>(view, "wbitsSpin")->value(), 3);
        QCOMPARE(child<QComboBox>(view, "datasetCombo")->currentData().toString(),
                 QStringLiteral("synthetic"));
        QCOMPARE(child<QLineEdit>(view, "dataLocationEdit")->text(), QStringLiteral("512"));
        QCOMPARE(child<QSpinBox>(view, "epochsSpin")->value(), 2);
        // The default run directory names the method and bits, under the app's data location.
        QVERIFY2(view.runDirectory().contains(QStringLiteral("-apot-w3a3")), qPrintable(view.runDirectory()));
        QVERIFY(view.runDirectory().startsWith(
            QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs/")));
        QVERIFY2(view.validationMessage().isEmpty(), qPrintable(view.validationMessage()));
        QVERIFY(view.startButton()->isEnabled());
        // Editing a field by hand turns the preset into "(custom)".
        child<QSpinBox>(view, "epochsSpin")->setValue(3);
        QCOMPARE(preset->currentIndex(), 0);
        QCOMPARE(view.config()->epochs, 3);
    }

    void undefinedBitsDisableStart()
    {
        TrainView view;
        view.setConfig(tinyConfig(1));
        QVERIFY(view.startButton()->isEnabled());
        selectData(child<QComboBox>(view, "methodCombo"), QStringLiteral("apot"));
        child<QSpinBox>(view, "wbitsSpin")->setValue(9);
        QVERIFY(!view.startButton()->isEnabled());
        const QString why = view.validationMessage();
        QVERIFY2(why.startsWith(QStringLiteral("wbits")), qPrintable(why));
        QVERIFY(!why.contains(QLatin1Char('\n')));
        QVERIFY(child<QLabel>(view, "validationLabel")->isVisibleTo(&view));
        QCOMPARE(child<QLabel>(view, "validationLabel")->text(), why);
        QVERIFY(!view.config());
        child<QSpinBox>(view, "wbitsSpin")->setValue(4);
        QVERIFY(view.startButton()->isEnabled());
        QVERIFY(view.validationMessage().isEmpty());
        QVERIFY(!child<QLabel>(view, "validationLabel")->isVisibleTo(&view));
        // EWGS needs a hard quantizer.
        selectData(child<QComboBox>(view, "methodCombo"), QStringLiteral("daq"));
        selectData(child<QComboBox>(view, "backwardCombo"), QStringLiteral("ewgs"));
        QVERIFY(!view.startButton()->isEnabled());
        QVERIFY2(view.validationMessage().contains(QStringLiteral("ewgs")),
                 qPrintable(view.validationMessage()));
    }

    void advancedEditorErrorsInline()
    {
        TrainView view;
        view.setConfig(tinyConfig(1));
        auto *advanced = child<QPlainTextEdit>(view, "advancedEdit");
        child<QToolButton>(view, "advancedToggle")->setChecked(true);
        const QString good = advanced->toPlainText();
        QVERIFY(good.contains(QStringLiteral("max_steps = 0")));
        QVERIFY(!good.contains(QStringLiteral("epochs =")));
        advanced->setPlainText(good + QStringLiteral("no_such_key = 1\n"));
        QVERIFY(!view.startButton()->isEnabled());
        QVERIFY2(view.validationMessage().contains(QStringLiteral("no_such_key")),
                 qPrintable(view.validationMessage()));
        QVERIFY(child<QLabel>(view, "advancedError")->isVisibleTo(&view));
        advanced->setPlainText(good + QStringLiteral("epochs = 3\n"));
        QVERIFY2(view.validationMessage().contains(QStringLiteral("set in the form")),
                 qPrintable(view.validationMessage()));
        advanced->setPlainText(good + QStringLiteral("max_steps = 7\n"));
        QVERIFY(view.startButton()->isEnabled());
        QCOMPARE(view.config()->maxSteps, qint64(7));
        QVERIFY(!child<QLabel>(view, "advancedError")->isVisibleTo(&view));
    }

    void dataLocationIsChecked()
    {
        TrainView view;
        view.setConfig(tinyConfig(1));
        selectData(child<QComboBox>(view, "datasetCombo"), QStringLiteral("cifar10"));
        auto *location = child<QLineEdit>(view, "dataLocationEdit");
        location->setText(m_dir.filePath(QStringLiteral("no-such-data")));
        QVERIFY(!view.startButton()->isEnabled());
        QVERIFY2(view.validationMessage().contains(QStringLiteral("not a directory")),
                 qPrintable(view.validationMessage()));
        selectData(child<QComboBox>(view, "datasetCombo"), QStringLiteral("synthetic"));
        location->setText(QStringLiteral("many"));
        QVERIFY(!view.startButton()->isEnabled());
        location->setText(QStringLiteral("64"));
        QVERIFY(view.startButton()->isEnabled());
        QCOMPARE(view.config()->dataset, std::string("synthetic:64"));
    }

    void tinyRunFromTheView()
    {
        TrainView view;
        view.resize(1200, 800);
        view.show();
        view.setConfig(tinyConfig(1));
        const QString runDir = m_dir.filePath(QStringLiteral("view-run"));
        view.setRunDirectory(runDir);
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QSignalSpy started(&view, &TrainView::runStarted);
        QSignalSpy finished(view.worker(), &TrainWorker::finished);
        QSignalSpy failed(view.worker(), &TrainWorker::failed);

        QVERIFY(QTest::qWaitForWindowActive(&view));
        view.startButton()->setFocus();
        QTest::keyClick(&view, Qt::Key_Return, Qt::ControlModifier); // Start's shortcut
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.first().at(0).toString(), runDir);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Running);
        QCOMPARE(buttons(view), (Buttons{false, true, false, true}));
        QVERIFY(!child<QWidget>(view, "presetCombo")->isEnabled()); // the form is locked while running
        QVERIFY(view.dashboard()->runs().contains(runDir));

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Finished);
        // The run directory now holds a run: Start is ready for a new one next to it, without complaint.
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QCOMPARE(view.runDirectory(), runDir + QStringLiteral("-2"));
        QVERIFY2(view.validationMessage().isEmpty(), qPrintable(view.validationMessage()));
        QVERIFY_QUIET(view);
        QVERIFY(child<QWidget>(view, "presetCombo")->isEnabled());
        QCOMPARE(view.progressBar()->value(), view.progressBar()->maximum());
        QVERIFY2(format(view).startsWith(QStringLiteral("done \u00b7 completed 1 epochs")),
                 qPrintable(format(view)));
        QVERIFY(view.log()->toPlainText().contains(QStringLiteral("epoch 1/1")));
        // Numbers for people: no 17-digit losses or accuracies in the log or the status line.
        static const QRegularExpression noise(QStringLiteral("\\d\\.\\d{5,}"));
        QVERIFY2(!noise.match(view.log()->toPlainText()).hasMatch(), qPrintable(view.log()->toPlainText()));
        QVERIFY2(!noise.match(format(view)).hasMatch(), qPrintable(format(view)));
        // The dashboard followed the run's metrics.jsonl.
        view.dashboard()->pollNow();
        QCOMPARE(view.dashboard()->histories().size(), size_t(1));
        QCOMPARE(view.dashboard()->histories().front()->steps().size(), size_t(4));
        QCOMPARE(view.dashboard()->histories().front()->epochs().size(), size_t(1));
        QVERIFY(!view.figure().panels.isEmpty());
        // Start again: a second run, in the fresh directory.
        QVERIFY(view.startTraining());
        QCOMPARE(started.last().at(0).toString(), runDir + QStringLiteral("-2"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeoutMs);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Finished);
        QCOMPARE(view.runDirectory(), runDir + QStringLiteral("-3"));
        QVERIFY(view.startButton()->isEnabled());
        // A default (not chosen) run directory is fresh again for the next run.
        view.setRunDirectory(QString());
        QVERIFY(view.runDirectory() != runDir);
        QVERIFY(view.startButton()->isEnabled());
    }

    void everyStateFromTheButtons()
    {
        // Idle -> Running -> Pausing -> Paused -> Running (Resume) -> Stopping -> Stopped -> Start again,
        // then "Resume run..." on the old directory -> Paused -> Stopped (Stop while paused).
        TrainView view;
        view.resize(1200, 800);
        view.show();
        view.setConfig(tinyConfig(200)); // long enough that every click lands mid-run
        const QString runDir = m_dir.filePath(QStringLiteral("buttons"));
        view.setRunDirectory(runDir);
        QSignalSpy finished(view.worker(), &TrainWorker::finished);
        QSignalSpy started(&view, &TrainView::runStarted);
        auto *form = child<QWidget>(view, "presetCombo");

        QCOMPARE(view.worker()->state(), TrainWorker::State::Idle);
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QCOMPARE(format(view), QStringLiteral("idle"));
        QVERIFY_QUIET(view);

        QTest::mouseClick(view.startButton(), Qt::LeftButton);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Running);
        QCOMPARE(buttons(view), (Buttons{false, true, false, true}));
        QVERIFY(!form->isEnabled());
        QVERIFY_QUIET(view);
        QTRY_VERIFY_WITH_TIMEOUT(format(view).startsWith(QStringLiteral("epoch 1/200 \u00b7 step ")),
                                 kTimeoutMs);

        QTest::mouseClick(view.pauseButton(), Qt::LeftButton);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Pausing);
        QCOMPARE(buttons(view), (Buttons{false, false, false, true}));
        QCOMPARE(format(view), QStringLiteral("pausing after this step\u2026"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Paused);
        QCOMPARE(buttons(view), (Buttons{false, false, true, true}));
        QVERIFY2(format(view).startsWith(QStringLiteral("paused at step ")), qPrintable(format(view)));
        QVERIFY_QUIET(view);         // the paused run's own directory is no "already holds a run"
        QVERIFY(!form->isEnabled()); // the form still shows the paused run
        QCOMPARE(view.runDirectory(), runDir);
        QVERIFY(TrainWorker::canResume(runDir));

        QTest::mouseClick(view.resumeButton(), Qt::LeftButton);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Running);
        QCOMPARE(buttons(view), (Buttons{false, true, false, true}));
        QCOMPARE(format(view), QStringLiteral("resuming\u2026"));
        QVERIFY_QUIET(view);
        QCOMPARE(view.runDirectory(), runDir);
        QTRY_VERIFY_WITH_TIMEOUT(format(view).startsWith(QStringLiteral("epoch 1/200")), kTimeoutMs);
        QVERIFY_QUIET(view);

        QTest::mouseClick(view.stopButton(), Qt::LeftButton);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Stopping);
        QCOMPARE(buttons(view), (Buttons{false, false, false, false})); // already stopping
        QCOMPARE(format(view), QStringLiteral("stopping after this step\u2026"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeoutMs);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Stopped);
        QVERIFY2(format(view).startsWith(QStringLiteral("stopped at step ")), qPrintable(format(view)));
        // Over: Start is ready for a new run next to the old one; "Resume run..." continues the old one.
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QVERIFY(child<QPushButton>(view, "resumeRunButton")->isEnabled());
        QVERIFY(form->isEnabled());
        QVERIFY_QUIET(view);
        QCOMPARE(view.runDirectory(), runDir + QStringLiteral("-2"));
        QVERIFY(view.log()->toPlainText().contains(QStringLiteral("continues ") +
                                                   QDir::toNativeSeparators(runDir)));

        QTest::mouseClick(view.startButton(), Qt::LeftButton);
        QCOMPARE(started.count(), 2);
        QCOMPARE(started.last().at(0).toString(), runDir + QStringLiteral("-2"));
        QCOMPARE(view.worker()->state(), TrainWorker::State::Running);
        QCOMPARE(format(view), QStringLiteral("loading data\u2026"));
        view.stopTraining();
        QVERIFY(view.worker()->waitUntilIdle(kTimeoutMs));
        QCOMPARE(view.worker()->state(), TrainWorker::State::Stopped);
        QCOMPARE(view.runDirectory(), runDir + QStringLiteral("-3"));

        // "Resume run..." (without the dialog) on the first directory, then Stop while paused.
        QVERIFY(view.resumeRun(runDir));
        QCOMPARE(view.worker()->state(), TrainWorker::State::Running);
        QCOMPARE(view.runDirectory(), runDir);
        QCOMPARE(view.config()->epochs, 200); // the form shows the run's own config
        QVERIFY(view.dashboard()->runs().contains(runDir));
        QVERIFY_QUIET(view);
        view.pauseTraining();
        QVERIFY(view.worker()->waitUntilIdle(kTimeoutMs));
        QCOMPARE(view.worker()->state(), TrainWorker::State::Paused);
        QVERIFY_QUIET(view);
        QTest::mouseClick(view.stopButton(), Qt::LeftButton);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Stopped);
        QVERIFY2(format(view).startsWith(QStringLiteral("stopped at step ")), qPrintable(format(view)));
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QCOMPARE(view.runDirectory(), runDir + QStringLiteral("-3")); // -2 holds the second run
        QVERIFY_QUIET(view);
        QVERIFY(!view.log()->toPlainText().contains(QStringLiteral("already holds a run")));

        TrainView other;
        QVERIFY(!other.resumeRun(m_dir.filePath(QStringLiteral("nothing-here"))));
        QVERIFY(other.banner()->isVisibleTo(&other));
    }

    void failedRunShowsABannerAndStartWorksAgain()
    {
        // Data that the form accepts (a directory) but the engine cannot read: the run fails on its thread.
        TrainView view;
        TrainConfig c = tinyConfig(1);
        const QString empty = m_dir.filePath(QStringLiteral("no-mnist-here"));
        QVERIFY(QDir().mkpath(empty));
        c.dataset = "mnist:" + empty.toStdString();
        view.setConfig(c);
        const QString runDir = m_dir.filePath(QStringLiteral("failed"));
        view.setRunDirectory(runDir);
        QVERIFY2(view.startButton()->isEnabled(), qPrintable(view.validationMessage()));
        QSignalSpy failed(view.worker(), &TrainWorker::failed);
        QVERIFY(view.startTraining());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Failed);
        QVERIFY(view.banner()->isVisibleTo(&view));
        QVERIFY2(view.banner()->text().startsWith(QStringLiteral("Failed: ")),
                 qPrintable(view.banner()->text()));
        QVERIFY(!view.banner()->text().contains(QLatin1Char('\n')));
        QCOMPARE(format(view), QStringLiteral("failed"));
        // Nothing was written: the same directory is fine for the next try.
        QCOMPARE(view.runDirectory(), runDir);
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QVERIFY(child<QWidget>(view, "presetCombo")->isEnabled());
        // The next Start clears the banner.
        view.setConfig(tinyConfig(1));
        QVERIFY(view.startTraining());
        QVERIFY(!view.banner()->isVisibleTo(&view));
        QVERIFY(view.worker()->waitUntilIdle(kTimeoutMs));
        QCOMPARE(view.worker()->state(), TrainWorker::State::Finished);
    }

    void learningRateReadsLikeANumber()
    {
        TrainView view;
        auto *lr = child<QDoubleSpinBox>(view, "lrSpin");
        lr->setValue(0.01);
        QCOMPARE(lr->text(), QStringLiteral("0.01"));
        lr->setValue(1e-5);
        QCOMPARE(lr->text(), QStringLiteral("1e-05"));
        lr->setValue(0.1);
        QCOMPARE(lr->text(), QStringLiteral("0.1"));
        // The arrows walk 1-2-5.
        lr->setValue(0.01);
        lr->stepUp();
        QVERIFY2(qFuzzyCompare(lr->value(), 0.02), qPrintable(lr->text()));
        lr->stepDown();
        lr->stepDown();
        QVERIFY2(qFuzzyCompare(lr->value(), 0.005), qPrintable(lr->text()));
        QCOMPARE(lr->text(), QStringLiteral("0.005"));
        // Typed in scientific notation.
        auto *edit = lr->findChild<QLineEdit *>();
        QVERIFY(edit);
        edit->setText(QStringLiteral("3e-4"));
        lr->interpretText();
        QVERIFY2(qFuzzyCompare(lr->value(), 3e-4), qPrintable(lr->text()));
        QVERIFY(qFuzzyCompare(view.config()->lr, 3e-4));
    }

    void divergenceShowsABanner()
    {
        TrainView view;
        TrainConfig c = tinyConfig(1);
        // Every EWGS delta (>= 0) is above -1, so counts as exploding: the run diverges at its first update.
        c.method = "uniform";
        c.backward = "ewgs";
        c.ewgsUpdate = "iterations";
        c.ewgsUpdateStart = 0;
        c.ewgsUpdateEvery = 1;
        c.ewgsBatches = 1;
        c.hutchinsonMaxIter = 1;
        c.hutchinsonMode = "joint";
        c.divergenceDeltaMax = -1;
        view.setConfig(c);
        view.setRunDirectory(m_dir.filePath(QStringLiteral("diverged")));
        QSignalSpy finished(view.worker(), &TrainWorker::finished);
        QVERIFY(view.startTraining());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(finished.first().at(0).value<TrainOutcome>(), TrainOutcome::Diverged);
        QCOMPARE(view.worker()->state(), TrainWorker::State::Diverged);
        QVERIFY(view.banner()->isVisibleTo(&view));
        QVERIFY2(view.banner()->text().startsWith(QStringLiteral("Diverged")),
                 qPrintable(view.banner()->text()));
        QVERIFY(!view.banner()->text().contains(QLatin1Char('\n')));
        QCOMPARE(view.progressBar()->format(), QStringLiteral("diverged"));
        // The banner stays up to be read; Start is ready for a new run in a fresh directory.
        QCOMPARE(buttons(view), (Buttons{true, false, false, false}));
        QCOMPARE(view.runDirectory(), m_dir.filePath(QStringLiteral("diverged-2")));
        QVERIFY(view.validationMessage().isEmpty());
    }

    void formPersists()
    {
        {
            TrainView view;
            view.setConfig(tinyConfig(5));
            selectData(child<QComboBox>(view, "methodCombo"), QStringLiteral("lsq"));
            child<QSpinBox>(view, "wbitsSpin")->setValue(3);
            child<QSpinBox>(view, "abitsSpin")->setValue(2);
            child<QDoubleSpinBox>(view, "lrSpin")->setValue(0.005);
            QSettings settings;
            view.saveSettings(settings);
        }
        TrainView restored;
        QSettings settings;
        restored.restoreSettings(settings);
        const auto c = restored.config();
        QVERIFY(c);
        QCOMPARE(c->method, std::string("lsq"));
        QCOMPARE(c->wbits, 3);
        QCOMPARE(c->abits, 2);
        QCOMPARE(c->epochs, 5);
        QCOMPARE(c->lr, 0.005);
        QCOMPARE(c->dataset, std::string("synthetic:64"));
        QCOMPARE(c->threads, 1); // an Advanced key
        QVERIFY(restored.runDirectory().contains(QStringLiteral("-lsq-w3a2")));
    }

    void mainWindowTabs()
    {
        MainWindow window;
        QCOMPARE(window.tabs()->count(), 6);
        QCOMPARE(window.tabs()->tabText(int(MainWindow::Tab::Train)), QStringLiteral("Train"));
        QCOMPARE(window.tabs()->tabText(int(MainWindow::Tab::Runs)), QStringLiteral("Runs"));
        for (QAction *action : window.findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_4))
                action->trigger();
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Train));
        QCOMPARE(&window.currentFigure(), &window.trainView()->figure());
        for (QAction *action : window.findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_5))
                action->trigger();
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Runs));
        QCOMPARE(window.tabs()->tabText(int(MainWindow::Tab::Deploy)), QStringLiteral("Deploy"));
        for (QAction *action : window.findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_6))
                action->trigger();
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Deploy));
    }

    void closingPausesTheRun()
    {
        const QString runDir = m_dir.filePath(QStringLiteral("closed"));
        MainWindow window;
        window.show();
        window.trainView()->setConfig(tinyConfig(200));
        window.trainView()->setRunDirectory(runDir);
        QVERIFY(window.trainView()->startTraining());
        QTRY_VERIFY_WITH_TIMEOUT(
            window.trainView()->progressBar()->format().startsWith(QStringLiteral("epoch")), kTimeoutMs);
        QVERIFY(window.close()); // asks nothing
        QCOMPARE(window.trainView()->worker()->state(), TrainWorker::State::Paused);
        QVERIFY(TrainWorker::canResume(runDir));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestTrainView)
#include "tst_trainview.moc"
