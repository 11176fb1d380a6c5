// NAC-ME (SPEC §4): a model's coverage score G on its training data, and the rank correlation of
// G with accuracy across checkpoints.
#pragma once

#include "engine/layer_params.h"
#include "engine/sample_set.h"

#include <string>
#include <vector>

namespace nac::engine {

// The reference's NAC-ME settings: linear bins, M=50, O=500, alpha=0.1, correctly classified only.
LayerParams nacMeDefaultParams();

struct NacMeResult {
    double coverage = 0.0;        // G
    double accuracy = -1.0;       // fraction of correct predictions; -1 without labels
    std::size_t samplesUsed = 0;  // after the correct-only filter
    std::size_t samplesTotal = 0;
};

// G of one layer from the samples' raw products (layer 0 of samples). correctOnly keeps the
// samples whose argmax equals their label (samples without a label are dropped then).
NacMeResult nacMeScore(const SampleSet& samples, const LayerParams& params, bool correctOnly);

}  // namespace nac::engine
