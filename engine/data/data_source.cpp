// Deciding what a data-set argument names (noise spec, folder, IDX file, image file) and opening it.
#include "engine/data/data_source.h"

#include "engine/data/idx_dataset.h"
#include "engine/data/image_dataset.h"
#include "engine/data/image_header.h"
#include "engine/data/noise_dataset.h"
#include "engine/data/transform_dataset.h"
#include "engine/error.h"
#include "engine/input_guard.h"
#include "engine/number_text.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

namespace nac::engine {

namespace {

namespace fs = std::filesystem;

constexpr const char* kNoisePrefix = "noise:";

std::string hexMagic(std::uint32_t magic) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", magic);
    return text;
}

}  // namespace

namespace {
std::unique_ptr<Dataset> openPlainDataset(const std::string& spec, std::size_t imagesNeeded);

// imagesNeeded: only images 0..imagesNeeded-1 will be used (set by a range "@A-B").
std::unique_ptr<Dataset> openDatasetNeeding(const std::string& spec, std::size_t imagesNeeded) {
    // Transforms and ranges wrap whatever they name: "invert:PATH@0-999".
    static const std::pair<const char*, PixelTransform> kTransforms[] = {
        {"invert:", PixelTransform::Invert}, {"rot90:", PixelTransform::Rotate90}, {"rot180:", PixelTransform::Rotate180}};
    for (const auto& [prefix, transform] : kTransforms) {
        const std::size_t length = std::char_traits<char>::length(prefix);
        if (spec.compare(0, length, prefix) == 0)
            return makeTransformedDataset(openDatasetNeeding(spec.substr(length), imagesNeeded), transform);
    }
    static const std::regex kRange("^(.*)@([0-9]+)-([0-9]+)$");
    std::smatch match;
    if (std::regex_match(spec, match, kRange)) {
        const std::optional<long long> firstNumber = parseInteger(match[2].str());
        const std::optional<long long> lastNumber = parseInteger(match[3].str());
        if (!firstNumber || !lastNumber)
            throw badInput("image range in " + spec + " is too large");
        const std::size_t first = std::size_t(*firstNumber);
        const std::size_t last = std::size_t(*lastNumber);
        // Image i of the range is image first + i of what it wraps.
        const std::size_t needed = first <= last ? first + std::min(imagesNeeded, last - first + 1) : SIZE_MAX;
        return makeRangeDataset(openDatasetNeeding(match[1].str(), needed), first, last);
    }
    return openPlainDataset(spec, imagesNeeded);
}

std::unique_ptr<Dataset> openPlainDataset(const std::string& spec, std::size_t imagesNeeded) {
    if (spec.empty())
        throw badInput("no data set was given; name an IDX file, an image folder, an image file or noise:gaussian:N");
    if (spec.compare(0, std::char_traits<char>::length(kNoisePrefix), kNoisePrefix) == 0)
        return std::make_unique<NoiseDataset>(spec);

    std::error_code error;
    const fs::path path(spec);
    if (!fs::exists(path, error))
        throw badInput(spec + " does not exist; check the path (synthetic data is written noise:gaussian:N)");
    if (fs::is_directory(path, error))
        return ImageDataset::fromFolder(spec);
    // Devices (/dev/zero), FIFOs and sockets could block or never end.
    requireRegularFile(spec, "data file");

    // By content first: an IDX file is recognised by its magic number whatever its name.
    const std::optional<std::uint32_t> magic = readLeadingMagic(spec);
    if (magic && looksLikeIdxMagic(*magic))
        return std::make_unique<IdxDataset>(spec, imagesNeeded);
    if (hasImageExtension(spec)) {
        std::vector<ImageDataset::Entry> entries{{spec, -1}};
        return std::make_unique<ImageDataset>(std::move(entries), std::vector<std::string>{}, "image:" + spec);
    }
    const std::string found = magic ? "it starts with " + hexMagic(*magic) : "it is shorter than four bytes";
    throw badInput(spec + " is neither an IDX images file (" + found +
                   ", expected 0x00000803 or 0x00000804) nor an image file (" + imageExtensionsText() +
                   "); check that this is the right file");
}

}  // namespace

std::unique_ptr<Dataset> openDataset(const std::string& spec) { return openDatasetNeeding(spec, SIZE_MAX); }

std::unique_ptr<Dataset> openImageFiles(const std::vector<std::string>& paths) {
    if (paths.empty())
        throw badInput("no image files were given; choose at least one file");
    std::vector<ImageDataset::Entry> entries;
    entries.reserve(paths.size());
    for (const std::string& path : paths)
        entries.push_back({path, -1});
    std::string description = paths.size() == 1 ? "image:" + paths.front()
                                                : "files: " + std::to_string(paths.size()) + " images";
    return std::make_unique<ImageDataset>(std::move(entries), std::vector<std::string>{}, std::move(description));
}

}  // namespace nac::engine
