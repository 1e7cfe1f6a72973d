#include "ui/views/trainview.h"

#include "ui/views/rundashboard.h"
#include "ui/views/train/liverunfeed.h"
#include "ui/views/train/trainformrules.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QVBoxLayout>

#include <fstream>
#include <sstream>

namespace qs::ui {

TrainView::TrainView(QWidget *parent) : QWidget(parent), m_worker(new TrainWorker(this))
{
    buildUi();
    wire();
    // First launch: the teaching preset, which visibly learns Fashion-MNIST in under a minute, where Debian's
    // data set is installed (scripts/quantscope.sh installs it); without it, the seconds-long synthetic one.
    if (!(QFileInfo(QString::fromLatin1(trainform::kFashionDefault)).isDir() &&
          applyPreset(QString::fromLatin1(kTeachingPreset))))
        applyPreset(QStringLiteral("quick-synthetic"));
    updateButtons();
}

TrainView::~TrainView() = default; // the worker (a child) pauses the run and joins its thread

void TrainView::buildUi()
{
    m_form = new TrainForm;
    m_controls = new RunControls; // outside the form, so they stay enabled while it is locked
    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("trainFormScroll"));
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 4, 0);
    leftLayout->addWidget(scroll, 1);
    leftLayout->addWidget(m_controls);

    m_host = new DashboardHost(m_worker);
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("trainSplitter"));
    m_splitter->addWidget(left);
    m_splitter->addWidget(m_host);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({360, 900});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_splitter);

    for (auto key : {Qt::Key_Return, Qt::Key_Enter}) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | key), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this] {
            if (startButton()->isEnabled())
                startTraining();
        });
    }
}

void TrainView::wire()
{
    connect(startButton(), &QPushButton::clicked, this, &TrainView::startTraining);
    connect(pauseButton(), &QPushButton::clicked, this, &TrainView::pauseTraining);
    connect(resumeButton(), &QPushButton::clicked, this, &TrainView::resumeTraining);
    connect(stopButton(), &QPushButton::clicked, this, &TrainView::stopTraining);
    connect(m_controls->resumeRunButton(), &QPushButton::clicked, this, &TrainView::resumeRunDialog);
    connect(m_form, &TrainForm::edited, this, &TrainView::validate);
    connect(m_form, &TrainForm::message, m_host, &DashboardHost::appendLog);

    connect(m_worker, &TrainWorker::stateChanged, this, &TrainView::onStateChanged);
    connect(m_worker, &TrainWorker::progress, m_controls, &RunControls::showProgress);
    connect(m_worker, &TrainWorker::message, m_host, &DashboardHost::appendLog);
    connect(m_worker, &TrainWorker::finished, this, &TrainView::onFinished);
    connect(m_worker, &TrainWorker::failed, this, [this](const QString &line) {
        m_host->appendLog(QStringLiteral("error: ") + line);
        m_controls->showFailed(line, m_worker->isBusy());
    });
    connect(dashboard(), &RunDashboard::divergenceSeen, this, [this](const QString &, const QString &line) {
        m_controls->showBanner(QStringLiteral("Diverged: ") + line);
    });
}

QString TrainView::defaultRunDirectory(const TrainConfig &config)
{
    return trainform::defaultRunDirectory(config);
}

QString TrainView::defaultDataLocation(const QString &kind)
{
    return trainform::defaultDataLocation(kind);
}

void TrainView::validate()
{
    // The run in progress (running, pausing, paused) holds its own directory: that is no reason to complain.
    m_validationMessage = m_form->validate(m_activeRunDir);
    m_controls->setValidation(m_activeRunDir.isEmpty() ? m_validationMessage : QString());
    updateButtons();
}

void TrainView::updateButtons()
{
    // The form shows the run in progress (also while paused: Resume continues that run, not the form).
    m_form->setEnabled(m_activeRunDir.isEmpty());
    m_controls->updateButtons(*m_worker, m_activeRunDir.isEmpty() && !m_worker->isBusy() &&
                                             m_validationMessage.isEmpty());
}

bool TrainView::startTraining()
{
    if (m_worker->isBusy() || !m_activeRunDir.isEmpty()) // a paused run ends with Stop first
        return false;
    m_form->refreshDefaultRunDirectory(); // a fresh time stamp for this run
    validate();
    const auto c = config();
    if (!c || !m_validationMessage.isEmpty())
        return false;
    const QString dir = runDirectory();
    if (!QDir().mkpath(dir)) {
        m_controls->showBanner(QStringLiteral("Failed: cannot create %1").arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    m_activeRunDir = dir;
    m_controls->beginRun(c->maxSteps, true);
    m_host->appendLog(QStringLiteral("start %1").arg(QDir::toNativeSeparators(dir)));
    m_host->followRun(dir);
    m_host->liveFeed()->setLogEvery(c->logEvery);
    if (!m_worker->start(*c, dir)) {
        m_activeRunDir.clear();
        validate();
        return false;
    }
    Q_EMIT runStarted(dir);
    return true;
}

void TrainView::pauseTraining()
{
    m_worker->pause();
}

void TrainView::resumeTraining()
{
    if (m_worker->state() != TrainWorker::State::Paused)
        return;
    resumeRun(m_worker->runDir());
}

void TrainView::stopTraining()
{
    m_worker->stop();
}

bool TrainView::resumeRun(const QString &runDir)
{
    if (m_worker->isBusy())
        return false;
    if (!TrainWorker::canResume(runDir)) {
        m_controls->showBanner(QStringLiteral("Failed: %1 has no last.qsckpt to resume from")
                                   .arg(QDir::toNativeSeparators(runDir)));
        return false;
    }
    const bool samePausedRun =
        m_worker->state() == TrainWorker::State::Paused && QDir(runDir) == QDir(m_worker->runDir());
    // From here the form shows the resumed run, and its directory is the run's own (no "already holds a
    // run").
    m_activeRunDir = runDir;
    int64_t maxSteps = 0;
    int logEvery = 1;
    // Show what is running: the run's own config (its checkpoint holds the same text). Resume after Pause
    // continues what the locked form already shows.
    std::ifstream in(QDir(runDir).filePath(QStringLiteral("config.ini")).toStdString());
    std::stringstream text;
    text << in.rdbuf();
    try {
        const TrainConfig c = parseTrainConfig(text.str());
        maxSteps = c.maxSteps;
        logEvery = c.logEvery;
        if (!samePausedRun) {
            setConfig(c);
            m_form->showCustomPreset();
        }
    } catch (const std::exception &) {
        // An unreadable config.ini leaves the form as it was; the engine reads the checkpoint's copy.
    }
    if (!samePausedRun)
        setRunDirectory(runDir);
    m_controls->beginRun(maxSteps, false);
    m_host->appendLog(QStringLiteral("resume %1").arg(QDir::toNativeSeparators(runDir)));
    if (!m_host->follows(runDir))
        m_host->followRun(runDir);
    m_host->liveFeed()->setLogEvery(logEvery);
    if (!m_worker->resume(runDir)) {
        m_activeRunDir.clear();
        validate();
        return false;
    }
    return true;
}

void TrainView::resumeRunDialog()
{
    QString start = m_lastResumeDir;
    if (start.isEmpty())
        start = QFileInfo(runDirectory()).absolutePath();
    const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Resume run"), start);
    if (dir.isEmpty())
        return;
    m_lastResumeDir = QFileInfo(dir).absolutePath();
    resumeRun(dir);
}

void TrainView::onStateChanged(TrainWorker::State state)
{
    const bool runEnded = !m_worker->isBusy() && state != TrainWorker::State::Paused;
    if (runEnded && !m_activeRunDir.isEmpty()) {
        // The run is over (finished, stopped, diverged, failed): Start begins a new one, in a fresh
        // directory; "Resume run..." still continues the old one (its dialog opens there).
        const QString ended = m_activeRunDir;
        m_activeRunDir.clear();
        m_lastResumeDir = ended;
        offerFreshRunDirectory(ended);
    }
    m_controls->showState(state);
    validate();
}

void TrainView::offerFreshRunDirectory(const QString &ended)
{
    m_form->refreshDefaultRunDirectory(); // a default (not chosen) directory gets a fresh time stamp
    const QString dir = runDirectory();
    if (!trainform::holdsRun(dir))
        return;
    // A chosen directory: its first free sibling, DIR-2, DIR-3, ...
    QString base = QDir::cleanPath(dir);
    static const QRegularExpression numbered(QStringLiteral("-(\\d+)$"));
    int next = 2;
    if (const auto m = numbered.match(base); m.hasMatch() && m.captured(1).toInt() < 1000) {
        next = m.captured(1).toInt() + 1;
        base.chop(m.capturedLength(0));
    }
    QString fresh;
    do
        fresh = QStringLiteral("%1-%2").arg(base).arg(next++);
    while (trainform::holdsRun(fresh) || QFileInfo(fresh).isFile());
    setRunDirectory(fresh);
    m_host->appendLog(QStringLiteral("next Start: %1 (\u201cResume run\u2026\u201d continues %2)")
                          .arg(QDir::toNativeSeparators(fresh), QDir::toNativeSeparators(ended)));
}

void TrainView::onFinished(TrainOutcome outcome, const QString &message)
{
    m_host->appendLog(message);
    m_controls->showFinished(outcome, message, m_worker->state() == TrainWorker::State::Paused);
    dashboard()->pollNow(); // the final records, without waiting for the next poll
}

const FigureSpec &TrainView::figure() const
{
    return dashboard()->figure();
}

void TrainView::shutdown()
{
    if (!m_worker->isBusy())
        return;
    m_worker->pause();
    m_worker->waitUntilIdle(120000); // the engine finishes its step and writes last.qsckpt
}

void TrainView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("train"));
    m_form->saveSettings(settings);
    settings.setValue(QStringLiteral("resumeDir"), m_lastResumeDir);
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.endGroup();
}

void TrainView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("train"));
    if (m_form->restoreSettings(settings)) {
        m_lastResumeDir = settings.value(QStringLiteral("resumeDir")).toString();
        m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    }
    settings.endGroup();
}

} // namespace qs::ui
