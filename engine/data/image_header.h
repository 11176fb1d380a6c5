// Private to nac_data: image format and pixel size read from a file's header, without decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace nac::engine {

enum class ImageFormat {
    Png = 1,
    Jpeg,
    Bmp,
    WebP,
};

struct ImageHeader {
    ImageFormat format = ImageFormat::Png;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

// Images above this are refused before decoding: decoding a 20000x20000 PNG would allocate over a
// gigabyte only to be shrunk to a few thousand pixels.
constexpr std::uint64_t kMaxImagePixels = 50'000'000;

// Reads the format and size from the header: PNG IHDR, JPEG SOF marker, BMP info header, WebP
// VP8/VP8L/VP8X chunk. The format is recognised by content, not by the file name. Returns
// std::nullopt when the file cannot be opened, is none of these formats, or its header is damaged
// (including a width or height of zero). Never throws.
std::optional<ImageHeader> readImageHeader(const std::string& path);

// True when path ends in .png, .jpg, .jpeg, .bmp or .webp, in any letter case.
bool hasImageExtension(const std::string& path);

// The accepted extensions for messages: "png, jpg, jpeg, bmp, webp".
const char* imageExtensionsText();

}  // namespace nac::engine
