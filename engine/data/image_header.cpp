// Reading image sizes from PNG, JPEG, BMP and WebP headers so huge images are refused before decoding.
#include "engine/data/image_header.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace nac::engine {

namespace {

// Enough for every fixed-position header field below (WebP VP8X ends at byte 30).
constexpr std::size_t kHeaderPrefixBytes = 32;
// A JPEG has a handful of segments before its frame header; this only bounds a corrupt file's loop.
constexpr int kMaxJpegSegments = 4096;

using Prefix = std::array<unsigned char, kHeaderPrefixBytes>;

std::uint32_t bigEndian16(const unsigned char* bytes) { return std::uint32_t(bytes[0]) << 8 | bytes[1]; }

std::uint32_t bigEndian32(const unsigned char* bytes) {
    return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 | std::uint32_t(bytes[2]) << 8 | bytes[3];
}

std::uint32_t littleEndian16(const unsigned char* bytes) { return std::uint32_t(bytes[1]) << 8 | bytes[0]; }

std::uint32_t littleEndian24(const unsigned char* bytes) {
    return std::uint32_t(bytes[2]) << 16 | std::uint32_t(bytes[1]) << 8 | bytes[0];
}

std::uint32_t littleEndian32(const unsigned char* bytes) {
    return std::uint32_t(bytes[3]) << 24 | littleEndian24(bytes);
}

std::optional<ImageHeader> makeHeader(ImageFormat format, std::uint32_t width, std::uint32_t height) {
    if (width == 0 || height == 0)
        return std::nullopt;
    return ImageHeader{format, width, height};
}

std::optional<ImageHeader> readPng(const Prefix& bytes, std::size_t length) {
    // Signature, then the first chunk must be IHDR: length 13, "IHDR", width, height (big-endian).
    static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (length < 24 || std::memcmp(bytes.data(), kSignature, 8) != 0)
        return std::nullopt;
    if (bigEndian32(&bytes[8]) != 13 || std::memcmp(&bytes[12], "IHDR", 4) != 0)
        return std::nullopt;
    return makeHeader(ImageFormat::Png, bigEndian32(&bytes[16]), bigEndian32(&bytes[20]));
}

std::optional<ImageHeader> readBmp(const Prefix& bytes, std::size_t length) {
    if (length < 26 || bytes[0] != 'B' || bytes[1] != 'M')
        return std::nullopt;
    const std::uint32_t infoSize = littleEndian32(&bytes[14]);
    if (infoSize == 12)  // OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes
        return makeHeader(ImageFormat::Bmp, littleEndian16(&bytes[18]), littleEndian16(&bytes[20]));
    if (infoSize < 16)
        return std::nullopt;
    // BITMAPINFOHEADER and later: signed 32-bit; a negative height means rows stored top-down.
    const auto width = std::int32_t(littleEndian32(&bytes[18]));
    const auto height = std::int32_t(littleEndian32(&bytes[22]));
    if (width <= 0 || height == 0 || height == INT32_MIN)
        return std::nullopt;
    return makeHeader(ImageFormat::Bmp, std::uint32_t(width), std::uint32_t(height < 0 ? -height : height));
}

std::optional<ImageHeader> readWebP(const Prefix& bytes, std::size_t length) {
    // "RIFF" size "WEBP", then the first chunk's FourCC at 12 and its payload at 20.
    if (length < 25 || std::memcmp(&bytes[0], "RIFF", 4) != 0 || std::memcmp(&bytes[8], "WEBP", 4) != 0)
        return std::nullopt;
    const unsigned char* payload = &bytes[20];
    const std::size_t payloadLength = length - 20;
    if (std::memcmp(&bytes[12], "VP8 ", 4) == 0) {
        if (payloadLength < 10)
            return std::nullopt;
        // Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
        if (payload[3] != 0x9d || payload[4] != 0x01 || payload[5] != 0x2a)
            return std::nullopt;
        return makeHeader(ImageFormat::WebP, littleEndian16(&payload[6]) & 0x3fff,
                          littleEndian16(&payload[8]) & 0x3fff);
    }
    if (std::memcmp(&bytes[12], "VP8L", 4) == 0) {
        // Lossless: signature 0x2f, then width-1 and height-1 in 14 bits each.
        if (payload[0] != 0x2f)
            return std::nullopt;
        const std::uint32_t bits = littleEndian32(&payload[1]);
        return makeHeader(ImageFormat::WebP, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
    }
    if (std::memcmp(&bytes[12], "VP8X", 4) == 0) {
        if (payloadLength < 10)
            return std::nullopt;
        // Extended: flags, 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.
        return makeHeader(ImageFormat::WebP, littleEndian24(&payload[4]) + 1, littleEndian24(&payload[7]) + 1);
    }
    return std::nullopt;
}

std::optional<ImageHeader> readJpeg(std::ifstream& file) {
    // Walk the marker segments from SOI until a frame header (SOFn) gives the size; EXIF and ICC
    // segments can be tens of kilobytes, so this seeks instead of reading a fixed prefix.
    file.clear();
    file.seekg(2);
    for (int segment = 0; segment < kMaxJpegSegments; ++segment) {
        int byte = file.get();
        if (byte != 0xff)
            return std::nullopt;
        while (byte == 0xff)  // fill bytes may pad a marker
            byte = file.get();
        if (byte == std::char_traits<char>::eof())
            return std::nullopt;
        const int marker = byte;
        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8))
            continue;  // TEM, RSTn and SOI stand alone, without a length
        if (marker == 0xd9 || marker == 0xda)
            return std::nullopt;  // end of image or start of scan before any frame header
        unsigned char lengthBytes[2];
        if (!file.read(reinterpret_cast<char*>(lengthBytes), 2))
            return std::nullopt;
        const std::uint32_t segmentLength = bigEndian16(lengthBytes);
        if (segmentLength < 2)
            return std::nullopt;
        const bool isFrameHeader = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
                                   marker != 0xcc;  // DHT, JPG and DAC share the range
        if (isFrameHeader) {
            unsigned char frame[5];  // precision, height, width
            if (segmentLength < 7 || !file.read(reinterpret_cast<char*>(frame), 5))
                return std::nullopt;
            return makeHeader(ImageFormat::Jpeg, bigEndian16(&frame[3]), bigEndian16(&frame[1]));
        }
        file.seekg(std::streamoff(segmentLength - 2), std::ios::cur);
        if (!file)
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ImageHeader> readImageHeader(const std::string& path) {
    std::ifstream file(std::filesystem::path(path), std::ios::binary);
    if (!file)
        return std::nullopt;
    Prefix bytes{};
    file.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
    const auto length = std::size_t(file.gcount());
    if (length >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return readJpeg(file);
    if (auto header = readPng(bytes, length))
        return header;
    if (auto header = readBmp(bytes, length))
        return header;
    return readWebP(bytes, length);
}

bool hasImageExtension(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".bmp" ||
           extension == ".webp";
}

const char* imageExtensionsText() { return "png, jpg, jpeg, bmp, webp"; }

}  // namespace nac::engine
