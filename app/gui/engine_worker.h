// The QObject that lives on the engine thread: owns the Model, the data set and the CoverageProfile,
// runs every engine call, and sends results out as immutable values.
#pragma once

#include "app/gui/app_types.h"
#include "app/gui/evaluation_types.h"
#include "app/gui/image_explainer.h"
#include "app/gui/nac_me_job.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace nac::engine {
class CoverageProfile;
class Dataset;
class Model;
struct SampleSet;
}  // namespace nac::engine

namespace nac::app {

class SetEvaluator;

// Parameter changes coalesce here: the GUI posts as often as a slider moves, the worker takes only
// the latest (Qt's mandelbrot example: latest request wins). Shared by both threads.
class ParamMailbox {
public:
    struct Request {
        QStringList layers;                               // names the params belong to
        std::vector<nac::engine::LayerParams> params;     // one per layer
        qint64 postedNs = 0;                              // QElapsedTimer::nsecsElapsed() of a monotonic clock
    };
    // Returns true when the mailbox was empty, i.e. the caller must wake the worker.
    bool post(Request request);
    std::optional<Request> take();

private:
    std::mutex m_mutex;
    std::optional<Request> m_pending;
};

// Lives on the engine thread (moved there by EngineController); every slot is invoked by a queued
// signal. Each job slot ends with exactly one jobFinished(). No exception leaves a slot.
class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(std::shared_ptr<ParamMailbox> mailbox, QObject* parent = nullptr);
    ~EngineWorker() override;

    // Monotonic clock shared with the controller for latency figures.
    static qint64 nowNs();

public Q_SLOTS:
    void initialize();
    // inputSpec: "" (from the metadata) or "CxHxW;mean;std", e.g. "3x32x32;0.49,0.48,0.45;0.25,0.24,0.26".
    void loadModel(int jobId, const QString& path, const QString& device, const QString& inputSpec);
    void openDataset(int jobId, const QString& spec);
    void startFit(int jobId, const nac::app::FitRequest& request, const nac::engine::CancelToken& token);
    void applyPendingParams();
    void scoreImages(int jobId, const QStringList& paths, const nac::engine::CancelToken& token);
    void clearScoredImages();
    void saveProfile(int jobId, const QString& path);
    void loadProfile(int jobId, const QString& path);
    // Coverage map, nearest fit images and NAC's steps for one scored image (Explain panel).
    void explainDroppedImage(const nac::app::ExplainRequest& request);
    // NAC-ME over checkpoints; loads its own models and leaves the open model and profile alone.
    void runNacMe(int jobId, const nac::app::NacMeRequest& request, const nac::engine::CancelToken& token);
    // Ends a running fit as Canceled now (the token was set too); used when quitting.
    void stopFit();
    // Evaluation workbench: runs the model over each set (a set of the same name is replaced),
    // then sends evaluationReady; sets done before a cancel are kept.
    void evaluateSets(int jobId, const QList<nac::app::EvaluationSetRequest>& requests, const nac::engine::CancelToken& token);
    void removeEvaluationSet(const QString& name);
    // role: int(SetRole).
    void setEvaluationRole(const QString& name, int role);

Q_SIGNALS:
    void devicesFound(const QStringList& devices);
    void progress(const nac::app::JobProgress& progress);
    void jobFinished(const nac::app::JobResult& result);
    void modelLoaded(const std::shared_ptr<const nac::app::ModelInfo>& model);
    void datasetOpened(const std::shared_ptr<const nac::app::DatasetInfo>& dataset);
    void snapshotReady(const std::shared_ptr<const nac::app::ProfileSnapshot>& snapshot);
    void imagesScored(const std::shared_ptr<const nac::app::ScoredImages>& images);
    void droppedScoresReady(const std::shared_ptr<const nac::app::DroppedScores>& scores);
    // A skipped image during a fit, a parameter the worker could not apply, ...
    void warning(const QString& message);
    // Milliseconds from a parameter post to its snapshot being sent (for the status bar and tests).
    void paramsApplied(double latencyMs, double rebinMs);
    // Scores and metrics of every workbench set under the current parameters.
    void evaluationReady(const std::shared_ptr<const nac::app::EvaluationResults>& results);
    void explanationReady(const std::shared_ptr<const nac::app::ImageExplanation>& explanation);
    void nacMeReady(const std::shared_ptr<const nac::app::NacMeSeries>& series);

private:
    struct FitJob;
    void fitStep();
    void finishFit(nac::app::JobOutcome outcome, const QString& message);
    void emitSnapshot(nac::app::SnapshotReason reason, nac::engine::ParamChange change, double workerMs);
    void rescoreDropped();
    void reevaluateSets(qint64 paramPostedNs = -1);
    void recomputeDroppedStates();
    void tapProfileLayers();
    nac::engine::SampleSet computeChunk(const std::vector<std::size_t>& indices, const QString& stage);
    void finish(int jobId, nac::app::JobKind kind, nac::app::JobOutcome outcome, const QString& message,
                const QElapsedTimer& timer, bool needsInputSpec = false);
    // Runs one job's body (it returns the Completed message), turns its exceptions into the job's
    // outcome and reports the job with jobFinished. needsInputSpec is read after the body ran.
    template <typename Body>
    void runJob(int jobId, nac::app::JobKind kind, Body&& body, const bool* needsInputSpec = nullptr);

    std::shared_ptr<ParamMailbox> m_mailbox;
    std::unique_ptr<nac::engine::Model> m_model;
    std::shared_ptr<const ModelInfo> m_modelInfo;
    std::unique_ptr<nac::engine::Dataset> m_dataset;
    std::shared_ptr<const DatasetInfo> m_datasetInfo;
    std::unique_ptr<nac::engine::CoverageProfile> m_profile;
    std::unique_ptr<FitJob> m_fit;
    int m_generation = 0;
    std::vector<double> m_heldoutSorted;  // held-out scores of the last snapshot, ascending
    std::vector<std::vector<float>> m_firingCache;  // per layer: share of fit samples with z * dKL/dz > 0
    std::size_t m_firingCacheSamples = 0;
    int m_threads = 0;
    double m_lastFitMs = 0.0;

    // Dropped images: their states (layers of the last profile) and their normalised pixels, so
    // that a new layer choice recomputes them without reading the files again.
    std::unique_ptr<nac::engine::SampleSet> m_dropped;
    std::vector<float> m_droppedPixels;
    std::vector<std::string> m_droppedSources;
    int m_batchId = 0;

    std::unique_ptr<SetEvaluator> m_evaluator;  // the workbench's sets
};

}  // namespace nac::app
