// Data-set modifiers a spec can carry: a range of images ("SPEC@100-199") and pixel transforms
// ("invert:SPEC", "rot90:SPEC", "rot180:SPEC") for covariate-shift sets.
#pragma once

#include "engine/dataset.h"

#include <memory>
#include <string>

namespace nac::engine {

enum class PixelTransform {
    Invert = 1,  // pixel -> 1 - pixel (before normalisation)
    Rotate90,    // a quarter turn counter-clockwise (square images only)
    Rotate180,
};

// Applies a transform to every image of inner.
std::unique_ptr<Dataset> makeTransformedDataset(std::unique_ptr<Dataset> inner, PixelTransform transform);

// Images first..last (inclusive) of inner, re-indexed from 0. Throws Error(BadInput) when the
// range is empty or outside the data set.
std::unique_ptr<Dataset> makeRangeDataset(std::unique_ptr<Dataset> inner, std::size_t first, std::size_t last);

}  // namespace nac::engine
