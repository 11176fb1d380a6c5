// Coverage maps of one image (docs/explain.md): weakly covered channels, their |z * dKL/dz| per
// position, and the bilinear upsampling to the image.
#include "engine/coverage_map.h"

#include "engine/bin_edges.h"
#include "engine/error.h"

#include <algorithm>
#include <cmath>

namespace nac::engine {

std::vector<int> weaklyCoveredNeurons(const CoverageProfile& profile, std::size_t layer, const float* rawRow, double phiBelow)
{
    if (!(phiBelow > 0.0 && phiBelow <= 1.0))
        throw badInput("the Phi threshold of a coverage map must lie in (0, 1], not " + std::to_string(phiBelow));
    if (layer >= profile.layerCount())
        throw badInput("the profile has no layer number " + std::to_string(layer));
    const LayerCoverage& coverage = profile.coverage(layer);
    std::vector<int> weak;
    for (int n = 0; n < coverage.neuronCount; ++n) {
        const float state = profile.stateOf(layer, rawRow[n]);
        const int bin = findBin(coverage.edges, state);
        if (bin < 0 || double(coverage.phiAt(bin, n)) < phiBelow)
            weak.push_back(n);
    }
    return weak;
}

float CoverageMap::maxValue() const
{
    return values.empty() ? 0.0f : *std::max_element(values.begin(), values.end());
}

CoverageMap coverageMap(const CoverageProfile& profile, std::size_t layer, const std::vector<std::int64_t>& shape,
                        const std::vector<float>& output, const std::vector<float>& gradient, const float* rawRow,
                        double phiBelow)
{
    if (layer >= profile.layerCount())
        throw badInput("the profile has no layer number " + std::to_string(layer));
    const LayerInfo& info = profile.layers()[layer];
    if (info.pooling != Pooling::Spatial)
        throw badInput("layer " + info.name + " is a token sequence pooled over its tokens; a coverage map needs a "
                       "feature map [C, H, W]. Choose a convolutional layer.");
    if (shape.empty() || shape.size() > 3 || shape[0] != info.neuronCount)
        throw badInput("layer " + info.name + ": its output has " + std::to_string(shape.size())
                       + " dimensions or a channel count that differs from the profile's " + std::to_string(info.neuronCount)
                       + " neurons");
    CoverageMap map;
    map.layer = info.name;
    map.channelCount = info.neuronCount;
    map.height = shape.size() == 3 ? int(shape[1]) : 1;
    map.width = shape.size() >= 2 ? int(shape.back()) : 1;
    const std::size_t positions = std::size_t(map.height) * std::size_t(map.width);
    if (output.size() != positions * std::size_t(info.neuronCount) || gradient.size() != output.size())
        throw badInput("layer " + info.name + ": output and gradient sizes do not match its shape");
    map.weakChannels = weaklyCoveredNeurons(profile, layer, rawRow, phiBelow);
    map.values.assign(positions, 0.0f);
    map.channelTotals.reserve(map.weakChannels.size());
    for (int c : map.weakChannels) {
        const float* z = output.data() + std::size_t(c) * positions;
        const float* g = gradient.data() + std::size_t(c) * positions;
        double total = 0.0;
        for (std::size_t p = 0; p < positions; ++p) {
            const float contribution = std::fabs(z[p] * g[p]);
            map.values[p] += contribution;
            total += contribution;
        }
        map.channelTotals.push_back(total);
    }
    return map;
}

std::vector<float> upsampleBilinear(const std::vector<float>& values, int height, int width, int outHeight, int outWidth)
{
    if (height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0
        || values.size() != std::size_t(height) * std::size_t(width))
        throw badInput("cannot resample a " + std::to_string(height) + "x" + std::to_string(width) + " map to "
                       + std::to_string(outHeight) + "x" + std::to_string(outWidth));
    // Per output coordinate: the two source indices and the weight of the second.
    struct Tap {
        int low = 0;
        int high = 0;
        float weight = 0.0f;
    };
    auto taps = [](int in, int out) {
        std::vector<Tap> result(static_cast<std::size_t>(out));
        const double scale = double(in) / double(out);
        for (int o = 0; o < out; ++o) {
            const double source = std::max(0.0, (o + 0.5) * scale - 0.5);
            const int low = std::min(int(source), in - 1);
            const int high = std::min(low + 1, in - 1);
            result[std::size_t(o)] = {low, high, float(source - low)};
        }
        return result;
    };
    const std::vector<Tap> rows = taps(height, outHeight);
    const std::vector<Tap> columns = taps(width, outWidth);
    std::vector<float> result(std::size_t(outHeight) * std::size_t(outWidth));
    for (int y = 0; y < outHeight; ++y) {
        const Tap& r = rows[std::size_t(y)];
        const float* top = values.data() + std::size_t(r.low) * std::size_t(width);
        const float* bottom = values.data() + std::size_t(r.high) * std::size_t(width);
        float* out = result.data() + std::size_t(y) * std::size_t(outWidth);
        for (int x = 0; x < outWidth; ++x) {
            const Tap& c = columns[std::size_t(x)];
            const float upper = top[c.low] + (top[c.high] - top[c.low]) * c.weight;
            const float lower = bottom[c.low] + (bottom[c.high] - bottom[c.low]) * c.weight;
            out[x] = upper + (lower - upper) * r.weight;
        }
    }
    return result;
}

}  // namespace nac::engine
