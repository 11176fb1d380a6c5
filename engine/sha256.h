// SHA-256 of bytes and files, used to tie a profile to the exact model file it was fitted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nac::engine {

// Incremental SHA-256 for data that is written or read in pieces (profiles are hashed while they
// are streamed to or from disk, never held whole in memory). Not thread-safe.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(const void* data, std::size_t sizeBytes);
    // Lower-case hex digest of everything given to update(); call once, then discard the object.
    std::string hexDigest();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// Lower-case hex digest of the bytes.
std::string sha256Hex(const void* data, std::size_t sizeBytes);

// Whether digests use the CPU's SHA extensions (x86-64 with SHA-NI); otherwise portable C++.
bool sha256UsesShaExtensions();
// Tests: true forces the portable code, so that both paths are checked on one machine.
void setSha256PortableOnly(bool portableOnly);

// Lower-case hex digest of a file's contents; throws Error(BadInput) when it cannot be read.
std::string sha256OfFile(const std::string& path);

}  // namespace nac::engine
