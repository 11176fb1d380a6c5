// Fuzz target: the image header reader (engine/data/image_header), which sizes PNG, JPEG, BMP and
// WebP files before OpenCV decodes them. The input is the file.
#include "fuzz_target.h"

#include "engine/data/image_header.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nac::engine;
    const std::string path = nac::fuzz::writeScratchFile("fuzz-image", data, size);
    const std::optional<ImageHeader> header = readImageHeader(path);  // documented never to throw
    if (header && (header->width == 0 || header->height == 0)) {
        std::fprintf(stderr, "readImageHeader returned a zero size\n");
        std::abort();
    }
    return 0;
}
