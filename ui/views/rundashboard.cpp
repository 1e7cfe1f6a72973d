#include "ui/views/rundashboard.h"

#include "ui/plotting/animationplayer.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/livetail.h"

#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace qs::ui {

namespace {
constexpr int kPages = 5;
const QString kTopLayers = QStringLiteral("largest first");
} // namespace

struct RunDashboard::Followed
{
    explicit Followed(const QString &d) : dir(d), follower(d.toStdString()) {}
    QString dir;
    MetricsFollower follower;
    bool divergenceReported = false;
    bool labelFromConfig = false; // config.ini may appear after the directory (a run about to start)
    std::string automaticLabel;   // from config.ini (or the directory), told apart from same-recipe runs
    QString userLabel;            // setRunLabel; wins over the automatic one
    LiveTail live;
    bool liveChanged = false;
    std::unique_ptr<RunHistory> drawn; // the history with its live tail; null: the history as it is
};

RunDashboard::RunDashboard(QWidget *parent)
    : QWidget(parent), m_pages(new QTabWidget(this)), m_layer(new QComboBox(this)),
      m_run(new QComboBox(this)), m_smoothing(new QDoubleSpinBox(this)), m_status(new QLabel(this)),
      m_pollTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("runDashboard"));
    m_pages->setObjectName(QStringLiteral("dashboardPages"));
    m_layer->setObjectName(QStringLiteral("dashboardLayer"));
    m_run->setObjectName(QStringLiteral("dashboardRun"));
    m_smoothing->setObjectName(QStringLiteral("dashboardSmoothing"));
    m_status->setObjectName(QStringLiteral("dashboardStatus"));

    const QStringList titles = {QStringLiteral("Loss && accuracy"), QStringLiteral("EWGS \u03b4"),
                                QStringLiteral("Clip \u03b1"), QStringLiteral("Occupancy"),
                                QStringLiteral("Compare")};
    const QStringList tips = {runFormulas::smoothing(), runFormulas::delta(), runFormulas::alpha(),
                              runFormulas::occupancy(), runFormulas::compare()};
    for (int i = 0; i < kPages; ++i) {
        // Each page scrolls rather than squeezing its charts below a readable height (a 1280x720 screen
        // gives the Train tab's three charts about 130 px each: Qt Charts then elides ticks and titles).
        auto *scroll = new QScrollArea(m_pages);
        scroll->setObjectName(QStringLiteral("dashboardScroll%1").arg(i));
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        auto *figure = new FigureWidget(scroll);
        figure->setObjectName(QStringLiteral("dashboardFigure%1").arg(i));
        figure->setToolTip(tips[i]);
        scroll->setWidget(figure);
        m_pages->addTab(scroll, titles[i]);
        m_pages->setTabToolTip(i, tips[i]);
        m_figures << figure;
        m_specs << FigureSpec();
        m_specStale << true;
        m_viewStale << true;
    }
    m_pages->setTabVisible(int(Page::Compare), false);

    m_smoothing->setRange(0.0, 0.999);
    m_smoothing->setDecimals(3);
    m_smoothing->setSingleStep(0.05);
    m_smoothing->setValue(0.9);
    m_smoothing->setToolTip(runFormulas::smoothing());
    m_layer->setToolTip(QStringLiteral(
        "<b>Layer</b>: on the &delta; and &alpha; pages the layer drawn in colour (the others grey); "
        "&ldquo;largest first&rdquo; colours the few layers with the largest &delta; (or the &alpha; that "
        "moved most). On the occupancy page the layer whose levels are shown."));
    m_run->setToolTip(
        QStringLiteral("The run shown on the &delta;, &alpha; and occupancy pages (one run at a "
                       "time; the Compare page overlays them all)."));
    m_layer->addItem(kTopLayers);
    m_layer->setMinimumContentsLength(14);
    m_layer->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_run->setMinimumContentsLength(12);
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);

    auto *controls = new QHBoxLayout;
    controls->setContentsMargins(0, 0, 0, 0);
    auto *smoothingLabel = new QLabel(QStringLiteral("Smoothing \u03b2"), this);
    smoothingLabel->setToolTip(runFormulas::smoothing());
    controls->addWidget(smoothingLabel);
    controls->addWidget(m_smoothing);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(QStringLiteral("Layer"), this));
    controls->addWidget(m_layer);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(QStringLiteral("Run"), this));
    controls->addWidget(m_run);
    controls->addSpacing(12);
    // Play: the page's curves grow as they did in training (δ rising towards an explosion, say). The frames
    // are made when Play starts (frameCount is asked first, before the timer runs) from what the page shows.
    constexpr int kPlayFrames = 30;
    m_player = new AnimationPlayer(
        QStringLiteral("this page's curves growing over the run"),
        {[this] {
             if (!m_player->isPlaying())
                 m_playFrames =
                     revealAnimation(m_figures[m_pages->currentIndex()]->figure(), kPlayFrames).frames;
             return int(m_playFrames.size());
         },
         [this](int k) {
             if (k < m_playFrames.size())
                 m_figures[m_pages->currentIndex()]->setFigure(m_playFrames[k]);
         },
         [this] {
             m_playFrames.clear();
             markStale();
             redraw();
         },
         [this] { return revealAnimation(spec(m_pages->currentIndex()), kPlayFrames); }},
        this);
    m_player->setFrameMs(150);
    controls->addWidget(m_player);
    controls->addStretch(1);

    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setText(QStringLiteral("No run open."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_status);

    m_pollTimer->setInterval(250);
    connect(m_pollTimer, &QTimer::timeout, this, &RunDashboard::pollNow);
    connect(m_pages, &QTabWidget::currentChanged, m_player,
            &AnimationPlayer::stop); // frames belong to a page
    connect(m_pages, &QTabWidget::currentChanged, this, [this] { redraw(); });
    connect(m_pages, &QTabWidget::currentChanged, this, [this] { refreshChoices(); });
    auto optionsChanged = [this] {
        markStale();
        redraw();
    };
    connect(m_layer, &QComboBox::currentIndexChanged, this, optionsChanged);
    connect(m_run, &QComboBox::currentIndexChanged, this, optionsChanged);
    connect(m_run, &QComboBox::activated, this, [this] { m_run->setProperty("userChosen", true); });
    connect(m_smoothing, &QDoubleSpinBox::valueChanged, this, optionsChanged);
    redraw();
}

RunDashboard::~RunDashboard() = default;

bool RunDashboard::addRun(const QString &dir, QString *error)
{
    const QFileInfo info(dir);
    if (!info.isDir()) {
        if (error)
            *error = QStringLiteral("%1: not a directory").arg(dir);
        return false;
    }
    const QString path = QDir::cleanPath(info.absoluteFilePath());
    if (runs().contains(path)) {
        if (error)
            *error = QStringLiteral("%1: already shown").arg(path);
        return false;
    }
    auto history = std::make_unique<RunHistory>(path.toStdString());
    auto followed = std::make_unique<Followed>(path);
    followed->labelFromConfig = QFileInfo::exists(path + QStringLiteral("/config.ini"));
    // Two runs of the same recipe get the same label: the directory name tells them apart.
    for (const auto &other : m_histories)
        history->distinguishFrom(*other);
    followed->automaticLabel = history->label();
    m_histories.push_back(std::move(history));
    m_followers.push_back(std::move(followed));
    if (!m_pollTimer->isActive())
        m_pollTimer->start();
    markStale();
    Q_EMIT runsChanged();
    pollNow();
    refreshChoices();
    redraw();
    updateStatus();
    return true;
}

void RunDashboard::removeRun(const QString &dir)
{
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    for (size_t i = 0; i < m_followers.size(); ++i) {
        if (m_followers[i]->dir != path && m_followers[i]->dir != dir)
            continue;
        m_followers.erase(m_followers.begin() + std::ptrdiff_t(i));
        m_histories.erase(m_histories.begin() + std::ptrdiff_t(i));
        afterRemoval();
        return;
    }
}

void RunDashboard::clearRuns()
{
    if (m_followers.empty())
        return;
    m_followers.clear();
    m_histories.clear();
    afterRemoval();
}

void RunDashboard::afterRemoval()
{
    if (m_followers.empty())
        m_pollTimer->stop();
    markStale();
    refreshChoices();
    redraw();
    updateStatus();
    Q_EMIT runsChanged();
}

QStringList RunDashboard::runs() const
{
    QStringList out;
    for (const auto &f : m_followers)
        out << f->dir;
    return out;
}

QString RunDashboard::runLabel(int index) const
{
    if (index < 0 || size_t(index) >= m_histories.size())
        return {};
    const RunHistory &h = *m_histories[size_t(index)];
    return QString::fromStdString(h.label().empty() ? h.dir() : h.label());
}

void RunDashboard::setRunLabel(const QString &dir, const QString &label)
{
    Followed *f = followed(dir);
    if (!f)
        return;
    const QString clean = label.simplified(); // one line: no newline or tab reaches a legend or a table
    if (clean == f->userLabel)
        return;
    f->userLabel = clean;
    const std::string text = clean.isEmpty() ? f->automaticLabel : clean.toStdString();
    for (size_t i = 0; i < m_followers.size(); ++i)
        if (m_followers[i].get() == f) {
            m_histories[i]->setLabel(text);
            if (f->drawn)
                f->drawn->setLabel(text);
        }
    markStale();
    refreshChoices();
    redraw();
    updateStatus();
    Q_EMIT runsChanged();
}

void RunDashboard::setPollInterval(int milliseconds)
{
    m_pollTimer->setInterval(std::max(10, milliseconds));
}

RunDashboard::Followed *RunDashboard::followed(const QString &dir) const
{
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    for (const auto &f : m_followers)
        if (f->dir == path)
            return f.get();
    return nullptr;
}

void RunDashboard::addLiveSteps(const QString &dir, int64_t after, const std::vector<StepSample> &steps)
{
    if (Followed *f = followed(dir)) {
        f->live.addSteps(after, steps);
        f->liveChanged = true; // drawn at the next poll
    }
}

void RunDashboard::addLiveEpoch(const QString &dir, const EpochSample &epoch)
{
    if (Followed *f = followed(dir)) {
        f->live.addEpoch(epoch);
        f->liveChanged = true;
    }
}

std::vector<const RunHistory *> RunDashboard::drawnHistories() const
{
    std::vector<const RunHistory *> out;
    for (size_t i = 0; i < m_histories.size(); ++i)
        out.push_back(m_followers[i]->drawn ? m_followers[i]->drawn.get() : m_histories[i].get());
    return out;
}

void RunDashboard::pollNow()
{
    bool changed = false;
    QList<QPair<QString, QString>> diverged;
    for (size_t i = 0; i < m_followers.size(); ++i) {
        Followed &f = *m_followers[i];
        RunHistory &history = *m_histories[i];
        const auto records = f.follower.poll();
        if (!records.empty()) {
            if (!f.labelFromConfig && QFileInfo::exists(f.dir + QStringLiteral("/config.ini"))) {
                f.automaticLabel = RunHistory(f.dir.toStdString()).label();
                if (f.userLabel.isEmpty())
                    history.setLabel(f.automaticLabel);
                f.labelFromConfig = true;
            }
            history.append(records);
            changed = true;
            if (history.divergence() && !f.divergenceReported) {
                f.divergenceReported = true;
                diverged.append({f.dir, runLabel(int(i)) + QStringLiteral(": ") + divergenceLine(history)});
            }
        }
        if (!records.empty() || f.liveChanged) {
            // The worker's points the file now has are drawn from the file; the rest follow it.
            f.live.trim(history);
            f.drawn = f.live.drawnAfter(history);
            changed = changed || f.liveChanged;
            f.liveChanged = false;
        }
    }
    if (!changed)
        return;
    // One redraw per tick however many records and samples arrived (coalesced at the sink, house style 8).
    markStale();
    refreshChoices();
    redraw();
    updateStatus();
    Q_EMIT updated();
    for (const auto &[dir, line] : diverged)
        Q_EMIT divergenceSeen(dir, line);
}

void RunDashboard::setStatusVisible(bool visible)
{
    m_status->setVisible(visible);
}

void RunDashboard::setTrialGroups(const std::vector<std::vector<size_t>> &groups,
                                  const std::vector<std::string> &labels, const std::string &rule)
{
    if (groups == m_trialGroups && labels == m_trialLabels && rule == m_trialRule)
        return;
    m_trialGroups = groups;
    m_trialLabels = labels;
    m_trialRule = rule;
    markStale();
    redraw();
}

void RunDashboard::setCompareVisible(bool visible)
{
    m_pages->setTabVisible(int(Page::Compare), visible);
}

void RunDashboard::showPage(Page page)
{
    m_pages->setCurrentIndex(int(page));
}

RunDashboard::Page RunDashboard::page() const
{
    return Page(std::clamp(m_pages->currentIndex(), 0, kPages - 1));
}

const FigureSpec &RunDashboard::figure() const
{
    return spec(int(page()));
}

FigureWidget *RunDashboard::figureWidget(Page page) const
{
    syncWidget(int(page)); // a page not drawn since its data changed is brought up to date first
    return m_figures.value(int(page));
}

void RunDashboard::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    redraw();
}

RunFigureOptions RunDashboard::options() const
{
    RunFigureOptions o;
    o.smoothing = m_smoothing->value();
    const bool top = m_layer->currentIndex() <= 0;
    const std::string layer = top ? std::string() : m_layer->currentText().toStdString();
    o.highlightLayer = layer;
    o.occupancyLayer = layer;
    o.occupancyRun = std::max(0, m_run->currentIndex());
    o.groupLabels = m_trialLabels;
    o.groupRule = m_trialRule;
    return o;
}

FigureSpec RunDashboard::buildFigure(int page) const
{
    std::vector<const RunHistory *> runs = drawnHistories();
    RunFigureOptions o = options();
    // The per-layer pages show one run (the Run chooser's): 19 layers of several runs do not fit one screen.
    if ((Page(page) == Page::Ewgs || Page(page) == Page::Alpha || Page(page) == Page::Occupancy) &&
        runs.size() > 1) {
        runs = {runs[size_t(std::clamp(o.occupancyRun, 0, int(runs.size()) - 1))]};
        o.occupancyRun = 0;
    }
    switch (Page(page)) {
    case Page::Curves:
        return makeCurvesFigure(runs, o);
    case Page::Ewgs:
        return makeEwgsFigure(runs, o);
    case Page::Alpha:
        return makeAlphaFigure(runs, o);
    case Page::Occupancy:
        return makeOccupancyFigure(runs, o);
    case Page::Compare:
        for (const auto &group : m_trialGroups)
            if (group.size() > 1)
                return makeTrialsFigure(runs, m_trialGroups, o);
        return makeCompareFigure(runs, o);
    }
    return {};
}

const FigureSpec &RunDashboard::spec(int page) const
{
    page = std::clamp(page, 0, kPages - 1);
    if (m_specStale[page]) {
        m_specs[page] = buildFigure(page);
        m_specStale[page] = false;
    }
    return m_specs[page];
}

void RunDashboard::syncWidget(int page) const
{
    if (page < 0 || page >= kPages || !m_viewStale[page])
        return;
    FigureWidget *figure = m_figures[page];
    FigureSpec shown = spec(page);
    // Several runs: their colours are named in the first panel's legend (and in the Runs list); the same
    // legend under every panel would take a third of each chart's height. Exports keep every legend.
    if (m_histories.size() > 1)
        for (int i = 1; i < shown.panels.size(); ++i)
            shown.panels[i].showLegend = false;
    figure->setFigure(shown);
    // Every panel at least a readable height (title, legend, both axes and a plot area of some 100 px);
    // the page scrolls when the dashboard is shorter than that.
    for (QChartView *view : figure->splitter()->findChildren<QChartView *>(Qt::FindDirectChildrenOnly))
        view->setMinimumHeight(minimumPanelHeight());
    m_viewStale[page] = false;
}

int RunDashboard::minimumPanelHeight() const
{
    return 13 * fontMetrics().height();
}

void RunDashboard::markStale()
{
    for (int i = 0; i < kPages; ++i)
        m_specStale[i] = m_viewStale[i] = true;
}

void RunDashboard::redraw()
{
    if (!isVisible() || m_player->isPlaying())
        return; // drawn in showEvent, or when the animation ends
    syncWidget(m_pages->currentIndex());
}

void RunDashboard::refreshChoices()
{
    QStringList names;
    for (const auto &h : m_histories)
        for (const auto &n : h->layerNames()) {
            const QString name = QString::fromStdString(n);
            if (!names.contains(name))
                names << name;
        }
    if (names != m_layerNames) {
        const QSignalBlocker block(m_layer);
        const QString current = m_layer->currentText();
        m_layer->clear();
        m_layer->addItem(kTopLayers);
        m_layer->addItems(names);
        m_layer->setCurrentIndex(std::max(0, m_layer->findText(current)));
        m_layerNames = names;
    }
    bool runChanged = false;
    QStringList labels;
    for (int i = 0; i < int(m_histories.size()); ++i)
        labels << runLabel(i);
    QStringList shown;
    for (int i = 0; i < m_run->count(); ++i)
        shown << m_run->itemText(i);
    if (labels != shown) {
        const QSignalBlocker block(m_run);
        const int current = m_run->currentIndex();
        m_run->clear();
        m_run->addItems(labels);
        m_run->setCurrentIndex(std::clamp(current, 0, int(labels.size()) - 1));
        runChanged = true;
    }
    // The per-layer pages are about EWGS: unless the user picked a run, they show one that has δ (an STE
    // run's δ page is empty), also when its first update arrives after the run was opened.
    if (!m_run->property("userChosen").toBool()) {
        const int preferred = preferredLayerRun();
        if (preferred >= 0 && preferred != m_run->currentIndex()) {
            const QSignalBlocker block(m_run);
            m_run->setCurrentIndex(preferred);
            runChanged = true;
        }
    }
    const Page p = page();
    m_run->setEnabled(labels.size() > 1 && (p == Page::Ewgs || p == Page::Alpha || p == Page::Occupancy));
    m_layer->setEnabled(p == Page::Ewgs || p == Page::Alpha || p == Page::Occupancy);
    m_smoothing->setEnabled(p == Page::Curves || p == Page::Compare);
    if (runChanged) { // the per-layer pages show another run
        markStale();
        redraw();
    }
}

int RunDashboard::preferredLayerRun() const
{
    const int current = m_run->currentIndex();
    auto hasDelta = [](const RunHistory &h) {
        for (const auto &name : h.layerNames())
            for (const auto &p : h.layer(name))
                if (p.deltaW != 0 || p.deltaA != 0)
                    return true;
        return false;
    };
    if (current >= 0 && size_t(current) < m_histories.size() && hasDelta(*m_histories[size_t(current)]))
        return current;
    for (size_t i = 0; i < m_histories.size(); ++i)
        if (hasDelta(*m_histories[i]))
            return int(i);
    // No δ yet anywhere: a run whose recipe is EWGS (its label says so) will have them.
    if (current >= 0 && m_run->itemText(current).contains(QStringLiteral("EWGS")))
        return current;
    for (int i = 0; i < m_run->count(); ++i)
        if (m_run->itemText(i).contains(QStringLiteral("EWGS")))
            return i;
    return current;
}

void RunDashboard::updateStatus()
{
    if (m_histories.empty()) {
        m_status->setText(QStringLiteral("No run open."));
        return;
    }
    QStringList lines;
    for (const RunHistory *h : drawnHistories()) {
        // A Pause and a Stop both end the session with a "stop" record: the run is resumable, not finished.
        QString state = h->divergence()                  ? QStringLiteral("diverged")
                        : h->stopReason() == "max_steps" ? QStringLiteral("at its step limit (resumable)")
                        : !h->stopReason().empty()       ? QStringLiteral("paused or stopped (resumable)")
                        : h->finished()                  ? QStringLiteral("finished")
                                        : QStringLiteral("running (or ended without a record)");
        QString line =
            QStringLiteral("<b>%1</b>: step %2, %3 epoch(s), %4")
                .arg(QString::fromStdString(h->label().empty() ? h->dir() : h->label()).toHtmlEscaped())
                .arg(h->lastStep())
                .arg(h->epochs().size())
                .arg(state);
        if (!h->epochs().empty())
            line += QStringLiteral(", test top-1 %1 %").arg(h->epochs().back().testTop1, 0, 'f', 2);
        if (h->divergence()) {
            line += QStringLiteral(" &mdash; <span style=\"color:#b00020\">%1</span>")
                        .arg(divergenceLine(*h).toHtmlEscaped());
        }
        lines << line;
    }
    m_status->setText(lines.join(QStringLiteral("<br>")));
}

} // namespace qs::ui
