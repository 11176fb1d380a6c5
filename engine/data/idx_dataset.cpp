// IDX image and label files (plain or gzip), read into memory and checked against their headers.
#include "engine/data/idx_dataset.h"

#include "engine/data/image_header.h"
#include "engine/data/pixel_image.h"
#include "engine/error.h"
#include "engine/input_guard.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <utility>

#ifdef NAC_WITH_ZLIB
#include <zlib.h>
#endif

namespace nac::engine {

namespace {

// Bounds that no real IDX file reaches; beyond them the header is damaged. They also keep the
// byte count N*H*W*C far below 2^64.
constexpr std::uint64_t kMaxIdxCount = 1'000'000'000;
constexpr std::uint32_t kMaxIdxImageSide = 16384;
// Compressed files are read in steps of this size, so a header that lies about the image count
// costs no more memory than the data that is really there.
constexpr std::size_t kReadChunkBytes = std::size_t(16) << 20;
// A gzip file may expand to this many bytes whatever its ratio; beyond it, to at most
// kMaxGzipExpansionRatio times its compressed size. Image data compresses 2:1 to 10:1 (MNIST
// 4.7:1); deflate's limit is about 1032:1, reached only by constant filler (a gzip bomb).
constexpr std::uint64_t kMaxFreeGzipExpansionBytes = std::uint64_t(256) << 20;
constexpr std::uint64_t kMaxGzipExpansionRatio = 200;
// Bytes after the promised payload that are counted for the message; reading stops there.
constexpr std::uint64_t kMaxTrailingBytesCounted = std::uint64_t(1) << 20;

// Fashion-MNIST / MNIST naming: the labels file sits beside the images with this part replaced.
const std::pair<const char*, const char*> kLabelsNaming[] = {
    {"-images-idx3-ubyte", "-labels-idx1-ubyte"},
    {"-images-idx4-ubyte", "-labels-idx1-ubyte"},
};

std::string hexMagic(std::uint32_t magic) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", magic);
    return text;
}

std::uint32_t bigEndian32(const unsigned char* bytes) {
    return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 | std::uint32_t(bytes[2]) << 8 | bytes[3];
}

bool startsWithGzipMagic(const std::string& path) {
    std::ifstream file(std::filesystem::path(path), std::ios::binary);
    unsigned char bytes[2] = {0, 0};
    file.read(reinterpret_cast<char*>(bytes), 2);
    return file.gcount() == 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Sequential reading of a plain or gzip file. Throws Error(BadInput) naming the file.
class ByteSource {
public:
    explicit ByteSource(const std::string& path) : m_path(path), m_compressed(startsWithGzipMagic(path)) {
#ifdef NAC_WITH_ZLIB
        // gzopen reads plain files transparently too, so one code path serves both.
        m_file = gzopen(path.c_str(), "rb");
        if (!m_file)
            throw badInput(path + " cannot be opened for reading; check that it exists and is readable");
        gzbuffer(m_file, 1 << 18);
#else
        if (m_compressed)
            throw badInput(path + " is gzip-compressed and this build has no zlib; decompress it first "
                                  "(gunzip -k)");
        m_file.open(std::filesystem::path(path), std::ios::binary);
        if (!m_file)
            throw badInput(path + " cannot be opened for reading; check that it exists and is readable");
#endif
    }

    ~ByteSource() {
#ifdef NAC_WITH_ZLIB
        gzclose(m_file);
#endif
    }

    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    bool compressed() const { return m_compressed; }

    // Reads up to count bytes; fewer only at the end of the data.
    std::size_t read(void* buffer, std::size_t count) {
        auto* target = static_cast<char*>(buffer);
        std::size_t total = 0;
        while (total < count) {
            const std::size_t step = std::min<std::size_t>(count - total, std::size_t(1) << 30);
#ifdef NAC_WITH_ZLIB
            const int got = gzread(m_file, target + total, unsigned(step));
            if (got < 0) {
                int code = Z_OK;
                const char* reason = gzerror(m_file, &code);
                throw badInput(m_path + " cannot be read (" + reason + "); the file is damaged, download it again");
            }
#else
            m_file.read(target + total, std::streamsize(step));
            const auto got = m_file.gcount();
#endif
            if (got == 0)
                break;
            total += std::size_t(got);
        }
        return total;
    }

    // Why the data ended early, for messages: " (the gzip stream is cut off)" or empty.
    std::string endReason() {
#ifdef NAC_WITH_ZLIB
        int code = Z_OK;
        const char* reason = gzerror(m_file, &code);
        if (m_compressed && code != Z_OK)
            return std::string(" (gzip: ") + reason + ")";
#endif
        return {};
    }

private:
    std::string m_path;
    bool m_compressed = false;
#ifdef NAC_WITH_ZLIB
    gzFile m_file = nullptr;
#else
    std::ifstream m_file;
#endif
};

// One IDX file: its header and its payload bytes.
struct IdxContent {
    std::uint32_t magic = 0;
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;
};

std::string describeItems(const std::vector<std::uint32_t>& dims) {
    std::string text = std::to_string(dims[0]) + (dims.size() == 1 ? " labels" : " images");
    if (dims.size() >= 3)
        text += " of " + std::to_string(dims[2]) + "x" + std::to_string(dims[1]) + " pixels";
    if (dims.size() == 4)
        text += " with " + std::to_string(dims[3]) + " channels";
    return text;
}

void validateDims(const std::string& path, const std::vector<std::uint32_t>& dims) {
    const std::string context = path + ": the header says " + describeItems(dims);
    for (std::uint32_t dim : dims) {
        if (dim == 0)
            throw badInput(context + "; a size of zero means the file is damaged or empty, download it again");
    }
    if (dims[0] > kMaxIdxCount)
        throw badInput(context + "; more than " + std::to_string(kMaxIdxCount) +
                       " means the header is damaged, download the file again");
    if (dims.size() >= 3 && (dims[1] > kMaxIdxImageSide || dims[2] > kMaxIdxImageSide))
        throw badInput(context + "; more than " + std::to_string(kMaxIdxImageSide) +
                       " pixels a side means the header is damaged, download the file again");
    // As for image files: one image of more pixels would take gigabytes as floats when loaded.
    if (dims.size() >= 3 && std::uint64_t(dims[1]) * dims[2] > kMaxImagePixels)
        throw badInput(context + "; images of more than " + std::to_string(kMaxImagePixels / 1'000'000) +
                       " megapixels are not supported (the limit for image files too)");
    if (dims.size() == 4 && dims[3] != 1 && dims[3] != 3)
        throw badInput(context + "; only 1 (gray) or 3 (RGB) channels are supported");
}

// The uncompressed size a gzip file records in its last four bytes (ISIZE, modulo 2^32), or
// nullopt when the file cannot be read.
std::optional<std::uint32_t> gzipRecordedSize(const std::string& path) {
    std::ifstream file(std::filesystem::path(path), std::ios::binary | std::ios::ate);
    if (!file || file.tellg() < 18)
        return std::nullopt;
    file.seekg(-4, std::ios::end);
    unsigned char bytes[4];
    if (!file.read(reinterpret_cast<char*>(bytes), 4))
        return std::nullopt;
    return std::uint32_t(bytes[0]) | std::uint32_t(bytes[1]) << 8 | std::uint32_t(bytes[2]) << 16 |
           std::uint32_t(bytes[3]) << 24;
}

// Reads path. expected lists the accepted magic numbers and what they mean, for messages.
// firstItems, when smaller than the header's count, reads only that many items (images or
// labels) when the file's size can be checked against the header without reading the rest: the
// file size of a plain file, the recorded size of a gzip file. Otherwise the whole file is read
// and checked, so a damaged file still gets its precise message.
// expectedCount, when set, is the item count the header must give (a labels file for its
// images): checked before any payload is read.
IdxContent readIdx(const std::string& path, const std::vector<std::pair<std::uint32_t, const char*>>& expected,
                   std::uint64_t firstItems = UINT64_MAX, std::optional<std::uint64_t> expectedCount = std::nullopt,
                   const std::string& countOwner = std::string()) {
    requireRegularFile(path, "data file");
    ByteSource source(path);
    IdxContent content;

    unsigned char magicBytes[4];
    const std::size_t magicLength = source.read(magicBytes, 4);
    if (magicLength < 4)
        throw badInput(path + " is too short to be an IDX file (" + std::to_string(magicLength) +
                       " bytes); check that this is the right file");
    content.magic = bigEndian32(magicBytes);
    const bool accepted = std::any_of(expected.begin(), expected.end(),
                                      [&](const auto& entry) { return entry.first == content.magic; });
    if (!accepted) {
        std::string wanted;
        for (const auto& [magic, meaning] : expected)
            wanted += (wanted.empty() ? "" : " or ") + hexMagic(magic) + " (" + meaning + ")";
        std::string hint;
        if (content.magic == kIdxLabelsMagic)
            hint = "; this is an IDX labels file, give the images file instead";
        else if (content.magic == kIdxGrayImagesMagic || content.magic == kIdxColourImagesMagic)
            hint = "; this is an IDX images file";
        else if ((content.magic & 0xffff0000u) == 0 && (content.magic >> 8) != 0x08)
            hint = "; only unsigned-byte IDX data (type 0x08) is supported";
        throw badInput(path + ": magic number " + hexMagic(content.magic) + " found, expected " + wanted + hint);
    }

    const std::size_t dimCount = content.magic & 0xffu;
    std::vector<unsigned char> dimBytes(dimCount * 4);
    if (source.read(dimBytes.data(), dimBytes.size()) < dimBytes.size())
        throw badInput(path + " ends inside its IDX header; the file is truncated, download it again");
    for (std::size_t i = 0; i < dimCount; ++i)
        content.dims.push_back(bigEndian32(&dimBytes[i * 4]));
    validateDims(path, content.dims);
    if (expectedCount && content.dims[0] != *expectedCount)
        throw badInput(path + " has " + std::to_string(content.dims[0]) + " labels but " + countOwner + " has " +
                       std::to_string(*expectedCount) + " images; the two files must come from the same set");

    std::uint64_t payloadBytes = 1;
    for (std::uint32_t dim : content.dims)
        payloadBytes *= dim;
    const std::uint64_t headerBytes = 4 + 4 * std::uint64_t(dimCount);
    const std::string promise = path + ": the header promises " + describeItems(content.dims) + " (" +
                                std::to_string(payloadBytes) + " bytes after the header)";

    if (!source.compressed()) {
        // The size is known up front: refuse a mismatch before allocating anything.
        std::error_code error;
        const std::uint64_t fileBytes = std::filesystem::file_size(std::filesystem::path(path), error);
        if (!error && fileBytes != headerBytes + payloadBytes) {
            const std::uint64_t present = fileBytes > headerBytes ? fileBytes - headerBytes : 0;
            if (present < payloadBytes)
                throw badInput(promise + " but only " + std::to_string(present) +
                               " are there; the file is truncated, download it again");
            throw badInput(promise + " but " + std::to_string(present - payloadBytes) +
                           " more bytes follow; the header and the file do not match, check that this is the "
                           "right file");
        }
    }

    std::uint64_t wantedBytes = payloadBytes;
    if (firstItems < content.dims[0]) {
        const std::uint64_t itemBytes = payloadBytes / content.dims[0];
        const std::uint64_t totalBytes = headerBytes + payloadBytes;
        const std::optional<std::uint32_t> recorded = source.compressed() ? gzipRecordedSize(path) : std::nullopt;
        // Plain files were checked above; a gzip file whose recorded size disagrees is read
        // whole below, which names the problem.
        if (!source.compressed() || (recorded && *recorded == std::uint32_t(totalBytes & 0xffffffffu)))
            wantedBytes = itemBytes * firstItems;
    }

    if (source.compressed()) {
        // What the header asks for is decompressed before it is checked: refuse a gzip bomb
        // before it takes gigabytes of memory and minutes of inflating.
        std::error_code error;
        const std::uint64_t compressedBytes = std::filesystem::file_size(std::filesystem::path(path), error);
        if (!error && wantedBytes > kMaxFreeGzipExpansionBytes && wantedBytes / kMaxGzipExpansionRatio > compressedBytes)
            throw badInput(promise + " from " + std::to_string(compressedBytes) + " compressed bytes, more than " +
                           std::to_string(kMaxGzipExpansionRatio) +
                           " times as much; image data does not compress that far, so the file is damaged or a "
                           "gzip bomb");
    }

    if (!source.compressed()) {
        // The file holds every promised byte (checked above): one allocation, and a machine
        // without the memory fails here at once instead of after reading gigabytes.
        try {
            content.data.reserve(std::size_t(wantedBytes));
        } catch (const std::bad_alloc&) {
            throw badInput(promise + "; this machine cannot hold them in memory (out of memory); use a range "
                                     "FILE@FIRST-LAST or a smaller file");
        }
    }
    std::size_t filled = 0;
    while (filled < wantedBytes) {
        const std::size_t step = std::size_t(std::min<std::uint64_t>(wantedBytes - filled, kReadChunkBytes));
        content.data.resize(filled + step);
        const std::size_t got = source.read(content.data.data() + filled, step);
        filled += got;
        if (got < step) {
            throw badInput(promise + " but only " + std::to_string(filled) + " are there" + source.endReason() +
                           "; the file is truncated, download it again");
        }
    }
    if (wantedBytes < payloadBytes)
        return content;
    // Trailing bytes are counted up to a bound only: gigabytes of deflated zeros after a valid
    // payload would otherwise take minutes to inflate just to be counted.
    unsigned char extra[4096];
    std::uint64_t trailing = 0;
    while (trailing <= kMaxTrailingBytesCounted) {
        const std::size_t got = source.read(extra, sizeof extra);
        if (got == 0)
            break;
        trailing += got;
    }
    if (trailing > kMaxTrailingBytesCounted)
        throw badInput(promise + " but more than " + std::to_string(kMaxTrailingBytesCounted) +
                       " more bytes follow; the header and the file do not match, check that this is the right "
                       "file");
    if (trailing > 0)
        throw badInput(promise + " but " + std::to_string(trailing) +
                       " more bytes follow; the header and the file do not match, check that this is the right "
                       "file");
    return content;
}

std::optional<std::string> findLabelsFile(const std::string& imagesPath) {
    const std::filesystem::path images(imagesPath);
    const std::string fileName = images.filename().string();
    for (const auto& [imagesPart, labelsPart] : kLabelsNaming) {
        const std::size_t at = fileName.find(imagesPart);
        if (at == std::string::npos)
            continue;
        std::string labelsName = fileName;
        labelsName.replace(at, std::char_traits<char>::length(imagesPart), labelsPart);
        // The same suffix first (".gz" beside ".gz"), then with ".gz" added or removed.
        std::vector<std::string> candidates{labelsName};
        const std::string gz = ".gz";
        const bool endsInGz =
            labelsName.size() > gz.size() && labelsName.compare(labelsName.size() - gz.size(), gz.size(), gz) == 0;
        candidates.push_back(endsInGz ? labelsName.substr(0, labelsName.size() - gz.size()) : labelsName + gz);
        for (const std::string& candidate : candidates) {
            const std::filesystem::path labels = images.parent_path() / candidate;
            std::error_code error;
            if (std::filesystem::is_regular_file(labels, error))
                return labels.string();
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint32_t> readLeadingMagic(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(std::filesystem::path(path), error))
        return std::nullopt;
    ByteSource source(path);
    unsigned char bytes[4];
    if (source.read(bytes, 4) < 4)
        return std::nullopt;
    return bigEndian32(bytes);
}

bool looksLikeIdxMagic(std::uint32_t magic) {
    const std::uint32_t type = (magic >> 8) & 0xffu;
    const std::uint32_t dimCount = magic & 0xffu;
    const bool knownType = type == 0x08 || type == 0x09 || (type >= 0x0b && type <= 0x0e);
    return (magic >> 16) == 0 && knownType && dimCount >= 1 && dimCount <= 4;
}

IdxDataset::IdxDataset(const std::string& path, std::size_t firstImages)
    : m_path(path), m_fileName(std::filesystem::path(path).filename().string()) {
    std::error_code canonicalError;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, canonicalError);
    m_identityPrefix = (canonicalError ? path : canonical.string()) + "#";
    IdxContent images = readIdx(path,
                                {{kIdxGrayImagesMagic, "idx3 gray images [N,H,W]"},
                                 {kIdxColourImagesMagic, "idx4 images [N,H,W,C]"}},
                                firstImages);
    m_count = images.dims[0];
    m_height = int(images.dims[1]);
    m_width = int(images.dims[2]);
    m_channels = images.dims.size() == 4 ? int(images.dims[3]) : 1;
    m_pixels = std::move(images.data);
    m_loadedCount = m_pixels.size() / (std::size_t(m_height) * std::size_t(m_width) * std::size_t(m_channels));

    if (const auto labelsPath = findLabelsFile(path)) {
        IdxContent labels = readIdx(*labelsPath, {{kIdxLabelsMagic, "idx1 labels"}}, UINT64_MAX, m_count, path);
        m_labelsPath = *labelsPath;
        m_labels = std::move(labels.data);
    }
}

std::string IdxDataset::description() const {
    return "idx:" + m_path + " (" + std::to_string(m_count) + " images)";
}

std::string IdxDataset::sourceName(std::size_t index) const { return m_fileName + "#" + std::to_string(index); }

std::string IdxDataset::sampleIdentity(std::size_t index) const {
    return m_identityPrefix + std::to_string(index);
}

int IdxDataset::label(std::size_t index) const {
    if (index >= m_count)
        throw Error(ErrorKind::Internal, "image index " + std::to_string(index) + " is out of range for " + m_path);
    return m_labels.empty() ? -1 : int(m_labels[index]);
}

void IdxDataset::load(std::size_t index, const InputSpec& spec, float* out, std::string* note) const {
    if (index >= m_loadedCount)
        throw Error(ErrorKind::Internal, "image index " + std::to_string(index) + " is out of range for " + m_path +
                                             " (" + std::to_string(m_loadedCount) + " images read)");
    PixelImage image;
    image.height = m_height;
    image.width = m_width;
    image.channels = m_channels;
    const std::size_t valueCount = std::size_t(m_height) * std::size_t(m_width) * std::size_t(m_channels);
    const std::uint8_t* pixels = m_pixels.data() + index * valueCount;
    image.values.resize(valueCount);
    for (std::size_t i = 0; i < valueCount; ++i)
        image.values[i] = float(pixels[i]) / 255.0f;  // as torchvision's ToTensor: divide, not multiply
    writeToSpec(std::move(image), spec, sourceName(index), out, note);
}

}  // namespace nac::engine
