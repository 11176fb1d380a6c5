// Guards for files and text that users give: only regular files are read, sizes are checked
// before anything is allocated, and JSON is checked for nesting before a parser recurses into it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nac::engine {

// Deeper JSON than this is refused: nac.json and profile headers nest three or four levels.
constexpr int kMaxJsonNesting = 64;

// Throws Error(BadInput) "<what> <path> ..." when path does not exist, is a folder, or is not a
// regular file (a device such as /dev/zero, a FIFO, a socket), which could block or never end.
void requireRegularFile(const std::string& path, const std::string& what);

// The whole contents of a regular file of at most maxBytes. Throws Error(BadInput) naming what
// and path when requireRegularFile() refuses it, when it is larger than maxBytes (before reading
// anything), or when it cannot be read. Reads no more than the size it had when it was opened.
std::string readRegularFile(const std::string& path, std::uint64_t maxBytes, const std::string& what);

// Throws Error(BadInput) naming origin when arrays and objects in text nest deeper than
// maxDepth. Linear, no recursion: run it before handing hostile text to a JSON parser.
void checkJsonNesting(std::string_view text, int maxDepth, const std::string& origin);

}  // namespace nac::engine
