// Private to nac_data: data sets of image files (a folder, a file list, one file), decoded on load.
#pragma once

#include "engine/dataset.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine {

// Image files decoded with OpenCV when loaded; listing and labels need no OpenCV, loading does.
class ImageDataset final : public Dataset {
public:
    struct Entry {
        std::string path;
        int label = -1;
    };

    ImageDataset(std::vector<Entry> entries, std::vector<std::string> classNames, std::string description);

    // A folder: class = first-level subfolder (sorted by name, hidden ones skipped), images directly
    // inside the folder get label -1; deeper folders are not searched. Only png, jpg, jpeg, bmp and
    // webp files count, in path order. Throws Error(BadInput) when the folder cannot be listed or
    // holds no images.
    static std::unique_ptr<ImageDataset> fromFolder(const std::string& folder);

    std::size_t size() const override { return m_entries.size(); }
    std::string description() const override { return m_description; }
    std::string sourceName(std::size_t index) const override;
    std::string sampleIdentity(std::size_t index) const override;
    int label(std::size_t index) const override;
    std::vector<std::string> classNames() const override { return m_classNames; }
    std::vector<std::string> openingNotes() const override { return m_notes; }

    // Checks the header (PNG, JPEG, BMP or WebP, at most kMaxImagePixels) before decoding.
    // Throws Error(BadInput) naming the file when it is missing, not an image, corrupt or too large.
    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override;

private:
    const Entry& entry(std::size_t index) const;

    std::vector<Entry> m_entries;
    std::vector<std::string> m_classNames;
    std::string m_description;
    std::vector<std::string> m_notes;
};

}  // namespace nac::engine
