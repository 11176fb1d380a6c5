// MainWindow: builds the layout, menus and shortcuts, routes user intent to the EngineController and
// engine results to the views.
#include "app/gui/main_window.h"

#include "app/gui/coverage_panel.h"
#include "app/gui/device_list.h"
#include "app/gui/drop_plan.h"
#include "app/gui/engine_controller.h"
#include "app/gui/engine_worker.h"
#include "app/gui/explain_panel.h"
#include "app/gui/fit_panel.h"
#include "app/gui/input_spec_dialog.h"
#include "app/gui/message_bar.h"
#include "app/gui/nac_me_panel.h"
#include "app/gui/resource_paths.h"
#include "app/gui/scoring_panel.h"
#include "app/gui/stall_monitor.h"
#include "app/gui/workbench_panel.h"

#include "widgets/coverage_heatmap_view.h"
#include "widgets/nac_terms.h"
#include "widgets/neuron_histogram_view.h"
#include "widgets/parameter_panel.h"
#include "widgets/plot_export.h"
#include "widgets/score_distribution_view.h"
#include "widgets/score_list_view.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QCursor>
#include <QMenu>
#include <QMimeData>
#include <QProgressBar>
#include <QSaveFile>
#include <QScrollArea>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace nac::app {

namespace {

constexpr int kScreenshotSettleMs = 600;    // let queued replots land before the grab
constexpr int kScreenshotTimeoutMs = 15 * 60 * 1000;
constexpr int kExplainRefreshDelayMs = 150;
constexpr int kTeachingDockPx = 430;  // the left column's width in teaching mode, at least  // after the last parameter change, before the explanation is asked again
constexpr int kChunkImages = 256;           // images between two live snapshots of a fit
constexpr std::uint32_t kFitSeed = 1;       // the reference's RandomState(1), as `nac fit`
constexpr int kLeftDockPx = 430;            // default widths: the layer tree's shapes fit
constexpr int kRightDockPx = 540;

QString secondsText(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("–");
    if (seconds < 60)
        return QCoreApplication::translate("nac::app::MainWindow", "%1 s").arg(seconds, 0, 'f', 0);
    return QCoreApplication::translate("nac::app::MainWindow", "%1 min %2 s").arg(int(seconds) / 60).arg(int(seconds) % 60);
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_controller(new EngineController(this))
{
    m_clock.start();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("NAC Studio"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(2, 2, 2, 2);
    m_messageBar = new MessageBar(central);
    m_coverage = new CoveragePanel(central);
    m_coverage->setObjectName(QStringLiteral("coveragePanel"));
    layout->addWidget(m_messageBar);
    layout->addWidget(m_coverage, 1);
    setCentralWidget(central);

    buildDocks();
    buildActions();
    buildMenus();
    buildStatusBar();
    connectEngine();
    restoreLayout();
    // Drops anywhere: children that would take a file drop themselves (line edits) are filtered.
    qApp->installEventFilter(this);
    updateStatus();
}

MainWindow::~MainWindow()
{
    qApp->removeEventFilter(this);
    m_controller->shutdown();
}

// --- building ---

void MainWindow::buildDocks()
{
    m_fitPanel = new FitPanel(this);
    m_fitPanel->setObjectName(QStringLiteral("fitPanel"));
    m_fitDock = new QDockWidget(tr("Model and layers"), this);
    m_fitDock->setObjectName(QStringLiteral("fitDock"));
    m_fitDock->setWidget(m_fitPanel);
    addDockWidget(Qt::LeftDockWidgetArea, m_fitDock);

    m_parameters = new nac::widgets::ParameterPanel(this);
    m_parameters->setObjectName(QStringLiteral("parameterPanel"));
    m_parameters->setToolTip(nac::widgets::NacTerms::all());
    m_paramDock = new QDockWidget(tr("Parameters"), this);
    m_paramDock->setObjectName(QStringLiteral("parameterDock"));
    // Scrolls on short screens (1024x700) instead of clipping the per-layer list and the hint.
    auto* paramScroll = new QScrollArea(this);
    paramScroll->setWidget(m_parameters);
    paramScroll->setWidgetResizable(true);
    paramScroll->setFrameShape(QFrame::NoFrame);
    m_paramDock->setWidget(paramScroll);
    addDockWidget(Qt::LeftDockWidgetArea, m_paramDock);
    splitDockWidget(m_fitDock, m_paramDock, Qt::Vertical);

    m_scoring = new ScoringPanel(this);
    m_scoring->setObjectName(QStringLiteral("scoringPanel"));
    m_scoringDock = new QDockWidget(tr("Scored images"), this);
    m_scoringDock->setObjectName(QStringLiteral("scoringDock"));
    m_scoringDock->setWidget(m_scoring);
    addDockWidget(Qt::RightDockWidgetArea, m_scoringDock);
    resizeDocks({m_fitDock, m_scoringDock}, {kLeftDockPx, kRightDockPx}, Qt::Horizontal);
    resizeDocks({m_fitDock, m_paramDock}, {520, 330}, Qt::Vertical);

    m_workbench = new WorkbenchPanel(this);
    m_workbench->setObjectName(QStringLiteral("workbenchPanel"));
    m_workbenchDock = new QDockWidget(tr("Evaluation"), this);
    m_workbenchDock->setObjectName(QStringLiteral("workbenchDock"));
    m_workbenchDock->setWidget(m_workbench);
    tabifyDockWidget(m_scoringDock, m_workbenchDock);
    m_scoringDock->raise();
    connect(m_workbench, &WorkbenchPanel::evaluateRequested, this, [this](const QList<EvaluationSetRequest>& requests) {
        m_workbenchDock->show();
        m_workbenchDock->raise();
        m_workbench->markJobStarted(m_controller->evaluateSets(requests));
    });
    connect(m_workbench, &WorkbenchPanel::removeRequested, m_controller, &EngineController::removeEvaluationSet);
    connect(m_workbench, &WorkbenchPanel::roleChangeRequested, m_controller, &EngineController::setEvaluationRole);
    connect(m_workbench, &WorkbenchPanel::cancelRequested, m_controller, &EngineController::cancelEvaluation);

    connect(m_fitPanel, &FitPanel::fitRequested, this, &MainWindow::startFit);
    connect(m_fitPanel, &FitPanel::cancelRequested, this, &MainWindow::cancelFit);
    connect(m_fitPanel, &FitPanel::layersChanged, this, [this](const QStringList& layers) {
        m_layersChangedSinceFit = true;
        showInfo(layers.isEmpty() ? tr("No layer is checked: check at least one layer, then press Fit (F5).")
                                  : tr("%n layer(s) checked. Press Fit (F5) to fit them.", nullptr, int(layers.size())));
    });
    connect(m_fitPanel, &FitPanel::deviceChanged, this, [this](const QString& device) {
        if (device.isEmpty() || device == m_device)
            return;
        m_device = device;
        m_settings.setDevice(device);
        if (m_model) {
            const bool refit = m_controller->isFitting();
            m_modelJobPending = true;
            m_deviceSwitchFrom = m_model->device;
            m_controller->loadModel(m_model->path, device, m_settings.inputSpec(m_model->path));
            m_autoFitPending = refit;
        }
        updateStatus();
    });

    connect(m_parameters, &nac::widgets::ParameterPanel::paramsChanged, this, [this] { onParamsEdited(); });
    connect(m_parameters, &nac::widgets::ParameterPanel::resetRequested, this, [this] { onParamsEdited(); });
    connect(m_parameters, &nac::widgets::ParameterPanel::paramsRestored, this, [this] { onParamsEdited(); });
    connect(m_parameters, &nac::widgets::ParameterPanel::layerSelected, this, [this](int layer) {
        if (layer >= 0)
            m_coverage->setCurrentLayer(layer);
    });
    connect(m_coverage, &CoveragePanel::currentLayerChanged, this, [this](int layer) {
        if (layer >= 0 && m_parameters->selectedLayer() != nac::widgets::ParameterPanel::kAllLayers)
            m_parameters->setSelectedLayer(layer);
    });
    connect(m_scoring, &ScoringPanel::sampleSelected, this, &MainWindow::onSampleSelected);

    // Explain: gallery, coverage map, nearest fit images, NAC's steps (a tab beside the scored images).
    m_explain = new ExplainPanel(this);
    m_explain->setObjectName(QStringLiteral("explainPanel"));
    m_explainDock = new QDockWidget(tr("Explain"), this);
    m_explainDock->setObjectName(QStringLiteral("explainDock"));
    // Scrolls on short screens (1024x700) instead of making the window taller than the screen.
    auto* explainScroll = new QScrollArea(this);
    explainScroll->setObjectName(QStringLiteral("explainScroll"));
    explainScroll->setWidget(m_explain);
    explainScroll->setWidgetResizable(true);
    explainScroll->setFrameShape(QFrame::NoFrame);
    m_explainDock->setWidget(explainScroll);
    addDockWidget(Qt::RightDockWidgetArea, m_explainDock);
    tabifyDockWidget(m_scoringDock, m_explainDock);
    m_scoringDock->raise();
    connect(m_explain, &ExplainPanel::explainRequested, m_controller, &EngineController::explainImage);
    connect(m_controller, &EngineController::explanationReady, m_explain, &ExplainPanel::setExplanation);
    // Verdicts in the gallery (workbench sets too) at the threshold the score distribution shows.
    connect(m_scoring, &ScoringPanel::thresholdChanged, m_explain, &ExplainPanel::setThreshold);
    // Teaching mode: the heatmaps show the explained layer with the image's weak neurons marked,
    // and the histogram the neuron whose steps the Explain tab lists (with the image's state line).
    connect(m_explain, &ExplainPanel::explanationShown, this, [this](int sampleIndex, int layer, int neuron) {
        m_listSelectionNewer = false;
        m_coverage->setMarkers(m_scoring->weakNeuronMarkers(sampleIndex));
        m_coverage->setCurrentLayer(layer);
        m_coverage->showNeuron(layer, neuron);
    });
    connect(m_explain, &ExplainPanel::teachingStepShown, this, &MainWindow::showTeachingStep);
    connect(m_explain, &ExplainPanel::teachingCleared, this, &MainWindow::clearTeachingHighlights);
    m_explainRefresh = new QTimer(this);
    m_explainRefresh->setSingleShot(true);
    m_explainRefresh->setInterval(kExplainRefreshDelayMs);
    connect(m_explainRefresh, &QTimer::timeout, this, [this] {
        if (m_explainDock->isVisible())
            m_explain->refresh();
        else
            m_explainStale = true;
    });
    // Hiding the steps (closing the tab, another tab over it) leaves teaching mode; showing them resumes it.
    connect(m_explainDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (!visible) {
            clearTeachingHighlights();
        } else if (m_explainStale) {
            m_explainStale = false;
            m_explainRefresh->stop();
            m_explain->refresh();  // the parameters changed while it was hidden
        } else {
            m_explain->announceStep();
        }
    });
}

void MainWindow::buildActions()
{
    auto make = [this](const QString& name, const QString& text, const QKeySequence& shortcut, auto slot) {
        auto* action = new QAction(text, this);
        action->setObjectName(name);
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
        return action;
    };
    make(QStringLiteral("actionOpenModel"), tr("Open &Model…"), QKeySequence(Qt::CTRL | Qt::Key_O), [this] { chooseModel(); })
        ->setToolTip(tr("Open a TorchScript classifier (.pt) with its nac.json metadata"));
    make(QStringLiteral("actionOpenDataset"), tr("Open &Dataset File (IDX)…"), QKeySequence(Qt::CTRL | Qt::Key_D),
         [this] { chooseDatasetFile(); });
    make(QStringLiteral("actionOpenDatasetFolder"), tr("Open Dataset &Folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
         [this] { chooseDatasetFolder(); });
    make(QStringLiteral("actionOpenProfile"), tr("Open &Profile…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
         [this] { chooseProfileToOpen(); });
    make(QStringLiteral("actionSaveProfile"), tr("&Save Profile…"), QKeySequence(Qt::CTRL | Qt::Key_S),
         [this] { chooseProfileToSave(); });
    make(QStringLiteral("actionScoreImages"), tr("Score &Images…"), QKeySequence(Qt::CTRL | Qt::Key_I), [this] { chooseImages(); });
    make(QStringLiteral("actionPaste"), tr("&Paste Images"), QKeySequence::Paste, [this] { pasteImages(); });
    make(QStringLiteral("actionClearScored"), tr("C&lear Scored Images"), QKeySequence(), [this] {
        m_controller->clearScoredImages();
        m_scoredPaths.clear();
        m_scoring->clear();
        m_coverage->setMarkers({});
        m_coverage->setDroppedScores(nullptr);
        m_explain->clearDropped();
    });
    QAction* undo = make(QStringLiteral("actionUndoParams"), tr("&Undo Parameter Change"), QKeySequence(Qt::CTRL | Qt::Key_Z),
                         [this] { m_parameters->undo(); });
    QAction* redo = make(QStringLiteral("actionRedoParams"), tr("&Redo Parameter Change"),
                         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), [this] { m_parameters->redo(); });
    undo->setEnabled(false);
    redo->setEnabled(false);
    connect(m_parameters, &nac::widgets::ParameterPanel::undoStateChanged, this, [undo, redo](bool canUndo, bool canRedo) {
        undo->setEnabled(canUndo);
        redo->setEnabled(canRedo);
    });
    make(QStringLiteral("actionExportCsv"), tr("Score List as &CSV…"), QKeySequence(), [this] { exportCsv(); });
    make(QStringLiteral("actionExportHeatmap"), tr("&Heatmap of the Current Layer…"), QKeySequence(),
         [this] { exportPlot(QStringLiteral("heatmap")); });
    make(QStringLiteral("actionExportHistogram"), tr("Neuron &Histogram…"), QKeySequence(),
         [this] { exportPlot(QStringLiteral("histogram")); });
    make(QStringLiteral("actionExportDistribution"), tr("Score &Distribution…"), QKeySequence(),
         [this] { exportPlot(QStringLiteral("distribution")); });
    make(QStringLiteral("actionQuit"), tr("&Quit"), QKeySequence::Quit, [this] { close(); });
    make(QStringLiteral("actionFit"), tr("&Fit"), QKeySequence(Qt::Key_F5), [this] { startFit(); })
        ->setToolTip(tr("Fit the coverage profile on the checked layers"));
    make(QStringLiteral("actionCancel"), tr("&Cancel"), QKeySequence(Qt::Key_Escape), [this] {
        cancelFit();
        m_controller->cancelScoring();
        m_controller->cancelEvaluation();
    });
    make(QStringLiteral("actionNacMe"), tr("NAC-&ME Across Checkpoints…"), QKeySequence(Qt::CTRL | Qt::Key_M), [this] {
        NacMePanel* panel = nacMePanel();
        panel->suggest(m_dataset ? m_dataset->spec : QString(), m_model ? m_model->defaultLayers : QStringList(), m_device);
        panel->window()->show();
        panel->window()->raise();
        panel->window()->activateWindow();
    })->setToolTip(tr("Coverage G of several checkpoints of one model, and its rank correlation with accuracy (as `nac me`)"));
    make(QStringLiteral("actionAboutNac"), tr("What the &Terms Mean"), QKeySequence(Qt::Key_F1), [this] {
        QMessageBox::information(this, tr("NAC terms"),
                                 nac::widgets::NacTerms::score() + QStringLiteral("\n\n") + nac::widgets::NacTerms::all()
                                     + QStringLiteral("\n\n") + nac::widgets::NacTerms::state());
    });
    make(QStringLiteral("actionExplainNac"), tr("&Explain NAC"), QKeySequence(Qt::CTRL | Qt::Key_E), [this] { enterTeachingMode(); })
        ->setToolTip(tr("Teaching mode: the Explain tab walks through NAC's steps for the selected image, one at a time, "
                        "highlighting the plot each step is about"));
    make(QStringLiteral("actionAboutStudio"), tr("&About NAC Studio"), QKeySequence(), [this] {
        QStringList shortcuts;
        for (QAction* each : findChildren<QAction*>(QString(), Qt::FindDirectChildrenOnly))
            if (!each->shortcut().isEmpty())
                shortcuts.append(QStringLiteral("<tr><td>%1</td><td>%2</td></tr>")
                                     .arg(each->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(),
                                          each->text().remove(QLatin1Char('&')).toHtmlEscaped()));
        QMessageBox about(this);
        about.setWindowTitle(tr("About NAC Studio"));
        about.setTextFormat(Qt::RichText);
        about.setText(tr("<h3>NAC Studio %1</h3><p>Neuron Activation Coverage (Liu et al., ICLR 2024) for out-of-distribution "
                         "detection.</p><p>Licence: MIT (the LICENSE file installed with the program); the demo data keeps its sources' licences.</p>"
                         "<p><b>Keyboard shortcuts</b></p><table>%2</table>")
                          .arg(QCoreApplication::applicationVersion().toHtmlEscaped(), shortcuts.join(QString())));
        about.exec();
    });
    make(QStringLiteral("actionResetLayout"), tr("&Reset Layout"), QKeySequence(), [this] {
        // Re-adding the docks stacks the tabbed ones for a moment, and the window grows to hold
        // them; it is given back its size once they are tabbed again.
        const QSize before = size();
        for (QDockWidget* dock : {m_fitDock, m_paramDock, m_scoringDock}) {
            dock->setFloating(false);
            dock->show();
        }
        addDockWidget(Qt::LeftDockWidgetArea, m_fitDock);
        addDockWidget(Qt::LeftDockWidgetArea, m_paramDock);
        splitDockWidget(m_fitDock, m_paramDock, Qt::Vertical);
        addDockWidget(Qt::RightDockWidgetArea, m_scoringDock);
        resizeDefaultDocks();
        m_workbenchDock->setFloating(false);
        m_workbenchDock->show();
        tabifyDockWidget(m_scoringDock, m_workbenchDock);
        m_explainDock->setFloating(false);
        m_explainDock->show();
        tabifyDockWidget(m_scoringDock, m_explainDock);
        m_scoringDock->raise();
        if (!isMaximized() && !isFullScreen())
            resize(before.expandedTo(minimumSizeHint()));
    });
}

NacMePanel* MainWindow::nacMePanel()
{
    if (!m_nacMe) {
        // A window of its own: it does not take room from the coverage views.
        m_nacMe = new NacMePanel(m_controller, this);
        m_nacMe->setObjectName(QStringLiteral("nacMePanel"));
        m_nacMe->setWindowFlag(Qt::Window);
        m_nacMe->setWindowTitle(tr("NAC-ME across checkpoints — NAC Studio"));
        m_nacMe->resize(1000, 640);
    }
    return m_nacMe;
}

QAction* MainWindow::action(const QString& objectName) const
{
    return findChild<QAction*>(objectName, Qt::FindDirectChildrenOnly);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("actionOpenModel")));
    file->addAction(action(QStringLiteral("actionOpenDataset")));
    file->addAction(action(QStringLiteral("actionOpenDatasetFolder")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("actionOpenProfile")));
    file->addAction(action(QStringLiteral("actionSaveProfile")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("actionScoreImages")));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, [this] { fillRecentMenu(m_recentMenu); });
    file->addMenu(m_workbench->addMenu(SetRole::Ood));
    file->addMenu(m_workbench->addMenu(SetRole::InD));
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->addAction(action(QStringLiteral("actionExportHeatmap")));
    exportMenu->addAction(action(QStringLiteral("actionExportHistogram")));
    exportMenu->addAction(action(QStringLiteral("actionExportDistribution")));
    exportMenu->addAction(action(QStringLiteral("actionExportCsv")));
    // PNG pixels per on-screen pixel, remembered; PDFs stay at 300 dpi.
    QMenu* scaleMenu = exportMenu->addMenu(tr("PNG &Scale"));
    scaleMenu->setObjectName(QStringLiteral("pngScaleMenu"));
    auto* scaleGroup = new QActionGroup(scaleMenu);
    for (int scale = AppSettings::kMinPngScale; scale <= AppSettings::kMaxPngScale; ++scale) {
        auto* scaleAction = new QAction(tr("%1× the Plot's Size on Screen").arg(scale), this);
        scaleAction->setObjectName(QStringLiteral("actionPngScale%1").arg(scale));
        scaleAction->setCheckable(true);
        scaleAction->setChecked(scale == m_settings.pngExportScale());
        scaleAction->setActionGroup(scaleGroup);
        connect(scaleAction, &QAction::triggered, this, [this, scale] { m_settings.setPngExportScale(scale); });
        addAction(scaleAction);
        scaleMenu->addAction(scaleAction);
    }
    file->addSeparator();
    file->addAction(action(QStringLiteral("actionQuit")));

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action(QStringLiteral("actionUndoParams")));
    edit->addAction(action(QStringLiteral("actionRedoParams")));
    edit->addSeparator();
    edit->addAction(action(QStringLiteral("actionPaste")));
    edit->addAction(action(QStringLiteral("actionClearScored")));

    QMenu* fit = menuBar()->addMenu(tr("F&it"));
    fit->addAction(action(QStringLiteral("actionFit")));
    fit->addAction(action(QStringLiteral("actionCancel")));

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(action(QStringLiteral("actionNacMe")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_fitDock->toggleViewAction());
    view->addAction(m_paramDock->toggleViewAction());
    view->addAction(m_scoringDock->toggleViewAction());
    view->addAction(m_workbenchDock->toggleViewAction());
    view->addAction(m_explainDock->toggleViewAction());
    view->addSeparator();
    view->addAction(action(QStringLiteral("actionResetLayout")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action(QStringLiteral("actionAboutNac")));
    help->addAction(action(QStringLiteral("actionExplainNac")));
    help->addSeparator();
    help->addAction(action(QStringLiteral("actionAboutStudio")));
}

void MainWindow::buildStatusBar()
{
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("fitProgress"));
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_progressCancel = new QToolButton(this);
    m_progressCancel->setText(tr("Cancel"));
    m_progressCancel->setToolTip(tr("Stop the fit after the current batch (Esc)"));
    m_progressCancel->hide();
    connect(m_progressCancel, &QToolButton::clicked, this, &MainWindow::cancelFit);
    m_profileLabel = new QLabel(this);
    m_profileLabel->setObjectName(QStringLiteral("profileLabel"));
    m_deviceLabel = new QLabel(this);
    m_deviceLabel->setObjectName(QStringLiteral("deviceLabel"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addWidget(m_progress);
    statusBar()->addWidget(m_progressCancel);
    statusBar()->addPermanentWidget(m_profileLabel);
    statusBar()->addPermanentWidget(m_deviceLabel);
}

void MainWindow::connectEngine()
{
    connect(m_controller, &EngineController::devicesFound, this, [this](const QStringList& devices) {
        QString current = m_device.isEmpty() ? m_settings.device() : m_device;
        QStringList ids;
        for (const QString& label : devices)
            ids.append(deviceIdOfLabel(label));
        if (!ids.contains(current))
            current = QStringLiteral("cpu");
        m_fitPanel->setDevices(devices, current);
        if (m_device.isEmpty())
            m_device = current;
        updateStatus();
    });
    connect(m_controller, &EngineController::progress, this, &MainWindow::onProgress);
    connect(m_controller, &EngineController::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_controller, &EngineController::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_controller, &EngineController::datasetOpened, this, &MainWindow::onDatasetOpened);
    connect(m_controller, &EngineController::snapshotReady, this, &MainWindow::onSnapshot);
    connect(m_controller, &EngineController::imagesScored, this, &MainWindow::onImagesScored);
    connect(m_controller, &EngineController::droppedScoresReady, this, &MainWindow::onDroppedScores);
    connect(m_controller, &EngineController::warning, this, [this](const QString& text) { showWarning(text); });
    connect(m_controller, &EngineController::paramsApplied, this, [this](double, double rebinMs) { m_figures.lastRebinMs = rebinMs; });
    connect(m_controller, &EngineController::progress, m_workbench, &WorkbenchPanel::setProgress);
    connect(m_controller, &EngineController::jobFinished, m_workbench, &WorkbenchPanel::setJobFinished);
    connect(m_controller, &EngineController::evaluationReady, this, [this](const std::shared_ptr<const EvaluationResults>& results) {
        QElapsedTimer redraw;
        redraw.start();
        m_workbench->setResults(results);
        const double redrawMs = double(redraw.nsecsElapsed()) / 1e6;
        showEvaluationInGallery(results);  // timed on its own: RunFigures::lastGalleryMs
        const double latencyMs = results && results->paramPostedNs >= 0
            ? double(EngineWorker::nowNs() - results->paramPostedNs) / 1e6 : -1.0;
        Q_EMIT evaluationShown(results, latencyMs, redrawMs);
    });
}

void MainWindow::restoreLayout()
{
    const QByteArray geometry = m_settings.windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1600, 1000);
        resize(std::min(1600, available.width()), std::min(1000, available.height()));
        resizeDefaultDocks();
    }
    restoreState(m_settings.windowState());
    const QByteArray coverage = m_settings.splitterState(QStringLiteral("coverage"));
    if (!coverage.isEmpty())
        m_coverage->splitter()->restoreState(coverage);
    const QByteArray scoring = m_settings.splitterState(QStringLiteral("scoring"));
    if (!scoring.isEmpty())
        m_scoring->splitter()->restoreState(scoring);
}

void MainWindow::resizeDefaultDocks()
{
    // The default widths, shrunk on narrow windows so that the heatmaps keep about 38% of the width
    // and the score list still shows the verdict (1024 px: 266 + 368).
    resizeDocks({m_fitDock, m_scoringDock}, {std::min(kLeftDockPx, width() * 26 / 100), std::min(kRightDockPx, width() * 36 / 100)},
                Qt::Horizontal);
}

void MainWindow::saveLayout()
{
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setSplitterState(QStringLiteral("coverage"), m_coverage->splitter()->saveState());
    m_settings.setSplitterState(QStringLiteral("scoring"), m_scoring->splitter()->saveState());
}

// --- start-up ---

void MainWindow::start(const StartupOptions& options)
{
    m_screenshotPath = options.screenshotPath;
    if (!m_screenshotPath.isEmpty()) {
        // A grab for scripts: the default layout at the size of the screen, whatever was saved.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1600, 1000);
        setGeometry(available);
        action(QStringLiteral("actionResetLayout"))->trigger();
    }
    m_printFigures = options.printFigures || !options.screenshotPath.isEmpty();
    if (m_printFigures) {
        m_stalls = std::make_unique<StallMonitor>();
        m_stalls->start();
    }
    if (!options.device.isEmpty())
        m_device = options.device;
    else if (m_device.isEmpty())
        m_device = m_settings.device().isEmpty() ? QStringLiteral("cpu") : m_settings.device();
    if (options.showRoc)
        m_scoring->plotTabs()->setCurrentIndex(1);
    for (const QString& spec : options.evaluateSets) {
        if (spec == QStringLiteral("bundled"))
            m_startupEvaluateSets.append(WorkbenchPanel::bundledOodSets());
        else
            m_startupEvaluateSets.append(spec);
    }
    if (options.samples > 0)
        m_fitPanel->setSampleCount(options.samples);
    if (options.heldout >= 0)
        m_fitPanel->setHeldoutCount(options.heldout);
    m_fitPanel->setCurrentDevice(m_device);

    QString model = options.model;
    QString data = options.data;
    const AppSettings::Session session = m_settings.session();
    if (options.restoreSession && model.isEmpty() && options.profile.isEmpty() && data.isEmpty()
        && m_screenshotPath.isEmpty() && !session.profilePath.isEmpty() && QFileInfo(session.profilePath).isFile()) {
        // The last session instead of a new fit: its profile brings the model, layers and
        // parameters; the data and the scored images are opened again (those still there).
        m_restoringSession = true;
        m_autoFitPending = false;
        openProfile(session.profilePath);
        if (!session.dataSpec.isEmpty())
            openDataset(session.dataSpec);
        QStringList images;
        for (const QString& file : session.scoredFiles)
            if (QFileInfo(file).isFile())
                images.append(file);
        if (!images.isEmpty())
            scoreFiles(images);
        showInfo(tr("Restored the last session (its profile, data and %n scored image(s)). Press Fit (F5) to fit "
                    "anew, or open another model.", nullptr, int(images.size())));
        return;
    }
    if (model.isEmpty() && options.profile.isEmpty()) {
        model = ResourcePaths::demoModel();
        if (model.isEmpty())
            showWarning(tr("The demo model is not there (%1). Open your own with File ▸ Open Model (Ctrl+O).")
                            .arg(ResourcePaths::expectedDemoModel()));
        if (data.isEmpty())
            data = ResourcePaths::demoData();
    }
    const QString demo = ResourcePaths::demoModel();
    if (!model.isEmpty() && data.isEmpty() && options.profile.isEmpty() && !demo.isEmpty()
        && QFileInfo(model).canonicalFilePath() == QFileInfo(demo).canonicalFilePath())
        data = ResourcePaths::demoData();
    m_autoFitPending = options.fit && options.profile.isEmpty();
    if (!model.isEmpty())
        openModel(model, options.inputSpec);
    if (!data.isEmpty())
        openDataset(data);
    else if (m_autoFitPending)
        showWarning(tr("No training data: open the images the model was trained on with File ▸ Open Dataset (Ctrl+D)."));
    if (!options.profile.isEmpty())
        openProfile(options.profile);
    if (!options.fit)
        m_autoFitPending = false;
    if (!options.scoreFiles.isEmpty())
        scoreFiles(options.scoreFiles);
    if (!m_screenshotPath.isEmpty()) {
        QTimer::singleShot(kScreenshotTimeoutMs, this, [this] {
            if (!m_screenshotTaken) {
                std::fprintf(stderr, "nac-studio: --screenshot timed out; saving what is shown\n");
                m_exitCode = 3;
                takeScreenshot();
            }
        });
        QTimer::singleShot(0, this, &MainWindow::maybeFinishScreenshot);
    }
}

void MainWindow::openModel(const QString& path, const QString& inputSpec)
{
    m_modelPathRequested = path;
    m_deviceSwitchFrom.clear();
    m_inputSpecRequested = inputSpec.isEmpty() ? m_settings.inputSpec(QFileInfo(path).absoluteFilePath()) : inputSpec;
    m_modelJobPending = true;
    if (m_dataset || m_datasetJobPending)
        m_autoFitPending = m_autoFitPending || m_model != nullptr;
    m_controller->loadModel(path, m_device.isEmpty() ? QStringLiteral("cpu") : m_device, m_inputSpecRequested);
    m_stateText = tr("Loading %1…").arg(QFileInfo(path).fileName());
    updateStatus();
}

void MainWindow::openDataset(const QString& spec)
{
    m_datasetJobPending = true;
    if (m_dataset)
        m_autoFitPending = true;
    m_controller->openDataset(spec);
    m_stateText = tr("Opening %1…").arg(spec);
    updateStatus();
}

void MainWindow::openProfile(const QString& path)
{
    m_autoFitPending = false;
    m_controller->loadProfile(path);
    m_settings.addRecent(AppSettings::RecentKind::Profile, QFileInfo(path).absoluteFilePath());
    m_stateText = tr("Loading the profile %1…").arg(QFileInfo(path).fileName());
    updateStatus();
}

void MainWindow::saveProfile(const QString& path)
{
    m_controller->saveProfile(path);
}

// --- fitting ---

QStringList MainWindow::requestedLayers() const
{
    return m_fitPanel->checkedLayers();
}

FitRequest MainWindow::fitRequest() const
{
    FitRequest request;
    // The metadata's order first (as `nac fit` and the reference list them), then the others in tree order.
    const QStringList checked = requestedLayers();
    if (m_model)
        for (const QString& layer : m_model->defaultLayers)
            if (checked.contains(layer))
                request.layers.append(layer);
    for (const QString& layer : checked)
        if (!request.layers.contains(layer))
            request.layers.append(layer);
    const QStringList fitted = m_snapshot ? m_snapshot->layerNames() : QStringList();
    const std::vector<nac::engine::LayerParams>& current = m_parameters->layerParams();
    for (const QString& layer : request.layers) {
        const int index = fitted.indexOf(layer);
        if (index >= 0 && std::size_t(index) < current.size())
            request.params.push_back(current[std::size_t(index)]);
        else
            request.params.push_back(m_model ? m_model->defaultsFor(layer) : nac::engine::LayerParams{});
    }
    request.sampleCount = m_fitPanel->sampleCount();
    request.heldoutCount = m_fitPanel->heldoutCount();
    request.seed = kFitSeed;
    request.chunkSize = kChunkImages;
    return request;
}

void MainWindow::startFit()
{
    m_autoFitPending = false;
    if (!m_model) {
        showError(tr("No model is loaded. Open one with File ▸ Open Model (Ctrl+O)."));
        abandonScreenshotWait(tr("no fit can start: no model is loaded"));
        return;
    }
    if (!m_dataset) {
        showError(tr("No training data is open. Open it with File ▸ Open Dataset (Ctrl+D)."));
        abandonScreenshotWait(tr("no fit can start: no training data is open"));
        return;
    }
    const FitRequest request = fitRequest();
    if (request.layers.isEmpty()) {
        showError(tr("No layer is checked. Check the layers to cover in the layer tree, then press Fit (F5)."));
        abandonScreenshotWait(tr("no fit can start: no layer is checked (the model's metadata names no default layers; "
                                 "add \"layers\" to its nac.json, or give --profile)"));
        return;
    }
    m_fitJob = m_controller->startFit(request);
    m_layersChangedSinceFit = false;
    m_fitPanel->setFitting(true);
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->show();
    m_progressCancel->show();
    m_stateText = tr("Fitting %1 layer(s) on %2 images…").arg(request.layers.size()).arg(request.sampleCount);
    if (m_messageBar->level() == MessageBar::Level::Info)
        m_messageBar->dismiss();
    updateStatus();
}

void MainWindow::cancelFit()
{
    if (m_controller->isFitting()) {
        m_controller->cancelFit();
        m_stateText = tr("Canceling…");
        updateStatus();
    }
}

void MainWindow::maybeStartAutoFit()
{
    if (m_autoFitPending && m_model && m_dataset && !m_modelJobPending && !m_datasetJobPending)
        startFit();
}

// --- engine results ---

void MainWindow::onModelLoaded(const std::shared_ptr<const ModelInfo>& model)
{
    const bool sameModel = m_model && model && m_model->sha256 == model->sha256;
    const QStringList checked = m_fitPanel->checkedLayers();
    m_model = model;
    m_modelJobPending = false;
    m_fitPanel->setModel(*model);
    if (sameModel && !checked.isEmpty())
        m_fitPanel->setCheckedLayers(checked);  // a device change keeps the user's choice
    m_fitPanel->setCurrentDevice(model->device);
    m_explain->setInputSpec(model->input);
    m_settings.addRecent(AppSettings::RecentKind::Model, model->path);
    setWindowTitle(tr("NAC Studio — %1").arg(model->name));
    if (!sameModel) {
        m_snapshot.reset();
        m_coverage->clear();
        m_scoring->clear();
        if (!m_restoringSession)
            m_scoredPaths.clear();
        m_parameters->setLayers({}, {}, {});
    }
    if (model->defaultLayers.isEmpty())
        showInfo(tr("The model's metadata names no default layers: check the layers to cover, then press Fit (F5)."));
    Q_EMIT modelShown();
    maybeStartAutoFit();
    updateStatus();
}

void MainWindow::showEvaluationInGallery(const std::shared_ptr<const EvaluationResults>& results)
{
    QElapsedTimer timer;
    timer.start();
    m_explain->beginUpdate();
    QStringList present;
    if (results) {
        for (const EvaluatedSet& set : results->sets) {
            if (!set.images)
                continue;
            // A workbench set named like the dropped images' set must not replace them.
            const QString name = set.name == ExplainPanel::droppedSetName() ? tr("%1 (workbench)").arg(set.name) : set.name;
            present.append(name);
            auto known = m_gallerySets.find(name);
            if (known != m_gallerySets.end() && known->second == set.images) {
                // The same images under new parameters: only the scores change.
                m_explain->setSetScores(name, set.nacScores);
                continue;
            }
            const EvaluatedSetImages& images = *set.images;
            std::vector<GalleryItem> items(std::size_t(images.sources.size()));
            for (std::size_t i = 0; i < items.size(); ++i) {
                GalleryItem& item = items[i];
                item.source = images.sources[qsizetype(i)];
                item.name = item.source.section(QLatin1Char('/'), -1);
                item.identity = qsizetype(i) < images.identities.size() ? images.identities[qsizetype(i)] : item.source;
                item.predictedClass = i < images.predicted.size() ? images.predicted[i] : -1;
                if (m_model && item.predictedClass >= 0 && item.predictedClass < m_model->classNames.size())
                    item.predictedLabel = m_model->classNames[item.predictedClass];
                if (i < set.nacScores.size())
                    item.score = set.nacScores[i];
            }
            m_explain->setSetItems(name, std::move(items));
            m_gallerySets[name] = set.images;
        }
    }
    for (auto it = m_gallerySets.begin(); it != m_gallerySets.end();) {
        if (present.contains(it->first)) {
            ++it;
            continue;
        }
        m_explain->setSetItems(it->first, {});
        it = m_gallerySets.erase(it);
    }
    m_explain->endUpdate();
    m_figures.lastGalleryMs = double(timer.nsecsElapsed()) / 1e6;
}

void MainWindow::onDatasetOpened(const std::shared_ptr<const DatasetInfo>& dataset)
{
    m_dataset = dataset;
    m_datasetJobPending = false;
    m_fitPanel->setDataset(*dataset);
    m_settings.addRecent(AppSettings::RecentKind::Dataset, dataset->spec);
    maybeStartAutoFit();
    updateStatus();
}

void MainWindow::onSnapshot(const std::shared_ptr<const ProfileSnapshot>& snapshot)
{
    QElapsedTimer timer;
    timer.start();
    const QStringList before = m_snapshot ? m_snapshot->layerNames() : QStringList();
    m_snapshot = snapshot;
    const QStringList names = snapshot->layerNames();
    m_explain->setLayers(names);
    if (names != before || snapshot->reason == SnapshotReason::ProfileLoaded) {
        std::vector<nac::engine::LayerParams> defaults;
        for (const LayerSnapshot& layer : snapshot->layers)
            defaults.push_back(layer.defaults);
        const int selected = m_parameters->selectedLayer();
        m_parameters->setLayers(names, snapshot->params(), defaults);
        if (selected == nac::widgets::ParameterPanel::kAllLayers || selected < int(names.size()))
            m_parameters->setSelectedLayer(selected);
        if (snapshot->reason == SnapshotReason::ProfileLoaded)
            m_fitPanel->setCheckedLayers(names);
    }
    // "Reset to profile values" restores what the loaded or fitted profile holds.
    if (snapshot->reason == SnapshotReason::ProfileLoaded || snapshot->reason == SnapshotReason::FitDone)
        m_parameters->setProfileParams(snapshot->params());
    m_coverage->setSnapshot(snapshot);
    m_scoring->setSnapshot(snapshot);
    // The explained image's bins, Phi, map and steps follow the parameters: asked again once a
    // slider drag pauses (an explanation runs the model on the engine thread, which the next
    // parameter change would wait for) when the Explain tab shows, else when it is shown next.
    if (snapshot->reason == SnapshotReason::ParamsChanged) {
        if (m_explainDock->isVisible())
            m_explainRefresh->start();
        else
            m_explainStale = true;
    }
    if (m_scoring->selectedSample() >= 0)
        m_coverage->setMarkers(m_scoring->weakNeuronMarkers(m_scoring->selectedSample()));
    ++m_figures.snapshotsShown;
    const double redrawMs = double(timer.nsecsElapsed()) / 1e6;
    if (snapshot->reason == SnapshotReason::ParamsChanged && m_paramEditNs >= 0) {
        m_figures.lastParamLatencyMs = double(m_clock.nsecsElapsed() - m_paramEditNs) / 1e6;
        m_figures.lastParamRedrawMs = redrawMs;
        m_paramEditNs = -1;
        Q_EMIT paramsShown(m_figures.lastParamLatencyMs, redrawMs);
    }
    flushPendingScores();
    updateStatus();
    Q_EMIT snapshotShown(snapshot->generation, snapshot->reason);
}

void MainWindow::onImagesScored(const std::shared_ptr<const ScoredImages>& images)
{
    m_scoring->addImages(*images);
    m_explain->addScoredImages(*images);
    m_figures.lastScoreWorkerMs = images->loadMs;
    QStringList failed;
    int maxSample = -1;
    auto line = [](const ScoredItem& item) {
        return item.notice.startsWith(item.name) ? item.notice : tr("%1: %2").arg(item.name, item.notice);
    };
    // Conversions are usually the same for many images: one line per kind of conversion.
    QStringList conversionKinds;
    std::vector<QStringList> convertedByKind;
    for (const ScoredItem& item : images->items) {
        if (!item.ok) {
            failed.append(line(item));
        } else if (!item.notice.isEmpty()) {
            int kind = int(conversionKinds.indexOf(item.notice));
            if (kind < 0) {
                kind = int(conversionKinds.size());
                conversionKinds.append(item.notice);
                convertedByKind.emplace_back();
            }
            convertedByKind[std::size_t(kind)].append(item.name);
        }
        maxSample = std::max(maxSample, item.sampleIndex);
    }
    QStringList lines;
    if (!failed.isEmpty())
        lines.append(tr("%n file(s) could not be scored and were skipped:", nullptr, int(failed.size())) + QLatin1Char(' ')
                     + failed.mid(0, 3).join(QStringLiteral("; ")) + (failed.size() > 3 ? tr(" …") : QString()));
    for (int kind = 0; kind < conversionKinds.size() && kind < 3; ++kind) {
        const QStringList& names = convertedByKind[std::size_t(kind)];
        const QString which = names.size() == 1 ? names.front() : tr("%n images", nullptr, int(names.size()));
        lines.append(tr("Converted and scored %1: %2.").arg(which, conversionKinds[kind]));
    }
    if (!lines.isEmpty())
        (failed.isEmpty() ? showInfo(lines.join(QLatin1Char('\n'))) : showWarning(lines.join(QLatin1Char('\n'))));
    m_dropAwaitingBatch = maxSample + 1;
    if (maxSample < 0 && m_dropNs >= 0) {
        m_figures.lastDropToScoreMs = double(m_clock.nsecsElapsed() - m_dropNs) / 1e6;
        m_dropNs = -1;
        Q_EMIT scoresShown(m_figures.lastDropToScoreMs);
    }
    if (m_scoring->list()->currentRow() < 0 && m_scoring->list()->rowCount() > 0)
        m_scoring->list()->setCurrentRow(m_scoring->list()->rowCount() - int(images->items.size()));
}

void MainWindow::onDroppedScores(const std::shared_ptr<const DroppedScores>& scores)
{
    m_scoring->setDroppedScores(scores);
    m_coverage->setDroppedScores(scores);
    m_explain->setDroppedScores(scores);
    m_explain->setThreshold(m_scoring->threshold());
    if (m_scoring->selectedSample() >= 0)
        m_coverage->setMarkers(m_scoring->weakNeuronMarkers(m_scoring->selectedSample()));
    const bool complete = int(scores->scores.total.size()) >= m_dropAwaitingBatch;
    if (complete && m_dropAwaitingBatch > 0) {
        double latency = -1.0;
        if (m_dropNs >= 0) {
            latency = double(m_clock.nsecsElapsed() - m_dropNs) / 1e6;
            m_figures.lastDropToScoreMs = latency;
            m_dropNs = -1;
        }
        m_dropAwaitingBatch = 0;
        Q_EMIT scoresShown(latency);
    }
}

void MainWindow::onProgress(const JobProgress& progress)
{
    if (progress.kind != JobKind::Fit && progress.kind != JobKind::ScoreImages)
        return;
    const int percent = progress.imagesTotal > 0 ? int(100 * progress.imagesDone / progress.imagesTotal) : 0;
    m_progress->setValue(percent);
    m_progress->show();
    m_progressCancel->setVisible(progress.kind == JobKind::Fit);
    const QString stage = progress.kind == JobKind::ScoreImages ? tr("Scoring")
        : progress.stage == QLatin1String("held-out")           ? tr("Scoring held-out InD images")
                                                                : tr("Fitting");
    m_stateText = tr("%1: %2 / %3 images · %4 images/s · ETA %5")
                      .arg(stage)
                      .arg(progress.imagesDone)
                      .arg(progress.imagesTotal)
                      .arg(progress.imagesPerSecond, 0, 'f', 0)
                      .arg(secondsText(progress.etaSeconds));
    if (progress.kind == JobKind::Fit && progress.imagesDone > 0)
        m_figures.fitImagesPerSecond = progress.imagesPerSecond;
    updateStatus();
}

void MainWindow::onJobFinished(const JobResult& result)
{
    const bool failed = result.outcome == JobOutcome::Failed;
    switch (result.kind) {
    case JobKind::LoadModel: {
        m_modelJobPending = false;
        // A model that did not load leaves the open model (and its profile) as they were: no
        // re-fit of the previous model. Giving the input opens the model again, which asks anew.
        const bool fitAfterInput = m_autoFitPending && m_screenshotPath.isEmpty();
        if (!m_deviceSwitchFrom.isEmpty()) {
            // A device change reloads the loaded model; when the device cannot take it (no CUDA,
            // out of memory, no such index) the model, its profile and the choice stay as they were.
            const QString previous = std::exchange(m_deviceSwitchFrom, QString());
            if (failed) {
                m_autoFitPending = false;
                showError(tr("Could not move the model to %1: %2. The model stays on %3 and the profile is kept.")
                              .arg(m_device, result.message, previous));
                m_device = previous;
                m_settings.setDevice(previous);
                m_fitPanel->setCurrentDevice(previous);
            }
        } else if (failed && result.needsInputSpec) {
            m_autoFitPending = false;
            abandonScreenshotWait(tr("%1 (nac-studio --input CxHxW;MEAN;STD gives it)").arg(result.message));
            const QString path = m_modelPathRequested;
            showWarning(result.message, tr("Give the input…"), [this, path, fitAfterInput] {
                askForInputSpec(path);
                if (fitAfterInput && m_modelJobPending)
                    m_autoFitPending = true;  // the fit the model was opened for, now of this model
            });
        } else if (failed) {
            m_autoFitPending = false;
            showError(tr("Could not load the model: %1").arg(result.message));
            abandonScreenshotWait(tr("could not load the model: %1").arg(result.message));
            // On a device other than the CPU the device may be what failed: the file stays a recent one.
            if (!m_modelPathRequested.isEmpty() && m_device == QStringLiteral("cpu"))
                m_settings.removeRecent(AppSettings::RecentKind::Model, QFileInfo(m_modelPathRequested).absoluteFilePath());
        } else if (!m_inputSpecRequested.isEmpty()) {
            m_settings.setInputSpec(QFileInfo(m_modelPathRequested).absoluteFilePath(), m_inputSpecRequested);
        }
        maybeStartAutoFit();
        break;
    }
    case JobKind::OpenDataset:
        m_datasetJobPending = false;
        if (failed) {
            m_autoFitPending = false;
            showError(tr("Could not open the data set: %1").arg(result.message));
        }
        maybeStartAutoFit();
        break;
    case JobKind::Fit:
        if (result.jobId == m_fitJob) {
            m_fitJob = 0;
            m_fitPanel->setFitting(false);
            m_progress->hide();
            m_progressCancel->hide();
            m_startupFitDone = true;
            if (result.outcome == JobOutcome::Completed) {
                // --evaluate: the sets go to the Evaluation dock once there is a profile to score them with.
                for (const QString& spec : std::exchange(m_startupEvaluateSets, QStringList()))
                    m_workbench->addSet(spec, SetRole::Ood);
                m_figures.fitSeconds = result.elapsedMs / 1000.0;
                if (m_snapshot && result.elapsedMs > 0)
                    m_figures.fitImagesPerSecond = double(m_snapshot->fitCount + std::int64_t(m_snapshot->heldoutScores.size()))
                        / (result.elapsedMs / 1000.0);
            } else if (result.outcome == JobOutcome::Canceled) {
                showInfo(m_snapshot ? tr("%1 The views show the %2 images fitted so far; press Fit (F5) to fit again.")
                                          .arg(result.message)
                                          .arg(m_snapshot->fitCount)
                                    : result.message);
            } else {
                showError(tr("The fit failed: %1").arg(result.message));
            }
        }
        Q_EMIT fitFinished(result);
        break;
    case JobKind::ScoreImages:
        if (failed)
            showError(tr("Could not score the images: %1").arg(result.message));
        if (result.outcome == JobOutcome::Canceled)
            showInfo(tr("Scoring canceled; the images of that drop were not added."));
        if (result.outcome != JobOutcome::Completed) {
            m_dropNs = -1;
            m_dropAwaitingBatch = 0;
        }
        if (!m_controller->isFitting()) {
            m_progress->hide();
            m_progressCancel->hide();
        }
        break;
    case JobKind::SaveProfile:
        if (failed)
            showError(tr("Could not save the profile: %1").arg(result.message));
        break;
    case JobKind::LoadProfile:
        if (failed && m_restoringSession) {
            m_settings.clearSession();
            showError(tr("Could not restore the last session: %1. Open a model (Ctrl+O) to start anew.").arg(result.message));
        } else if (failed) {
            showError(tr("Could not load the profile: %1").arg(result.message));
        }
        m_restoringSession = false;
        break;
    case JobKind::EvaluateSets:
        if (failed)
            showError(tr("Could not evaluate the set: %1").arg(result.message));
        break;
    case JobKind::NacMe:
        break;  // the NAC-ME panel shows its own outcome
    }
    if (result.outcome == JobOutcome::Canceled && result.kind == JobKind::ScoreImages)
        m_stateText = tr("Scoring canceled.");
    else if (result.outcome == JobOutcome::Canceled && result.kind == JobKind::EvaluateSets)
        m_stateText = tr("Evaluation canceled.");
    else if (result.outcome == JobOutcome::Completed || result.outcome == JobOutcome::Canceled)
        m_stateText = result.message;
    else
        m_stateText = tr("Failed: %1").arg(jobKindText(result.kind));
    updateStatus();
    Q_EMIT jobFinished(result);
    maybeFinishScreenshot();
}

void MainWindow::onParamsEdited()
{
    if (!m_snapshot)
        return;
    m_paramEditNs = m_clock.nsecsElapsed();
    m_controller->setParams(m_parameters->layerNames(), m_parameters->layerParams());
}

void MainWindow::enterTeachingMode()
{
    // Teaching layout: the steps move from the scoring tabs to a tab beside the fit panel (left),
    // so that the score distribution stays on screen for the NAC-UE and verdict steps. Reset
    // Layout puts the tab back.
    if (!m_explainDock->isFloating() && tabifiedDockWidgets(m_scoringDock).contains(m_explainDock)) {
        // The fit and parameter panels become tabs beside it, so that the steps get the full height.
        if (!m_paramDock->isFloating() && !m_fitDock->isFloating())
            tabifyDockWidget(m_fitDock, m_paramDock);
        tabifyDockWidget(m_fitDock, m_explainDock);
        m_scoringDock->raise();
    }
    m_explainDock->show();
    m_explainDock->raise();
    // The steps, their buttons and the map need about 420 px: a narrow left column (1024 px
    // window) widens to that, taking the room from the heatmaps and the scored images.
    if (!m_explainDock->isFloating() && dockWidgetArea(m_explainDock) == Qt::LeftDockWidgetArea
        && m_explainDock->width() < kTeachingDockPx)
        resizeDocks({m_explainDock}, {kTeachingDockPx}, Qt::Horizontal);
    m_explain->setShowAllSteps(false);
    // The image selected last, in the score list or in the gallery; else the gallery's first (most OOD).
    const int sample = m_scoring->selectedSample();
    if (sample >= 0 && (m_listSelectionNewer || !m_explain->explanation())
        && (!m_explain->explanation() || m_explain->explanation()->request.sampleIndex != sample))
        m_explain->selectSample(sample);
    else if (!m_explain->explanation() && m_explain->selectedItem() < 0 && m_explain->galleryModel()->rowCount() > 0)
        m_explain->selectRow(0);
    else
        m_explain->setTeachingStep(m_explain->teachingStep());  // the plots show the current step again
}

void MainWindow::clearTeachingHighlights()
{
    m_teachingSample = -1;
    for (int layer = 0; layer < m_coverage->layerCount(); ++layer)
        m_coverage->heatmap(layer)->clearHighlight();
    m_coverage->histogram()->clearHighlights();
    m_coverage->highlightLayer(-1);
    m_scoring->distribution()->clearHighlights();
    // The histogram's selected-image line follows the score list again.
    const int row = m_scoring->list()->currentRow();
    m_coverage->setSelectedSample(m_scoring->selectedSample(), row >= 0 ? m_scoring->list()->row(row).name : QString());
}

void MainWindow::showTeachingStep(int step, int sampleIndex, int layer, int neuron, int bin, double score)
{
    using Step = ExplainPanel::TeachingStep;
    clearTeachingHighlights();
    const auto explanation = m_explain->explanation();
    if (!explanation || layer < 0 || layer >= m_coverage->layerCount())
        return;
    m_teachingSample = sampleIndex;
    QString name;
    for (const GalleryItem& item : m_explain->items())
        if (item.sampleIndex == sampleIndex)
            name = item.name;
    const NeuronWalkthrough& walk = explanation->walkthrough;
    if (step <= int(Step::Phi))
        m_coverage->setSelectedSample(sampleIndex, name);  // the histogram's selected line is the explained image
    switch (Step(step)) {
    case Step::LayerOutput:
    case Step::Gradient:
    case Step::State:
        // z and dKL/dz are not plotted themselves: the neuron's histogram shows where they lead.
        m_coverage->setCurrentLayer(layer);
        m_coverage->showNeuron(layer, neuron);
        m_coverage->histogram()->highlightState(double(walk.state), name);
        break;
    case Step::Bin:
    case Step::Count:
    case Step::Phi:
        m_coverage->setCurrentLayer(layer);
        m_coverage->showNeuron(layer, neuron);
        m_coverage->heatmap(layer)->highlightCell(neuron, bin);
        m_coverage->histogram()->highlightBin(bin);
        m_coverage->histogram()->highlightState(double(walk.state), name);
        break;
    case Step::LayerMean:
        m_coverage->setCurrentLayer(layer);
        m_coverage->highlightLayer(layer, walk.layerScore);
        break;
    case Step::Score:
    case Step::Verdict:
        m_scoring->plotTabs()->setCurrentIndex(0);  // the distribution, not the ROC
        if (!m_scoring->isVisible() && !tabifiedDockWidgets(m_scoringDock).contains(m_explainDock))
            m_scoringDock->raise();  // e.g. behind the workbench tab; never over the steps themselves
        m_scoring->distribution()->highlightScore(score, name);
        m_scoring->distribution()->highlightThreshold(Step(step) == Step::Verdict);
        break;
    }
}

void MainWindow::onSampleSelected(int sampleIndex)
{
    m_listSelectionNewer = true;
    if (m_teachingSample >= 0 && sampleIndex != m_teachingSample)
        clearTeachingHighlights();  // they were about another image
    m_coverage->setMarkers(m_scoring->weakNeuronMarkers(sampleIndex));
    const int row = m_scoring->list()->currentRow();
    m_coverage->setSelectedSample(sampleIndex, row >= 0 ? m_scoring->list()->row(row).name : QString());
}

// --- scoring ---

void MainWindow::scoreFiles(const QStringList& paths)
{
    QString note;
    const QStringList files = DropPlanner::expandImagePaths(paths, &note);
    if (!note.isEmpty())
        showWarning(note);
    if (files.isEmpty())
        return;
    m_dropNs = m_clock.nsecsElapsed();
    m_pendingScorePaths.append(files);
    for (const QString& file : files)
        if (!m_scoredPaths.contains(file))
            m_scoredPaths.append(file);
    if (!m_snapshot) {
        if (!m_model && !m_modelJobPending && !m_restoringSession) {
            showError(tr("Open a model (and fit a profile) before scoring images."));
            m_pendingScorePaths.clear();
            m_dropNs = -1;
            return;
        }
        showInfo(tr("%n image(s) will be scored as soon as the fit has its first images.", nullptr, int(m_pendingScorePaths.size())));
        return;
    }
    flushPendingScores();
}

void MainWindow::flushPendingScores()
{
    if (m_pendingScorePaths.isEmpty() || !m_snapshot)
        return;
    const QStringList files = m_pendingScorePaths;
    m_pendingScorePaths.clear();
    m_controller->scoreImages(files);
}

bool MainWindow::handleMimeData(const QMimeData* mime)
{
    DropPlan plan = DropPlanner::plan(mime);
    if (!plan.note.isEmpty())
        showWarning(plan.note);
    if (!plan.rawImage.isNull()) {
        // Raw image data (dragged from a browser, a screenshot on the clipboard): kept in a file to score it.
        if (!m_pasteDir)
            m_pasteDir = std::make_unique<QTemporaryDir>();
        const QString path = m_pasteDir->filePath(QStringLiteral("pasted-%1.png").arg(++m_pasteCount));
        if (!m_pasteDir->isValid() || !plan.rawImage.save(path)) {
            showError(tr("Could not keep the pasted image in a temporary file (%1).").arg(path));
            return false;
        }
        plan.images.append(path);
    }
    if (!plan.model.isEmpty())
        openModel(plan.model);
    if (!plan.dataset.isEmpty())
        openDataset(plan.dataset);
    if (!plan.profile.isEmpty())
        openProfile(plan.profile);
    if (!plan.images.isEmpty())
        scoreFiles(plan.images);
    return !plan.isEmpty();
}

bool MainWindow::addEvaluationSets(const QMimeData* mime)
{
    QStringList refused;
    int added = 0;
    for (const QUrl& url : mime->urls()) {
        const QString path = url.toLocalFile();
        if (path.isEmpty())
            continue;
        const QFileInfo info(path);
        // Folders and IDX files are sets; anything else is named in the message below.
        const QString name = info.fileName();
        const bool idx = name.contains(QLatin1String("-ubyte")) || name.endsWith(QLatin1String(".idx"))
            || name.endsWith(QLatin1String(".idx.gz"));
        if (info.isDir() || (info.isFile() && idx)) {
            m_workbench->addSet(path, SetRole::Ood);
            ++added;
        } else {
            refused.append(name);
        }
    }
    if (!refused.isEmpty())
        showWarning(tr("Only IDX files and folders of images become evaluation sets; not %1. Drop single images on the "
                       "score list instead.")
                        .arg(refused.join(QStringLiteral(", "))));
    else if (added > 0)
        showInfo(tr("%n set(s) added as OOD; switch a set's role to InD in the Evaluation dock's table.", nullptr, added));
    return added > 0;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (DropPlanner::canHandle(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event)
{
    if (DropPlanner::canHandle(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    // One IDX file or folder: ask what it is for (the drop may come through a child's event filter,
    // whose positions are the child's, so the menu opens at the cursor).
    if (offerDropChoices(event->mimeData(), QCursor::pos()) != nullptr) {
        event->acceptProposedAction();
        return;
    }
    if (handleMimeData(event->mimeData()))
        event->acceptProposedAction();
}

QMenu* MainWindow::offerDropChoices(const QMimeData* mime, const QPoint& globalPos)
{
    if (!mime->hasUrls() || mime->urls().size() != 1)
        return nullptr;
    const QString path = mime->urls().front().toLocalFile();
    const QFileInfo info(path);
    const QString name = info.fileName();
    const bool idx = info.isFile()
        && (name.contains(QLatin1String("-ubyte")) || name.endsWith(QLatin1String(".idx")) || name.endsWith(QLatin1String(".idx.gz")));
    if (path.isEmpty() || !(idx || info.isDir()))
        return nullptr;
    // The set's name as the Evaluation dock would give it, for the menu's text.
    QString setName = info.isDir() ? name : name.section(QLatin1Char('-'), 0, 0);
    if (setName.isEmpty())
        setName = name;
    auto* menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("dropChoiceMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->setToolTip(path);
    // A copy of the drop: the mime data is gone once the drop event returns.
    auto keep = std::make_shared<QMimeData>();
    keep->setUrls(mime->urls());
    QAction* first = nullptr;
    if (idx)
        first = menu->addAction(tr("Use as &Training Data"), this, [this, keep] { handleMimeData(keep.get()); });
    else
        first = menu->addAction(tr("&Score Its Images"), this, [this, keep] { handleMimeData(keep.get()); });
    first->setObjectName(QStringLiteral("dropAsDefault"));
    menu->addAction(tr("Add as &OOD Set “%1”").arg(setName), this, [this, path] { m_workbench->addSet(path, SetRole::Ood); })
        ->setObjectName(QStringLiteral("dropAsOod"));
    menu->addAction(tr("Add as &InD Test Set “%1”").arg(setName), this, [this, path] { m_workbench->addSet(path, SetRole::InD); })
        ->setObjectName(QStringLiteral("dropAsInd"));
    menu->setActiveAction(first);
    menu->popup(globalPos);
    return menu;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    const QEvent::Type type = event->type();
    if ((type == QEvent::DragEnter || type == QEvent::DragMove || type == QEvent::Drop) && watched != this) {
        auto* widget = qobject_cast<QWidget*>(watched);
        if (widget && widget->window() == this) {
            auto* drop = static_cast<QDropEvent*>(event);
            if (m_workbenchDock && m_workbenchDock->isAncestorOf(widget) && drop->mimeData()->hasUrls()) {
                if (type != QEvent::Drop || addEvaluationSets(drop->mimeData()))
                    drop->acceptProposedAction();
                return true;
            }
            if (DropPlanner::canHandle(drop->mimeData())) {
                if (type == QEvent::Drop)
                    dropEvent(drop);
                else
                    drop->acceptProposedAction();
                return true;
            }
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::pasteImages()
{
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!DropPlanner::canHandle(mime) || !handleMimeData(mime))
        showInfo(tr("The clipboard holds no image and no image files to score."));
}

// --- file dialogs ---

void MainWindow::chooseModel()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), m_settings.lastFolder(),
                                                      tr("TorchScript models (*.pt *.pth *.ptl);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::askForInputSpec(const QString& path)
{
    InputSpecDialog dialog(QFileInfo(path).fileName(), m_settings.inputSpec(QFileInfo(path).absoluteFilePath()), this);
    if (dialog.exec() == QDialog::Accepted)
        openModel(path, dialog.spec());
}

void MainWindow::chooseDatasetFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Dataset"), m_settings.lastFolder(),
                                                      tr("IDX image files (*-ubyte *-ubyte.gz *.idx *.gz);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    openDataset(path);
}

void MainWindow::chooseDatasetFolder()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Open Dataset Folder (one subfolder per class)"),
                                                           m_settings.lastFolder());
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(path);
    openDataset(path);
}

void MainWindow::chooseProfileToOpen()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Profile"), m_settings.lastFolder(),
                                                      tr("NAC profiles (*.nacprofile);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    openProfile(path);
}

void MainWindow::chooseProfileToSave()
{
    if (!m_snapshot) {
        showError(tr("There is no profile to save yet: fit one first (F5)."));
        return;
    }
    QString suggested = QDir(m_settings.lastFolder()).filePath(
        (m_model ? QFileInfo(m_model->path).completeBaseName() : QStringLiteral("profile")) + QStringLiteral(".nacprofile"));
    QString path = QFileDialog::getSaveFileName(this, tr("Save Profile"), suggested, tr("NAC profiles (*.nacprofile)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".nacprofile");
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    m_settings.addRecent(AppSettings::RecentKind::Profile, QFileInfo(path).absoluteFilePath());
    saveProfile(path);
}

void MainWindow::chooseImages()
{
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Score Images"), m_settings.lastFolder(), tr("Images (*.png *.jpg *.jpeg *.bmp *.webp);;All files (*)"));
    if (paths.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(paths.front()).absolutePath());
    scoreFiles(paths);
}

void MainWindow::fillRecentMenu(QMenu* menu)
{
    menu->clear();
    auto addSection = [this, menu](const QString& title, AppSettings::RecentKind kind) {
        const QStringList paths = m_settings.recent(kind);
        if (paths.isEmpty())
            return;
        menu->addSection(title);
        for (const QString& path : paths) {
            QAction* entry = menu->addAction(QFileInfo(path).fileName());
            entry->setToolTip(path);
            entry->setStatusTip(path);
            connect(entry, &QAction::triggered, this, [this, kind, path] {
                if (kind == AppSettings::RecentKind::Model)
                    openModel(path);
                else if (kind == AppSettings::RecentKind::Dataset)
                    openDataset(path);
                else
                    openProfile(path);
            });
        }
    };
    addSection(tr("Models"), AppSettings::RecentKind::Model);
    addSection(tr("Data sets"), AppSettings::RecentKind::Dataset);
    addSection(tr("Profiles"), AppSettings::RecentKind::Profile);
    if (menu->isEmpty())
        menu->addAction(tr("(none yet)"))->setEnabled(false);
}

bool MainWindow::exportPlotTo(const QString& which, const QString& path, QString* errorMessage)
{
    nac::widgets::PlotView* view = nullptr;
    if (which == QLatin1String("heatmap"))
        view = m_coverage->heatmap(m_coverage->currentLayer());
    else if (which == QLatin1String("histogram"))
        view = m_coverage->histogram();
    else
        view = m_scoring->distribution();
    if (!view) {
        if (errorMessage)
            *errorMessage = tr("There is nothing to export yet: fit a profile first.");
        return false;
    }
    return view->exportPlot(path, errorMessage, double(m_settings.pngExportScale()));
}

void MainWindow::exportPlot(const QString& which)
{
    nac::widgets::PlotView* view = nullptr;
    QString base;
    if (which == QLatin1String("heatmap")) {
        view = m_coverage->heatmap(m_coverage->currentLayer());
        base = QStringLiteral("heatmap");
    } else if (which == QLatin1String("histogram")) {
        view = m_coverage->histogram();
        base = QStringLiteral("neuron-histogram");
    } else {
        view = m_scoring->distribution();
        base = QStringLiteral("score-distribution");
    }
    if (!view) {
        showError(tr("There is nothing to export yet: fit a profile first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Plot"), QDir(m_settings.lastFolder()).filePath(base + QStringLiteral(".png")),
                                                      nac::widgets::PlotExport::fileDialogFilter());
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    QString error;
    if (!exportPlotTo(which, path, &error))
        showError(error);
    else
        m_stateText = tr("Exported %1.").arg(path);
    updateStatus();
}

void MainWindow::exportCsv()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Scores"), QDir(m_settings.lastFolder()).filePath(QStringLiteral("scores.csv")),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    m_settings.setLastFolder(QFileInfo(path).absolutePath());
    QString error;
    if (!m_scoring->list()->exportCsv(path, &error))
        showError(error);
    else
        m_stateText = tr("Exported %1 rows to %2.").arg(m_scoring->list()->rowCount()).arg(path);
    updateStatus();
}

// --- status and messages ---

QString MainWindow::stateText() const
{
    return m_stateText;
}

void MainWindow::updateStatus()
{
    m_stateLabel->setText(m_stateText.isEmpty() ? tr("Ready") : m_stateText);
    m_deviceLabel->setText(tr("Device: %1").arg(m_model ? m_model->device : (m_device.isEmpty() ? QStringLiteral("cpu") : m_device)));
    if (m_snapshot) {
        QString text = tr("Profile: %1 fit images · %n layer(s)", nullptr, int(m_snapshot->layers.size())).arg(m_snapshot->fitCount);
        if (!m_snapshot->complete)
            text += tr(" (fitting, %1 to go)").arg(m_snapshot->fitTarget - m_snapshot->fitCount);
        m_profileLabel->setText(text);
    } else {
        m_profileLabel->setText(tr("No profile"));
    }
}

void MainWindow::showError(const QString& text)
{
    m_messageBar->showMessage(MessageBar::Level::Error, text);
}

void MainWindow::showWarning(const QString& text, const QString& actionText, std::function<void()> action)
{
    m_messageBar->showMessage(MessageBar::Level::Warning, text, actionText, std::move(action));
}

void MainWindow::showInfo(const QString& text)
{
    m_messageBar->showMessage(MessageBar::Level::Info, text);
}

// --- screenshot and closing ---

void MainWindow::abandonScreenshotWait(const QString& why)
{
    if (m_screenshotPath.isEmpty() || m_screenshotTaken)
        return;
    std::fprintf(stderr, "nac-studio: --screenshot: %s; saving what is shown\n", qPrintable(why));
    m_exitCode = 2;
    m_autoFitPending = false;
    m_pendingScorePaths.clear();
    takeScreenshot();
}

void MainWindow::maybeFinishScreenshot()
{
    if (m_screenshotPath.isEmpty() || m_screenshotTaken)
        return;
    if (m_controller->pendingJobs() > 0 || m_autoFitPending || m_modelJobPending || m_datasetJobPending
        || !m_pendingScorePaths.isEmpty() || m_dropAwaitingBatch > 0)
        return;
    m_screenshotTaken = true;
    // Show something worth seeing: the lowest-scoring image explained, and one of its weak neurons.
    nac::widgets::ScoreListView* list = m_scoring->list();
    int lowest = -1;
    for (int row = 0; row < list->rowCount(); ++row) {
        const double score = list->row(row).score;
        if (std::isfinite(score) && (lowest < 0 || score < list->row(lowest).score))
            lowest = row;
    }
    if (lowest >= 0) {
        list->setCurrentRow(lowest);
        const int sample = list->row(lowest).sampleIndex;
        const std::vector<QVector<QPointF>> markers = m_scoring->weakNeuronMarkers(sample);
        const int layer = m_coverage->currentLayer();
        if (m_snapshot && layer >= 0 && std::size_t(layer) < markers.size() && !markers[std::size_t(layer)].isEmpty()) {
            // Of its weak neurons, the one whose fit states spread over the most bins shows best.
            const nac::engine::LayerCoverage& coverage = m_snapshot->layers[std::size_t(layer)].coverage;
            int best = int(markers[std::size_t(layer)].front().x());
            int bestBins = -1;
            for (const QPointF& marker : markers[std::size_t(layer)]) {
                const int neuron = int(marker.x());
                int used = 0;
                for (int k = 0; k < coverage.binCount(); ++k)
                    used += coverage.countAt(k, neuron) > 0 ? 1 : 0;
                if (used > bestBins) {
                    bestBins = used;
                    best = neuron;
                }
            }
            m_coverage->showNeuron(layer, best);
        }
    } else if (m_coverage->currentLayer() >= 0) {
        m_coverage->showNeuron(m_coverage->currentLayer(), 0);
    }
    QTimer::singleShot(kScreenshotSettleMs, this, &MainWindow::takeScreenshot);
}

void MainWindow::takeScreenshot()
{
    m_screenshotTaken = true;
    const QPixmap pixmap = grab();
    const QString path = m_screenshotPath;
    QDir().mkpath(QFileInfo(path).absolutePath());
    // Atomic, as every file NAC Studio writes: a failed save leaves no half-written PNG.
    QSaveFile file(path);
    const QByteArray format = QFileInfo(path).suffix().toLatin1().toUpper();  // as QPixmap::save(path) chose
    const bool ok = !pixmap.isNull() && file.open(QIODevice::WriteOnly)
                    && pixmap.save(&file, format.isEmpty() ? "PNG" : format.constData()) && file.commit();
    if (!ok) {
        std::fprintf(stderr, "nac-studio: could not save the screenshot to %s\n", qPrintable(path));
        m_exitCode = m_exitCode ? m_exitCode : 1;
    } else {
        std::printf("screenshot: %s (%dx%d)\n", qPrintable(path), pixmap.width(), pixmap.height());
    }
    if (m_printFigures) {
        std::printf("fit: %.1f s, %.0f images/s (fit + held-out images, GUI)\n", m_figures.fitSeconds, m_figures.fitImagesPerSecond);
        std::printf("drop-to-score: %.0f ms\n", m_figures.lastDropToScoreMs);
        if (m_stalls) {
            m_figures.maxStallMs = m_stalls->maxStallMs();
            std::printf("max event-loop stall: %.0f ms (%lld ticks of 10 ms)\n", m_figures.maxStallMs, m_stalls->ticks());
        }
        std::printf("snapshots shown: %d\n", m_figures.snapshotsShown);
        std::fflush(stdout);
    }
    if (!m_messageBar->text().isEmpty())
        std::printf("message bar: %s\n", qPrintable(m_messageBar->text().replace(QLatin1Char('\n'), QLatin1String(" | "))));
    std::fflush(stdout);
    Q_EMIT screenshotSaved(path, ok);
    if (m_messageBar->level() == MessageBar::Level::Error && !m_messageBar->text().isEmpty() && m_exitCode == 0)
        m_exitCode = 2;
    const int code = m_exitCode;
    QTimer::singleShot(0, this, [this, code] {
        close();
        QCoreApplication::exit(code);
    });
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_screenshotPath.isEmpty()) {
        saveLayout();
        // The session for the next start: the profile as it is now (parameters included), saved
        // by the engine thread before it stops. A session without a complete profile is dropped.
        if (m_snapshot && m_snapshot->complete && !m_controller->isFitting()) {
            const QString path = AppSettings::sessionProfilePath();
            m_controller->saveProfile(path);
            m_settings.setSession({path, m_dataset ? m_dataset->spec : QString(), m_scoredPaths});
        } else {
            m_settings.clearSession();
        }
    }
    // Cancels a running fit and joins the engine thread (within about one batch).
    m_controller->shutdown();
    event->accept();
}

}  // namespace nac::app
