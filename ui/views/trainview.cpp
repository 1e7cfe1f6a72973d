#include "ui/views/trainview.h"

#include "core/quant/levels.h"
#include "ui/figures/palette.h"
#include "ui/views/modelview.h"
#include "ui/views/rundashboard.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTime>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace qs::ui {

namespace {

// The keys the form has a field for; Advanced holds every other one.
const std::set<std::string> &formKeys()
{
    static const std::set<std::string> keys = {"depth",      "shortcut", "method",  "backward",
                                               "wbits",      "abits",    "dataset", "epochs",
                                               "batch_size", "lr",       "init"};
    return keys;
}

std::string keyOf(const std::string &line)
{
    const auto eq = line.find('=');
    if (eq == std::string::npos)
        return {};
    std::string key = line.substr(0, eq);
    const auto first = key.find_first_not_of(" \t");
    const auto last = key.find_last_not_of(" \t");
    return first == std::string::npos ? std::string() : key.substr(first, last - first + 1);
}

QString oneLine(QString text)
{
    const auto nl = text.indexOf(QLatin1Char('\n'));
    if (nl >= 0)
        text.truncate(nl);
    return text.trimmed();
}

bool holdsRun(const QString &dir)
{
    const QDir d(dir);
    return QFileInfo::exists(d.filePath(QStringLiteral("metrics.jsonl"))) ||
           QFileInfo::exists(d.filePath(QStringLiteral("last.qsckpt")));
}

QString sourceDir()
{
#ifdef QUANTSCOPE_SOURCE_DIR
    return QStringLiteral(QUANTSCOPE_SOURCE_DIR);
#else
    return QDir::currentPath();
#endif
}

const char *const kFashionDefault = "/usr/share/datasets/fashion-mnist";
const QString kRunDirTip =
    QStringLiteral("config.ini, metrics.jsonl, last.qsckpt and best.qsckpt go here (as with quantscope-cli "
                   "train --out). Follows the method and bits until you edit it.");

QString methodToolTip(const QString &method)
{
    if (method == QStringLiteral("fp"))
        return QStringLiteral("<b>Full precision</b>: no quantizer; the baseline a quantized run is compared "
                              "with (and a good warm start for it).");
    if (method == QStringLiteral("uniform"))
        return schemeToolTip(Scheme::Uniform) +
               QStringLiteral("<br>Learned clip &alpha; with the RCF gradient (APoT reference).");
    if (method == QStringLiteral("pot"))
        return schemeToolTip(Scheme::PoT) +
               QStringLiteral("<br>Weights normalized (w &minus; &mu;)/&sigma; first; learned clip &alpha;.");
    if (method == QStringLiteral("apot"))
        return schemeToolTip(Scheme::APoT) +
               QStringLiteral("<br>Weights normalized (w &minus; &mu;)/&sigma; first; learned clip &alpha; "
                              "(RCF gradient).");
    if (method == QStringLiteral("lsq"))
        return QStringLiteral("<b>LSQ</b> (learned step size): x<sub>q</sub> = s&middot;round(clamp(x/s, "
                              "&minus;Q<sub>N</sub>, Q<sub>P</sub>)); the step s is learned with gradient "
                              "scale 1/&radic;(N&middot;Q<sub>P</sub>).");
    if (method == QStringLiteral("dsq"))
        return formulas::dsq();
    if (method == QStringLiteral("daq"))
        return formulas::daq();
    return QString();
}

} // namespace

TrainView::TrainView(QWidget *parent) : QWidget(parent), m_worker(new TrainWorker(this))
{
    buildUi();
    connect(m_worker, &TrainWorker::stateChanged, this, &TrainView::onStateChanged);
    connect(m_worker, &TrainWorker::progress, this, &TrainView::onProgress);
    connect(m_worker, &TrainWorker::message, this, &TrainView::appendLog);
    connect(m_worker, &TrainWorker::finished, this, &TrainView::onFinished);
    connect(m_worker, &TrainWorker::failed, this, [this](const QString &line) {
        appendLog(QStringLiteral("error: ") + line);
        showBanner(QStringLiteral("Failed: ") + line);
        if (!m_worker->isBusy())
            m_progress->setFormat(QStringLiteral("failed"));
    });
    connect(m_dashboard, &RunDashboard::divergenceSeen, this, [this](const QString &, const QString &line) {
        showBanner(QStringLiteral("Diverged: ") + line);
    });
    // First launch: a quantized run on real data that works out of the box when Debian's Fashion-MNIST is
    // installed (scripts/quantscope.sh installs it): APoT W4A4 fine-tuned from the shipped FP model.
    // Without it, the seconds-long synthetic preset.
    const auto fashion = presetText("fashion-mnist-fp");
    const QString shipped = ModelView::defaultModelPath();
    if (fashion && QFileInfo(QString::fromLatin1(kFashionDefault)).isDir() && !shipped.isEmpty()) {
        TrainConfig c = parseTrainConfig(*fashion);
        c.method = "apot";
        c.wbits = c.abits = 4;
        c.epochs = 2;
        c.lr = 0.01;
        c.init = shipped.toStdString();
        setConfig(c);
    } else {
        applyPreset(QStringLiteral("quick-synthetic"));
    }
    updateButtons();
}

TrainView::~TrainView() = default; // the worker (a child) pauses the run and joins its thread

void TrainView::buildUi()
{
    m_form = new QWidget;
    auto *formLayout = new QVBoxLayout(m_form);
    formLayout->setContentsMargins(0, 0, 0, 0);

    auto *recipeBox = new QGroupBox(QStringLiteral("Recipe"));
    auto *recipe = new QFormLayout(recipeBox);
    m_preset = new QComboBox;
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    m_preset->addItem(QStringLiteral("(custom)"), QString());
    for (const auto &name : presetNames())
        m_preset->addItem(QString::fromStdString(name), QString::fromStdString(name));
    m_preset->setToolTip(
        QStringLiteral("The compiled-in recipes (resources/presets/*.ini): choosing one fills the form. "
                       "<tt>quick-synthetic</tt> runs in seconds on generated data."));
    recipe->addRow(QStringLiteral("&Preset"), m_preset);
    formLayout->addWidget(recipeBox);

    auto *modelBox = new QGroupBox(QStringLiteral("Model"));
    auto *model = new QFormLayout(modelBox);
    m_depth = new QComboBox;
    m_depth->setObjectName(QStringLiteral("depthCombo"));
    for (int d : {20, 32, 44, 56})
        m_depth->addItem(QStringLiteral("ResNet-%1").arg(d), d);
    m_depth->setToolTip(QStringLiteral("CIFAR ResNet depth 6n + 2: three stages of n basic blocks."));
    m_shortcut = new QComboBox;
    m_shortcut->setObjectName(QStringLiteral("shortcutCombo"));
    m_shortcut->addItem(QStringLiteral("A: zero-pad"), QStringLiteral("A"));
    m_shortcut->addItem(QStringLiteral("B: 1\u00d71 conv + BN"), QStringLiteral("B"));
    m_shortcut->setToolTip(QStringLiteral(
        "How a block that halves the resolution matches channels: A pads with zeros (no parameters, the "
        "APoT reference), B projects with a 1\u00d71 convolution and batch norm."));
    model->addRow(QStringLiteral("&Depth"), m_depth);
    model->addRow(QStringLiteral("S&hortcut"), m_shortcut);
    formLayout->addWidget(modelBox);

    auto *dataBox = new QGroupBox(QStringLiteral("Data"));
    auto *data = new QFormLayout(dataBox);
    m_datasetKind = new QComboBox;
    m_datasetKind->setObjectName(QStringLiteral("datasetCombo"));
    fillDatasetKinds();
    m_dataLocation = new QLineEdit;
    m_dataLocation->setObjectName(QStringLiteral("dataLocationEdit"));
    m_browseData = new QToolButton;
    m_browseData->setText(QStringLiteral("\u2026"));
    m_browseData->setToolTip(QStringLiteral("Choose the data directory"));
    connect(m_browseData, &QToolButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, QStringLiteral("Data directory"), m_dataLocation->text());
        if (!dir.isEmpty())
            m_dataLocation->setText(dir);
    });
    auto *locationRow = new QHBoxLayout;
    locationRow->addWidget(m_dataLocation, 1);
    locationRow->addWidget(m_browseData);
    data->addRow(QStringLiteral("Data &set"), m_datasetKind);
    auto *locationLabel = new QLabel(QStringLiteral("&Location"));
    locationLabel->setBuddy(m_dataLocation); // a row holding a layout gets no buddy by itself
    data->addRow(locationLabel, locationRow);
    formLayout->addWidget(dataBox);

    auto *quantBox = new QGroupBox(QStringLiteral("Quantization"));
    auto *quant = new QFormLayout(quantBox);
    m_method = new QComboBox;
    m_method->setObjectName(QStringLiteral("methodCombo"));
    for (const char *m : {"fp", "uniform", "lsq", "pot", "apot", "dsq", "daq"}) {
        const QString name = QString::fromLatin1(m);
        m_method->addItem(name == QStringLiteral("fp") ? QStringLiteral("fp (full precision)") : name, name);
        m_method->setItemData(m_method->count() - 1, methodToolTip(name), Qt::ToolTipRole);
    }
    m_backward = new QComboBox;
    m_backward->setObjectName(QStringLiteral("backwardCombo"));
    m_backward->addItem(QStringLiteral("STE"), QStringLiteral("ste"));
    m_backward->setItemData(0, formulas::ste(), Qt::ToolTipRole);
    m_backward->addItem(QStringLiteral("EWGS"), QStringLiteral("ewgs"));
    m_backward->setItemData(1, formulas::ewgs(), Qt::ToolTipRole);
    m_backward->setToolTip(formulas::ste() + QStringLiteral("<br>") + formulas::ewgs());
    m_wbits = new QSpinBox;
    m_wbits->setObjectName(QStringLiteral("wbitsSpin"));
    m_abits = new QSpinBox;
    m_abits->setObjectName(QStringLiteral("abitsSpin"));
    for (QSpinBox *spin : {m_wbits, m_abits}) {
        spin->setRange(1, 16); // out-of-range combinations are explained, not silently clamped
        spin->setSuffix(QStringLiteral(" bit"));
    }
    m_wbits->setToolTip(
        QStringLiteral("Weight bits (signed grid). Edge layers: see edge_layers in Advanced."));
    m_abits->setToolTip(QStringLiteral("Activation bits (unsigned grid, after ReLU)."));
    auto *bitsRow = new QHBoxLayout;
    bitsRow->addWidget(new QLabel(QStringLiteral("W")));
    bitsRow->addWidget(m_wbits, 1);
    bitsRow->addSpacing(8);
    bitsRow->addWidget(new QLabel(QStringLiteral("A")));
    bitsRow->addWidget(m_abits, 1);
    quant->addRow(QStringLiteral("&Method"), m_method);
    quant->addRow(QStringLiteral("&Backward"), m_backward);
    quant->addRow(QStringLiteral("Bits"), bitsRow);
    formLayout->addWidget(quantBox);

    auto *optBox = new QGroupBox(QStringLiteral("Optimization"));
    auto *opt = new QFormLayout(optBox);
    m_epochs = new QSpinBox;
    m_epochs->setObjectName(QStringLiteral("epochsSpin"));
    m_epochs->setRange(1, 10000);
    m_batch = new QSpinBox;
    m_batch->setObjectName(QStringLiteral("batchSpin"));
    m_batch->setRange(1, 65536);
    m_lr = new QDoubleSpinBox;
    m_lr->setObjectName(QStringLiteral("lrSpin"));
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 10.0);
    m_lr->setSingleStep(0.01);
    m_lr->setToolTip(QStringLiteral("Base learning rate of the weights; the schedule (Advanced: schedule, "
                                    "milestones) scales it per epoch."));
    m_init = new QLineEdit;
    m_init->setObjectName(QStringLiteral("initEdit"));
    m_init->setPlaceholderText(QStringLiteral("none: from scratch"));
    m_init->setToolTip(QStringLiteral(
        "Warm start: load matching weights from this checkpoint (ours or a PyTorch state_dict; "
        "non-strict). Fashion-MNIST runs default to the shipped full-precision model."));
    auto *browseInit = new QToolButton;
    browseInit->setText(QStringLiteral("\u2026"));
    browseInit->setToolTip(QStringLiteral("Choose a checkpoint"));
    connect(browseInit, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, QStringLiteral("Warm-start checkpoint"), QFileInfo(m_init->text()).absolutePath(),
            QStringLiteral("Checkpoints (*.qsckpt *.pt *.pth *.tar);;All files (*)"));
        if (!file.isEmpty())
            m_init->setText(file);
    });
    auto *initRow = new QHBoxLayout;
    initRow->addWidget(m_init, 1);
    initRow->addWidget(browseInit);
    opt->addRow(QStringLiteral("&Epochs"), m_epochs);
    opt->addRow(QStringLiteral("Batch si&ze"), m_batch);
    opt->addRow(QStringLiteral("Learning &rate"), m_lr);
    auto *initLabel = new QLabel(QStringLiteral("&Init"));
    initLabel->setBuddy(m_init);
    opt->addRow(initLabel, initRow);
    formLayout->addWidget(optBox);

    m_advancedToggle = new QToolButton;
    m_advancedToggle->setObjectName(QStringLiteral("advancedToggle"));
    m_advancedToggle->setText(QStringLiteral("Advanced\u2026"));
    m_advancedToggle->setCheckable(true);
    m_advancedToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_advancedToggle->setArrowType(Qt::RightArrow);
    m_advancedToggle->setAutoRaise(true);
    m_advancedToggle->setToolTip(QStringLiteral("Every other configuration key as key = value lines"));
    m_advanced = new QPlainTextEdit;
    m_advanced->setObjectName(QStringLiteral("advancedEdit"));
    m_advanced->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_advanced->setMinimumHeight(160);
    m_advanced->setToolTip(QStringLiteral(
        "key = value, one per line (# comments), as in a run's config.ini: every key the form above "
        "does not show. Unknown keys and bad values are reported here."));
    m_advancedError = new QLabel;
    m_advancedError->setObjectName(QStringLiteral("advancedError"));
    m_advancedError->setWordWrap(true);
    m_advancedError->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_advanced->setVisible(false);
    m_advancedError->setVisible(false);
    connect(m_advancedToggle, &QToolButton::toggled, this, [this](bool on) {
        m_advancedToggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        m_advanced->setVisible(on);
        m_advancedError->setVisible(on && !m_advancedError->text().isEmpty());
    });
    formLayout->addWidget(m_advancedToggle);
    formLayout->addWidget(m_advanced);
    formLayout->addWidget(m_advancedError);

    auto *runBox = new QGroupBox(QStringLiteral("Run directory"));
    auto *runLayout = new QHBoxLayout(runBox);
    m_runDir = new QLineEdit;
    m_runDir->setObjectName(QStringLiteral("runDirEdit"));
    m_runDir->setToolTip(kRunDirTip);
    auto *browseRun = new QToolButton;
    browseRun->setText(QStringLiteral("\u2026"));
    browseRun->setToolTip(QStringLiteral("Choose the run directory"));
    connect(browseRun, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Run directory"),
                                                              QFileInfo(m_runDir->text()).absolutePath());
        if (!dir.isEmpty())
            setRunDirectory(dir);
    });
    connect(m_runDir, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_runDir->setToolTip(QStringLiteral("<tt>%1</tt><br>").arg(text.toHtmlEscaped()) + kRunDirTip);
    });
    runLayout->addWidget(m_runDir, 1);
    runLayout->addWidget(browseRun);
    formLayout->addWidget(runBox);
    formLayout->addStretch(1);

    // Run controls, outside the form so they stay enabled while it is locked.
    auto *controls = new QWidget;
    auto *controlsLayout = new QVBoxLayout(controls);
    controlsLayout->setContentsMargins(0, 0, 0, 0);
    m_validation = new QLabel;
    m_validation->setObjectName(QStringLiteral("validationLabel"));
    m_validation->setWordWrap(true);
    m_validation->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_validation->setVisible(false);
    controlsLayout->addWidget(m_validation);
    auto *buttons = new QHBoxLayout;
    m_start = new QPushButton(QStringLiteral("Start"));
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setToolTip(QStringLiteral("Start a new run in the run directory (Ctrl+Return)"));
    m_pause = new QPushButton(QStringLiteral("Pause"));
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setToolTip(QStringLiteral("Finish the current step, write last.qsckpt and wait for Resume"));
    m_resume = new QPushButton(QStringLiteral("Resume"));
    m_resume->setObjectName(QStringLiteral("resumeButton"));
    m_resume->setToolTip(QStringLiteral("Continue the paused run exactly where it stopped"));
    m_stop = new QPushButton(QStringLiteral("Stop"));
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(QStringLiteral(
        "End the run after the current step. Its last.qsckpt stays: \u201cResume run\u2026\u201d (or "
        "quantscope-cli train --resume DIR) continues it."));
    for (QPushButton *b : {m_start, m_pause, m_resume, m_stop})
        buttons->addWidget(b);
    controlsLayout->addLayout(buttons);
    m_resumeRun = new QPushButton(QStringLiteral("Resume run\u2026"));
    m_resumeRun->setObjectName(QStringLiteral("resumeRunButton"));
    m_resumeRun->setToolTip(QStringLiteral("Continue an earlier paused or stopped run: pick its directory"));
    controlsLayout->addWidget(m_resumeRun);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("trainProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("idle"));
    m_progress->setTextVisible(true);
    controlsLayout->addWidget(m_progress);
    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("trainBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fde7e9; color: #8a0010; border: 1px solid "
                                           "#e5a0a8; border-radius: 3px; padding: 4px; }"));
    m_banner->setVisible(false);
    controlsLayout->addWidget(m_banner);

    connect(m_start, &QPushButton::clicked, this, &TrainView::startTraining);
    connect(m_pause, &QPushButton::clicked, this, &TrainView::pauseTraining);
    connect(m_resume, &QPushButton::clicked, this, &TrainView::resumeTraining);
    connect(m_stop, &QPushButton::clicked, this, &TrainView::stopTraining);
    connect(m_resumeRun, &QPushButton::clicked, this, &TrainView::resumeRunDialog);
    for (auto key : {Qt::Key_Return, Qt::Key_Enter}) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | key), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this] {
            if (m_start->isEnabled())
                startTraining();
        });
    }

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
    leftLayout->addWidget(controls);

    m_dashboard = new RunDashboard;
    m_dashboard->setObjectName(QStringLiteral("trainDashboard"));
    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("trainLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setPlaceholderText(QStringLiteral("The engine's messages appear here."));
    auto *right = new QSplitter(Qt::Vertical);
    right->setObjectName(QStringLiteral("trainRightSplitter"));
    right->addWidget(m_dashboard);
    right->addWidget(m_log);
    // The charts get the height: a few log lines are enough (the splitter can pull more).
    m_log->setMinimumHeight(40);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 0);
    right->setSizes({900, 70});

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("trainSplitter"));
    m_splitter->addWidget(left);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({360, 900});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_splitter);

    // Every edit revalidates; the user's edits also turn the preset into "(custom)".
    const auto edited = [this] {
        if (!m_filling) {
            const QSignalBlocker block(m_preset);
            m_preset->setCurrentIndex(0);
        }
        onFormEdited();
    };
    for (QComboBox *combo : {m_depth, m_shortcut, m_method, m_backward})
        connect(combo, &QComboBox::currentIndexChanged, this, edited);
    connect(m_datasetKind, &QComboBox::currentIndexChanged, this, [this, edited] {
        if (!m_filling)
            onDatasetKindChanged();
        edited();
    });
    for (QSpinBox *spin : {m_wbits, m_abits, m_epochs, m_batch})
        connect(spin, &QSpinBox::valueChanged, this, edited);
    connect(m_lr, &QDoubleSpinBox::valueChanged, this, edited);
    for (QLineEdit *line : {m_dataLocation, m_init})
        connect(line, &QLineEdit::textChanged, this, edited);
    connect(m_advanced, &QPlainTextEdit::textChanged, this, edited);
    connect(m_runDir, &QLineEdit::textEdited, this, [this](const QString &text) {
        m_runDirEdited = !text.trimmed().isEmpty(); // cleared: follow the form again
        if (!m_runDirEdited)
            refreshDefaultRunDirectory();
        validate();
    });
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        const QString name = m_preset->itemData(index).toString();
        if (!name.isEmpty())
            applyPreset(name);
    });
}

void TrainView::fillDatasetKinds()
{
    const std::pair<const char *, const char *> kinds[] = {
        {"fashion-mnist", "Fashion-MNIST IDX files (plain or .gz); empty: Debian's dataset-fashion-mnist in "
                          "/usr/share/datasets/fashion-mnist"},
        {"cifar10", "CIFAR-10 binary: data_batch_1..5.bin and test_batch.bin"},
        {"cifar100", "CIFAR-100 binary: train.bin and test.bin (fine labels)"},
        {"mnist", "MNIST IDX files (plain or .gz)"},
        {"synthetic", "Generated 3x32x32 images of 10 classes: seconds-long runs; location = image count"}};
    for (const auto &[kind, tip] : kinds) {
        m_datasetKind->addItem(QString::fromLatin1(kind), QString::fromLatin1(kind));
        m_datasetKind->setItemData(m_datasetKind->count() - 1, QString::fromLatin1(tip), Qt::ToolTipRole);
    }
}

QString TrainView::defaultDataLocation(const QString &kind)
{
    if (kind == QStringLiteral("cifar10")) {
        // The real CIFAR-10 images at hand, converted to the binary layout (README: cifar10-jpeg-to-bin).
        const QDir src(sourceDir());
        const QStringList candidates = {src.filePath(QStringLiteral("data/cifar10")),
                                        src.filePath(QStringLiteral("../shared/data/cifar10")),
                                        src.filePath(QStringLiteral("../shared/data/cifar10-bin"))};
        for (const QString &c : candidates)
            if (QFileInfo(QDir(c).filePath(QStringLiteral("data_batch_1.bin"))).isFile())
                return QDir::cleanPath(c);
    }
    return QString(); // fashion-mnist: the engine's default; synthetic: 512 images
}

QString TrainView::defaultRunDirectory(const TrainConfig &config)
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (base.isEmpty())
        base = QDir::home().filePath(QStringLiteral(".quantscope"));
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString method = QString::fromStdString(config.method);
    const QString name =
        config.method == "fp"
            ? QStringLiteral("%1-fp").arg(stamp)
            : QStringLiteral("%1-%2-w%3a%4").arg(stamp, method).arg(config.wbits).arg(config.abits);
    QString dir = QDir(base).filePath(QStringLiteral("runs/") + name);
    // Two runs started within one second get distinct directories.
    for (int i = 2; holdsRun(dir); ++i)
        dir = QDir(base).filePath(QStringLiteral("runs/%1-%2").arg(name).arg(i));
    return dir;
}

QString TrainView::datasetSpec() const
{
    const QString kind = m_datasetKind->currentData().toString();
    const QString location = m_dataLocation->text().trimmed();
    if (kind == QStringLiteral("synthetic") && location.isEmpty())
        return kind;
    return kind + QLatin1Char(':') + location;
}

void TrainView::setDatasetSpec(const QString &spec)
{
    const auto colon = spec.indexOf(QLatin1Char(':'));
    const QString kind = colon < 0 ? spec : spec.left(colon);
    const QString location = colon < 0 ? QString() : spec.mid(colon + 1);
    int index = m_datasetKind->findData(kind);
    if (index < 0) {
        m_datasetKind->addItem(kind, kind);
        index = m_datasetKind->count() - 1;
    }
    m_datasetKind->setCurrentIndex(index);
    m_dataLocation->setText(location);
    onDatasetKindChanged(); // placeholder; a given location stays
    if (!location.isEmpty())
        m_dataLocation->setText(location);
}

void TrainView::onDatasetKindChanged()
{
    const QString kind = m_datasetKind->currentData().toString();
    const bool synthetic = kind == QStringLiteral("synthetic");
    m_browseData->setVisible(!synthetic);
    m_dataLocation->setPlaceholderText(synthetic ? QStringLiteral("image count (default 512)")
                                       : kind == QStringLiteral("fashion-mnist")
                                           ? QString::fromLatin1(kFashionDefault)
                                           : QStringLiteral("directory with the %1 files").arg(kind));
    m_dataLocation->setToolTip(m_datasetKind->currentData(Qt::ToolTipRole).toString());
    if (m_filling)
        return;
    // A user switching the kind gets that kind's default location, and the shipped Fashion-MNIST model as
    // the warm start where it fits.
    m_dataLocation->setText(defaultDataLocation(kind));
    const QString shipped = ModelView::defaultModelPath();
    if (kind == QStringLiteral("fashion-mnist") && m_init->text().isEmpty())
        m_init->setText(shipped);
    else if (kind != QStringLiteral("fashion-mnist") && !shipped.isEmpty() && m_init->text() == shipped)
        m_init->clear();
}

std::optional<TrainConfig> TrainView::config(QString *why) const
{
    const auto fail = [why](const QString &line) {
        if (why)
            *why = line;
        return std::optional<TrainConfig>();
    };
    const std::string advanced = m_advanced->toPlainText().toStdString();
    {
        std::istringstream lines(advanced);
        std::string line;
        int number = 0;
        while (std::getline(lines, line)) {
            ++number;
            const auto hash = line.find('#');
            if (hash == 0 ||
                (hash != std::string::npos && hash > 0 && (line[hash - 1] == ' ' || line[hash - 1] == '\t')))
                line.resize(hash);
            const std::string key = keyOf(line);
            if (formKeys().count(key))
                return fail(QStringLiteral("Advanced, line %1: %2 is set in the form above")
                                .arg(number)
                                .arg(QString::fromStdString(key)));
        }
    }
    TrainConfig c;
    try {
        c = parseTrainConfig(advanced);
    } catch (const std::exception &e) {
        return fail(QStringLiteral("Advanced: ") + oneLine(QString::fromStdString(e.what())));
    }
    c.depth = m_depth->currentData().toInt();
    c.shortcut = m_shortcut->currentData().toString().toStdString();
    c.method = m_method->currentData().toString().toStdString();
    c.backward = m_backward->currentData().toString().toStdString();
    c.wbits = m_wbits->value();
    c.abits = m_abits->value();
    c.dataset = datasetSpec().toStdString();
    c.epochs = m_epochs->value();
    c.batchSize = m_batch->value();
    c.lr = m_lr->value();
    c.init = m_init->text().trimmed().toStdString();
    if (auto bad = checkMethodBits(c.method, c.wbits, c.abits))
        return fail(QString::fromStdString(*bad));
    if (auto bad = checkTrainConfig(c))
        return fail(QString::fromStdString(*bad));
    return c;
}

void TrainView::setConfig(const TrainConfig &config)
{
    m_filling = true;
    const auto select = [](QComboBox *combo, const QVariant &value) {
        const int i = combo->findData(value);
        if (i >= 0)
            combo->setCurrentIndex(i);
    };
    select(m_depth, config.depth);
    select(m_shortcut, QString::fromStdString(config.shortcut));
    select(m_method, QString::fromStdString(config.method));
    select(m_backward, QString::fromStdString(config.backward));
    m_wbits->setValue(config.wbits);
    m_abits->setValue(config.abits);
    setDatasetSpec(QString::fromStdString(config.dataset));
    m_epochs->setValue(config.epochs);
    m_batch->setValue(config.batchSize);
    m_lr->setValue(config.lr);
    m_init->setText(QString::fromStdString(config.init));
    std::string advanced;
    std::istringstream lines(serializeTrainConfig(config));
    for (std::string line; std::getline(lines, line);)
        if (!formKeys().count(keyOf(line)))
            advanced += line + '\n';
    m_advanced->setPlainText(QString::fromStdString(advanced));
    m_filling = false;
    onFormEdited();
}

bool TrainView::applyPreset(const QString &name)
{
    const auto text = presetText(name.toStdString());
    if (!text)
        return false;
    TrainConfig c;
    try {
        c = parseTrainConfig(*text);
    } catch (const std::exception &e) {
        appendLog(QStringLiteral("preset %1: %2").arg(name, oneLine(QString::fromStdString(e.what()))));
        return false;
    }
    // Quantizing the shipped Fashion-MNIST model beats quantizing from scratch.
    if (c.init.empty() && c.method != "fp" && c.dataset.rfind("fashion-mnist", 0) == 0)
        c.init = ModelView::defaultModelPath().toStdString();
    setConfig(c);
    const QSignalBlocker block(m_preset);
    m_preset->setCurrentIndex(std::max(0, m_preset->findData(name)));
    return true;
}

void TrainView::onFormEdited()
{
    if (m_filling)
        return;
    const QString method = m_method->currentData().toString();
    m_method->setToolTip(methodToolTip(method));
    const bool fp = method == QStringLiteral("fp");
    m_wbits->setEnabled(!fp);
    m_abits->setEnabled(!fp);
    refreshDefaultRunDirectory();
    validate();
}

void TrainView::refreshDefaultRunDirectory()
{
    if (m_runDirEdited)
        return;
    TrainConfig c;
    c.method = m_method->currentData().toString().toStdString();
    c.wbits = m_wbits->value();
    c.abits = m_abits->value();
    m_runDir->setText(QDir::toNativeSeparators(defaultRunDirectory(c)));
}

QString TrainView::runDirectory() const
{
    return QDir::fromNativeSeparators(m_runDir->text().trimmed());
}

void TrainView::setRunDirectory(const QString &dir)
{
    m_runDirEdited = !dir.isEmpty();
    m_runDir->setText(QDir::toNativeSeparators(dir));
    if (!m_runDirEdited)
        refreshDefaultRunDirectory();
    validate();
}

QString TrainView::validationMessage() const
{
    return m_validationMessage;
}

void TrainView::validate()
{
    QString why;
    const auto c = config(&why);
    // The Advanced editor's own errors also show under it.
    const bool advancedError = why.startsWith(QStringLiteral("Advanced"));
    m_advancedError->setText(advancedError ? why : QString());
    m_advancedError->setVisible(advancedError && m_advancedToggle->isChecked());
    if (c) {
        const QString kind = m_datasetKind->currentData().toString();
        const QString location = m_dataLocation->text().trimmed();
        if (kind == QStringLiteral("synthetic")) {
            bool ok = true;
            if (!location.isEmpty() && (location.toLongLong(&ok) <= 0 || !ok))
                why = QStringLiteral("synthetic: the location is an image count, not '%1'").arg(location);
        } else if (kind == QStringLiteral("fashion-mnist") && location.isEmpty()) {
            if (!QFileInfo(QString::fromLatin1(kFashionDefault)).isDir())
                why = QStringLiteral("Fashion-MNIST is not in %1: apt-get install dataset-fashion-mnist, "
                                     "or choose its directory")
                          .arg(QString::fromLatin1(kFashionDefault));
        } else if (location.isEmpty()) {
            why = kind == QStringLiteral("cifar10")
                      ? QStringLiteral("cifar10: choose the directory with data_batch_1..5.bin (convert "
                                       "../shared/data/cifar10-jpeg.tar.gz with cifar10-jpeg-to-bin)")
                      : QStringLiteral("%1: choose the data directory").arg(kind);
        } else if (!QFileInfo(location).isDir()) {
            why = QStringLiteral("%1: %2 is not a directory").arg(kind, location);
        }
        if (why.isEmpty() && !c->init.empty() && !QFileInfo(QString::fromStdString(c->init)).isFile())
            why = QStringLiteral("init: %1 does not exist").arg(QString::fromStdString(c->init));
        const QString dir = runDirectory();
        if (why.isEmpty() && dir.isEmpty())
            why = QStringLiteral("choose a run directory");
        if (why.isEmpty() && holdsRun(dir) && !(m_worker->isBusy() && dir == m_worker->runDir()))
            why = QStringLiteral("%1 already holds a run: \u201cResume run\u2026\u201d it, or choose another "
                                 "directory")
                      .arg(QDir::toNativeSeparators(dir));
    }
    m_validationMessage = why;
    m_validation->setText(why);
    m_validation->setVisible(!why.isEmpty());
    updateButtons();
}

void TrainView::updateButtons()
{
    const auto state = m_worker->state();
    const bool busy = m_worker->isBusy();
    m_form->setEnabled(!busy);
    m_start->setEnabled(!busy && m_validationMessage.isEmpty());
    m_pause->setEnabled(state == TrainWorker::State::Running);
    m_resume->setEnabled(state == TrainWorker::State::Paused && TrainWorker::canResume(m_worker->runDir()));
    m_stop->setEnabled(state == TrainWorker::State::Running || state == TrainWorker::State::Pausing ||
                       state == TrainWorker::State::Paused);
    m_resumeRun->setEnabled(!busy);
}

bool TrainView::startTraining()
{
    if (m_worker->isBusy())
        return false;
    refreshDefaultRunDirectory(); // a fresh time stamp for this run
    validate();
    const auto c = config();
    if (!c || !m_validationMessage.isEmpty())
        return false;
    const QString dir = runDirectory();
    if (!QDir().mkpath(dir)) {
        showBanner(QStringLiteral("Failed: cannot create %1").arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    m_banner->hide();
    m_rate.reset();
    m_lastStep = -1;
    m_maxSteps = c->maxSteps;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("loading data\u2026"));
    appendLog(QStringLiteral("start %1").arg(QDir::toNativeSeparators(dir)));
    followRun(dir);
    if (!m_worker->start(*c, dir))
        return false;
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
        showBanner(QStringLiteral("Failed: %1 has no last.qsckpt to resume from")
                       .arg(QDir::toNativeSeparators(runDir)));
        return false;
    }
    // Show what is running: the run's own config (its checkpoint holds the same text).
    std::ifstream in(QDir(runDir).filePath(QStringLiteral("config.ini")).toStdString());
    std::stringstream text;
    text << in.rdbuf();
    m_maxSteps = 0;
    try {
        const TrainConfig c = parseTrainConfig(text.str());
        m_maxSteps = c.maxSteps;
        setConfig(c);
        const QSignalBlocker block(m_preset);
        m_preset->setCurrentIndex(0);
    } catch (const std::exception &) {
        // An unreadable config.ini leaves the form as it was; the engine reads the checkpoint's copy.
    }
    setRunDirectory(runDir);
    m_banner->hide();
    m_rate.reset();
    m_progress->setFormat(QStringLiteral("resuming\u2026"));
    appendLog(QStringLiteral("resume %1").arg(QDir::toNativeSeparators(runDir)));
    if (!m_dashboard->runs().contains(runDir))
        followRun(runDir);
    return m_worker->resume(runDir);
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

void TrainView::followRun(const QString &runDir)
{
    m_dashboard->clearRuns();
    QString error;
    if (!m_dashboard->addRun(runDir, &error))
        appendLog(QStringLiteral("dashboard: ") + error);
}

void TrainView::onStateChanged(TrainWorker::State state)
{
    updateButtons();
    if (!m_worker->isBusy()) {
        refreshDefaultRunDirectory(); // the next Start gets a fresh directory unless one was chosen
        validate();
    }
    switch (state) {
    case TrainWorker::State::Pausing:
        m_progress->setFormat(QStringLiteral("pausing after this step\u2026"));
        break;
    case TrainWorker::State::Stopping:
        m_progress->setFormat(QStringLiteral("stopping after this step\u2026"));
        break;
    case TrainWorker::State::Stopped:
        m_progress->setFormat(QStringLiteral("stopped") + atStep());
        break;
    default:
        break;
    }
}

QString TrainView::atStep() const
{
    return m_lastStep >= 0 ? QStringLiteral(" at step %1").arg(m_lastStep) : QString();
}

void TrainView::onProgress(const TrainProgress &p)
{
    m_lastStep = p.step;
    m_rate.add(p.seconds, p.step);
    const int64_t total = std::max<int64_t>(1, p.epochs * p.batchesPerEpoch);
    const int64_t done = p.epoch * p.batchesPerEpoch + p.batch;
    // QProgressBar holds ints; a permille scale is exact enough for any run length.
    m_progress->setRange(0, 1000);
    m_progress->setValue(int(std::min<int64_t>(1000, done * 1000 / total)));
    const auto left = m_rate.secondsLeft(stepsLeft(p, m_maxSteps));
    m_progress->setFormat(QStringLiteral("epoch %1/%2 \u00b7 step %3 \u00b7 %4")
                              .arg(p.epoch + 1)
                              .arg(p.epochs)
                              .arg(p.step)
                              .arg(left ? QStringLiteral("~%1 left").arg(formatDuration(*left))
                                        : QStringLiteral("estimating\u2026")));
}

void TrainView::onFinished(TrainOutcome outcome, const QString &message)
{
    appendLog(message);
    switch (outcome) {
    case TrainOutcome::Completed:
        m_progress->setRange(0, 1000);
        m_progress->setValue(1000);
        m_progress->setFormat(QStringLiteral("done \u00b7 ") + oneLine(message));
        break;
    case TrainOutcome::MaxSteps:
        m_progress->setFormat(QStringLiteral("step limit reached"));
        break;
    case TrainOutcome::Stopped:
        m_progress->setFormat((m_worker->state() == TrainWorker::State::Paused ? QStringLiteral("paused")
                                                                               : QStringLiteral("stopped")) +
                              atStep());
        break;
    case TrainOutcome::Diverged:
        m_progress->setFormat(QStringLiteral("diverged"));
        showBanner(QStringLiteral("Diverged: ") + oneLine(message));
        break;
    }
    m_dashboard->pollNow(); // the final records, without waiting for the next poll
}

void TrainView::appendLog(const QString &line)
{
    m_log->appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + line);
}

void TrainView::showBanner(const QString &line)
{
    m_banner->setText(oneLine(line));
    m_banner->setVisible(true);
}

const FigureSpec &TrainView::figure() const
{
    return m_dashboard->figure();
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
    settings.setValue(QStringLiteral("preset"), m_preset->currentData().toString());
    settings.setValue(QStringLiteral("depth"), m_depth->currentData());
    settings.setValue(QStringLiteral("shortcut"), m_shortcut->currentData());
    settings.setValue(QStringLiteral("dataset"), datasetSpec());
    settings.setValue(QStringLiteral("method"), m_method->currentData());
    settings.setValue(QStringLiteral("backward"), m_backward->currentData());
    settings.setValue(QStringLiteral("wbits"), m_wbits->value());
    settings.setValue(QStringLiteral("abits"), m_abits->value());
    settings.setValue(QStringLiteral("epochs"), m_epochs->value());
    settings.setValue(QStringLiteral("batch"), m_batch->value());
    settings.setValue(QStringLiteral("lr"), m_lr->value());
    settings.setValue(QStringLiteral("init"), m_init->text());
    settings.setValue(QStringLiteral("advanced"), m_advanced->toPlainText());
    settings.setValue(QStringLiteral("advancedShown"), m_advancedToggle->isChecked());
    settings.setValue(QStringLiteral("runDir"), m_runDirEdited ? runDirectory() : QString());
    settings.setValue(QStringLiteral("resumeDir"), m_lastResumeDir);
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.endGroup();
}

void TrainView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("train"));
    if (!settings.contains(QStringLiteral("method"))) {
        settings.endGroup();
        return;
    }
    m_filling = true;
    const auto select = [](QComboBox *combo, const QVariant &value) {
        const int i = combo->findData(value);
        if (i >= 0)
            combo->setCurrentIndex(i);
    };
    select(m_depth, settings.value(QStringLiteral("depth")).toInt());
    select(m_shortcut, settings.value(QStringLiteral("shortcut")).toString());
    select(m_method, settings.value(QStringLiteral("method")).toString());
    select(m_backward, settings.value(QStringLiteral("backward")).toString());
    m_wbits->setValue(settings.value(QStringLiteral("wbits"), m_wbits->value()).toInt());
    m_abits->setValue(settings.value(QStringLiteral("abits"), m_abits->value()).toInt());
    setDatasetSpec(settings.value(QStringLiteral("dataset"), datasetSpec()).toString());
    m_epochs->setValue(settings.value(QStringLiteral("epochs"), m_epochs->value()).toInt());
    m_batch->setValue(settings.value(QStringLiteral("batch"), m_batch->value()).toInt());
    m_lr->setValue(settings.value(QStringLiteral("lr"), m_lr->value()).toDouble());
    m_init->setText(settings.value(QStringLiteral("init")).toString());
    m_advanced->setPlainText(settings.value(QStringLiteral("advanced")).toString());
    m_advancedToggle->setChecked(settings.value(QStringLiteral("advancedShown"), false).toBool());
    m_lastResumeDir = settings.value(QStringLiteral("resumeDir")).toString();
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    {
        const QSignalBlocker block(m_preset);
        m_preset->setCurrentIndex(
            std::max(0, m_preset->findData(settings.value(QStringLiteral("preset")).toString())));
    }
    const QString runDir = settings.value(QStringLiteral("runDir")).toString();
    settings.endGroup();
    m_filling = false;
    m_runDirEdited = false;
    if (!runDir.isEmpty())
        setRunDirectory(runDir);
    onFormEdited();
}

} // namespace qs::ui
