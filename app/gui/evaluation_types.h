// Values of the evaluation workbench: the sets a user adds (InD test or OOD) and their metrics.
#pragma once

#include "engine/metrics.h"
#include "engine/scoring.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace nac::app {

// Whether a set's images count as in-distribution (the InD side of every metric) or as one OOD set.
enum class SetRole {
    InD = 1,
    Ood,
};

QString setRoleText(SetRole role);  // "InD", "OOD"

// A set to evaluate: spec is anything openDataset() reads (IDX, folder, image file, noise:,
// invert:/rot90:/rot180:, @FIRST-LAST), name its unique label in the table (as `nac eval --ood NAME=D`).
struct EvaluationSetRequest {
    QString name;
    QString spec;
    SetRole role = SetRole::Ood;
};

// The methods of `nac eval`, in its order: NAC-UE, MSP, MaxLogit, Energy.
enum class EvalMethod {
    NacUe = 0,
    Msp,
    MaxLogit,
    Energy,
};
constexpr int kEvalMethodCount = 4;
QString evalMethodText(EvalMethod method);

// What does not change with M, O or alpha: where each image came from and what the model predicted.
// Shared (never copied) by every EvaluationResults of the same evaluation.
struct EvaluatedSetImages {
    QStringList sources;            // Dataset::sourceName of each scored image ("file.gz#12", a path)
    QStringList identities;         // Dataset::sampleIdentity of each (openSampleIdentity opens it again)
    std::vector<int> predicted;     // predicted class per image
    std::vector<int> labels;        // data-set label per image (-1: unknown)
    nac::engine::BaselineScores baselines;  // MSP, MaxLogit, Energy per image
};

struct EvaluatedSet {
    QString name;
    QString spec;
    QString description;            // the data set's own description
    SetRole role = SetRole::Ood;
    QString problem;                // non-empty: the set could not be (re-)scored, and why
    std::int64_t skipped = 0;       // unreadable images left out
    std::shared_ptr<const EvaluatedSetImages> images;
    std::vector<double> nacScores;  // NAC-UE total per image under the current parameters
    // OOD sets: metrics against the InD side, one per EvalMethod (empty for InD sets or without an InD side).
    std::vector<nac::engine::OodMetrics> metrics;

    std::size_t imageCount() const { return images ? std::size_t(images->sources.size()) : 0; }
    // The confidence of image i by method (NAC-UE from nacScores, the baselines from images).
    const std::vector<double>* scores(EvalMethod method) const;
};

// One image of an evaluated set, for views that list scored images (a gallery).
struct EvaluatedImage {
    QString source;                 // where the image came from (path, or IDX file with #index)
    QString setName;
    SetRole role = SetRole::Ood;
    double score = 0.0;             // NAC-UE under the current parameters
    int predictedClass = -1;
    int label = -1;
};

// Every evaluated set under the current profile; sent after each evaluation and parameter change.
struct EvaluationResults {
    int generation = 0;             // profile generation the scores belong to
    std::vector<EvaluatedSet> sets; // in the order they were added
    // The InD side of the metrics: the InD sets pooled in their order, else the profile's held-out InD images.
    QString indDescription;
    std::int64_t indCount = 0;
    bool indFromHeldout = false;
    std::vector<double> indScores[kEvalMethodCount];
    double threshold = 0.0;         // NAC-UE threshold keeping 95% of the InD side (NaN: none)
    double workerMs = 0.0;          // worker time of this update (scoring and metrics), wall clock
    double workerCpuMs = 0.0;       // CPU time of the process meanwhile (all threads; the figure without contention)
    qint64 paramPostedNs = -1;      // EngineWorker::nowNs() of the parameter change it follows (-1: none)
    bool rebinned = false;          // the bins were recomputed (M, alpha, layers), not only Phi

    // Every image of every set, flattened (for a gallery).
    std::vector<EvaluatedImage> images() const;
    int setIndex(const QString& name) const;  // -1 when absent
};

void registerEvaluationMetaTypes();

}  // namespace nac::app

Q_DECLARE_METATYPE(nac::app::SetRole)
Q_DECLARE_METATYPE(nac::app::EvaluationSetRequest)
Q_DECLARE_METATYPE(QList<nac::app::EvaluationSetRequest>)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::EvaluationResults>)
