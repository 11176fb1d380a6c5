// The fit images nearest to a sample in the coverage-state space of chosen layers: what the
// model "thinks the sample resembles" among the images its histograms were built from.
#pragma once

#include "engine/coverage_profile.h"

#include <cstddef>
#include <vector>

namespace nac::engine {

struct FitNeighbour {
    std::size_t fitIndex = 0;  // index into profile.fitSamples()
    double distance = 0.0;     // Euclidean distance of the state vectors
};

// The k fit samples whose states (sigmoid(alpha_l * raw), SPEC §1.6, with the profile's current
// alpha per layer) are nearest to sample sampleIndex of samples, by Euclidean distance over the
// concatenated neurons of the chosen layers (indices into the profile's layers; empty: all).
// Nearest first; ties keep the fit order. samples must have the profile's layers (as
// CoverageProfile::score requires). Throws Error(BadInput) for a layer index out of range, a
// sample index out of range or k = 0.
std::vector<FitNeighbour> nearestFitSamples(const CoverageProfile& profile, const SampleSet& samples,
                                            std::size_t sampleIndex, std::size_t k,
                                            const std::vector<std::size_t>& layers = {});

}  // namespace nac::engine
