// The nac-studio main window: layout, menus, shortcuts, drag-and-drop, and the wiring between the
// engine controller and the views. Thin: the engine work is in EngineWorker, the views in widgets/.
#pragma once

#include "app/gui/app_settings.h"
#include "app/gui/app_types.h"
#include "app/gui/evaluation_types.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QStringList>

#include <map>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QMimeData;
class QProgressBar;
class QTemporaryDir;
class QTimer;
class QToolButton;

namespace nac::widgets {
class ParameterPanel;
}

namespace nac::app {

class CoveragePanel;
class EngineController;
class ExplainPanel;
class FitPanel;
class MessageBar;
class NacMePanel;
class ScoringPanel;
class StallMonitor;
class WorkbenchPanel;

// What the command line asked for (see main.cpp).
struct StartupOptions {
    QString model;            // empty: the demo model when it exists
    QString data;             // empty: the demo data when the model is the demo's
    QString profile;          // load instead of fitting
    QString device;           // empty: the last one used, else cpu
    QString inputSpec;        // --input "CxHxW;MEAN;STD" for a model without metadata (empty: its nac.json)
    bool fit = true;          // false: --no-fit
    int samples = 0;          // 0: the panel's default (1000)
    int heldout = -1;         // -1: the panel's default (1000)
    QStringList scoreFiles;   // --score FILES: scored as if dropped
    QString screenshotPath;   // save a grab when everything is done, then quit
    bool showRoc = false;     // --plot roc: the scoring side shows the ROC tab first
    QStringList evaluateSets; // --evaluate SPEC: OOD sets evaluated after the fit ("bundled": the demo's)
    bool printFigures = false;
    bool restoreSession = false;  // no arguments: open the last session's profile, data and images (main.cpp)
};

// Figures measured while the app runs (printed by --screenshot, read by tests).
struct RunFigures {
    double fitImagesPerSecond = 0.0;
    double fitSeconds = 0.0;
    double lastDropToScoreMs = -1.0;
    double lastScoreWorkerMs = -1.0;   // decoding, thumbnails and the model run of the last scored batch
    double lastParamLatencyMs = -1.0;  // parameter change posted -> views updated
    double lastParamRedrawMs = -1.0;   // GUI-thread time of that update
    double lastRebinMs = -1.0;         // worker time of the re-binning
    double lastGalleryMs = -1.0;       // GUI-thread time to feed the last evaluation into the Explain gallery
    double maxStallMs = -1.0;          // longest event-loop stall since start() (with printFigures)
    int snapshotsShown = 0;
};

// Lives on the GUI thread; owns the EngineController (and through it the engine thread).
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads what options name (or the demo) and starts the fit unless told not to.
    void start(const StartupOptions& options);

    // inputSpec: "" (remembered one or metadata) or "CxHxW;mean;std" for a model without nac.json.
    void openModel(const QString& path, const QString& inputSpec = QString());
    void openDataset(const QString& spec);
    void openProfile(const QString& path);
    void saveProfile(const QString& path);
    // Scores image files (folders are expanded); what a drop, a paste and File > Score Images do.
    void scoreFiles(const QStringList& paths);
    // Handles dropped or pasted data: models, profiles, data sets, image files, folders, raw images.
    bool handleMimeData(const QMimeData* mime);
    // A drop on the Evaluation dock: each IDX file or folder becomes an OOD set (its role can be
    // switched to InD in the sets table). False when nothing in mime can be a set.
    bool addEvaluationSets(const QMimeData* mime);
    // A drop of one IDX file or one folder on the window (not the dock): a menu at pos asks what it
    // is for (training data or images to score as before, an OOD set named after it, or an InD
    // test set); null (and nothing shown) for any other drop. The menu is not modal: its actions do
    // the work, and it closes unanswered when dismissed.
    QMenu* offerDropChoices(const QMimeData* mime, const QPoint& globalPos);
    void startFit();
    void cancelFit();

    // --- seams ---
    EngineController* controller() const { return m_controller; }
    CoveragePanel* coveragePanel() const { return m_coverage; }
    ScoringPanel* scoringPanel() const { return m_scoring; }
    ExplainPanel* explainPanel() const { return m_explain; }
    QDockWidget* explainDock() const { return m_explainDock; }
    FitPanel* fitPanel() const { return m_fitPanel; }
    // The evaluation workbench; its results() hold every evaluated set's per-image scores.
    WorkbenchPanel* workbenchPanel() const { return m_workbench; }
    nac::widgets::ParameterPanel* parameterPanel() const { return m_parameters; }
    MessageBar* messageBar() const { return m_messageBar; }
    // The NAC-ME window's panel (made on first use; Tools ▸ NAC-ME shows it).
    NacMePanel* nacMePanel();
    std::shared_ptr<const ProfileSnapshot> snapshot() const { return m_snapshot; }
    std::shared_ptr<const ModelInfo> model() const { return m_model; }
    QStringList requestedLayers() const;
    FitRequest fitRequest() const;  // what F5 would ask for now
    const RunFigures& figures() const { return m_figures; }
    QString stateText() const;
    QAction* action(const QString& objectName) const;
    // Exports one plot ("heatmap", "histogram" or "distribution") to path, as File > Export does
    // after its file dialog; PNGs at the PNG scale chosen in File > Export > PNG Scale.
    bool exportPlotTo(const QString& which, const QString& path, QString* errorMessage);

Q_SIGNALS:
    void modelShown();
    void snapshotShown(int generation, nac::app::SnapshotReason reason);
    void fitFinished(const nac::app::JobResult& result);
    void jobFinished(const nac::app::JobResult& result);
    // Scores of dropped images reached the list; latencyMs since the drop (-1 when not from a drop).
    void scoresShown(double latencyMs);
    void paramsShown(double latencyMs, double redrawMs);
    void screenshotSaved(const QString& path, bool ok);
    // The workbench shows new results: per-image scores of every evaluated set (results->images()),
    // latencyMs since the parameter change they follow (-1: not from one), redrawMs on the GUI thread.
    void evaluationShown(const std::shared_ptr<const nac::app::EvaluationResults>& results, double latencyMs, double redrawMs);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildDocks();
    void buildStatusBar();
    void connectEngine();
    void restoreLayout();
    void saveLayout();
    void resizeDefaultDocks();

    void onModelLoaded(const std::shared_ptr<const ModelInfo>& model);
    void onDatasetOpened(const std::shared_ptr<const DatasetInfo>& dataset);
    // Every evaluated set (InD and OOD) into the Explain gallery with its NAC-UE scores.
    void showEvaluationInGallery(const std::shared_ptr<const EvaluationResults>& results);
    void onSnapshot(const std::shared_ptr<const ProfileSnapshot>& snapshot);
    void onImagesScored(const std::shared_ptr<const ScoredImages>& images);
    void onDroppedScores(const std::shared_ptr<const DroppedScores>& scores);
    void onProgress(const JobProgress& progress);
    void onJobFinished(const JobResult& result);
    void onParamsEdited();
    void onSampleSelected(int sampleIndex);
    // Teaching mode: the plot the Explain tab's current step is about gets highlighted.
    void showTeachingStep(int step, int sampleIndex, int layer, int neuron, int bin, double score);
    void clearTeachingHighlights();
    void enterTeachingMode();
    void maybeStartAutoFit();
    void maybeFinishScreenshot();
    void takeScreenshot();
    void flushPendingScores();
    void updateStatus();
    void showError(const QString& text);
    void showWarning(const QString& text, const QString& actionText = QString(), std::function<void()> action = {});
    void showInfo(const QString& text);

    void chooseModel();
    void askForInputSpec(const QString& path);
    void chooseDatasetFile();
    void chooseDatasetFolder();
    void chooseProfileToOpen();
    void chooseProfileToSave();
    void chooseImages();
    void pasteImages();
    void exportPlot(const QString& which);
    void exportCsv();
    void fillRecentMenu(QMenu* menu);


    EngineController* m_controller = nullptr;
    AppSettings m_settings;
    MessageBar* m_messageBar = nullptr;
    CoveragePanel* m_coverage = nullptr;
    ScoringPanel* m_scoring = nullptr;
    FitPanel* m_fitPanel = nullptr;
    nac::widgets::ParameterPanel* m_parameters = nullptr;
    QDockWidget* m_fitDock = nullptr;
    QDockWidget* m_paramDock = nullptr;
    QDockWidget* m_scoringDock = nullptr;
    WorkbenchPanel* m_workbench = nullptr;
    QDockWidget* m_workbenchDock = nullptr;
    ExplainPanel* m_explain = nullptr;
    // The workbench sets the gallery holds, by name: the same images only get new scores.
    std::map<QString, std::shared_ptr<const EvaluatedSetImages>> m_gallerySets;
    QDockWidget* m_explainDock = nullptr;
    QLabel* m_stateLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_profileLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_progressCancel = nullptr;
    QMenu* m_recentMenu = nullptr;
    NacMePanel* m_nacMe = nullptr;
    std::unique_ptr<QTemporaryDir> m_pasteDir;
    int m_pasteCount = 0;
    int m_teachingSample = -1;   // the image whose step the plots highlight; -1: none
    // --screenshot when nothing more will happen (no fit can start): says why on stderr, saves
    // what is shown and quits with 2 instead of waiting for the timeout.
    void abandonScreenshotWait(const QString& why);
    bool m_explainStale = false;  // parameters changed while the Explain tab was hidden
    QTimer* m_explainRefresh = nullptr;  // asks for the explanation again once parameter changes pause
    bool m_listSelectionNewer = false;  // the score list's selection changed after the last explanation shown

    std::shared_ptr<const ModelInfo> m_model;
    std::shared_ptr<const DatasetInfo> m_dataset;
    std::shared_ptr<const ProfileSnapshot> m_snapshot;
    QString m_device;
    QString m_modelPathRequested;
    QString m_deviceSwitchFrom;   // the model's device while a device change reloads it, else empty
    QString m_inputSpecRequested;
    QString m_stateText;
    bool m_autoFitPending = false;
    bool m_modelJobPending = false;
    bool m_datasetJobPending = false;
    bool m_layersChangedSinceFit = false;
    QStringList m_pendingScorePaths;
    QStringList m_scoredPaths;          // every image file scored since the last clear (saved with the session)
    bool m_restoringSession = false;
    int m_fitJob = 0;

    // Latency bookkeeping.
    QElapsedTimer m_clock;
    qint64 m_dropNs = -1;
    int m_dropSamplesBefore = 0;
    int m_dropAwaitingBatch = 0;
    qint64 m_paramEditNs = -1;
    RunFigures m_figures;

    // --screenshot.
    QString m_screenshotPath;
    bool m_printFigures = false;
    std::unique_ptr<StallMonitor> m_stalls;
    bool m_screenshotTaken = false;
    bool m_startupFitDone = false;
    QStringList m_startupEvaluateSets;  // --evaluate, added once the startup fit completes
    int m_exitCode = 0;
};

}  // namespace nac::app
