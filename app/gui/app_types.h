// Immutable values the engine thread hands to the GUI thread (and requests going the other way).
#pragma once

#include "engine/coverage_profile.h"
#include "engine/dataset.h"
#include "engine/job.h"
#include "engine/layer_params.h"
#include "engine/model.h"
#include "engine/scoring.h"

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace nac::app {

// Every engine job the worker runs; each ends with exactly one JobResult.
enum class JobKind {
    LoadModel = 1,
    OpenDataset,
    Fit,
    ScoreImages,
    SaveProfile,
    LoadProfile,
    EvaluateSets,
    NacMe,  // NAC-ME over checkpoints (app/gui/nac_me_job.h)
};

enum class JobOutcome {
    Completed = 1,
    Canceled,
    Failed,
};

QString jobKindText(JobKind kind);  // "loading the model", "fitting", ...

struct JobResult {
    int jobId = 0;
    JobKind kind = JobKind::Fit;
    JobOutcome outcome = JobOutcome::Completed;
    QString message;        // why it failed, or a one-line summary of what was done
    double elapsedMs = 0.0;
    bool needsInputSpec = false;  // LoadModel failed because the model has no metadata for its input
};

// Throttled progress of a job, counted in images (STYLE.md "Long work").
struct JobProgress {
    int jobId = 0;
    JobKind kind = JobKind::Fit;
    QString stage;          // "fit", "held-out"
    std::int64_t imagesDone = 0;
    std::int64_t imagesTotal = 0;
    double imagesPerSecond = 0.0;
    double etaSeconds = 0.0;
    double elapsedSeconds = 0.0;
};

// The loaded model as the GUI shows it.
struct ModelInfo {
    QString path;
    QString name;
    QString sha256;
    QString device;                  // "cpu", "cuda:0"
    nac::engine::InputSpec input;
    QStringList classNames;          // from the metadata; may be empty
    int classCount = 0;
    std::vector<nac::engine::ModuleNode> modules;
    QStringList defaultLayers;       // from the metadata, in its order
    std::vector<nac::engine::LayerParams> defaultParams;  // one per default layer
    QString metadataOrigin;

    // The metadata's parameters for a layer, or the reference defaults for a layer it does not list.
    nac::engine::LayerParams defaultsFor(const QString& layer) const;
    QString inputText() const;       // "1x28x28"
};

struct DatasetInfo {
    QString spec;                    // what was opened (path, maybe with @range)
    QString description;
    std::int64_t imageCount = 0;
};

// What a fit is asked to do. Parameters are per layer, in layers' order.
struct FitRequest {
    QStringList layers;
    std::vector<nac::engine::LayerParams> params;
    int sampleCount = 1000;          // the reference's 1000, class-balanced
    int heldoutCount = 1000;         // held-out InD images for the threshold (0: none)
    std::uint32_t seed = 0;
    int chunkSize = 256;             // images between two snapshots
};

// One covered layer of a snapshot.
struct LayerSnapshot {
    nac::engine::LayerInfo info;
    nac::engine::LayerCoverage coverage;
    nac::engine::LayerParams defaults;
    double coverageArea = 0.0;          // NAC-ME's G of this layer
    std::vector<float> neuronArea;      // per neuron: sum_k Phi[k, n] / M
    std::vector<float> firingFraction;  // per neuron: share of fit samples with state > 0.5
    double meanScore = std::numeric_limits<double>::quiet_NaN();  // mean layer score of the held-out (else fit) images
    double scoreShare = std::numeric_limits<double>::quiet_NaN(); // meanScore / sum over layers
};

enum class SnapshotReason {
    FitProgress = 1,  // a fit chunk was added
    FitDone,
    ParamsChanged,
    ProfileLoaded,
};

// The coverage profile as the views need it: a copy, never a pointer into the worker's profile.
struct ProfileSnapshot {
    int generation = 0;                 // increases with every snapshot the worker sends
    SnapshotReason reason = SnapshotReason::FitProgress;
    nac::engine::ParamChange change = nac::engine::ParamChange::Rebinned;
    std::vector<LayerSnapshot> layers;
    std::int64_t fitCount = 0;          // fit images in the histograms now
    std::int64_t fitTarget = 0;         // fit images the fit will have
    bool complete = false;              // false while a fit is still adding images
    std::vector<double> heldoutScores;  // NAC-UE totals of the held-out InD images
    nac::engine::BaselineScores heldoutBaselines;  // MSP, MaxLogit, Energy of the same images
    double threshold = std::numeric_limits<double>::quiet_NaN();  // keeps 95% of held-out InD
    // Per layer: the layer score that keeps 95% of the held-out InD images (their 5th percentile);
    // an image below it in a layer is flagged by that layer. Empty without held-out images.
    std::vector<double> heldoutLayerReference;
    double workerMs = 0.0;              // time the worker spent making this snapshot (re-binning included)
    QString datasetDescription;
    QString modelPath;

    QStringList layerNames() const;
    std::vector<nac::engine::LayerParams> params() const;
};

// One image given for scoring (drop, paste, File > Score Images).
struct ScoredItem {
    QString source;                 // file path
    QString name;                   // file name
    QImage thumbnail;               // small, may be null
    bool ok = false;                // false: notice says why it could not be scored
    QString notice;                 // conversions made, or the error
    int sampleIndex = -1;           // index in the worker's dropped SampleSet when ok
    int predictedClass = -1;
    QString predictedLabel;
    double probability = std::numeric_limits<double>::quiet_NaN();
};

// A batch of newly scored images: rows to add (scores follow in DroppedScores).
struct ScoredImages {
    int batchId = 0;
    std::vector<ScoredItem> items;
    double loadMs = 0.0;            // decoding and the model run
};

// Scores and explanations of every dropped image so far under the current profile.
struct DroppedScores {
    int generation = 0;             // profile generation they were computed with
    nac::engine::ScoreTable scores; // sample i = ScoredItem::sampleIndex i
    std::vector<nac::engine::SampleExplanation> explanations;
    std::vector<double> percentileInHeldout;  // share of held-out InD scores below each score (NaN: none)
    nac::engine::BaselineScores baselines;    // MSP, MaxLogit, Energy from the same logits
};

// Phi below which a bin counts as weakly covered when explaining an image.
constexpr float kWeakPhi = 0.5f;

void registerMetaTypes();

}  // namespace nac::app

Q_DECLARE_METATYPE(nac::app::JobResult)
Q_DECLARE_METATYPE(nac::app::JobProgress)
Q_DECLARE_METATYPE(nac::app::FitRequest)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::ModelInfo>)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::DatasetInfo>)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::ProfileSnapshot>)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::ScoredImages>)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::DroppedScores>)
Q_DECLARE_METATYPE(nac::engine::CancelToken)
Q_DECLARE_METATYPE(std::vector<nac::engine::LayerParams>)
