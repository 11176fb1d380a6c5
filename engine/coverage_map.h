// Coverage maps: where in an image its weakly covered neurons of one layer respond (the project's
// own view, not part of the reference; the definition is in docs/explain.md).
#pragma once

#include "engine/coverage_profile.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nac::engine {

// The channels of one layer whose state is weakly covered for one sample: the pooled state NAC
// scores with (sigmoid(alpha * sumHW(z) * sumHW(dKL/dz)), SPEC §1.6) falls in a bin whose
// Phi = min(count / O, 1) is below phiBelow, or in no bin at all. phiBelow = 1 (the default)
// means "its bin holds fewer than O fit samples". rawRow holds the layer's raw products of the
// sample (SampleSet::rawRow). Throws Error(BadInput) for phiBelow outside (0, 1].
std::vector<int> weaklyCoveredNeurons(const CoverageProfile& profile, std::size_t layer, const float* rawRow,
                                      double phiBelow = 1.0);

// A layer's coverage map of one image, at the layer's own resolution.
struct CoverageMap {
    std::string layer;
    int height = 0;                     // rows of the layer's feature map (1 for [C] and [C, 1, 1])
    int width = 0;
    std::vector<float> values;          // [height x width]: sum over weak channels c of |z[c,h,w] * g[c,h,w]|
    std::vector<int> weakChannels;      // ascending
    std::vector<double> channelTotals;  // per weak channel: the sum of its |z * g| over all positions
    int channelCount = 0;
    float maxValue() const;
};

// The map of one sample and layer from the layer's unpooled output z and gradient g = dKL/dz
// (shape without the batch dimension: [C, H, W], [C, L] or [C]; Model::computeSpatial):
//     map[h, w] = sum over c in weaklyCoveredNeurons(...) of |z[c, h, w] * g[c, h, w]|
// Throws Error(BadInput) for a layer pooled over tokens (a transformer's [T, D] has no image
// positions) or when shape and rawRow disagree with the profile's layer.
CoverageMap coverageMap(const CoverageProfile& profile, std::size_t layer, const std::vector<std::int64_t>& shape,
                        const std::vector<float>& output, const std::vector<float>& gradient, const float* rawRow,
                        double phiBelow = 1.0);

// Bilinear resampling of a [height x width] map to [outHeight x outWidth], half-pixel centres
// (torch's interpolate(mode="bilinear", align_corners=False) and OpenCV's INTER_LINEAR when
// enlarging): source coordinate = (out + 0.5) * in / out - 0.5, clamped to the edge pixels.
std::vector<float> upsampleBilinear(const std::vector<float>& values, int height, int width, int outHeight, int outWidth);

}  // namespace nac::engine
