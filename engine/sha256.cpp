// SHA-256 (FIPS 180-4) of memory and of files streamed in 1 MiB chunks, with no crypto library.
#include "engine/sha256.h"

#include "engine/error.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NAC_SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace nac::engine {

namespace {

constexpr std::size_t kBlockSizeBytes = 64;
constexpr std::size_t kFileChunkSizeBytes = 1024 * 1024;

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::array<std::uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 §5.3.3: first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr std::array<std::uint32_t, 8> kInitialHash = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr std::uint32_t rotateRight(std::uint32_t x, int bits) {
    return (x >> bits) | (x << (32 - bits));
}

bool g_portableOnly = false;

#ifdef NAC_SHA256_X86
// CPUID leaf 7, EBX bit 29: the SHA extensions (Intel since Goldmont/Ice Lake, AMD since Zen).
bool cpuHasShaExtensions() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & (1u << 19)) == 0) {  // SSE4.1
        return false;
    }
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29)) != 0;
}

bool useShaExtensions() {
    static const bool available = cpuHasShaExtensions();
    return available && !g_portableOnly;
}

// §6.2.2 with the SHA extensions: SHA256RNDS2 does two rounds on the state held as (A,B,E,F)
// and (C,D,G,H); SHA256MSG1/MSG2 compute the message schedule four words at a time
// (W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]).
__attribute__((target("sha,sse4.1"))) void compressWithShaExtensions(std::uint32_t* hash, const unsigned char* data,
                                                                    std::size_t blocks) {
    const __m128i bigEndianWords = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    // From (A,B,C,D), (E,F,G,H) in memory order to the instructions' (A,B,E,F), (C,D,G,H).
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hash)), 0xB1);      // C D A B
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hash + 4)), 0x1B);  // E F G H
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
    for (std::size_t b = 0; b < blocks; ++b, data += kBlockSizeBytes) {
        const __m128i savedAbef = abef;
        const __m128i savedCdgh = cdgh;
        __m128i w[16];
        for (int g = 0; g < 16; ++g) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * g)), bigEndianWords);
            } else {
                const __m128i partial = _mm_add_epi32(_mm_sha256msg1_epu32(w[g - 4], w[g - 3]),
                                                      _mm_alignr_epi8(w[g - 1], w[g - 2], 4));
                w[g] = _mm_sha256msg2_epu32(partial, w[g - 1]);
            }
            const __m128i wk = _mm_add_epi32(w[g], _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRoundConstants[4 * g])));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, savedAbef);
        cdgh = _mm_add_epi32(cdgh, savedCdgh);
    }
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(hash), _mm_blend_epi16(feba, dchg, 0xF0));    // D C B A
    _mm_storeu_si128(reinterpret_cast<__m128i*>(hash + 4), _mm_alignr_epi8(dchg, feba, 8));  // H G F E
}
#endif

// Incremental hasher: feed bytes with update(), then call hexDigest() once.
class Sha256 {
public:
    void update(const unsigned char* data, std::size_t sizeBytes) {
        m_messageSizeBytes += sizeBytes;
        while (sizeBytes > 0) {
            if (m_bufferedBytes == 0 && sizeBytes >= kBlockSizeBytes) {
                // Whole blocks straight from the caller's memory.
                const std::size_t blocks = sizeBytes / kBlockSizeBytes;
                compressBlocks(data, blocks);
                data += blocks * kBlockSizeBytes;
                sizeBytes -= blocks * kBlockSizeBytes;
                continue;
            }
            const std::size_t taken = std::min(sizeBytes, kBlockSizeBytes - m_bufferedBytes);
            std::memcpy(m_buffer.data() + m_bufferedBytes, data, taken);
            m_bufferedBytes += taken;
            data += taken;
            sizeBytes -= taken;
            if (m_bufferedBytes == kBlockSizeBytes) {
                compressBlocks(m_buffer.data(), 1);
                m_bufferedBytes = 0;
            }
        }
    }

    std::string hexDigest() {
        // §5.1.1 padding: a 1 bit, zeros up to 56 mod 64 bytes, then the message length in bits, big-endian.
        const std::uint64_t messageSizeBits = m_messageSizeBytes * 8;
        static const unsigned char kPadding[kBlockSizeBytes] = {0x80};
        const std::size_t paddingBytes =
            m_bufferedBytes < 56 ? 56 - m_bufferedBytes : kBlockSizeBytes + 56 - m_bufferedBytes;
        update(kPadding, paddingBytes);
        unsigned char lengthBytes[8];
        for (int i = 0; i < 8; ++i) {
            lengthBytes[i] = static_cast<unsigned char>(messageSizeBits >> (56 - 8 * i));
        }
        update(lengthBytes, sizeof lengthBytes);

        static const char kHexDigits[] = "0123456789abcdef";
        std::string hex;
        hex.reserve(64);
        for (std::uint32_t word : m_hash) {
            for (int shift = 28; shift >= 0; shift -= 4) {
                hex.push_back(kHexDigits[(word >> shift) & 0xf]);
            }
        }
        return hex;
    }

private:
    void compressBlocks(const unsigned char* blocks, std::size_t count) {
#ifdef NAC_SHA256_X86
        if (useShaExtensions()) {
            compressWithShaExtensions(m_hash.data(), blocks, count);
            return;
        }
#endif
        for (std::size_t i = 0; i < count; ++i) {
            compress(blocks + i * kBlockSizeBytes);
        }
    }

    // §6.2.2: one 512-bit block.
    void compress(const unsigned char* block) {
        std::array<std::uint32_t, 64> schedule{};
        for (std::size_t t = 0; t < 16; ++t) {
            schedule[t] = static_cast<std::uint32_t>(block[4 * t]) << 24 | static_cast<std::uint32_t>(block[4 * t + 1]) << 16
                          | static_cast<std::uint32_t>(block[4 * t + 2]) << 8 | static_cast<std::uint32_t>(block[4 * t + 3]);
        }
        for (std::size_t t = 16; t < 64; ++t) {
            const std::uint32_t sigma0 =
                rotateRight(schedule[t - 15], 7) ^ rotateRight(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3);
            const std::uint32_t sigma1 =
                rotateRight(schedule[t - 2], 17) ^ rotateRight(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10);
            schedule[t] = sigma1 + schedule[t - 7] + sigma0 + schedule[t - 16];
        }

        std::uint32_t a = m_hash[0];
        std::uint32_t b = m_hash[1];
        std::uint32_t c = m_hash[2];
        std::uint32_t d = m_hash[3];
        std::uint32_t e = m_hash[4];
        std::uint32_t f = m_hash[5];
        std::uint32_t g = m_hash[6];
        std::uint32_t h = m_hash[7];
        for (std::size_t t = 0; t < 64; ++t) {
            const std::uint32_t bigSigma1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
            const std::uint32_t choose = (e & f) ^ (~e & g);
            const std::uint32_t temp1 = h + bigSigma1 + choose + kRoundConstants[t] + schedule[t];
            const std::uint32_t bigSigma0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
            const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t temp2 = bigSigma0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + temp1;
            d = c;
            c = b;
            b = a;
            a = temp1 + temp2;
        }
        m_hash[0] += a;
        m_hash[1] += b;
        m_hash[2] += c;
        m_hash[3] += d;
        m_hash[4] += e;
        m_hash[5] += f;
        m_hash[6] += g;
        m_hash[7] += h;
    }

    std::array<std::uint32_t, 8> m_hash = kInitialHash;
    std::array<unsigned char, kBlockSizeBytes> m_buffer{};
    std::size_t m_bufferedBytes = 0;
    std::uint64_t m_messageSizeBytes = 0;
};

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

bool sha256UsesShaExtensions() {
#ifdef NAC_SHA256_X86
    return useShaExtensions();
#else
    return false;
#endif
}

void setSha256PortableOnly(bool portableOnly) { g_portableOnly = portableOnly; }

std::string sha256Hex(const void* data, std::size_t sizeBytes) {
    Sha256 hasher;
    hasher.update(static_cast<const unsigned char*>(data), sizeBytes);
    return hasher.hexDigest();
}

struct Sha256Stream::State {
    Sha256 hasher;
};

Sha256Stream::Sha256Stream() : m_state(std::make_unique<State>()) {}
Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(const void* data, std::size_t sizeBytes) {
    m_state->hasher.update(static_cast<const unsigned char*>(data), sizeBytes);
}

std::string Sha256Stream::hexDigest() { return m_state->hasher.hexDigest(); }

std::string sha256OfFile(const std::string& path) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        throw badInput("Cannot open '" + path + "' to compute its SHA-256: " + std::strerror(errno)
                       + ". Check that the file exists and is readable.");
    }
    Sha256 hasher;
    std::vector<unsigned char> chunk(kFileChunkSizeBytes);
    for (;;) {
        const std::size_t readBytes = std::fread(chunk.data(), 1, chunk.size(), file.get());
        hasher.update(chunk.data(), readBytes);
        if (readBytes < chunk.size()) {
            break;
        }
    }
    if (std::ferror(file.get())) {
        throw badInput("Cannot read '" + path + "' to compute its SHA-256: " + std::strerror(errno)
                       + ". Check that it is a readable regular file.");
    }
    return hasher.hexDigest();
}

}  // namespace nac::engine
