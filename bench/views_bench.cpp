// Responsiveness of the Model view (issue 4): time to the first painted main window with the default model,
// alpha changes on a 64x64x3x3 layer until the chart is repainted, and a whole-model analysis. Then the GUI
// thread's responsiveness while the Train tab trains on every core: events posted to the GUI thread from
// another thread at random 10-30 ms intervals, and the delay until each is handled. Offscreen.
//
//   quantscope-views-bench [--model FILE] [--frames N] [--events N] [--grab FILE.png] [--train-threads T]
//
// --grab saves the window (Train tab) mid-run. QUANTSCOPE_TRAIN_NICE=0 measures without the training
// thread's lower priority.

#include "core/analysis/modelsnapshot.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/modelview.h"
#include "ui/training/trainworker.h"
#include "ui/views/trainview.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QEvent>
#include <QProgressBar>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace {
// Records when the watched widget is first painted.
class FirstPaint final : public QObject
{
public:
    explicit FirstPaint(const QElapsedTimer &clock) : m_clock(clock) {}
    qint64 ms = -1;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && ms < 0)
            ms = m_clock.elapsed();
        return QObject::eventFilter(watched, event);
    }

private:
    const QElapsedTimer &m_clock;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

using SteadyClock = std::chrono::steady_clock;

// An event stamped when posted; the probe records how long it waited in the GUI thread's queue, as input
// from the window system does.
class ProbeEvent final : public QEvent
{
public:
    static QEvent::Type kind()
    {
        static const auto type = QEvent::Type(QEvent::registerEventType());
        return type;
    }
    ProbeEvent() : QEvent(kind()), posted(SteadyClock::now()) {}
    SteadyClock::time_point posted;
};

class LatencyProbe final : public QObject
{
public:
    std::vector<double> delaysMs;

protected:
    bool event(QEvent *event) override
    {
        if (event->type() != ProbeEvent::kind())
            return QObject::event(event);
        const auto posted = static_cast<ProbeEvent *>(event)->posted;
        delaysMs.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - posted).count());
        return true;
    }
};
} // namespace

int main(int argc, char **argv)
{
    QElapsedTimer clock;
    clock.start();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QString modelPath = qs::ui::ModelView::defaultModelPath();
    int frames = 60, events = 400;
    QString grabPath;
    int trainThreads = 0; // 0: the GUI's default (every core but one)
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QStringLiteral("--model"))
            modelPath = args[i + 1];
        else if (args[i] == QStringLiteral("--frames"))
            frames = args[i + 1].toInt();
        else if (args[i] == QStringLiteral("--events"))
            events = args[i + 1].toInt();
        else if (args[i] == QStringLiteral("--grab"))
            grabPath = args[i + 1];
        else if (args[i] == QStringLiteral("--train-threads"))
            trainThreads = args[i + 1].toInt();
    }
    if (modelPath.isEmpty()) {
        std::fprintf(stderr, "quantscope-views-bench: no default model; pass --model FILE\n");
        return 2;
    }

    // 1. Process start to the first painted main window, with the model open on the Model tab.
    qs::ui::MainWindow window;
    FirstPaint firstPaint(clock);
    window.installEventFilter(&firstPaint);
    if (!window.modelView()->openModel(modelPath)) {
        std::fprintf(stderr, "quantscope-views-bench: cannot open %s\n", qPrintable(modelPath));
        return 1;
    }
    window.showTab(qs::ui::MainWindow::Tab::Model);
    window.resize(1400, 860);
    window.show();
    while (firstPaint.ms < 0 && clock.elapsed() < 20000)
        QApplication::processEvents();
    window.modelView()->waitUntilIdle(60000);

    // 2. Alpha changes on a 64x64x3x3 layer: set the value, wait for the re-analysis, repaint the chart.
    auto *view = window.modelView();
    view->selectLayer(QStringLiteral("layer3.1.conv1.weight"));
    view->waitUntilIdle(60000);
    std::vector<double> frameMs;
    for (int i = 0; i < frames; ++i) {
        const double alpha = 1.5 + 3.0 * (i % 30) / 30.0;
        QElapsedTimer t;
        t.start();
        view->alphaSpin()->setValue(alpha);
        while ((!view->selectedAnalysis() || std::abs(view->selectedAnalysis()->alpha - alpha) > 1e-6) &&
               t.elapsed() < 5000)
            QApplication::processEvents();
        view->layerFigure()->grab(); // renders the charts as a repaint would
        frameMs.push_back(double(t.nsecsElapsed()) / 1e6);
    }

    // 3. Whole-model analysis of ResNet-20 (every conv/linear layer) at APoT 4 bit.
    const auto snapshot = view->snapshot();
    std::vector<double> modelMs;
    for (int i = 0; i < 7; ++i) {
        QElapsedTimer t;
        t.start();
        qs::analyzeSnapshot(*snapshot, qs::Scheme::APoT, 4, std::nullopt, false);
        modelMs.push_back(double(t.nsecsElapsed()) / 1e6);
    }

    // 4. The GUI thread while the Train tab trains APoT W4A4 ResNet-20 on synthetic data with every core:
    // the dashboard polls and redraws, progress arrives, and events posted from another thread wait for it.
    QTemporaryDir runRoot;
    auto *train = window.trainView();
    window.showTab(qs::ui::MainWindow::Tab::Train);
    qs::TrainConfig config;
    config.dataset = "synthetic:4096";
    config.method = "apot";
    config.wbits = config.abits = 4;
    config.epochs = 20;
    config.batchSize = 64;
    config.lr = 0.02;
    config.schedule = "constant";
    config.threads = trainThreads;
    config.device = "cpu";
    train->setConfig(config);
    train->setRunDirectory(runRoot.filePath(QStringLiteral("run")));
    if (!train->startTraining()) {
        std::fprintf(stderr, "quantscope-views-bench: cannot start training: %s\n",
                     qPrintable(train->validationMessage()));
        return 1;
    }
    // Measure once steps flow (data generated, model built).
    int64_t firstStep = -1, lastStep = -1;
    QObject::connect(train->worker(), &qs::ui::TrainWorker::progress, train, [&](const qs::TrainProgress &p) {
        if (firstStep < 0)
            firstStep = p.step;
        lastStep = p.step;
    });
    QElapsedTimer wait;
    wait.start();
    while (firstStep < 0 && wait.elapsed() < 120000)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    LatencyProbe probe;
    std::atomic<bool> injectorDone{false};
    const int64_t stepAtStart = lastStep;
    QElapsedTimer measured;
    measured.start();
    std::thread injector([&] {
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> gapMs(10, 30);
        for (int i = 0; i < events; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(gapMs(rng)));
            QCoreApplication::postEvent(&probe, new ProbeEvent);
        }
        injectorDone = true;
    });
    while (!injectorDone || probe.delaysMs.size() < size_t(events))
        QApplication::processEvents(QEventLoop::AllEvents, 50);
    injector.join();
    const double trainSeconds = double(measured.elapsed()) / 1000.0;
    const int64_t stepsDuring = lastStep - stepAtStart;
    if (!grabPath.isEmpty()) // mid-run, after the measurement: grabbing blocks the GUI thread
        window.grab().save(grabPath);
    train->pauseTraining();
    train->worker()->waitUntilIdle(120000);

    const double frame = median(frameMs);
    std::printf("| measure | value | goal |\n|---|---|---|\n");
    std::printf("| first painted window (process start, model open) | %lld ms | < 2000 ms |\n",
                static_cast<long long>(firstPaint.ms));
    std::printf(
        "| alpha change on %s (64x64x3x3), re-analysis + repaint, median of %d | %.1f ms (%.0f fps) | "
        ">= 30 fps |\n",
        "layer3.1.conv1", frames, frame, 1000.0 / frame);
    std::printf("| whole ResNet-20 weight analysis (%zu layers), median of 7 | %.1f ms | < 100 ms |\n",
                snapshot->layers().size(), median(modelMs));
    std::printf("| GUI event delay while training (%zu events, %d cores, %d training threads, %.1f steps/s): "
                "median / p95 / max | %.1f / %.1f / %.1f ms | max <= 50 ms |\n",
                probe.delaysMs.size(), QThread::idealThreadCount(),
                trainThreads > 0 ? trainThreads : qs::ui::TrainWorker::defaultTrainingThreads(),
                double(stepsDuring) / trainSeconds, median(probe.delaysMs), percentile(probe.delaysMs, 0.95),
                *std::max_element(probe.delaysMs.begin(), probe.delaysMs.end()));
    return 0;
}
