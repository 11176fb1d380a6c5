// Image folders and file lists: listing with std::filesystem, decoding with OpenCV at load time.
#include "engine/data/image_dataset.h"

#include "engine/data/image_header.h"
#include "engine/data/pixel_image.h"
#include "engine/error.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <utility>

#ifdef NAC_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#endif

namespace nac::engine {

namespace {

namespace fs = std::filesystem;

std::string notReadableMessage(const std::string& path) {
    return path + " is not a readable image (PNG, JPEG, BMP or WebP); check that the file is complete";
}

bool isHidden(const fs::path& path) {
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

// Every entry of folder, or Error(BadInput) naming the folder when it cannot be listed.
std::vector<fs::directory_entry> listFolder(const fs::path& folder) {
    std::vector<fs::directory_entry> entries;
    std::error_code error;
    fs::directory_iterator iterator(folder, error);
    for (; !error && iterator != fs::directory_iterator(); iterator.increment(error))
        entries.push_back(*iterator);
    if (error)
        throw badInput("the folder " + folder.string() + " cannot be listed (" + error.message() +
                       "); check that it exists and is readable");
    return entries;
}

bool isImageFile(const fs::directory_entry& entry) {
    std::error_code error;
    return entry.is_regular_file(error) && hasImageExtension(entry.path().string());
}

#ifdef NAC_WITH_OPENCV
// Copies decoded samples into values in [0,1], reordering BGR to RGB. Alpha is dropped, not
// composited on black: the stored colour is what the image shows, and PIL's convert("RGB") in the
// reference's torchvision pipeline drops it the same way.
template <typename Sample>
void copySamples(const cv::Mat& decoded, float maxValue, PixelImage& image) {
    const int sourceChannels = decoded.channels();
    for (int y = 0; y < image.height; ++y) {
        const auto* row = decoded.ptr<Sample>(y);
        float* target = &image.values[std::size_t(y) * std::size_t(image.width) * std::size_t(image.channels)];
        for (int x = 0; x < image.width; ++x) {
            const Sample* pixel = row + std::size_t(x) * std::size_t(sourceChannels);
            if (image.channels == 3) {
                target[0] = float(pixel[2]) / maxValue;
                target[1] = float(pixel[1]) / maxValue;
                target[2] = float(pixel[0]) / maxValue;
                target += 3;
            } else {
                *target++ = float(pixel[0]) / maxValue;  // gray, or gray with alpha
            }
        }
    }
}
#endif

PixelImage decodeImage(const std::string& path) {
#ifdef NAC_WITH_OPENCV
    cv::Mat decoded;
    try {
        // UNCHANGED keeps 16-bit samples and alpha; like PIL, it ignores EXIF orientation.
        decoded = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
        throw badInput(notReadableMessage(path));
    }
    if (decoded.empty() || decoded.dims != 2)
        throw badInput(notReadableMessage(path));
    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U)
        throw badInput(path + " has samples that are neither 8 nor 16-bit integers; save it as an 8-bit image");

    PixelImage image;
    image.height = decoded.rows;
    image.width = decoded.cols;
    image.channels = decoded.channels() >= 3 ? 3 : 1;
    image.values.resize(std::size_t(image.height) * std::size_t(image.width) * std::size_t(image.channels));
    if (decoded.depth() == CV_8U)
        copySamples<std::uint8_t>(decoded, 255.0f, image);
    else
        copySamples<std::uint16_t>(decoded, 65535.0f, image);
    return image;
#else
    throw badInput(path + " cannot be decoded: this build has no OpenCV (NAC_WITH_OPENCV is off); "
                          "use IDX data or a build with OpenCV");
#endif
}

// "400 megapixels", "50.01 megapixels": two decimals at most, so an image just over the limit
// does not read as exactly the limit.
std::string megapixelsText(std::uint64_t pixels) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", double(pixels) / 1e6);
    std::string number = text;
    while (number.back() == '0')
        number.pop_back();
    if (number.back() == '.')
        number.pop_back();
    return number + " megapixels";
}

}  // namespace

ImageDataset::ImageDataset(std::vector<Entry> entries, std::vector<std::string> classNames, std::string description)
    : m_entries(std::move(entries)), m_classNames(std::move(classNames)), m_description(std::move(description)) {}

std::unique_ptr<ImageDataset> ImageDataset::fromFolder(const std::string& folder) {
    const fs::path root(folder);
    std::vector<Entry> entries;
    std::vector<fs::path> classFolders;
    std::map<std::string, std::size_t> skippedByExtension;  // files that are not read, by extension
    auto skipped = [&](const fs::directory_entry& item) {
        std::error_code error;
        if (item.is_regular_file(error) && !isHidden(item.path())) {
            const std::string extension = item.path().extension().string();
            ++skippedByExtension[extension.empty() ? std::string("(no extension)") : extension];
        }
    };
    for (const fs::directory_entry& item : listFolder(root)) {
        std::error_code error;
        if (item.is_directory(error)) {
            if (!isHidden(item.path()))  // .git, .ipynb_checkpoints and the like are no classes
                classFolders.push_back(item.path());
        } else if (isImageFile(item)) {
            entries.push_back({item.path().string(), -1});
        } else {
            skipped(item);
        }
    }

    // Class indices follow the sorted subfolder names, as torchvision's ImageFolder numbers them;
    // a subfolder without images still takes its index so the numbering does not shift.
    std::sort(classFolders.begin(), classFolders.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    std::vector<std::string> classNames;
    for (std::size_t label = 0; label < classFolders.size(); ++label) {
        classNames.push_back(classFolders[label].filename().string());
        for (const fs::directory_entry& item : listFolder(classFolders[label])) {
            if (isImageFile(item))
                entries.push_back({item.path().string(), int(label)});
            else
                skipped(item);
        }
    }

    if (entries.empty())
        throw badInput("the folder " + folder + " holds no images (" + imageExtensionsText() +
                       ") directly or in its first-level subfolders; deeper folders are not searched");
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });

    std::string description = "folder:" + folder + " (" + std::to_string(entries.size()) + " images";
    if (!classNames.empty())
        description += ", " + std::to_string(classNames.size()) + " classes";
    description += ")";
    auto dataset = std::make_unique<ImageDataset>(std::move(entries), std::move(classNames), std::move(description));
    if (!skippedByExtension.empty()) {
        std::size_t total = 0;
        std::string kinds;
        for (const auto& [extension, count] : skippedByExtension) {
            total += count;
            kinds += (kinds.empty() ? "" : ", ") + extension + " (" + std::to_string(count) + ")";
        }
        dataset->m_notes.push_back(std::to_string(total) + (total == 1 ? " file" : " files") + " in " + folder
                                   + " not read: " + kinds + "; NAC Studio reads " + imageExtensionsText());
    }
    return dataset;
}

const ImageDataset::Entry& ImageDataset::entry(std::size_t index) const {
    if (index >= m_entries.size())
        throw Error(ErrorKind::Internal,
                    "image index " + std::to_string(index) + " is out of range for " + m_description);
    return m_entries[index];
}

std::string ImageDataset::sourceName(std::size_t index) const { return entry(index).path; }

std::string ImageDataset::sampleIdentity(std::size_t index) const {
    std::error_code error;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(entry(index).path, error);
    return error ? entry(index).path : canonical.string();
}

int ImageDataset::label(std::size_t index) const { return entry(index).label; }

void ImageDataset::load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const {
    const std::string& path = entry(index).path;
    std::error_code error;
    if (!fs::exists(fs::path(path), error))
        throw badInput(path + " does not exist; it may have been moved or deleted");
    const auto header = readImageHeader(path);
    if (!header)
        throw badInput(notReadableMessage(path));
    const std::uint64_t pixels = std::uint64_t(header->width) * header->height;
    if (pixels > kMaxImagePixels)
        throw badInput(path + " is " + std::to_string(header->width) + "x" + std::to_string(header->height) +
                       " pixels (" + megapixelsText(pixels) + "); the limit is " + megapixelsText(kMaxImagePixels) +
                       ", scale it down first");
    writeToSpec(decodeImage(path), spec, path, out, note);
}

}  // namespace nac::engine
