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
};

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

    // Writes image i, converted to spec's channels and size and normalised, into out
    // (spec.valuesPerImage() floats, CHW order). Throws nac::engine::Error(BadInput) when the image
    // cannot be read; the caller decides whether to skip it. Conversions that change the image
    // (colour to gray, resizing) are reported through note when it is non-null.
    virtual void load(std::size_t index, const InputSpec& spec, float* out, std::string* note = nullptr) const = 0;
};

}  // namespace nac::engine
