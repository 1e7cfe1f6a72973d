// Responsiveness of the Model view (issue 4): time to the first painted main window with the default model,
// alpha changes on a 64x64x3x3 layer until the chart is repainted, and a whole-model analysis. Offscreen.
//
//   quantscope-views-bench [--model FILE] [--frames N]

#include "core/modelsnapshot.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/modelview.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QEvent>

#include <algorithm>
#include <cstdio>
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
} // namespace

int main(int argc, char **argv)
{
    QElapsedTimer clock;
    clock.start();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QString modelPath = qs::ui::ModelView::defaultModelPath();
    int frames = 60;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QStringLiteral("--model"))
            modelPath = args[i + 1];
        else if (args[i] == QStringLiteral("--frames"))
            frames = args[i + 1].toInt();
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
    return 0;
}
