// Converting decoded images to a model's input: channels, size, normalisation.
#include "engine/data/pixel_image.h"

#include "engine/error.h"

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#ifdef NAC_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace nac::engine {

namespace {

// ITU-R BT.601 luma, the weights PIL's convert("L") and OpenCV's RGB2GRAY use.
constexpr float kLumaRed = 0.299f;
constexpr float kLumaGreen = 0.587f;
constexpr float kLumaBlue = 0.114f;

std::string sizeText(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

void appendNote(std::string& notes, const std::string& text) {
    if (!notes.empty())
        notes += "; ";
    notes += text;
}

PixelImage toGray(const PixelImage& image) {
    PixelImage gray;
    gray.height = image.height;
    gray.width = image.width;
    gray.channels = 1;
    const std::size_t pixelCount = std::size_t(image.height) * std::size_t(image.width);
    gray.values.resize(pixelCount);
    for (std::size_t i = 0; i < pixelCount; ++i) {
        const float* rgb = &image.values[i * 3];
        gray.values[i] = kLumaRed * rgb[0] + kLumaGreen * rgb[1] + kLumaBlue * rgb[2];
    }
    return gray;
}

PixelImage resized(const PixelImage& image, int width, int height, const std::string& sourceName) {
#ifdef NAC_WITH_OPENCV
    (void)sourceName;
    // cv::Mat wraps the values without copying; resize writes into a new buffer.
    const cv::Mat source(image.height, image.width, CV_32FC(image.channels),
                         const_cast<float*>(image.values.data()));
    PixelImage result;
    result.height = height;
    result.width = width;
    result.channels = image.channels;
    result.values.resize(std::size_t(width) * std::size_t(height) * std::size_t(image.channels));
    cv::Mat target(height, width, CV_32FC(image.channels), result.values.data());
    const bool shrinking = width <= image.width && height <= image.height;
    cv::resize(source, target, cv::Size(width, height), 0.0, 0.0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return result;
#else
    throw badInput(sourceName + " is " + sizeText(image.width, image.height) + " pixels but the model takes " +
                   sizeText(width, height) +
                   "; this build has no OpenCV to resize it, so resize the images beforehand");
#endif
}

}  // namespace

void validateLoadSpec(const InputSpec& spec) {
    if (spec.channels < 1 || spec.height < 1 || spec.width < 1)
        throw badInput("input spec " + std::to_string(spec.channels) + "x" + std::to_string(spec.height) + "x" +
                       std::to_string(spec.width) + " (channels x height x width) has a size below 1; "
                       "check the model metadata");
    const std::size_t channels = std::size_t(spec.channels);
    if (spec.mean.size() != 1 && spec.mean.size() != channels)
        throw badInput("input spec mean has " + std::to_string(spec.mean.size()) +
                       " values; give 1 or one per channel (" + std::to_string(channels) + ")");
    if (spec.std.size() != 1 && spec.std.size() != channels)
        throw badInput("input spec std has " + std::to_string(spec.std.size()) +
                       " values; give 1 or one per channel (" + std::to_string(channels) + ")");
    for (float value : spec.std) {
        if (value == 0.0f || !std::isfinite(value))
            throw badInput("input spec std contains " + std::to_string(value) +
                           "; every std must be a finite number other than zero");
    }
}

void writeToSpec(PixelImage image, const InputSpec& spec, const std::string& sourceName, float* out,
                 std::string* note) {
    validateLoadSpec(spec);
    std::string notes;

    // Reduce channels before resizing and expand them after, so resizing touches the fewest values;
    // both steps are linear, so the order does not change the result.
    if (image.channels == 3 && spec.channels == 1) {
        image = toGray(image);
        appendNote(notes, "colour image converted to gray (0.299 R + 0.587 G + 0.114 B)");
    } else if (image.channels != spec.channels && image.channels != 1) {
        throw badInput(sourceName + " has " + std::to_string(image.channels) + " channels and the model takes " +
                       std::to_string(spec.channels) + "; only gray to any and colour (3) to gray are converted");
    }

    if (image.width != spec.width || image.height != spec.height) {
        appendNote(notes, "resized from " + sizeText(image.width, image.height) + " to " +
                              sizeText(spec.width, spec.height) + " pixels");
        image = resized(image, spec.width, spec.height, sourceName);
    }

    const bool repeatGray = image.channels == 1 && spec.channels > 1;
    if (repeatGray)
        appendNote(notes, "gray image repeated over " + std::to_string(spec.channels) + " channels");

    const std::size_t pixelCount = std::size_t(spec.height) * std::size_t(spec.width);
    const std::size_t sourceChannels = std::size_t(image.channels);
    for (int c = 0; c < spec.channels; ++c) {
        const float mean = spec.mean.size() == 1 ? spec.mean[0] : spec.mean[std::size_t(c)];
        // Subtract then divide, as torchvision's Normalize does, so values match it to the last bit.
        const float deviation = spec.std.size() == 1 ? spec.std[0] : spec.std[std::size_t(c)];
        const std::size_t sourceChannel = repeatGray ? 0 : std::size_t(c);
        float* plane = out + std::size_t(c) * pixelCount;
        for (std::size_t i = 0; i < pixelCount; ++i)
            plane[i] = (image.values[i * sourceChannels + sourceChannel] - mean) / deviation;
    }

    if (note)
        *note = std::move(notes);
}

}  // namespace nac::engine
