// Fuzz target: the nac.json model metadata parser (engine/model_metadata). The input is the JSON
// text. Whatever it accepts must survive a rewrite: serialized and parsed again, it says the same.
#include "fuzz_target.h"

#include "engine/error.h"
#include "engine/model_metadata.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "model metadata round trip: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nac::engine;
    const std::string text(reinterpret_cast<const char*>(data), size);
    ModelMetadata meta;
    try {
        meta = parseModelMetadata(text, "fuzz nac.json");
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput)
            throw;
        return 0;
    }
    ModelMetadata again;
    try {
        again = parseModelMetadata(serializeModelMetadata(meta), "rewritten nac.json");
    } catch (const Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fail("accepted metadata is refused after it was rewritten");
    }
    if (again.name != meta.name || again.classes != meta.classes || again.layers.size() != meta.layers.size()
        || again.hasInput != meta.hasInput || again.extraJson != meta.extraJson)
        fail("rewritten metadata differs");
    return 0;
}
