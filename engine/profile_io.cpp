// .nacprofile reader and writer.
//
// Layout (all integers and floats little-endian):
//   8 bytes   magic "NACPROF\x1a"
//   u32       format version
//   u64       header length, then the header as UTF-8 JSON (identity, layers, parameters, labels,
//             sources, sample counts)
//   blocks    per layer fit raw products f32[S*N]; per layer counts u32[(M-1)*N]; fit logits
//             f32[S*C]; per layer held-out raw products f32[H*N]; held-out logits f32[H*C]
//   32 bytes  SHA-256 of everything before it
// A histograms-only profile (header "fit_cache": "histograms", format version 2, so that older
// versions refuse it by its version) has no fit raw products and no fit logits: those blocks
// are empty. Profiles are written and read in pieces, hashed on the way, never held whole in
// memory (docs/memory.md).
#include "engine/profile_io.h"

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/model_metadata.h"
#include "engine/input_guard.h"
#include "engine/sha256.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <limits>
#include <optional>

namespace nac::engine {
namespace {

using Json = nlohmann::json;

constexpr char kMagic[8] = {'N', 'A', 'C', 'P', 'R', 'O', 'F', '\x1a'};
constexpr std::size_t kDigestBytes = 32;
// Guards on what a profile's header may ask for, far beyond real profiles (a 10,000-image fit of
// a ResNet's four layers is ~40 MB; layers are a handful).
constexpr std::uint64_t kMaxProfileBytes = std::uint64_t(64) << 30;
constexpr std::size_t kMaxProfileLayers = 4096;
constexpr int kMaxProfileClasses = 1'000'000;

bool hostIsLittleEndian()
{
    const std::uint16_t probe = 1;
    unsigned char first = 0;
    std::memcpy(&first, &probe, 1);
    return first == 1;
}

std::string digestBytes(const std::string& hex);

// Writes to a file and hashes what it wrote.
class HashingWriter {
public:
    HashingWriter(std::ofstream& file, const std::string& path) : m_file(file), m_path(path) {}
    void write(const void* data, std::size_t sizeBytes)
    {
        if (sizeBytes == 0)
            return;
        m_hash.update(data, sizeBytes);
        m_file.write(static_cast<const char*>(data), std::streamsize(sizeBytes));
        if (!m_file)
            throw badInput("cannot write profile " + m_path + " (is the disk full?)");
    }
    template <typename T>
    void pod(const T& value) { write(&value, sizeof(T)); }
    template <typename T>
    void block(const std::vector<T>& values) { write(values.data(), values.size() * sizeof(T)); }
    // Appends the digest of everything written so far (not hashed itself).
    void finish()
    {
        const std::string digest = digestBytes(m_hash.hexDigest());
        m_file.write(digest.data(), std::streamsize(digest.size()));
        m_file.flush();
        if (!m_file)
            throw badInput("cannot write profile " + m_path + " (is the disk full?)");
    }

private:
    std::ofstream& m_file;
    const std::string& m_path;
    Sha256Stream m_hash;
};

std::string digestBytes(const std::string& hex)
{
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return bytes;
}

Json sampleHeader(const SampleSet& s)
{
    Json out{{"count", s.sampleCount()}, {"labels", s.labels}, {"sources", s.sources}};
    if (s.identities.size() == s.sampleCount())
        out["identities"] = s.identities;
    return out;
}

namespace fs = std::filesystem;

// The model's path relative to the folder the profile is saved in ("" when there is none, e.g.
// another drive).
std::string modelPathRelativeTo(const std::string& modelPath, const std::string& profilePath)
{
    if (modelPath.empty())
        return {};
    std::error_code error;
    const fs::path model = fs::absolute(modelPath, error);
    const fs::path folder = fs::absolute(profilePath, error).parent_path();
    if (error)
        return {};
    const fs::path relative = model.lexically_normal().lexically_relative(folder.lexically_normal());
    return relative.empty() ? std::string() : relative.string();
}

// Where the model is now: beside the profile as it was when saved (the profile and its model
// moved together), else the absolute path it was fitted with.
std::string resolveModelPath(const std::string& absolutePath, const std::string& relativePath, const std::string& profilePath)
{
    if (!relativePath.empty()) {
        std::error_code error;
        const fs::path candidate = fs::path(profilePath).parent_path() / relativePath;
        if (fs::is_regular_file(candidate, error))
            return candidate.lexically_normal().string();
    }
    return absolutePath;
}

// value as the integer type T. nlohmann's get<T>() converts a float outside T's range with
// undefined behaviour (1e300), wraps an integer and truncates a fraction; a damaged header may
// hold any of them.
template <typename T>
T integerValue(const Json& value, const std::string& path)
{
    if (value.is_number()) {
        const double number = value.get<double>();
        // double(max) + 1 is exact for int and rounds to 2^63 / 2^64 for the 64-bit types.
        if (!(number >= double(std::numeric_limits<T>::min()) && number < double(std::numeric_limits<T>::max()) + 1.0))
            throw badInput(path + " is damaged: its header holds the number " + value.dump() + ", out of range");
        if (!value.is_number_integer())
            throw badInput(path + " is damaged: its header holds " + value.dump() + " where a whole number belongs");
    }
    return value.get<T>();  // a non-number throws type_error, reported as a damaged header
}

template <typename T>
std::vector<T> integerList(const Json& value, const std::string& path)
{
    if (!value.is_array())
        return value.get<std::vector<T>>();  // throws type_error
    std::vector<T> out;
    out.reserve(value.size());
    for (const Json& item : value)
        out.push_back(integerValue<T>(item, path));
    return out;
}

// Reads consecutive blocks from the open file, checking every length against what the file
// holds before anything is allocated.
class Reader {
public:
    Reader(std::ifstream& file, std::size_t offset, std::size_t end, const std::string& path)
        : m_file(file), m_offset(offset), m_end(end), m_path(path) {}

    // rows * columns values of T; a product that overflows is damage too.
    template <typename T>
    std::vector<T> block(std::size_t rows, std::size_t columns)
    {
        std::size_t count = 0;
        if (__builtin_mul_overflow(rows, columns, &count))
            throw badInput(m_path + " is damaged: a data block's size overflows");
        return block<T>(count);
    }

    template <typename T>
    std::vector<T> block(std::size_t count)
    {
        if (count > (m_end - m_offset) / sizeof(T))
            throw badInput(m_path + " is truncated or damaged: a data block runs past the end of the file");
        std::vector<T> values;
        try {
            values.resize(count);
        } catch (const std::bad_alloc&) {
            throw badInput(m_path + " needs " + std::to_string(count * sizeof(T))
                           + " bytes for one data block, more than this machine can hold in memory (out of memory)");
        }
        if (count > 0) {
            m_file.read(reinterpret_cast<char*>(values.data()), std::streamsize(count * sizeof(T)));
            if (std::size_t(m_file.gcount()) != count * sizeof(T))
                throw badInput(m_path + " could not be read whole (it changed or shrank while it was read)");
        }
        m_offset += count * sizeof(T);
        return values;
    }
    std::size_t offset() const { return m_offset; }

private:
    std::ifstream& m_file;
    std::size_t m_offset;
    std::size_t m_end;
    const std::string& m_path;
};

}  // namespace

void saveProfile(const CoverageProfile& profile, const std::string& path)
{
    if (!hostIsLittleEndian())
        throw Error(ErrorKind::Internal, "saving profiles is only supported on little-endian machines");
    const SampleSet& fit = profile.fitSamples();
    const SampleSet& heldout = profile.heldoutSamples();
    Json header;
    header["created_by"] = profile.createdBy;
    header["model_sha256"] = profile.modelSha256;
    header["model_path"] = profile.modelPath;
    header["model_path_relative"] = modelPathRelativeTo(profile.modelPath, path);
    if (profile.hasInput) {
        const InputSpec& in = profile.input;
        header["input"] = {{"channels", in.channels}, {"height", in.height}, {"width", in.width}, {"mean", in.mean},
                           {"std", in.std}, {"conversion", profile.conversionRules}};
    }
    header["dataset"] = profile.datasetDescription;
    header["class_count"] = fit.classCount;
    Json layers = Json::array();
    for (std::size_t l = 0; l < profile.layerCount(); ++l) {
        const LayerInfo& info = profile.layers()[l];
        const LayerParams& p = profile.params(l);
        layers.push_back({{"name", info.name}, {"shape", info.outputShape}, {"neurons", info.neuronCount},
                          {"M", p.binEdgeCount}, {"O", p.minActivated}, {"alpha", p.alpha},
                          {"bin_scheme", toString(p.scheme)}, {"pooling", toString(info.pooling)}});
    }
    header["layers"] = layers;
    header["fit"] = sampleHeader(fit);
    header["heldout"] = sampleHeader(heldout);
    const bool histograms = profile.fitCache() == FitCache::Histograms;
    if (histograms)
        header["fit_cache"] = toString(FitCache::Histograms);
    const std::string headerText = header.dump();

    // Streamed to the temporary file: a buffer of the whole profile would be one more copy of
    // every raw product in memory.
    saveFileAtomically(path, [&](const std::string& temporaryPath) {
        std::ofstream file(fs::path(temporaryPath), std::ios::binary | std::ios::trunc);
        if (!file)
            throw badInput("cannot write profile " + path + ": the folder is missing or not writable");
        HashingWriter out(file, path);
        out.write(kMagic, sizeof(kMagic));
        out.pod(std::uint32_t(histograms ? kProfileFormatVersion : 1));
        out.pod(std::uint64_t(headerText.size()));
        out.write(headerText.data(), headerText.size());
        if (!histograms)
            for (const auto& raw : fit.rawProducts)
                out.block(raw);
        for (std::size_t l = 0; l < profile.layerCount(); ++l)
            out.block(profile.coverage(l).counts);
        if (!histograms)
            out.block(fit.logits);
        for (std::size_t l = 0; l < profile.layerCount(); ++l)
            if (heldout.sampleCount())
                out.block(heldout.rawProducts[l]);
        out.block(heldout.logits);
        out.finish();
    }, "profile");
}

CoverageProfile loadProfile(const std::string& path)
{
    // A regular file only (not /dev/zero or a FIFO), read in pieces: the checksum in one pass
    // of 1 MiB chunks, then the header and each block straight into its own vector.
    requireRegularFile(path, "profile");
    std::error_code sizeError;
    const std::uint64_t fileBytes = fs::file_size(fs::path(path), sizeError);
    if (sizeError)
        throw badInput("profile " + path + " cannot be read: " + sizeError.message());
    if (fileBytes > kMaxProfileBytes)
        throw badInput("profile " + path + " is " + std::to_string(fileBytes) + " bytes; more than the "
                       + std::to_string(kMaxProfileBytes) + " such a file can hold, so it is not one (or is damaged)");
    std::ifstream file(fs::path(path), std::ios::binary);
    if (!file)
        throw badInput("profile " + path + " cannot be opened for reading");
    const std::size_t dataBytes = std::size_t(fileBytes);
    const std::size_t fixedBytes = sizeof(kMagic) + sizeof(std::uint32_t) + sizeof(std::uint64_t);
    std::string prefix(std::min(dataBytes, fixedBytes), '\0');
    file.read(prefix.data(), std::streamsize(prefix.size()));
    if (std::size_t(file.gcount()) != prefix.size())
        throw badInput("profile " + path + " could not be read whole (it changed or shrank while it was read)");
    if (prefix.size() < sizeof(kMagic) || std::memcmp(prefix.data(), kMagic, sizeof(kMagic)) != 0)
        throw badInput(path + " is not a NAC Studio profile (.nacprofile): its first bytes are not the profile magic");
    if (dataBytes < fixedBytes + kDigestBytes)
        throw badInput(path + " is truncated: it ends inside the profile header");
    std::uint32_t version = 0;
    std::memcpy(&version, prefix.data() + sizeof(kMagic), sizeof(version));
    if (version > std::uint32_t(kProfileFormatVersion))
        throw badInput(path + " is a version " + std::to_string(version) + " profile; this NAC Studio reads up to version "
                       + std::to_string(kProfileFormatVersion) + ". Update NAC Studio to open it.");
    if (version == 0)
        throw badInput(path + " has an invalid profile version 0");
    const std::size_t payloadBytes = dataBytes - kDigestBytes;
    {
        Sha256Stream hash;
        hash.update(prefix.data(), prefix.size());
        std::vector<char> chunk(std::size_t(1) << 20);
        std::size_t left = payloadBytes - prefix.size();
        while (left > 0) {
            const std::size_t piece = std::min(left, chunk.size());
            file.read(chunk.data(), std::streamsize(piece));
            if (std::size_t(file.gcount()) != piece)
                throw badInput("profile " + path + " could not be read whole (it changed or shrank while it was read)");
            hash.update(chunk.data(), piece);
            left -= piece;
        }
        std::string stored(kDigestBytes, '\0');
        file.read(stored.data(), std::streamsize(stored.size()));
        if (std::size_t(file.gcount()) != stored.size() || digestBytes(hash.hexDigest()) != stored)
            throw badInput(path + " is truncated or damaged: its checksum does not match its contents");
    }
    std::uint64_t headerBytes = 0;
    std::memcpy(&headerBytes, prefix.data() + sizeof(kMagic) + sizeof(version), sizeof(headerBytes));
    if (headerBytes > payloadBytes - fixedBytes)
        throw badInput(path + " is damaged: its header length runs past the end of the file");
    file.clear();
    file.seekg(std::streamoff(fixedBytes));
    std::string headerText(std::size_t(headerBytes), '\0');
    file.read(headerText.data(), std::streamsize(headerText.size()));
    if (std::size_t(file.gcount()) != headerText.size())
        throw badInput("profile " + path + " could not be read whole (it changed or shrank while it was read)");

    Json header;
    try {
        checkJsonNesting(headerText, kMaxJsonNesting, path + " (profile header)");
        header = Json::parse(headerText);
        std::vector<LayerInfo> layers;
        std::vector<LayerParams> params;
        if (header.at("layers").size() > kMaxProfileLayers)
            throw badInput(path + " is damaged: its header lists " + std::to_string(header.at("layers").size())
                           + " layers (at most " + std::to_string(kMaxProfileLayers) + ")");
        for (const Json& l : header.at("layers")) {
            LayerInfo info;
            info.name = l.at("name").get<std::string>();
            info.outputShape = integerList<std::int64_t>(l.at("shape"), path);
            const Json& neurons = l.at("neurons");
            if (!neurons.is_number_integer() || neurons.get<std::int64_t>() < 1 || neurons.get<std::int64_t>() > INT32_MAX)
                throw badInput(path + ": layer " + info.name + " has a neuron count " + neurons.dump()
                               + " that is not a whole number from 1 to " + std::to_string(INT32_MAX));
            info.neuronCount = neurons.get<int>();
            // Absent in profiles written before token pooling existed: those were all spatial.
            const std::string pooling = l.value("pooling", std::string("spatial"));
            const std::optional<Pooling> parsed = parsePooling(pooling);
            if (!parsed)
                throw badInput(path + ": layer " + info.name + " has pooling '" + pooling
                               + "'; this version knows spatial, tokens and cls");
            info.pooling = *parsed;
            LayerParams p;
            const Json& edges = l.at("M");
            if (!edges.is_number_integer() || edges.get<std::int64_t>() < 0 || edges.get<std::int64_t>() > INT32_MAX)
                throw badInput(path + ": layer " + info.name + " has M=" + edges.dump() + ", not a whole number");
            p.binEdgeCount = edges.get<int>();
            p.minActivated = l.at("O").get<double>();
            p.alpha = l.at("alpha").get<double>();
            p.scheme = binSchemeFromString(l.at("bin_scheme").get<std::string>());
            if (info.neuronCount <= 0)
                throw badInput(path + ": layer " + info.name + " has no neurons");
            validateLayerParams(info.name, p);
            layers.push_back(info);
            params.push_back(p);
        }
        const Json& classJson = header.at("class_count");
        if (!classJson.is_number_integer() || classJson.get<std::int64_t>() < 1 || classJson.get<std::int64_t>() > kMaxProfileClasses)
            throw badInput(path + " is damaged: its class count " + classJson.dump() + " is not a whole number from 1 to "
                           + std::to_string(kMaxProfileClasses));
        const int classCount = classJson.get<int>();
        auto makeSet = [&](const Json& h) {
            SampleSet s;
            for (const LayerInfo& info : layers) {
                s.layerNames.push_back(info.name);
                s.neuronCounts.push_back(info.neuronCount);
            }
            s.rawProducts.resize(layers.size());
            s.classCount = classCount;
            s.labels = integerList<int>(h.at("labels"), path);
            s.sources = h.at("sources").get<std::vector<std::string>>();
            if (h.contains("identities"))
                s.identities = h.at("identities").get<std::vector<std::string>>();
            if (!s.identities.empty() && s.identities.size() != s.labels.size())
                throw badInput(path + " is damaged: it lists " + std::to_string(s.identities.size()) + " sample identities for "
                               + std::to_string(s.labels.size()) + " samples");
            if (!h.at("count").is_number_unsigned() || h.at("count").get<std::uint64_t>() != s.labels.size())
                throw badInput(path + " is damaged: sample counts disagree");
            if (s.sources.size() != s.labels.size())
                throw badInput(path + " is damaged: it lists " + std::to_string(s.sources.size()) + " image names for "
                               + std::to_string(s.labels.size()) + " samples");
            return s;
        };
        SampleSet fit = makeSet(header.at("fit"));
        SampleSet heldout = makeSet(header.at("heldout"));
        // Absent in exact profiles (and in every profile written before histograms-only ones).
        const std::string cacheText = header.value("fit_cache", std::string("exact"));
        const std::optional<FitCache> cache = parseFitCache(cacheText);
        if (!cache)
            throw badInput(path + " keeps its fit samples as '" + cacheText + "'; this version knows exact and histograms");
        const bool histograms = *cache == FitCache::Histograms;
        if (histograms != (version >= 2))
            throw badInput(path + " is damaged: a version " + std::to_string(version) + " profile cannot keep its fit samples as "
                           + cacheText);
        // Histograms-only profiles store no fit raw products and no fit logits.
        const std::size_t fitRows = histograms ? 0 : fit.sampleCount();

        Reader reader(file, fixedBytes + std::size_t(headerBytes), payloadBytes, path);
        for (std::size_t l = 0; l < layers.size(); ++l)
            fit.rawProducts[l] = reader.block<float>(fitRows, std::size_t(layers[l].neuronCount));
        std::vector<std::vector<std::uint32_t>> storedCounts;
        for (std::size_t l = 0; l < layers.size(); ++l)
            storedCounts.push_back(reader.block<std::uint32_t>(std::size_t(params[l].binEdgeCount - 1),
                                                               std::size_t(layers[l].neuronCount)));
        fit.logits = reader.block<float>(fitRows, std::size_t(classCount));
        for (std::size_t l = 0; l < layers.size(); ++l)
            heldout.rawProducts[l] = reader.block<float>(heldout.sampleCount(), std::size_t(layers[l].neuronCount));
        heldout.logits = reader.block<float>(heldout.sampleCount(), std::size_t(classCount));
        if (reader.offset() != payloadBytes)
            throw badInput(path + " is damaged: it has unexpected bytes after the data blocks");

        CoverageProfile profile;
        if (histograms) {
            try {
                profile = CoverageProfile::fromCounts(layers, std::move(fit), params, std::move(storedCounts));
            } catch (const Error& e) {
                throw badInput(path + " is inconsistent: " + e.what());
            }
        } else {
            profile = CoverageProfile(layers, std::move(fit), params);
            for (std::size_t l = 0; l < layers.size(); ++l)
                if (profile.coverage(l).counts != storedCounts[l])
                    throw badInput(path + " is inconsistent: the stored counts of layer " + layers[l].name
                                   + " do not match its raw products");
        }
        profile.setHeldoutSamples(std::move(heldout));
        profile.createdBy = header.value("created_by", std::string());
        profile.modelSha256 = header.value("model_sha256", std::string());
        profile.modelPath = resolveModelPath(header.value("model_path", std::string()),
                                             header.value("model_path_relative", std::string()), path);
        if (header.contains("input")) {
            const Json& in = header.at("input");
            auto floats = [&](const char* key) {
                std::vector<float> values;
                const Json& list = in.at(key);
                if (!list.is_array() || list.empty() || list.size() > 64)
                    throw badInput(path + " is damaged: its input " + key + " is not a list of 1 to 64 numbers");
                for (const Json& value : list) {
                    if (!value.is_number() || !std::isfinite(value.get<double>()) || std::abs(value.get<double>()) > 1e30)
                        throw badInput(path + " is damaged: its input " + key + " holds " + value.dump());
                    values.push_back(value.get<float>());
                }
                return values;
            };
            // Ranges are checked by validateInputSpec() below.
            profile.input.channels = integerValue<int>(in.at("channels"), path);
            profile.input.height = integerValue<int>(in.at("height"), path);
            profile.input.width = integerValue<int>(in.at("width"), path);
            profile.input.mean = floats("mean");
            profile.input.std = floats("std");
            try {
                validateInputSpec(profile.input);
            } catch (const Error& e) {
                throw badInput(path + " is damaged: its input spec is invalid (" + e.what() + ")");
            }
            profile.conversionRules = in.value("conversion", std::string());
            if (profile.conversionRules != kImageConversionRules)
                throw badInput(path + " was fitted with image conversion rules this version of NAC Studio does not implement ("
                               + profile.conversionRules + "); fit it again with this version");
            profile.hasInput = true;
        }
        profile.datasetDescription = header.value("dataset", std::string());
        return profile;
    } catch (const Json::exception& e) {
        throw badInput(path + " is damaged: its header is not what a profile holds (" + std::string(e.what()) + ")");
    }
}

void checkProfileMatchesModel(const CoverageProfile& profile, const std::string& modelSha256, const std::string& modelPath)
{
    if (profile.modelSha256 != modelSha256)
        throw badInput("the profile was made for another model (" + (profile.modelPath.empty() ? std::string("unknown file") : profile.modelPath)
                       + ", SHA-256 " + profile.modelSha256.substr(0, 12) + "...), not for " + modelPath + " (SHA-256 "
                       + modelSha256.substr(0, 12) + "...); fit a new profile for this model");
}

}  // namespace nac::engine
