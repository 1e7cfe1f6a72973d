#include "ui/views/model/layersqnrpage.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/model/layertree.h"
#include "ui/views/model/modelsidebar.h"
#include "ui/views/model/selectedlayerbox.h"

#include <QAbstractAxis>
#include <QChart>
#include <QVBoxLayout>

namespace qs::ui {

LayerSqnrPage::LayerSqnrPage(const ModelSidebar *sidebar, const SelectedLayerBox *selected, QWidget *parent)
    : QWidget(parent), m_sidebar(sidebar), m_selected(selected)
{
    m_figure = new FigureWidget;
    m_figure->setObjectName(QStringLiteral("sqnrFigure"));
    m_figure->setToolTip(weightFormulas::sqnr());
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_figure);
    FigureSpec placeholder;
    placeholder.id = QStringLiteral("layer-error");
    placeholder.note = QStringLiteral("Analysing\u2026");
    m_figure->setFigure(placeholder);
    m_exportFigure = placeholder;
}

LayerSqnrPage::~LayerSqnrPage()
{
    m_thread.stopAndWait(); // a running analysis stops at its next scheme
}

void LayerSqnrPage::setModel(std::shared_ptr<const ModelSnapshot> snapshot)
{
    m_thread.cancel(); // the previous model's analysis delivers nothing
    m_pending = false;
    m_snapshot = std::move(snapshot);
    m_results.clear();
}

void LayerSqnrPage::requestAnalysis()
{
    if (!m_snapshot)
        return;
    m_thread.cancel(); // an older request stops at its next scheme and delivers nothing
    m_pending = true;
    LayerTree *tree = m_sidebar->tree();
    for (int row = 0; row < tree->topLevelItemCount(); ++row)
        if (row != tree->selectedRow())
            tree->showAnalysis(row, nullptr);
    const auto snapshot = m_snapshot;
    const int b = m_sidebar->bits();
    const Scheme primary = m_sidebar->scheme();
    const bool search = m_sidebar->searchAll();
    const bool zero = m_sidebar->zeroLevel();
    m_thread.run([this, snapshot, b, primary, search, zero](const WorkerThread::Job &job) {
        QList<SchemeLayers> results;
        QList<Scheme> order{primary};
        for (Scheme s : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            if (s != primary)
                order << s;
        for (Scheme s : order) {
            if (job.cancelled()) // a newer request is queued: skip this one
                return;
            if (checkLevelSpec({s, b, true, zero}))
                continue;
            try {
                results << SchemeLayers{s, analyzeSnapshot(*snapshot, s, b, std::nullopt, search, zero)};
            } catch (const std::exception &) {
                continue; // e.g. a constant layer; that scheme is left out of the chart
            }
        }
        job.deliver([this, results] { applyAnalysis(results); });
    });
}

void LayerSqnrPage::applyAnalysis(const QList<SchemeLayers> &results)
{
    m_pending = false;
    m_results = results;
    // A layer whose clip the user moved shows its own analysis in the tree and chart.
    const auto &selected = m_selected->analysis();
    if (!m_results.isEmpty() && m_results.front().scheme == m_sidebar->scheme() && m_snapshot) {
        for (auto &a : m_results.front().layers) {
            auto it = m_selected->overrides().find(a.name);
            if (it == m_selected->overrides().end())
                continue;
            if (selected && selected->name == a.name) {
                a = *selected;
                continue;
            }
            const auto *layer = m_snapshot->layer(a.name);
            a = analyzeWeightValues(a.name, m_snapshot->weights(a.name), layer->shape, m_sidebar->spec(),
                                    it->second.alpha, false);
        }
    }
    for (int row = 0; row < m_sidebar->tree()->topLevelItemCount(); ++row)
        showRow(row);
    rebuildFigure();
}

void LayerSqnrPage::selectedAnalysed()
{
    // Keep the whole-model view consistent with the selected layer's clip.
    const auto &selected = m_selected->analysis();
    const int row = m_sidebar->tree()->selectedRow();
    if (selected && !m_results.isEmpty() && m_results.front().scheme == m_sidebar->scheme() && row >= 0 &&
        size_t(row) < m_results.front().layers.size() &&
        m_results.front().layers[size_t(row)].name == selected->name &&
        m_selected->overrides().count(selected->name)) {
        m_results.front().layers[size_t(row)] = *selected;
        rebuildFigure();
    }
    showRow(row);
}

void LayerSqnrPage::showRow(int row)
{
    const auto &selected = m_selected->analysis();
    const LayerWeightAnalysis *a = nullptr;
    if (selected && row == m_sidebar->tree()->selectedRow())
        a = &*selected;
    else if (!m_results.isEmpty() && row >= 0 && size_t(row) < m_results.front().layers.size())
        a = &m_results.front().layers[size_t(row)];
    m_sidebar->tree()->showAnalysis(row, a);
}

void LayerSqnrPage::rebuildFigure()
{
    if (m_results.isEmpty()) {
        FigureSpec f;
        f.id = QStringLiteral("layer-error");
        if (m_snapshot)
            f.note = QStringLiteral("Analysing\u2026");
        m_figure->setFigure(f);
        m_exportFigure = f;
        return;
    }
    m_exportFigure =
        makeLayerErrorFigure(m_results, m_sidebar->bits(), m_sidebar->tree()->selectedRow(), false);
    m_figure->setFigure(
        makeLayerErrorFigure(m_results, m_sidebar->bits(), m_sidebar->tree()->selectedRow(), true));
    // Layer names read upwards: a ResNet's 20-60 names never fit side by side at 1280 px.
    if (QChart *chart = m_figure->chart(QStringLiteral("layer-sqnr")))
        for (QAbstractAxis *axis : chart->axes(Qt::Horizontal))
            if (axis->labelsAngle() != -90)
                axis->setLabelsAngle(-90);
}

} // namespace qs::ui
