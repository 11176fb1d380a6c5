// Private to nac_data: a decoded image as floats and its conversion to a model's InputSpec.
#pragma once

#include "engine/dataset.h"

#include <string>
#include <vector>

namespace nac::engine {

// An image after decoding: values in [0,1], HWC order, channels 1 (gray) or 3 (RGB order).
struct PixelImage {
    int height = 0;
    int width = 0;
    int channels = 0;
    std::vector<float> values;
};

// Throws Error(BadInput) when spec cannot be used: sizes below 1, mean/std with neither one entry
// nor one per channel, a std entry that is zero or not finite.
void validateLoadSpec(const InputSpec& spec);

// Converts image to spec's channels (gray copied to every channel, RGB to gray by luma
// 0.299/0.587/0.114) and size (INTER_AREA when shrinking, INTER_LINEAR otherwise; without OpenCV a
// size mismatch throws), normalises (x - mean[c]) / std[c] and writes CHW floats to out
// (spec.valuesPerImage() of them). sourceName names the image in messages. When note is non-null
// it is set to the conversions made, joined by "; ", or cleared when there were none.
// Throws Error(BadInput) on an unusable spec or a channel count that cannot be converted.
void writeToSpec(PixelImage image, const InputSpec& spec, const std::string& sourceName, float* out,
                 std::string* note);

}  // namespace nac::engine
