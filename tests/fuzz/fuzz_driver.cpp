// A stand-in for libFuzzer where it is not available (g++ builds, the normal test suite): replays
// every corpus file given, then runs a fixed number of randomly mutated inputs through the same
// LLVMFuzzerTestOneInput. No coverage feedback; reproducible from its seed. Accepts libFuzzer's
// command line shape so that one CTest command serves both:
//   fuzz_x [-runs=N] [-seed=S] [-max_len=BYTES] [-other_libfuzzer_flags=..] FILE_OR_FOLDER...
// A crash (sanitizer report, uncaught exception, signal) leaves the input in crash-driver-<pid>
// in the working folder.
#include "fuzz_target.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define NAC_FUZZ_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NAC_FUZZ_SANITIZED 1
#endif
#ifdef NAC_FUZZ_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

namespace {

using Bytes = std::vector<std::uint8_t>;

// The input being run, for the crash handlers (read-only there).
const Bytes* g_current = nullptr;
char g_crashPath[64] = "crash-driver";

void saveCurrentInput() {
    static volatile std::sig_atomic_t saved = 0;
    if (saved || !g_current)
        return;
    saved = 1;
    const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    std::size_t written = 0;
    while (written < g_current->size()) {
        const ssize_t step = ::write(fd, g_current->data() + written, g_current->size() - written);
        if (step <= 0)
            break;
        written += std::size_t(step);
    }
    ::close(fd);
    static const char kNote[] = "\nfuzz driver: the crashing input is in ";
    (void)!::write(2, kNote, sizeof kNote - 1);
    (void)!::write(2, g_crashPath, std::strlen(g_crashPath));
    (void)!::write(2, "\n", 1);
}

void onFatalSignal(int signal) {
    saveCurrentInput();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Byte strings that open doors in the four readers: JSON tokens, magic numbers, sizes.
const std::vector<std::string>& dictionary() {
    static const std::vector<std::string> words = {
        "{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "-1", "0", "1e400", "-1e400", "2147483648",
        "4294967296", "18446744073709551616", "0.5", "\"layers\"", "\"input\"", "\"classes\"", "\"name\"", "\"M\"",
        "\"O\"", "\"alpha\"", "\"channels\"", "\"height\"", "\"width\"", "\"mean\"", "\"std\"", "\"version\"",
        "\"bin_scheme\"", "\"fit\"", "\"heldout\"", "\"count\"", "\"labels\"", "\"sources\"", "\"neurons\"",
        "\"shape\"", "\"pooling\"", "\"class_count\"", "\\u0000", "\\ud800",
        std::string("\x00\x00\x08\x03", 4), std::string("\x00\x00\x08\x01", 4), std::string("\x1f\x8b\x08\x00", 4),
        std::string("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16), std::string("\xff\xd8\xff\xc0", 4), "BM", "RIFF",
        "WEBPVP8 ", "WEBPVP8L", "WEBPVP8X", std::string("NACPROF\x1a", 8)};
    return words;
}

void mutate(Bytes& bytes, std::mt19937_64& rng, const std::vector<Bytes>& corpus, std::size_t maxLength) {
    auto below = [&](std::size_t bound) { return bound == 0 ? std::size_t(0) : std::size_t(rng() % bound); };
    const std::size_t steps = 1 + below(4);
    for (std::size_t step = 0; step < steps; ++step) {
        switch (below(9)) {
        case 0:  // flip a bit
            if (!bytes.empty())
                bytes[below(bytes.size())] ^= std::uint8_t(1u << below(8));
            break;
        case 1: {  // a byte with a telling value
            static const std::uint8_t kValues[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff};
            if (!bytes.empty())
                bytes[below(bytes.size())] = kValues[below(sizeof kValues)];
            break;
        }
        case 2: {  // a 32-bit number with a telling value, either byte order
            static const std::uint32_t kValues[] = {0, 1, 2, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
                                                    0xfffffffe, 0xffffffff};
            if (bytes.size() >= 4) {
                std::uint32_t value = kValues[below(sizeof kValues / sizeof kValues[0])];
                const std::size_t at = below(bytes.size() - 3);
                for (int i = 0; i < 4; ++i)
                    bytes[at + std::size_t(i)] = rng() & 1 ? std::uint8_t(value >> (8 * i))
                                                           : std::uint8_t(value >> (8 * (3 - i)));
            }
            break;
        }
        case 3: {  // insert random bytes
            const std::size_t count = 1 + below(16);
            Bytes inserted(count);
            for (auto& b : inserted)
                b = std::uint8_t(rng());
            bytes.insert(bytes.begin() + std::ptrdiff_t(below(bytes.size() + 1)), inserted.begin(), inserted.end());
            break;
        }
        case 4:  // erase a range
            if (!bytes.empty()) {
                const std::size_t at = below(bytes.size());
                const std::size_t count = 1 + below(std::min<std::size_t>(bytes.size() - at, 64));
                bytes.erase(bytes.begin() + std::ptrdiff_t(at), bytes.begin() + std::ptrdiff_t(at + count));
            }
            break;
        case 5:  // duplicate a chunk somewhere else
            if (!bytes.empty()) {
                const std::size_t from = below(bytes.size());
                const std::size_t count = 1 + below(std::min<std::size_t>(bytes.size() - from, 128));
                const Bytes chunk(bytes.begin() + std::ptrdiff_t(from), bytes.begin() + std::ptrdiff_t(from + count));
                bytes.insert(bytes.begin() + std::ptrdiff_t(below(bytes.size() + 1)), chunk.begin(), chunk.end());
            }
            break;
        case 6:  // splice: this input's head, another's tail
            if (!corpus.empty()) {
                const Bytes& other = corpus[below(corpus.size())];
                bytes.resize(below(bytes.size() + 1));
                bytes.insert(bytes.end(), other.begin() + std::ptrdiff_t(below(other.size() + 1)), other.end());
            }
            break;
        case 7:  // truncate
            bytes.resize(below(bytes.size() + 1));
            break;
        default: {  // a dictionary word, inserted or written over
            const std::string& word = dictionary()[below(dictionary().size())];
            const std::size_t at = below(bytes.size() + 1);
            if (rng() & 1 && at + word.size() <= bytes.size())
                std::copy(word.begin(), word.end(), bytes.begin() + std::ptrdiff_t(at));
            else
                bytes.insert(bytes.begin() + std::ptrdiff_t(at), word.begin(), word.end());
            break;
        }
        }
    }
    if (bytes.size() > maxLength)
        bytes.resize(maxLength);
}

bool readFile(const std::filesystem::path& path, Bytes& out) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return false;
    out.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return true;
}

void run(const Bytes& input) {
    g_current = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    g_current = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t runs = 1000;
    std::uint64_t seed = 1;
    std::size_t maxLength = 4096;
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("-runs=", 0) == 0)
            runs = std::strtoull(arg.c_str() + 6, nullptr, 10);
        else if (arg.rfind("-seed=", 0) == 0)
            seed = std::strtoull(arg.c_str() + 6, nullptr, 10);
        else if (arg.rfind("-max_len=", 0) == 0)
            maxLength = std::strtoull(arg.c_str() + 9, nullptr, 10);
        else if (arg.rfind("-", 0) == 0)
            continue;  // libFuzzer's -timeout, -rss_limit_mb, -dict...: nothing to do here
        else
            inputs.emplace_back(arg);
    }
    std::snprintf(g_crashPath, sizeof g_crashPath, "crash-driver-%ld", long(::getpid()));
    for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
        std::signal(signal, onFatalSignal);
#ifdef NAC_FUZZ_SANITIZED
    __sanitizer_set_death_callback(saveCurrentInput);
#endif

    std::vector<Bytes> corpus;
    for (const auto& input : inputs) {
        std::error_code error;
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(input, error)) {
            for (const auto& entry : std::filesystem::directory_iterator(input, error))
                if (entry.is_regular_file(error))
                    files.push_back(entry.path());
            std::sort(files.begin(), files.end());  // the same order everywhere, for reproducible runs
        } else {
            files.push_back(input);
        }
        for (const auto& file : files) {
            Bytes bytes;
            if (!readFile(file, bytes)) {
                std::fprintf(stderr, "fuzz driver: cannot read %s\n", file.string().c_str());
                return 2;
            }
            corpus.push_back(std::move(bytes));
        }
    }

    const auto start = std::chrono::steady_clock::now();
    for (const Bytes& input : corpus)
        run(input);
    std::mt19937_64 rng(seed);
    Bytes input;
    for (std::uint64_t i = 0; i < runs; ++i) {
        input = corpus.empty() ? Bytes() : corpus[rng() % corpus.size()];
        mutate(input, rng, corpus, maxLength);
        run(input);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("fuzz driver: %zu corpus inputs replayed, %llu mutated inputs run (seed %llu) in %.1f s, %.0f exec/s; "
                "no crash\n",
                corpus.size(), static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed), seconds,
                double(corpus.size() + runs) / std::max(seconds, 1e-9));
    return 0;
}
