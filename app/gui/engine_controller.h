// Owns the engine thread and its EngineWorker; the GUI's typed door to the engine.
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/evaluation_types.h"
#include "app/gui/image_explainer.h"
#include "app/gui/nac_me_job.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

class QThread;

namespace nac::app {

class EngineWorker;
class ParamMailbox;

// Lives on the GUI thread. Requests return a job id at once and go to the worker by queued
// signal; every job ends with exactly one jobFinished() for that id. cancelFit() sets the fit's
// cancel token directly (a queued cancel would wait behind the job). Parameter changes coalesce:
// only the latest one reaches the worker. shutdown() (also run by the destructor) cancels the
// running job and joins the thread.
class EngineController : public QObject {
    Q_OBJECT
public:
    explicit EngineController(QObject* parent = nullptr);
    ~EngineController() override;

    // inputSpec: "" (the model's metadata) or "CxHxW;mean;std" for a model without one.
    int loadModel(const QString& path, const QString& device, const QString& inputSpec = QString());
    int openDataset(const QString& spec);
    int startFit(const nac::app::FitRequest& request);
    void cancelFit();
    int scoreImages(const QStringList& paths);
    void cancelScoring();
    void clearScoredImages();
    int saveProfile(const QString& path);
    int loadProfile(const QString& path);
    // Evaluation workbench: runs the model over the sets (replacing sets of the same names).
    int evaluateSets(const QList<nac::app::EvaluationSetRequest>& requests);
    void cancelEvaluation();
    void removeEvaluationSet(const QString& name);
    void setEvaluationRole(const QString& name, nac::app::SetRole role);
    // NAC-ME over checkpoints (its own cancel token; cancelNacMe() sets it).
    int runNacMe(const nac::app::NacMeRequest& request);
    void cancelNacMe();
    // Latest request wins; layers names what params belong to.
    void setParams(const QStringList& layers, const std::vector<nac::engine::LayerParams>& params);
    // Explains one scored image; the answer comes as explanationReady (not a job).
    void explainImage(const nac::app::ExplainRequest& request);

    // Cancels what runs and joins the engine thread; true when it ended within timeoutMs.
    bool shutdown(int timeoutMs = 2000);

    bool isFitting() const { return m_fitJob != 0; }
    int runningFitJob() const { return m_fitJob; }
    int pendingJobs() const { return m_pendingJobs; }
    QStringList devices() const { return m_devices; }

Q_SIGNALS:
    void devicesFound(const QStringList& devices);
    void progress(const nac::app::JobProgress& progress);
    void jobFinished(const nac::app::JobResult& result);
    void modelLoaded(const std::shared_ptr<const nac::app::ModelInfo>& model);
    void datasetOpened(const std::shared_ptr<const nac::app::DatasetInfo>& dataset);
    void snapshotReady(const std::shared_ptr<const nac::app::ProfileSnapshot>& snapshot);
    void imagesScored(const std::shared_ptr<const nac::app::ScoredImages>& images);
    void droppedScoresReady(const std::shared_ptr<const nac::app::DroppedScores>& scores);
    void warning(const QString& message);
    void paramsApplied(double latencyMs, double rebinMs);
    void evaluationReady(const std::shared_ptr<const nac::app::EvaluationResults>& results);
    void explanationReady(const std::shared_ptr<const nac::app::ImageExplanation>& explanation);
    void nacMeReady(const std::shared_ptr<const nac::app::NacMeSeries>& series);

    // --- to the worker (queued) ---
    void requestLoadModel(int jobId, const QString& path, const QString& device, const QString& inputSpec);
    void requestOpenDataset(int jobId, const QString& spec);
    void requestFit(int jobId, const nac::app::FitRequest& request, const nac::engine::CancelToken& token);
    void requestParams();
    void requestScore(int jobId, const QStringList& paths, const nac::engine::CancelToken& token);
    void requestClearScored();
    void requestSaveProfile(int jobId, const QString& path);
    void requestLoadProfile(int jobId, const QString& path);
    void requestEvaluateSets(int jobId, const QList<nac::app::EvaluationSetRequest>& requests, const nac::engine::CancelToken& token);
    void requestRemoveEvaluationSet(const QString& name);
    void requestEvaluationRole(const QString& name, int role);
    void requestExplain(const nac::app::ExplainRequest& request);
    void requestNacMe(int jobId, const nac::app::NacMeRequest& request, const nac::engine::CancelToken& token);

private:
    void onJobFinished(const nac::app::JobResult& result);
    int nextJob();

    QThread* m_thread = nullptr;
    EngineWorker* m_worker = nullptr;
    std::shared_ptr<ParamMailbox> m_mailbox;
    nac::engine::CancelToken m_fitToken;
    nac::engine::CancelToken m_scoreToken;
    nac::engine::CancelToken m_evaluationToken;
    nac::engine::CancelToken m_nacMeToken;
    int m_lastJobId = 0;
    int m_fitJob = 0;
    int m_pendingJobs = 0;
    QStringList m_devices;
    bool m_shutDown = false;
};

}  // namespace nac::app
