// NAC-UE parameter search (the reference's "APS", SPEC §3): per-layer grids of M, O and alpha,
// scored by AUROC of InD validation vs OOD validation, from cached raw products only.
#pragma once

#include "engine/coverage_profile.h"
#include "engine/job.h"

#include <string>
#include <vector>

namespace nac::engine {

// Values to try for one layer; an empty list keeps the profile's current value.
struct LayerGrid {
    std::string layer;
    std::vector<int> binEdgeCounts;   // M
    std::vector<double> minActivated; // O
    std::vector<double> alphas;
};

// Parses "layer:O=10/50,M=50/500,alpha=100/3000" (values separated by '/').
// Throws Error(BadInput) naming the text.
LayerGrid parseLayerGrid(const std::string& text);

struct TuneResult {
    std::vector<LayerParams> best;   // one per profile layer
    double bestAuroc = 0.0;          // InD val vs OOD val, as a fraction
    double defaultAuroc = 0.0;       // with the profile's parameters before tuning
    std::size_t combinations = 0;
    std::size_t histogramsBuilt = 0; // (M, alpha) pairs re-binned: O never needs a re-bin
    double seconds = 0.0;
};

// Tries every combination of the per-layer grids (Cartesian product over layers, as the
// reference) and keeps the one with the highest AUROC; the first one wins ties. Layers are
// scored independently and summed, so each layer's (M, alpha, O) is evaluated once, and a full
// combination costs one AUROC. Runs no model. Progress counts combinations.
TuneResult tuneParameters(const CoverageProfile& profile, const SampleSet& indValidation, const SampleSet& oodValidation,
                          const std::vector<LayerGrid>& grids, const CancelToken& cancel = {},
                          const ProgressCallback& progress = {});

// Area under the ROC curve with OOD as positive and -confidence as the score; ties count half.
// Equal to computeOodMetrics().auroc, at a fraction of the cost.
double aurocOnly(const std::vector<double>& indConfidence, const std::vector<double>& oodConfidence);

}  // namespace nac::engine
