// SHA-256 of bytes and files, used to tie a profile to the exact model file it was fitted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nac::engine {

// Lower-case hex digest of the bytes.
std::string sha256Hex(const void* data, std::size_t sizeBytes);

// Whether digests use the CPU's SHA extensions (x86-64 with SHA-NI); otherwise portable C++.
bool sha256UsesShaExtensions();
// Tests: true forces the portable code, so that both paths are checked on one machine.
void setSha256PortableOnly(bool portableOnly);

// Lower-case hex digest of a file's contents; throws Error(BadInput) when it cannot be read.
std::string sha256OfFile(const std::string& path);

}  // namespace nac::engine
