#include "ui/views/sweeppanel.h"

#include "core/error.h"

#include <QCheckBox>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

namespace {

const QString kDash = QStringLiteral("\u2014");

QString meanText(const MeanStd &m)
{
    if (m.n == 0)
        return kDash;
    if (m.n == 1)
        return QString::number(m.mean, 'f', 2);
    return QStringLiteral("%1 \u00b1 %2")
        .arg(QString::number(m.mean, 'f', 2), QString::number(m.std, 'f', 2));
}

// "finished" for one run; "2 finished, 1 running" for a group (states in a fixed order, zero counts left
// out).
QString statesText(const SweepRow &row)
{
    const SweepRunState order[] = {SweepRunState::Running, SweepRunState::Stopped, SweepRunState::Failed,
                                   SweepRunState::Finished, SweepRunState::Pending};
    if (row.members.size() == 1)
        for (SweepRunState s : order)
            if (row.states[size_t(s)] == 1)
                return QString::fromStdString(sweepRunStateName(s));
    QStringList parts;
    for (SweepRunState s : order)
        if (const int n = row.states[size_t(s)])
            parts << QStringLiteral("%1 %2").arg(n).arg(QString::fromStdString(sweepRunStateName(s)));
    return parts.join(QStringLiteral(", "));
}

} // namespace

SweepPanel::SweepPanel(QWidget *parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_groupLayout(new QHBoxLayout),
      m_close(new QPushButton(QStringLiteral("Close sweep"), this)), m_table(new QTableWidget(this)),
      m_problem(new QLabel(this)), m_pollTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("sweepPanel"));
    m_summary->setObjectName(QStringLiteral("sweepSummary"));
    m_close->setObjectName(QStringLiteral("closeSweep"));
    m_close->setToolTip(QStringLiteral("Stop following the sweep (its files are not touched)."));
    m_table->setObjectName(QStringLiteral("sweepTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false); // the Status column takes the spare width
    m_table->setToolTip(QStringLiteral(
        "One row per combination of the grouped keys: its runs' states, epochs trained of those configured "
        "(summed over the row), and the test top-1 of the last epoch and of the best epoch, as mean &plusmn; "
        "sample standard deviation (divisor n&minus;1) over the runs that have an epoch. Select rows to draw "
        "their runs above."));
    // A damaged manifest or run file: one line that never widens the window (all of them in the tooltip).
    m_problem->setObjectName(QStringLiteral("sweepProblem"));
    m_problem->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_problem->setStyleSheet(QStringLiteral("color: #B00020;"));
    m_problem->setVisible(false);

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_summary);
    top->addStretch(1);
    auto *groupLabel = new QLabel(QStringLiteral("Group by"), this);
    groupLabel->setToolTip(QStringLiteral(
        "The grid keys that make a row. The runs that differ only in the other keys (by default the "
        "seed: trials of one recipe) are one row, aggregated as mean &plusmn; sample std."));
    top->addWidget(groupLabel);
    m_groupLayout->setContentsMargins(0, 0, 0, 0);
    top->addLayout(m_groupLayout);
    top->addSpacing(12);
    top->addWidget(m_close);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_problem);
    fitRows();

    // A timer rather than a file watcher: a sweep on a cluster's shared storage (NFS) is written by other
    // machines, whose writes inotify does not see. Each poll stats every run's two files and reads only the
    // lines appended to a metrics.jsonl that changed.
    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &SweepPanel::pollNow);
    connect(m_close, &QPushButton::clicked, this, &SweepPanel::closeRequested);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        m_existing.clear();
        for (const QString &dir : selectedRunDirectories())
            if (QFileInfo(dir).isDir())
                m_existing << dir;
        Q_EMIT runsSelected();
    });
}

SweepPanel::~SweepPanel() = default;

bool SweepPanel::openSweep(const QString &dir, QString *error)
{
    std::unique_ptr<SweepFollower> follower;
    try {
        follower =
            std::make_unique<SweepFollower>(QDir::cleanPath(QFileInfo(dir).absoluteFilePath()).toStdString());
    } catch (const std::exception &e) {
        if (error)
            *error = QString::fromStdString(firstLine(e.what()));
        return false;
    }
    m_follower = std::move(follower);
    m_groupKeys.clear();
    for (const SweepAxis &axis : m_follower->manifest().axes)
        if (axis.key != "seed")
            m_groupKeys.push_back(axis.key);
    rebuildGroupBoxes();
    m_table->clearSelection();
    m_table->setRowCount(0);
    refresh();
    {
        // Every run drawn to start with (select rows to narrow it); the caller syncs after opening.
        const QSignalBlocker block(m_table);
        m_table->selectAll();
    }
    m_existing.clear();
    for (const QString &d : selectedRunDirectories())
        if (QFileInfo(d).isDir())
            m_existing << d;
    m_pollTimer->start();
    return true;
}

void SweepPanel::closeSweep()
{
    m_pollTimer->stop();
    m_follower.reset();
    m_rows.clear();
    m_groupKeys.clear();
    rebuildGroupBoxes();
    m_table->clearSelection();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    m_summary->clear();
    m_problem->setVisible(false);
    m_existing.clear();
}

QString SweepPanel::directory() const
{
    return m_follower ? QString::fromStdString(m_follower->directory()) : QString();
}

QStringList SweepPanel::axisKeys() const
{
    QStringList keys;
    if (m_follower)
        for (const SweepAxis &axis : m_follower->manifest().axes)
            keys << QString::fromStdString(axis.key);
    return keys;
}

void SweepPanel::setGroupKeys(const QStringList &keys)
{
    std::vector<std::string> next;
    for (const QString &key : axisKeys()) // axis order, unknown keys dropped
        if (keys.contains(key))
            next.push_back(key.toStdString());
    if (next == m_groupKeys)
        return;
    m_groupKeys = next;
    for (QCheckBox *box : m_groupBoxes) {
        const QSignalBlocker block(box);
        box->setChecked(keys.contains(box->text()));
    }
    m_table->clearSelection();
    m_table->setRowCount(0);
    refresh();
    m_table->selectAll();
}

QStringList SweepPanel::groupKeys() const
{
    QStringList keys;
    for (const auto &key : m_groupKeys)
        keys << QString::fromStdString(key);
    return keys;
}

void SweepPanel::rebuildGroupBoxes()
{
    qDeleteAll(m_groupBoxes);
    m_groupBoxes.clear();
    for (const QString &key : axisKeys()) {
        auto *box = new QCheckBox(key, this);
        box->setObjectName(QStringLiteral("sweepGroup_%1").arg(key));
        box->setChecked(groupKeys().contains(key));
        box->setToolTip(QStringLiteral("Checked: a row per value of <tt>%1</tt>. Unchecked: the runs that "
                                       "differ in it are aggregated.")
                            .arg(key.toHtmlEscaped()));
        connect(box, &QCheckBox::toggled, this, [this] {
            QStringList keys;
            for (QCheckBox *b : m_groupBoxes)
                if (b->isChecked())
                    keys << b->text();
            setGroupKeys(keys);
        });
        m_groupLayout->addWidget(box);
        m_groupBoxes << box;
    }
}

std::vector<int> SweepPanel::sortedSelectedRows() const
{
    std::vector<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.push_back(index.row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

QStringList SweepPanel::selectedRunDirectories() const
{
    QStringList dirs;
    if (!m_follower)
        return dirs;
    std::vector<size_t> runs;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        if (size_t(index.row()) < m_rows.size())
            for (size_t i : m_rows[size_t(index.row())].members)
                runs.push_back(i);
    std::sort(runs.begin(), runs.end());
    for (size_t i : runs)
        dirs << QString::fromStdString(m_follower->runDirectory(i));
    return dirs;
}

std::vector<std::vector<size_t>> SweepPanel::selectedGroups() const
{
    std::vector<std::vector<size_t>> groups;
    if (!m_follower)
        return groups;
    const QStringList dirs = selectedRunDirectories();
    for (int r : sortedSelectedRows()) {
        if (size_t(r) >= m_rows.size())
            continue;
        std::vector<size_t> group;
        for (size_t i : m_rows[size_t(r)].members)
            group.push_back(size_t(dirs.indexOf(QString::fromStdString(m_follower->runDirectory(i)))));
        groups.push_back(group);
    }
    return groups;
}

QStringList SweepPanel::selectedRowLabels() const
{
    QStringList labels;
    for (int r : sortedSelectedRows()) {
        if (size_t(r) >= m_rows.size())
            continue;
        std::vector<std::pair<std::string, std::string>> settings;
        for (size_t k = 0; k < m_groupKeys.size() && k < m_rows[size_t(r)].values.size(); ++k)
            settings.emplace_back(m_groupKeys[k], m_rows[size_t(r)].values[k]);
        const std::string label = settingsLabel(settings);
        labels << (label.empty() ? QStringLiteral("all runs") : QString::fromStdString(label));
    }
    return labels;
}

QString SweepPanel::runLabel(const QString &runDir) const
{
    if (!m_follower)
        return {};
    const QString clean = QDir::cleanPath(runDir);
    for (size_t i = 0; i < m_follower->size(); ++i)
        if (QString::fromStdString(m_follower->runDirectory(i)) == clean)
            return QString::fromStdString(m_follower->runLabel(i));
    return {};
}

void SweepPanel::setPollInterval(int milliseconds)
{
    m_pollTimer->setInterval(milliseconds);
}

void SweepPanel::pollNow()
{
    if (!m_follower)
        return;
    if (m_follower->poll())
        refresh();
    // A selected run that was pending without a directory can be drawn once its directory appears.
    QStringList existing;
    for (const QString &dir : selectedRunDirectories())
        if (QFileInfo(dir).isDir())
            existing << dir;
    if (existing != m_existing) {
        m_existing = existing;
        Q_EMIT runsSelected();
    }
}

void SweepPanel::refresh()
{
    if (!m_follower)
        return;
    const SweepManifest &manifest = m_follower->manifest();
    m_rows = groupSweepRuns(manifest, m_follower->statuses(), m_groupKeys);
    const bool aggregated = m_groupKeys.size() < manifest.axes.size();

    QStringList headers = groupKeys();
    if (aggregated)
        headers << QStringLiteral("Runs");
    headers << QStringLiteral("Status") << QStringLiteral("Epochs") << QStringLiteral("Latest top-1 (%)")
            << QStringLiteral("Best top-1 (%)");
    if (m_table->columnCount() != headers.size())
        m_table->setColumnCount(int(headers.size()));
    for (int c = 0; c < headers.size(); ++c) {
        QTableWidgetItem *h = m_table->horizontalHeaderItem(c);
        if (!h || h->text() != headers[c])
            m_table->setHorizontalHeaderItem(c, new QTableWidgetItem(headers[c]));
    }
    const bool rowsChanged = m_table->rowCount() != int(m_rows.size());
    m_table->setRowCount(int(m_rows.size()));
    if (rowsChanged)
        fitRows();
    const int keyColumns = int(m_groupKeys.size());
    const int statusColumn = keyColumns + (aggregated ? 1 : 0);
    for (int c = 0; c < m_table->columnCount(); ++c)
        m_table->horizontalHeader()->setSectionResizeMode(
            c, c == statusColumn ? QHeaderView::Stretch : QHeaderView::ResizeToContents);
    for (int r = 0; r < int(m_rows.size()); ++r) {
        const SweepRow &row = m_rows[size_t(r)];
        QStringList cells;
        for (const auto &value : row.values)
            cells << QString::fromStdString(value);
        if (aggregated)
            cells << QString::number(row.members.size());
        cells << statesText(row);
        cells << (row.epochsPlanned > 0 ? QStringLiteral("%1/%2").arg(row.epochsDone).arg(row.epochsPlanned)
                                        : QString::number(row.epochsDone));
        cells << meanText(row.latestTop1) << meanText(row.bestTop1);
        QStringList tip;
        for (size_t i : row.members) {
            const SweepRunProgress &s = m_follower->status(i);
            tip << QStringLiteral("%1: %2%3")
                       .arg(QString::fromStdString(m_follower->runDirectory(i)),
                            QString::fromStdString(sweepRunStateName(s.state)),
                            s.detail.empty() ? QString()
                                             : QStringLiteral(" (%1)").arg(QString::fromStdString(s.detail)));
        }
        if (row.latestTop1.n > 1)
            tip << QStringLiteral("top-1: mean \u00b1 sample standard deviation (n \u2212 1) over %1 runs")
                       .arg(row.latestTop1.n);
        const bool failed = row.states[size_t(SweepRunState::Failed)] > 0;
        for (int c = 0; c < cells.size(); ++c) {
            QTableWidgetItem *item = m_table->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(r, c, item);
            }
            if (item->text() != cells[c])
                item->setText(cells[c]);
            item->setTextAlignment(c < keyColumns || c == statusColumn ? Qt::AlignLeft | Qt::AlignVCenter
                                                                       : Qt::AlignRight | Qt::AlignVCenter);
            item->setToolTip(tip.join(QLatin1Char('\n')));
            if (c == statusColumn)
                item->setForeground(failed ? QColor(0xB0, 0x00, 0x20) : palette().color(QPalette::Text));
        }
    }

    // The whole sweep in one line, and its first damaged run file.
    int counts[kSweepRunStates] = {};
    QStringList problems;
    for (const SweepRunProgress &s : m_follower->statuses()) {
        ++counts[int(s.state)];
        if (!s.problem.empty())
            problems << QString::fromStdString(s.problem);
    }
    QStringList parts;
    for (SweepRunState s : {SweepRunState::Finished, SweepRunState::Running, SweepRunState::Stopped,
                            SweepRunState::Failed, SweepRunState::Pending})
        if (counts[int(s)])
            parts << QStringLiteral("%1 %2")
                         .arg(counts[int(s)])
                         .arg(QString::fromStdString(sweepRunStateName(s)));
    m_summary->setText(
        QStringLiteral("Sweep of %1 runs: %2").arg(m_follower->size()).arg(parts.join(QStringLiteral(", "))));
    m_summary->setToolTip(
        QStringLiteral("%1\npreset %2, backend %3")
            .arg(QString::fromStdString(m_follower->directory()),
                 QString::fromStdString(manifest.preset.empty() ? "-" : manifest.preset),
                 QString::fromStdString(manifest.backend.empty() ? "-" : manifest.backend)));
    const QString first = problems.isEmpty() ? QString() : problems.first();
    m_problem->setText(
        problems.size() > 1
            ? QStringLiteral("%1  (+%2 more damaged files)").arg(first).arg(problems.size() - 1)
            : first);
    m_problem->setToolTip(problems.join(QLatin1Char('\n')));
    m_problem->setVisible(!problems.isEmpty());
}

void SweepPanel::fitRows()
{
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    const int header =
        std::max(m_table->horizontalHeader()->sizeHint().height(), m_table->fontMetrics().height() + 8);
    // The header and up to four rows (a row per recipe of a typical sweep) stay in view however the splitter
    // is dragged; more scroll.
    const int rows = std::clamp(m_table->rowCount(), 3, 4);
    m_table->setMinimumHeight(header + rows * m_table->verticalHeader()->defaultSectionSize() +
                              2 * m_table->frameWidth());
}

void SweepPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange && m_table)
        fitRows();
}

} // namespace qs::ui
