// k nearest fit samples in the state space of chosen layers (engine/nearest_fit.h).
#include "engine/nearest_fit.h"

#include "engine/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nac::engine {

std::vector<FitNeighbour> nearestFitSamples(const CoverageProfile& profile, const SampleSet& samples,
                                            std::size_t sampleIndex, std::size_t k, const std::vector<std::size_t>& layers)
{
    if (k == 0)
        throw badInput("the number of nearest fit images must be at least 1");
    if (sampleIndex >= samples.sampleCount())
        throw badInput("sample " + std::to_string(sampleIndex) + " does not exist; the set holds "
                       + std::to_string(samples.sampleCount()));
    if (samples.layerCount() != profile.layerCount())
        throw badInput("the samples have " + std::to_string(samples.layerCount()) + " layers, the profile "
                       + std::to_string(profile.layerCount()));
    std::vector<std::size_t> chosen = layers;
    if (chosen.empty()) {
        chosen.resize(profile.layerCount());
        std::iota(chosen.begin(), chosen.end(), std::size_t(0));
    }
    for (std::size_t layer : chosen)
        if (layer >= profile.layerCount())
            throw badInput("the profile has no layer number " + std::to_string(layer));

    const SampleSet& fit = profile.fitSamples();
    std::vector<FitNeighbour> all(fit.sampleCount());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i].fitIndex = i;
    for (std::size_t layer : chosen) {
        const int neurons = profile.layers()[layer].neuronCount;
        std::vector<float> query(static_cast<std::size_t>(neurons));
        const float* queryRaw = samples.rawRow(layer, sampleIndex);
        for (int n = 0; n < neurons; ++n)
            query[std::size_t(n)] = profile.stateOf(layer, queryRaw[n]);
        for (std::size_t i = 0; i < all.size(); ++i) {
            const float* raw = fit.rawRow(layer, i);
            double sum = 0.0;
            for (int n = 0; n < neurons; ++n) {
                const double d = double(profile.stateOf(layer, raw[n])) - double(query[std::size_t(n)]);
                sum += d * d;
            }
            all[i].distance += sum;  // squared until the end
        }
    }
    const std::size_t keep = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(keep), all.end(), [](const FitNeighbour& a, const FitNeighbour& b) {
        return a.distance < b.distance || (a.distance == b.distance && a.fitIndex < b.fitIndex);
    });
    all.resize(keep);
    for (FitNeighbour& neighbour : all)
        neighbour.distance = std::sqrt(neighbour.distance);
    return all;
}

}  // namespace nac::engine
