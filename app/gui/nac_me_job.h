// NAC-ME over several checkpoints of one model (SPEC §4), as `nac me` computes it: the request, the
// result the NAC-ME view shows, and the synchronous function the engine thread runs.
#pragma once

#include "engine/job.h"
#include "engine/layer_params.h"
#include "engine/nac_me.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace nac::app {

// What to compute. Defaults are `nac me`'s: NAC-ME's linear bins (M=50, O=500, alpha=0.1), the
// correctly classified samples only, seed 1. sampleCount 0 means every image (`nac me`'s default
// without --samples); otherwise the reference's class-balanced subset of that many.
struct NacMeRequest {
    QStringList checkpoints;  // in the order to plot them
    QString dataSpec;         // the training data (a file, a folder, noise:...)
    QStringList layers;       // empty: the first checkpoint's default layers (its nac.json)
    nac::engine::LayerParams params = nac::engine::nacMeDefaultParams();  // the same for every layer
    int sampleCount = 1000;
    std::uint32_t seed = 1;
    bool correctOnly = true;
    QString device;           // "cpu", "cuda:0"; empty: cpu
};

struct NacMeCheckpoint {
    QString path;
    QString sha256;
    double accuracy = -1.0;                     // fraction; -1 when the data has no labels
    std::vector<nac::engine::NacMeResult> layers;  // one per NacMeSeries::layers
};

// G of every layer for every checkpoint, and per layer the rank correlation of G with accuracy.
struct NacMeSeries {
    QStringList layers;
    nac::engine::LayerParams params;
    bool correctOnly = true;
    QString dataDescription;
    std::size_t samplesPlanned = 0;             // images run through each checkpoint
    std::vector<NacMeCheckpoint> checkpoints;   // in the request's order
    // Per layer: Spearman's rho of G with accuracy (tied values share their average rank); NaN
    // when undefined (fewer than two checkpoints, no labels, or G or accuracy constant).
    std::vector<double> spearman;

    std::vector<double> coverageOf(int layer) const;  // G per checkpoint
    std::vector<double> accuracies() const;
};

// Loads every checkpoint, runs the same images (planned once, with the first checkpoint's class
// names aligning the data's labels) through each with the layers tapped, and scores every layer
// with nacMeScore, exactly as `nac me` does for one layer. Runs on the calling thread (the engine thread); throws nac::engine::Error with a
// message naming the file or option at fault, Error(Canceled) when token is set.
NacMeSeries computeNacMeSeries(const NacMeRequest& request, const nac::engine::CancelToken& token,
                               const nac::engine::ProgressCallback& progress, const nac::engine::NoteCallback& note);

// Writes the series as CSV (checkpoint, sha256, accuracy, samples used, then G per layer; a last
// comment line per layer with rho). Returns the text.
QString nacMeCsv(const NacMeSeries& series);

}  // namespace nac::app

Q_DECLARE_METATYPE(nac::app::NacMeRequest)
Q_DECLARE_METATYPE(std::shared_ptr<const nac::app::NacMeSeries>)
