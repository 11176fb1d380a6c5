// Private to nac_data: IDX image files (MNIST, Fashion-MNIST) held in memory.
#pragma once

#include "engine/dataset.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nac::engine {

// IDX magic numbers: 0x0000 08 nn, type 08 = unsigned byte, nn = number of dimensions.
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;
constexpr std::uint32_t kIdxGrayImagesMagic = 0x00000803;
constexpr std::uint32_t kIdxColourImagesMagic = 0x00000804;

// The first four bytes of path as a big-endian number, read through gzip when the file starts
// with the gzip magic 1f 8b. std::nullopt when the file cannot be read or is shorter than four
// bytes. Throws Error(BadInput) for a gzip file in a build without zlib.
std::optional<std::uint32_t> readLeadingMagic(const std::string& path);

// True when magic looks like any IDX header (00 00, a type byte, 1 to 4 dimensions), so that
// openDataset sends the file here and the user hears what exactly is wrong with it.
bool looksLikeIdxMagic(std::uint32_t magic);

// The images of an IDX file, read once into memory, with labels from the file beside it.
class IdxDataset final : public Dataset {
public:
    // Reads path (plain or gzip) and, when present, its labels file (Fashion-MNIST naming).
    // Throws Error(BadInput) naming the file: wrong magic number, zero or absurd dimensions, a size
    // that does not match the header, a labels file with another count.
    // firstImages: only images 0..firstImages-1 will be loaded (a range "FILE@0-999"), so the rest
    // of a large file need not be decompressed; the file's size is still checked against the
    // header (gzip: its recorded size). size() stays the header's count.
    explicit IdxDataset(const std::string& path, std::size_t firstImages = SIZE_MAX);

    std::size_t size() const override { return m_count; }
    std::string description() const override;
    std::string sourceName(std::size_t index) const override;
    std::string sampleIdentity(std::size_t index) const override;
    int label(std::size_t index) const override;
    void load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const override;

    // The labels file that was found, or empty when there was none.
    const std::string& labelsPath() const { return m_labelsPath; }

private:
    std::string m_path;
    std::string m_fileName;
    std::string m_identityPrefix;  // canonical path + '#'
    std::string m_labelsPath;
    std::size_t m_count = 0;
    std::size_t m_loadedCount = 0;  // images read into m_pixels (a prefix when firstImages < count)
    int m_height = 0;
    int m_width = 0;
    int m_channels = 0;
    std::vector<std::uint8_t> m_pixels;  // [N,H,W,C]
    std::vector<std::uint8_t> m_labels;  // empty when there is no labels file
};

}  // namespace nac::engine
