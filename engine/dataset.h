// The data-set interface the engine fits and scores on; implementations live in engine/data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine {

// What one model input looks like and how raw pixels (scaled to [0,1]) are normalised:
// x = (pixel - mean[c]) / std[c]. mean and std have one entry, or one per channel.
struct InputSpec {
    int channels = 1;
    int height = 28;
    int width = 28;
    std::vector<float> mean{0.0f};
    std::vector<float> std{1.0f};

    std::size_t valuesPerImage() const { return std::size_t(channels) * std::size_t(height) * std::size_t(width); }
    // Equal when they preprocess alike: one mean/std value equals that value repeated per channel.
    bool operator==(const InputSpec& other) const
    {
        if (channels != other.channels || height != other.height || width != other.width)
            return false;
        auto at = [](const std::vector<float>& values, int c) { return values.size() == 1 ? values[0] : values[std::size_t(c)]; };
        for (int c = 0; c < channels; ++c) {
            if (mean.empty() || other.mean.empty() || std.empty() || other.std.empty())
                return mean == other.mean && std == other.std;
            if (at(mean, c) != at(other.mean, c) || at(std, c) != at(other.std, c))
                return false;
        }
        return true;
    }
    bool operator!=(const InputSpec& other) const { return !(*this == other); }
};

// "1x28x28, mean 0.2858, std 0.3529" for messages.
std::string describeInputSpec(const InputSpec& spec);

// How every reader turns a stored image into the model's input (Dataset::load). Profiles record
// it beside the InputSpec, so a future change of these rules cannot silently change scores.
constexpr const char* kImageConversionRules =
    "v1: pixels/255 (16-bit: /65535); colour to gray 0.299R+0.587G+0.114B; gray repeated over the channels; "
    "resize with OpenCV INTER_AREA when shrinking, INTER_LINEAR when enlarging; then (x - mean) / std per channel";

// A read-only, indexable set of images. Implementations are safe to call load() from one thread
// at a time; size(), label() and names never change after construction.
class Dataset {
public:
    virtual ~Dataset() = default;

    virtual std::size_t size() const = 0;
    // One line for profiles and reports, e.g. "idx:/usr/share/.../train-images-idx3-ubyte.gz (60000 images)".
    virtual std::string description() const = 0;
    // Where image i came from, for CSV rows and messages: a file path, or "file.idx#123".
    virtual std::string sourceName(std::size_t index) const = 0;
    // Class index of image i, or -1 when unknown.
    virtual int label(std::size_t index) const = 0;
    // Class names when the source has them (image folder subfolders); empty otherwise.
    virtual std::vector<std::string> classNames() const { return {}; }
    // What image i is, independent of how the data set was named: the canonical file path (with
    // "#index" inside an IDX file), the noise generator with its seed, wrapped by the transforms.
    // Profiles store it so that `nac merge` can refuse shards that share images.
    virtual std::string sampleIdentity(std::size_t index) const { return sourceName(index); }
    // What opening it left out or decided that the user should know (files of types that are
    // not read, ...), one line each; printed as notes by the CLI, shown in the app's message bar.
    virtual std::vector<std::string> openingNotes() const { return {}; }

    // Writes image i, converted to spec's channels and size and normalised, into out
    // (spec.valuesPerImage() floats, CHW order). Throws nac::engine::Error(BadInput) when the image
    // cannot be read; the caller decides whether to skip it. Conversions that change the image
    // (colour to gray, resizing) are reported through note when it is non-null.
    virtual void load(std::size_t index, const InputSpec& spec, float* out, std::string* note = nullptr) const = 0;
};

}  // namespace nac::engine
