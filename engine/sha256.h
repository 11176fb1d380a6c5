// SHA-256 of bytes and files, used to tie a profile to the exact model file it was fitted on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nac::engine {

// Lower-case hex digest of the bytes.
std::string sha256Hex(const void* data, std::size_t sizeBytes);

// Lower-case hex digest of a file's contents; throws Error(BadInput) when it cannot be read.
std::string sha256OfFile(const std::string& path);

}  // namespace nac::engine
