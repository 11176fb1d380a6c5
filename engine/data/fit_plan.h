// Which images a fit uses: the one plan that `nac fit` and NAC Studio share, so that the same
// settings give the same fit subset and held-out images in both.
#pragma once

#include "engine/dataset.h"
#include "engine/model_metadata.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nac::engine {

struct FitPlanRequest {
    // Fit images: the reference's class-balanced subset of sampleCount images (SPEC §3), or every
    // image when allSamples (in data-set order).
    std::size_t sampleCount = 1000;
    bool allSamples = false;
    std::uint32_t seed = 1;
    // Held-out InD images (never in the histograms) for the 95%-InD threshold and the sanity
    // check: heldoutCount images chosen with seed + 1, from heldoutData when given (0: all of
    // it), else from the images the fit does not use.
    std::size_t heldoutCount = 0;
    const Dataset* heldoutData = nullptr;
};

struct FitPlan {
    std::vector<std::size_t> fitIndices;      // into the fit data set
    std::vector<std::size_t> heldoutIndices;  // into heldoutData when given, else into the fit data set
    // What the plan changed or decided that the user did not spell out (fewer images than asked,
    // the per-class rounding, the model's never-trained-on split): one line each.
    std::vector<std::string> notes;
};

// The images of the training set that the model's nac.json says it was never trained on
// ("training": {"train_indices": "0-54999", "heldout_indices": "55000-59999"}), when dataset is
// exactly that training set (its size is the end of the held-out range + 1). First and last are
// inclusive.
struct ReservedRange {
    std::size_t first = 0;
    std::size_t last = 0;
};
std::optional<ReservedRange> reservedHeldoutRange(const ModelMetadata& metadata, std::size_t datasetSize);

// Throws Error(BadInput) when no image is left to fit, or held-out images were asked for and
// none are left. metadata may be null. When the metadata reserves a never-trained-on range of
// this data set (and heldoutData is not given), the fit leaves that range out and held-out
// images come from it, so that the sanity check compares images the model never saw.
FitPlan planFit(const Dataset& dataset, const FitPlanRequest& request, const ModelMetadata* metadata);

}  // namespace nac::engine
