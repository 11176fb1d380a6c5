// Fuzz target: IDX image files and their labels files, plain and gzip (engine/data/idx_dataset).
//
// Input layout, so that the fuzzer reaches the IDX parser behind gzip and the labels check:
//   byte 0   flags: 1 gzip the images file, 2 a labels file follows, 4 gzip the labels file,
//            8 read only the first images (byte 1 says how many, a range "FILE@0-N")
//   byte 1   that count
//   bytes 2-3 labels file length L (little-endian), when flag 2
//   then L bytes of labels file, then the images file
// Files that are gzip already (1f 8b) go to the reader as they are.
#include "fuzz_target.h"

#include "engine/data/idx_dataset.h"
#include "engine/error.h"

#include <algorithm>
#include <string>
#include <vector>

#ifdef NAC_WITH_ZLIB
#include <zlib.h>
#endif

namespace {

std::string maybeGzip(const std::uint8_t* data, std::size_t size, bool compress) {
#ifdef NAC_WITH_ZLIB
    if (compress) {
        z_stream stream{};
        // windowBits 15 + 16: a gzip wrapper, as gzip(1) writes.
        if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
            std::string out(deflateBound(&stream, uLong(size)) + 32, '\0');
            stream.next_in = const_cast<Bytef*>(data);
            stream.avail_in = uInt(size);
            stream.next_out = reinterpret_cast<Bytef*>(out.data());
            stream.avail_out = uInt(out.size());
            const int result = deflate(&stream, Z_FINISH);
            out.resize(stream.total_out);
            deflateEnd(&stream);
            if (result == Z_STREAM_END)
                return out;
        }
    }
#else
    (void)compress;
#endif
    return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nac::engine;
    if (size < 4)
        return 0;
    const std::uint8_t flags = data[0];
    const std::size_t firstImages = flags & 8 ? std::size_t(data[1]) : SIZE_MAX;
    std::size_t offset = 4;
    std::size_t labelsLength = 0;
    if (flags & 2)
        labelsLength = std::min<std::size_t>(std::size_t(data[2]) | std::size_t(data[3]) << 8, size - offset);
    const std::string labels = maybeGzip(data + offset, labelsLength, flags & 4);
    offset += labelsLength;
    const std::string images = maybeGzip(data + offset, size - offset, flags & 1);

    // Fashion-MNIST naming, so that the reader finds the labels file beside the images.
    const std::string labelsPath = nac::fuzz::scratchFolder() + "/fuzz-labels-idx1-ubyte";
    std::remove(labelsPath.c_str());
    if (flags & 2)
        nac::fuzz::writeScratchFile("fuzz-labels-idx1-ubyte", labels.data(), labels.size());
    const std::string path = nac::fuzz::writeScratchFile("fuzz-images-idx3-ubyte", images.data(), images.size());

    try {
        if (const auto magic = readLeadingMagic(path))
            (void)looksLikeIdxMagic(*magic);
        const IdxDataset dataset(path, firstImages);
        (void)dataset.description();
        InputSpec spec;
        spec.channels = 1;
        spec.height = 4;
        spec.width = 4;
        std::vector<float> out(spec.valuesPerImage());
        std::string note;
        const std::size_t shown = std::min<std::size_t>(dataset.size(), 3);
        for (std::size_t i = 0; i < shown; ++i) {
            (void)dataset.label(i);
            (void)dataset.sourceName(i);
            try {
                dataset.load(i, spec, out.data(), &note);
            } catch (const Error& e) {
                // An image beyond a range that was not read is the caller's mistake, reported as such.
                if (e.kind() != ErrorKind::Internal || firstImages == SIZE_MAX)
                    throw;
            }
        }
        (void)dataset.labelsPath();
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput)
            throw;  // only BadInput is a documented answer to a bad file
    }
    return 0;
}
