// Baseline OOD scores from the same logits NAC sees: MSP, MaxLogit and Energy (higher = more InD).
#pragma once

#include <string>
#include <vector>

namespace nac::engine {

struct BaselineScores {
    std::vector<double> msp;        // max softmax probability
    std::vector<double> maxLogit;   // max logit
    std::vector<double> energy;     // logsumexp of the logits (negative free energy, temperature 1)
};

// logits: row-major [sampleCount x classCount].
BaselineScores baselineScores(const std::vector<float>& logits, int classCount);

// Softmax probability of the predicted class of one row.
double maxSoftmax(const float* logitRow, int classCount);

}  // namespace nac::engine
