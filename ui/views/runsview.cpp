#include "ui/views/runsview.h"

#include "core/runs/trials.h"
#include "ui/figures/runfigures.h"
#include "ui/views/rundashboard.h"
#include "ui/views/sweeppanel.h"

#include <QCheckBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSaveFile>
#include <QScopeGuard>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <stdexcept>

namespace {
const QString kLabelsKey = QStringLiteral("runs/labels"); // absolute run directory -> the user's label
}

namespace qs::ui {

namespace {

QIcon swatch(const QColor &color)
{
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.fillRect(QRect(1, 5, 12, 4), color);
    return QIcon(pixmap);
}

QString fixed(double v, int digits)
{
    return QString::number(v, 'f', digits);
}

enum Column
{
    RunColumn,
    EpochsColumn,
    StepsColumn,
    FinalColumn,
    BestColumn,
    LossColumn,
    DivergedColumn,
    ColumnCount
};

} // namespace

RunsView::RunsView(QWidget *parent)
    : QWidget(parent), m_dashboard(new RunDashboard(this)), m_list(new QListWidget(this)),
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_remove(new QPushButton(QStringLiteral("Remove"), this))
{
    setObjectName(QStringLiteral("runsView"));
    m_dashboard->setCompareVisible(true);
    m_dashboard->setStatusVisible(false); // the table below gives each run's state, divergence in red
    m_list->setObjectName(QStringLiteral("runList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setToolTip(QStringLiteral("The open runs, each in its colour on every chart. Runs still being "
                                      "written are followed as they grow. Double-click a run to name it: "
                                      "the name is used in legends, the table and exports, and "
                                      "remembered for that directory (empty: the name from its "
                                      "config.ini)."));
    m_list->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_table->setObjectName(QStringLiteral("runTable"));
    m_remove->setObjectName(QStringLiteral("removeRun"));

    auto *open = new QPushButton(QStringLiteral("Open run\u2026"), this);
    open->setObjectName(QStringLiteral("openRun"));
    open->setToolTip(QStringLiteral(
        "Open a run directory (config.ini + metrics.jsonl), e.g. one <tt>quantscope-cli train --out DIR</tt> "
        "writes, here or copied from a GPU server. Open several to overlay them."));
    m_remove->setToolTip(QStringLiteral("Close the selected runs (their files are not touched)."));
    m_remove->setEnabled(false);

    auto *openSweep = new QPushButton(QStringLiteral("Open sweep\u2026"), this);
    openSweep->setObjectName(QStringLiteral("openSweep"));
    openSweep->setToolTip(QStringLiteral(
        "Open a sweep directory (sweep.json and one run directory per grid point, as <tt>quantscope-cli "
        "sweep --out DIR</tt> writes it, here or on a cluster's shared storage): every run followed live, "
        "grouped by the grid's keys, trials as mean &plusmn; std."));

    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(open);
    buttons->addWidget(m_remove);
    sideLayout->addLayout(buttons);
    sideLayout->addWidget(openSweep);
    sideLayout->addWidget(m_list, 1);

    m_table->setHorizontalHeaderLabels({QStringLiteral("Run"), QStringLiteral("Epochs"),
                                        QStringLiteral("Steps"), QStringLiteral("Final top-1 (%)"),
                                        QStringLiteral("Best top-1 (%)"), QStringLiteral("Final train loss"),
                                        QStringLiteral("Diverged")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    fitTableRows();
    m_table->setToolTip(QStringLiteral(
        "Per run: epochs completed, steps, the test top-1 after the last epoch and the best over all epochs, "
        "the last epoch's training loss, and where it diverged. The same numbers as <tt>quantscope-cli "
        "compare</tt>; export them for a paper's table."));

    auto *tableBox = new QWidget(this);
    auto *tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto *exportRow = new QHBoxLayout;
    exportRow->addWidget(new QLabel(QStringLiteral("Final and best accuracy per run"), this));
    exportRow->addStretch(1);
    m_groupTrials = new QCheckBox(QStringLiteral("Group trials"), this);
    m_groupTrials->setObjectName(QStringLiteral("groupTrials"));
    m_groupTrials->setToolTip(QStringLiteral(
        "Runs whose config.ini differ only in <tt>seed</tt> (and in machine paths: <tt>init</tt>, the data "
        "set's location, <tt>threads</tt>) are trials of one recipe: one row each, with final and best "
        "top-1 and the train loss as mean &plusmn; sample standard deviation (divisor n&minus;1), as "
        "<tt>quantscope-cli compare --group-trials</tt> writes it. The Compare page then draws each "
        "recipe's mean over its trials with the min..max range."));
    connect(m_groupTrials, &QCheckBox::toggled, this, [this] { refreshTable(true); });
    exportRow->addWidget(m_groupTrials);
    const std::pair<const char *, TableFormat> formats[] = {{"CSV\u2026", TableFormat::Csv},
                                                            {"Markdown\u2026", TableFormat::Markdown},
                                                            {"LaTeX\u2026", TableFormat::Latex}};
    for (const auto &[text, format] : formats) {
        auto *button = new QPushButton(QString::fromUtf8(text), this);
        button->setObjectName(QStringLiteral("exportTable%1").arg(int(format)));
        button->setToolTip(QStringLiteral("Save the table as %1 (written to a temporary name, then renamed).")
                               .arg(QString::fromUtf8(text).chopped(1)));
        const TableFormat f = format;
        connect(button, &QPushButton::clicked, this, [this, f] { exportTableDialog(f); });
        exportRow->addWidget(button);
    }
    tableLayout->addLayout(exportRow);
    tableLayout->addWidget(m_table, 1);
    // Damaged run files, one line each (the first; all of them in the tooltip). Ignored width and elided
    // text: a long path never widens the window.
    m_problems = new QLabel(this);
    m_problems->setObjectName(QStringLiteral("runProblems"));
    m_problems->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_problems->setStyleSheet(QStringLiteral("color: #B00020;"));
    m_problems->setVisible(false);
    tableLayout->addWidget(m_problems);

    m_inner = new QSplitter(Qt::Horizontal, this);
    m_inner->setObjectName(QStringLiteral("runsInnerSplitter"));
    m_inner->addWidget(side);
    m_inner->addWidget(m_dashboard);
    m_inner->setStretchFactor(0, 0);
    m_inner->setStretchFactor(1, 1);
    m_inner->setSizes({240, 900});
    m_outer = new QSplitter(Qt::Vertical, this);
    m_outer->setObjectName(QStringLiteral("runsOuterSplitter"));
    m_outer->addWidget(m_inner);
    // Below the charts: the run table, or a sweep's table while one is open; a sweep that fails to open
    // says why in one line under either (ignored width: a long path never widens the window).
    m_sweep = new SweepPanel(this);
    m_bottom = new QStackedWidget(this);
    m_bottom->setObjectName(QStringLiteral("runsBottom"));
    m_bottom->addWidget(tableBox);
    m_bottom->addWidget(m_sweep);
    m_sweepError = new QLabel(this);
    m_sweepError->setObjectName(QStringLiteral("sweepError"));
    m_sweepError->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_sweepError->setStyleSheet(QStringLiteral("color: #B00020;"));
    m_sweepError->setVisible(false);
    auto *bottomBox = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottomBox);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_bottom, 1);
    bottomLayout->addWidget(m_sweepError);
    m_outer->addWidget(bottomBox);
    // The charts get the height; the table starts at a few rows (the splitter gives it more).
    m_outer->setStretchFactor(0, 1);
    m_outer->setStretchFactor(1, 0);
    m_outer->setSizes({900, 120});
    m_outer->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_outer);

    connect(open, &QPushButton::clicked, this, &RunsView::openRunDialog);
    connect(openSweep, &QPushButton::clicked, this, &RunsView::openSweepDialog);
    connect(m_sweep, &SweepPanel::closeRequested, this, &RunsView::closeSweep);
    connect(m_sweep, &SweepPanel::runsSelected, this, &RunsView::syncSweepRuns);
    connect(m_remove, &QPushButton::clicked, this, &RunsView::removeSelected);
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem *item) {
        // Applied after the editor closes: the list is rebuilt by it (runsChanged).
        const QString dir = item->data(Qt::UserRole).toString(), text = item->text();
        QMetaObject::invokeMethod(
            this, [this, dir, text] { setRunLabel(dir, text); }, Qt::QueuedConnection);
    });
    connect(m_list, &QListWidget::itemSelectionChanged, this,
            [this] { m_remove->setEnabled(!m_list->selectedItems().isEmpty()); });
    connect(m_dashboard, &RunDashboard::runsChanged, this, [this] {
        refreshList();
        if (!m_syncing)
            refreshTable(true);
    });
    connect(m_dashboard, &RunDashboard::updated, this, [this] {
        if (!m_syncing)
            refreshTable(false);
    });
    connect(m_dashboard, &RunDashboard::divergenceSeen, this,
            [this](const QString &, const QString &line) { Q_EMIT statusMessage(line); });
}

RunsView::~RunsView() = default;

bool RunsView::addRun(const QString &dir, QString *error)
{
    QString why;
    if (!m_dashboard->addRun(dir, &why)) {
        if (error)
            *error = why;
        return false;
    }
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    m_lastDir = QFileInfo(path).path();
    const QString remembered = QSettings().value(kLabelsKey).toMap().value(path).toString();
    if (!remembered.isEmpty())
        m_dashboard->setRunLabel(path, remembered);
    return true;
}

void RunsView::setRunLabel(const QString &dir, const QString &label)
{
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    const int index = int(runs().indexOf(path));
    if (index < 0)
        return;
    // The automatic label typed back (or nothing) is no label of the user's.
    m_dashboard->setRunLabel(path, QString());
    const QString automatic = m_dashboard->runLabel(index);
    const QString clean = label.simplified() == automatic ? QString() : label.simplified();
    m_dashboard->setRunLabel(path, clean);
    QSettings settings;
    QVariantMap labels = settings.value(kLabelsKey).toMap();
    if (clean.isEmpty())
        labels.remove(path);
    else
        labels.insert(path, clean);
    settings.setValue(kLabelsKey, labels);
}

void RunsView::setGroupTrials(bool group)
{
    m_groupTrials->setChecked(group);
}

bool RunsView::groupTrials() const
{
    return m_groupTrials->isChecked();
}

void RunsView::removeRun(const QString &dir)
{
    m_dashboard->removeRun(dir);
}

QStringList RunsView::runs() const
{
    return m_dashboard->runs();
}

const FigureSpec &RunsView::figure() const
{
    return m_dashboard->figure();
}

QString RunsView::tableText(TableFormat format) const
{
    // As `compare` writes it: a run with no valid record is reported, not tabulated as zeros.
    std::vector<RunSummary> readable;
    for (const auto &s : m_summaries)
        if (s.records > 0)
            readable.push_back(s);
    if (groupTrials()) {
        std::vector<std::map<std::string, std::string>> configs;
        for (const auto &s : readable)
            configs.push_back(s.config);
        return QString::fromStdString(formatTrialTable(readable, qs::groupTrials(configs), format));
    }
    return QString::fromStdString(formatRunTable(readable, format));
}

QStringList RunsView::problems() const
{
    QStringList lines;
    for (const auto &s : m_summaries)
        for (const auto &line : s.problems)
            lines << QString::fromStdString(line);
    return lines;
}

std::optional<QString> RunsView::exportTable(const QString &path, TableFormat format) const
{
    QSaveFile file(path); // a temporary name, renamed into place on commit
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("%1: %2").arg(path, file.errorString());
    const QByteArray bytes = tableText(format).toUtf8();
    if (file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("%1: %2").arg(path, file.errorString());
    return std::nullopt;
}

void RunsView::openRunDialog()
{
    const QString dir =
        QFileDialog::getExistingDirectory(this, QStringLiteral("Open a run directory"), m_lastDir);
    if (dir.isEmpty())
        return;
    QString error;
    if (!addRun(dir, &error))
        Q_EMIT statusMessage(error);
    else if (!QFileInfo::exists(dir + QStringLiteral("/metrics.jsonl")))
        Q_EMIT statusMessage(
            QStringLiteral("%1: no metrics.jsonl yet; it is followed and shown when training writes it.")
                .arg(dir));
}

bool RunsView::openSweep(const QString &dir, QString *error)
{
    QString why;
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    bool opened = false;
    if (!m_sweep->isOpen() || m_sweep->directory() != path) {
        // A damaged manifest leaves the view as it was; else the sweep's runs replace those shown before.
        if (!m_sweep->openSweep(path, &why)) {
            m_sweepError->setText(why);
            m_sweepError->setToolTip(why);
            m_sweepError->setVisible(true);
            Q_EMIT statusMessage(why);
            if (error)
                *error = why;
            return false;
        }
        m_dashboard->clearRuns(); // syncSweepRuns below opens the selected rows' runs (every row, at first)
        // A sweep's many runs overlaid per run crowd a chart's legend: the Compare page draws one mean per
        // row.
        opened = true;
    }
    m_sweepError->setVisible(false);
    m_lastSweepDir = QFileInfo(path).path();
    m_bottom->setCurrentWidget(m_sweep);
    // The sweep table gets a third of the height to start with (a row per group of trials).
    const int total = m_outer->sizes().value(0) + m_outer->sizes().value(1);
    if (total > 0 && m_outer->sizes().value(1) < total / 3)
        m_outer->setSizes({total - total / 3, total / 3});
    syncSweepRuns();
    if (opened && m_sweep->groupKeys().size() < m_sweep->axisKeys().size())
        m_dashboard->showPage(RunDashboard::Page::Compare);
    return true;
}

void RunsView::closeSweep()
{
    if (!m_sweep->isOpen())
        return;
    const QStringList dirs = runs();
    for (const QString &dir : dirs)
        if (!m_sweep->runLabel(dir).isEmpty())
            m_dashboard->removeRun(dir);
    m_sweep->closeSweep();
    m_bottom->setCurrentIndex(0);
    refreshTable(true);
}

QString RunsView::sweepError() const
{
    return m_sweepError->isVisible() ? m_sweepError->text() : QString();
}

void RunsView::syncSweepRuns()
{
    if (!m_sweep->isOpen())
        return;
    const QStringList wanted = m_sweep->selectedRunDirectories();
    // The table is summarized once at the end, not once per run added (each summary reads every file).
    m_syncing = true;
    const auto done = qScopeGuard([this] { m_syncing = false; });
    for (const QString &dir : runs())
        if (!m_sweep->runLabel(dir).isEmpty() && !wanted.contains(dir))
            m_dashboard->removeRun(dir);
    for (const QString &dir : wanted) {
        if (runs().contains(dir) || !QFileInfo(dir).isDir())
            continue; // a pending run without its directory is added when the directory appears
        if (m_dashboard->addRun(dir))
            m_dashboard->setRunLabel(dir, m_sweep->runLabel(dir));
    }
    m_syncing = false;
    refreshTable(true);
}

std::vector<std::vector<size_t>> RunsView::sweepTrialGroups(std::vector<std::string> *labels) const
{
    std::vector<std::vector<size_t>> groups;
    if (m_sweep->groupKeys().size() == m_sweep->axisKeys().size())
        return groups; // one run per row: nothing to aggregate
    const QStringList open = runs();
    const QStringList selected = m_sweep->selectedRunDirectories();
    const QStringList rowLabels = m_sweep->selectedRowLabels();
    int row = -1;
    for (const auto &members : m_sweep->selectedGroups()) {
        ++row;
        std::vector<size_t> group;
        for (size_t k : members)
            if (k < size_t(selected.size()))
                if (const auto at = open.indexOf(selected[int(k)]); at >= 0)
                    group.push_back(size_t(at));
        if (!group.empty()) {
            groups.push_back(group);
            labels->push_back(rowLabels.value(row).toStdString());
        }
    }
    return groups;
}

void RunsView::openSweepDialog()
{
    const QString dir =
        QFileDialog::getExistingDirectory(this, QStringLiteral("Open a sweep directory (with sweep.json)"),
                                          m_lastSweepDir.isEmpty() ? m_lastDir : m_lastSweepDir);
    if (!dir.isEmpty())
        openSweep(dir);
}

void RunsView::exportTableDialog(TableFormat format)
{
    const QString suffix = format == TableFormat::Csv        ? QStringLiteral("csv")
                           : format == TableFormat::Markdown ? QStringLiteral("md")
                                                             : QStringLiteral("tex");
    const QString path = QFileDialog::getSaveFileName(
        this, QStringLiteral("Export the run table"),
        QDir(m_lastDir.isEmpty() ? QDir::homePath() : m_lastDir).filePath(QStringLiteral("runs.") + suffix),
        QStringLiteral("*.%1").arg(suffix));
    if (path.isEmpty())
        return;
    if (auto error = exportTable(path, format))
        Q_EMIT statusMessage(*error);
    else
        Q_EMIT statusMessage(QStringLiteral("Wrote %1").arg(path));
}

void RunsView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("runs"));
    // A sweep's runs are reopened with the sweep, not one by one.
    settings.setValue(QStringLiteral("dirs"), m_sweep->isOpen() ? QStringList() : runs());
    settings.setValue(QStringLiteral("lastDir"), m_lastDir);
    settings.setValue(QStringLiteral("sweep"), m_sweep->directory());
    settings.setValue(QStringLiteral("lastSweepDir"), m_lastSweepDir);
    if (m_sweep->isOpen())
        settings.setValue(QStringLiteral("sweepGroupBy"), m_sweep->groupKeys().join(QLatin1Char(',')));
    settings.setValue(QStringLiteral("page"), int(m_dashboard->page()));
    settings.setValue(QStringLiteral("groupTrials"), groupTrials());
    settings.setValue(QStringLiteral("outer"), m_outer->saveState());
    settings.setValue(QStringLiteral("inner"), m_inner->saveState());
    settings.endGroup();
}

void RunsView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("runs"));
    m_lastDir = settings.value(QStringLiteral("lastDir")).toString();
    m_outer->restoreState(settings.value(QStringLiteral("outer")).toByteArray());
    m_inner->restoreState(settings.value(QStringLiteral("inner")).toByteArray());
    const auto dirs = settings.value(QStringLiteral("dirs")).toStringList();
    const int page = settings.value(QStringLiteral("page"), 0).toInt();
    m_groupTrials->setChecked(settings.value(QStringLiteral("groupTrials"), false).toBool());
    const QString sweep = settings.value(QStringLiteral("sweep")).toString();
    const bool groupBySaved = settings.contains(QStringLiteral("sweepGroupBy"));
    const QStringList groupBy =
        settings.value(QStringLiteral("sweepGroupBy")).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QString lastSweepDir = settings.value(QStringLiteral("lastSweepDir")).toString();
    settings.endGroup();
    if (!sweep.isEmpty() && QFileInfo(sweep).isDir() && openSweep(sweep) && groupBySaved)
        m_sweep->setGroupKeys(groupBy); // a sweep deleted or damaged since: its line shows why
    m_lastSweepDir = lastSweepDir.isEmpty() ? m_lastSweepDir : lastSweepDir;
    const QString lastDir = m_lastDir;
    for (const QString &dir : dirs)
        if (QFileInfo(dir).isDir() && !runs().contains(dir))
            addRun(dir); // a run deleted since is dropped quietly
    m_lastDir = lastDir;
    m_dashboard->showPage(RunDashboard::Page(std::clamp(page, 0, int(RunDashboard::Page::Compare))));
}

void RunsView::refreshList()
{
    m_list->clear();
    const auto &histories = m_dashboard->histories();
    for (size_t i = 0; i < histories.size(); ++i) {
        auto *item = new QListWidgetItem(swatch(runColor(int(i))), m_dashboard->runLabel(int(i)));
        item->setToolTip(QString::fromStdString(histories[i]->dir()) +
                         QStringLiteral("\nDouble-click to rename (empty: the name from config.ini)."));
        item->setData(Qt::UserRole, QString::fromStdString(histories[i]->dir()));
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        m_list->addItem(item);
    }
    m_remove->setEnabled(false);
}

void RunsView::refreshTable(bool force)
{
    const auto &histories = m_dashboard->histories();
    QStringList keys;
    for (const auto &h : histories)
        keys << QStringLiteral("%1|%2|%3|%4|%5")
                    .arg(QString::fromStdString(h->dir()))
                    .arg(h->epochs().size())
                    .arg(h->finished())
                    .arg(bool(h->divergence()))
                    .arg(h->recordCount() > 0);
    const bool rebuild = force || keys != m_tableKeys;
    if (rebuild) {
        // Re-read only when an epoch ended or the run's state changed: summarizeRun is what the CLI's
        // `compare` prints, so the table and `compare` cannot disagree.
        m_summaries.clear();
        for (const auto &h : histories) {
            RunSummary s;
            try {
                s = summarizeRun(h->dir());
            } catch (const std::runtime_error &) { // no metrics.jsonl yet
                s.dir = h->dir();
            }
            s.label = m_dashboard->runLabel(int(m_summaries.size())).toStdString(); // as the list, legends
            m_summaries.push_back(std::move(s));
        }
        m_tableKeys = keys;
        const QStringList lines = problems();
        const QString first = lines.isEmpty() ? QString() : lines.first();
        m_problems->setText(
            lines.size() > 1 ? QStringLiteral("%1  (+%2 more damaged files)").arg(first).arg(lines.size() - 1)
                             : first);
        m_problems->setToolTip(lines.join(QLatin1Char('\n')));
        m_problems->setVisible(!lines.isEmpty());
        if (!lines.isEmpty() && lines != m_reportedProblems)
            Q_EMIT statusMessage(first);
        m_reportedProblems = lines;
    }
    // The step count moves every poll; it is taken from what the dashboard has read.
    for (size_t i = 0; i < histories.size() && i < m_summaries.size(); ++i)
        m_summaries[i].steps = std::max(m_summaries[i].steps, histories[i]->lastStep());

    struct Row
    {
        QString cells[ColumnCount];
        int colour = 0;
        QString tip;
    };
    std::vector<Row> rows;
    const QString dash = QStringLiteral("\u2014");
    if (groupTrials()) {
        // One row per recipe: the numbers as mean ± sample std (n - 1) over its trials (runs that differ only
        // in seed), as `compare --group-trials` writes them.
        std::vector<std::map<std::string, std::string>> configs;
        for (const auto &s : m_summaries)
            configs.push_back(s.records > 0 ? s.config : std::map<std::string, std::string>{});
        for (const TrialGroup &g : qs::groupTrials(configs)) {
            Row row;
            row.colour = int(g.members.front());
            std::vector<double> final, best, loss;
            QStringList epochs, steps, tips;
            int diverged = 0;
            bool any = false;
            for (size_t k = 0; k < g.members.size(); ++k) {
                const RunSummary &s = m_summaries[g.members[k]];
                tips << QString::fromStdString(s.dir) +
                            (g.members.size() > 1
                                 ? QStringLiteral(" (seed %1)").arg(QString::fromStdString(g.seeds[k]))
                                 : QString());
                if (s.epochs <= 0)
                    continue;
                any = true;
                final.push_back(s.finalTop1);
                best.push_back(s.bestTop1);
                loss.push_back(s.finalTrainLoss);
                epochs << QString::number(s.epochs);
                steps << QString::number(s.steps);
                diverged += s.diverged ? 1 : 0;
            }
            epochs.removeDuplicates();
            steps.removeDuplicates();
            auto pm = [](const MeanStd &m, int digits) {
                return m.n > 1
                           ? QStringLiteral("%1 \u00b1 %2").arg(fixed(m.mean, digits), fixed(m.std, digits))
                           : fixed(m.mean, digits);
            };
            const size_t n = g.members.size();
            const QString label = m_dashboard->runLabel(int(g.members.front()));
            row.cells[RunColumn] = n > 1 ? QStringLiteral("%1 (%2 trials)").arg(label).arg(n) : label;
            row.cells[EpochsColumn] = any ? epochs.join(QStringLiteral("/")) : dash;
            row.cells[StepsColumn] = any ? steps.join(QStringLiteral("/")) : dash;
            row.cells[FinalColumn] = any ? pm(meanStd(final), 2) : dash;
            row.cells[BestColumn] = any ? pm(meanStd(best), 2) : dash;
            row.cells[LossColumn] = any ? pm(meanStd(loss), 4) : dash;
            row.cells[DivergedColumn] =
                diverged ? QStringLiteral("%1 of %2").arg(diverged).arg(n) : QString();
            row.tip = tips.join(QLatin1Char('\n')) +
                      (n > 1 ? QStringLiteral("\nmean \u00b1 sample standard deviation (n \u2212 1) over %1 "
                                              "trials")
                                   .arg(n)
                             : QString());
            rows.push_back(row);
        }
    } else {
        for (int i = 0; i < int(m_summaries.size()); ++i) {
            const RunSummary &s = m_summaries[size_t(i)];
            const bool hasEpochs = s.epochs > 0;
            const bool hasRecords =
                s.records > 0 || (size_t(i) < histories.size() && histories[size_t(i)]->recordCount() > 0);
            Row row;
            row.colour = i;
            row.cells[RunColumn] = QString::fromStdString(s.label);
            row.cells[EpochsColumn] = hasRecords ? QString::number(s.epochs) : dash;
            row.cells[StepsColumn] = hasRecords ? QString::number(s.steps) : dash;
            row.cells[FinalColumn] = hasEpochs ? fixed(s.finalTop1, 2) : dash;
            row.cells[BestColumn] = hasEpochs ? fixed(s.bestTop1, 2) : dash;
            row.cells[LossColumn] = hasEpochs ? fixed(s.finalTrainLoss, 4) : dash;
            row.cells[DivergedColumn] = s.diverged ? QStringLiteral("step %1: %2")
                                                         .arg(s.divergedAtStep)
                                                         .arg(QString::fromStdString(s.divergenceReason))
                                                   : QString();
            row.tip = QString::fromStdString(s.dir);
            for (const auto &problem : s.problems)
                row.tip += QLatin1Char('\n') + QString::fromStdString(problem);
            rows.push_back(row);
        }
    }

    // The Compare page follows the table: grouped trials are drawn as their mean and range.
    std::vector<std::vector<size_t>> trialGroups;
    std::vector<std::string> groupLabels;
    std::string groupRule;
    if (m_sweep && m_sweep->isOpen()) {
        trialGroups = sweepTrialGroups(&groupLabels); // the sweep's rows
        QStringList aggregated = m_sweep->axisKeys();
        for (const QString &key : m_sweep->groupKeys())
            aggregated.removeAll(key);
        groupRule = QStringLiteral("a recipe is a row of the sweep table: its runs differ only in %1")
                        .arg(aggregated.join(QStringLiteral(", ")))
                        .toStdString();
    } else if (groupTrials()) {
        std::vector<std::map<std::string, std::string>> configs;
        for (const auto &s : m_summaries)
            configs.push_back(s.records > 0 ? s.config : std::map<std::string, std::string>{});
        for (const TrialGroup &g : qs::groupTrials(configs))
            trialGroups.push_back(g.members);
    }
    m_dashboard->setTrialGroups(trialGroups, groupLabels, groupRule);

    m_table->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const Row &row = rows[size_t(r)];
        for (int c = 0; c < ColumnCount; ++c) {
            QTableWidgetItem *item = m_table->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(r, c, item);
            }
            if (item->text() != row.cells[c])
                item->setText(row.cells[c]);
            item->setTextAlignment(c == RunColumn || c == DivergedColumn ? Qt::AlignLeft | Qt::AlignVCenter
                                                                         : Qt::AlignRight | Qt::AlignVCenter);
            if (c == RunColumn) {
                item->setIcon(swatch(runColor(row.colour)));
                item->setToolTip(row.tip);
            }
            if (c == DivergedColumn)
                item->setForeground(QColor(0xB0, 0x00, 0x20));
        }
    }
}

void RunsView::removeSelected()
{
    QStringList dirs;
    for (auto *item : m_list->selectedItems())
        dirs << item->data(Qt::UserRole).toString();
    for (const QString &dir : dirs)
        m_dashboard->removeRun(dir);
}

void RunsView::fitTableRows()
{
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    // The header and three runs stay in view however the splitter is dragged (a 1280x720 screen included).
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height() +
                              3 * m_table->verticalHeader()->defaultSectionSize() +
                              2 * m_table->frameWidth());
}

void RunsView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange && m_table)
        fitTableRows();
}

} // namespace qs::ui
