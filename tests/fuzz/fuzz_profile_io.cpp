// Fuzz target: the .nacprofile reader (engine/profile_io loadProfile), through a scratch file.
//
// Byte 0 of the input chooses: odd, the rest is a profile without its trailing SHA-256, which the
// harness appends, so that mutations reach the header and blocks behind the checksum; even, the
// rest is the file as it is.
#include "fuzz_target.h"

#include "engine/error.h"
#include "engine/profile_io.h"
#include "engine/sha256.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nac::engine;
    if (size < 1)
        return 0;
    std::string file(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] & 1) {
        const std::string hex = sha256Hex(file.data(), file.size());
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            file.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    const std::string path = nac::fuzz::writeScratchFile("fuzz.nacprofile", file.data(), file.size());
    try {
        const CoverageProfile profile = loadProfile(path);
        (void)profile.layerCount();
        if (profile.heldoutSamples().sampleCount() > 0)
            (void)profile.score(profile.heldoutSamples());
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput)
            throw;
    }
    return 0;
}
