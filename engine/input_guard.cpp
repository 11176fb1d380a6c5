// Regular-file checks, bounded whole-file reads and a JSON nesting pre-scan.
#include "engine/input_guard.h"

#include "engine/error.h"

#include <filesystem>
#include <fstream>
#include <new>

namespace nac::engine {

namespace fs = std::filesystem;

void requireRegularFile(const std::string& path, const std::string& what)
{
    std::error_code error;
    const fs::file_status status = fs::status(fs::path(path), error);
    if (error || !fs::exists(status))
        throw badInput(what + " " + path + " does not exist or cannot be reached");
    if (fs::is_directory(status))
        throw badInput(what + " " + path + " is a folder; give a file");
    if (!fs::is_regular_file(status))
        throw badInput(what + " " + path
                       + " is not a regular file (a device, FIFO or socket); give a file saved on disk");
}

std::string readRegularFile(const std::string& path, std::uint64_t maxBytes, const std::string& what)
{
    requireRegularFile(path, what);
    std::error_code error;
    const std::uint64_t sizeBytes = fs::file_size(fs::path(path), error);
    if (error)
        throw badInput(what + " " + path + " cannot be read: " + error.message());
    if (sizeBytes > maxBytes)
        throw badInput(what + " " + path + " is " + std::to_string(sizeBytes) + " bytes; more than the "
                       + std::to_string(maxBytes) + " such a file can hold, so it is not one (or is damaged)");
    std::ifstream file(fs::path(path), std::ios::binary);
    if (!file)
        throw badInput(what + " " + path + " cannot be opened for reading");
    std::string data;
    try {
        data.resize(std::size_t(sizeBytes));
    } catch (const std::bad_alloc&) {
        throw badInput(what + " " + path + " is " + std::to_string(sizeBytes)
                       + " bytes, more than this machine can hold in memory (out of memory)");
    }
    file.read(data.data(), std::streamsize(sizeBytes));
    if (std::uint64_t(file.gcount()) != sizeBytes)
        throw badInput(what + " " + path + " could not be read whole (it changed or shrank while it was read)");
    return data;
}

void checkJsonNesting(std::string_view text, int maxDepth, const std::string& origin)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth)
                throw badInput(origin + " nests arrays and objects more than " + std::to_string(maxDepth)
                               + " levels deep; no NAC Studio file does that, so it is damaged or not what it claims to be");
        } else if (c == ']' || c == '}') {
            --depth;  // unbalanced brackets are the JSON parser's to report
        }
    }
}

}  // namespace nac::engine
