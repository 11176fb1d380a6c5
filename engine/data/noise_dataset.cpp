// Synthetic noise images, reproducible per (seed, index) on every platform.
#include "engine/data/noise_dataset.h"

#include "engine/data/pixel_image.h"
#include "engine/error.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace nac::engine {

namespace {

constexpr std::size_t kMaxNoiseCount = 10'000'000;
constexpr std::uint32_t kDefaultNoiseSeed = 1;
constexpr double kGaussianMean = 0.5;
constexpr double kGaussianStdDev = 0.25;
constexpr double kTwoToThe32 = 4294967296.0;
constexpr double kTwoPi = 6.283185307179586;
constexpr const char* kNoiseUsage = "use noise:gaussian:N[:seed=S] or noise:uniform:N[:seed=S]";

std::vector<std::string> splitOnColons(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos)
            return parts;
        start = colon + 1;
    }
}

// A decimal number of at most maxValue, digits only (no sign, no spaces), or nullopt.
std::optional<std::uint64_t> parseNumber(const std::string& text, std::uint64_t maxValue) {
    if (text.empty() || text.size() > 12)
        return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + std::uint64_t(c - '0');
    }
    if (value > maxValue)
        return std::nullopt;
    return value;
}

// The standard distributions (std::normal_distribution and friends) are implementation-defined,
// so the noise is drawn from the generator's raw 32-bit outputs: identical with every library.
double openUnitInterval(std::mt19937& generator) { return (double(generator()) + 0.5) / kTwoToThe32; }

}  // namespace

NoiseDataset::NoiseDataset(const std::string& spec) {
    const std::vector<std::string> parts = splitOnColons(spec);
    if (parts.size() < 3 || parts.size() > 4 || parts[0] != "noise")
        throw badInput("noise spec '" + spec + "' is not understood; " + kNoiseUsage);
    if (parts[1] == "gaussian")
        m_kind = Kind::Gaussian;
    else if (parts[1] == "uniform")
        m_kind = Kind::Uniform;
    else
        throw badInput("noise spec '" + spec + "' names an unknown kind '" + parts[1] + "'; " + kNoiseUsage);

    const auto count = parseNumber(parts[2], kMaxNoiseCount);
    if (!count || *count == 0)
        throw badInput("noise spec '" + spec + "' has an image count '" + parts[2] +
                       "'; give a whole number from 1 to " + std::to_string(kMaxNoiseCount));
    m_count = std::size_t(*count);

    m_seed = kDefaultNoiseSeed;
    if (parts.size() == 4) {
        const std::string prefix = "seed=";
        const auto seed = parts[3].compare(0, prefix.size(), prefix) == 0
                              ? parseNumber(parts[3].substr(prefix.size()), 0xffffffffu)
                              : std::nullopt;
        if (!seed)
            throw badInput("noise spec '" + spec + "' ends in '" + parts[3] +
                           "'; give seed=S with S a whole number from 0 to 4294967295");
        m_seed = std::uint32_t(*seed);
    }
}

const char* NoiseDataset::kindName() const { return m_kind == Kind::Gaussian ? "gaussian" : "uniform"; }

std::string NoiseDataset::description() const {
    return std::string("noise:") + kindName() + ":" + std::to_string(m_count) + ":seed=" + std::to_string(m_seed) +
           " (" + std::to_string(m_count) + " images)";
}

std::string NoiseDataset::sourceName(std::size_t index) const {
    return std::string("noise:") + kindName() + "#" + std::to_string(index);
}

std::string NoiseDataset::sampleIdentity(std::size_t index) const {
    return std::string("noise:") + kindName() + ":seed=" + std::to_string(m_seed) + "#" + std::to_string(index);
}

int NoiseDataset::label(std::size_t index) const {
    if (index >= m_count)
        throw Error(ErrorKind::Internal, "image index " + std::to_string(index) + " is out of range for " +
                                             description());
    return -1;
}

void NoiseDataset::load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const {
    label(index);  // range check
    validateLoadSpec(spec);

    // A fresh generator per image, seeded from (seed, index) through std::seed_seq, whose mixing is
    // fixed by the standard: image i is the same whatever was loaded before it.
    std::seed_seq sequence{m_seed, std::uint32_t(index), std::uint32_t(std::uint64_t(index) >> 32)};
    std::mt19937 generator(sequence);

    PixelImage image;
    image.height = spec.height;
    image.width = spec.width;
    image.channels = spec.channels;
    image.values.resize(spec.valuesPerImage());
    if (m_kind == Kind::Uniform) {
        for (float& value : image.values)
            value = float(double(generator()) / kTwoToThe32);
    } else {
        // Box-Muller: two independent standard normal values from two uniform ones.
        for (std::size_t i = 0; i < image.values.size(); i += 2) {
            const double radius = std::sqrt(-2.0 * std::log(openUnitInterval(generator)));
            const double angle = kTwoPi * openUnitInterval(generator);
            const double normals[2] = {radius * std::cos(angle), radius * std::sin(angle)};
            for (std::size_t k = 0; k < 2 && i + k < image.values.size(); ++k)
                image.values[i + k] = float(std::clamp(kGaussianMean + kGaussianStdDev * normals[k], 0.0, 1.0));
        }
    }
    // Generated at the model's size and channels, so writeToSpec only normalises.
    writeToSpec(std::move(image), spec, sourceName(index), out, note);
}

}  // namespace nac::engine
