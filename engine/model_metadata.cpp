// Reading and writing nac.json model metadata with nlohmann::json.
#include "engine/model_metadata.h"

#include "engine/error.h"
#include "engine/input_guard.h"
#include "engine/number_text.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <locale>
#include <limits>
#include <set>
#include <sstream>

namespace nac::engine {
namespace {

using Json = nlohmann::json;

constexpr int kMaxInputSide = 4096;
constexpr int kMaxInputChannels = 16;
// Far beyond any real classifier (ImageNet-21k has 21,841 classes) and any sensible NAC setup.
constexpr std::size_t kMaxClasses = 1'000'000;
constexpr std::size_t kMaxDefaultLayers = 4096;
constexpr std::size_t kMaxMeanStdValues = 16;

// value as an exact integer in [minimum, maximum]: a JSON integer, or a number with no fraction.
// 1.99 or 2^31 for an int are refused instead of being truncated or wrapped.
long long exactInteger(const Json& value, const std::string& key, long long minimum, long long maximum,
                       const std::string& origin)
{
    const std::string range = "; it must be a whole number from " + std::to_string(minimum) + " to " + std::to_string(maximum);
    if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() > std::uint64_t(maximum))
            throw badInput(origin + ": '" + key + "' is " + value.dump() + range);
        return (long long)value.get<std::uint64_t>();
    }
    if (value.is_number_integer()) {
        const long long number = value.get<long long>();
        if (number < minimum || number > maximum)
            throw badInput(origin + ": '" + key + "' is " + value.dump() + range);
        return number;
    }
    if (value.is_number_float()) {
        const double number = value.get<double>();
        constexpr double kExactIntegerLimit = 9.0e15;  // 2^53: beyond it doubles skip integers (and casts overflow)
        if (!std::isfinite(number) || number != std::floor(number) || std::fabs(number) > kExactIntegerLimit
            || number < double(minimum) || number > double(maximum))
            throw badInput(origin + ": '" + key + "' is " + formatReal(number, 15) + range);
        return (long long)number;
    }
    throw badInput(origin + ": '" + key + "' must be a whole number");
}

std::vector<float> floatArray(const Json& value, const std::string& key, const std::string& origin)
{
    std::vector<float> out;
    if (value.is_array() && value.size() > kMaxMeanStdValues)
        throw badInput(origin + ": '" + key + "' has " + std::to_string(value.size()) + " values; at most "
                       + std::to_string(kMaxMeanStdValues) + " (one per channel)");
    if (value.is_number()) {
        out.push_back(value.get<float>());
    } else if (value.is_array()) {
        for (const Json& item : value) {
            if (!item.is_number())
                throw badInput(origin + ": '" + key + "' must hold numbers");
            out.push_back(item.get<float>());
        }
    } else {
        throw badInput(origin + ": '" + key + "' must be a number or a list of numbers");
    }
    return out;
}

}  // namespace

std::string describeInputSpec(const InputSpec& spec)
{
    auto list = [](const std::vector<float>& values) {
        std::ostringstream out;
        out.imbue(std::locale::classic());
        for (std::size_t i = 0; i < values.size(); ++i)
            out << (i ? "," : "") << values[i];
        return out.str();
    };
    return std::to_string(spec.channels) + "x" + std::to_string(spec.height) + "x" + std::to_string(spec.width) + ", mean "
        + list(spec.mean) + ", std " + list(spec.std);
}

void validateInputSpec(const InputSpec& spec)
{
    if (spec.channels < 1 || spec.channels > kMaxInputChannels)
        throw badInput("input channels " + std::to_string(spec.channels) + " is out of range (1.."
                       + std::to_string(kMaxInputChannels) + ")");
    if (spec.height < 1 || spec.width < 1 || spec.height > kMaxInputSide || spec.width > kMaxInputSide)
        throw badInput("input size " + std::to_string(spec.height) + "x" + std::to_string(spec.width)
                       + " is out of range (1.." + std::to_string(kMaxInputSide) + " pixels a side)");
    for (const auto* list : {&spec.mean, &spec.std}) {
        const bool isStd = list == &spec.std;
        if (list->size() != 1 && list->size() != std::size_t(spec.channels))
            throw badInput(std::string(isStd ? "std" : "mean") + " has " + std::to_string(list->size())
                           + " values; give 1 or one per channel (" + std::to_string(spec.channels) + ")");
        for (float v : *list) {
            if (!std::isfinite(v) || (isStd && v <= 0.0f))
                throw badInput(std::string(isStd ? "std values must be finite and > 0" : "mean values must be finite"));
        }
    }
}

void parseInputShape(const std::string& text, InputSpec& spec)
{
    // "CxHxW": three whole numbers of digits; parsed without streams so that no locale changes them.
    int values[3] = {0, 0, 0};
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
        const std::size_t x = i < 2 ? text.find('x', start) : text.size();
        const std::string_view piece =
            x == std::string::npos ? std::string_view() : std::string_view(text).substr(start, x - start);
        const std::optional<long long> value =
            piece.empty() || piece.front() < '0' || piece.front() > '9' ? std::nullopt : parseInteger(piece);
        if (!value || *value > std::numeric_limits<int>::max())
            throw badInput("--input '" + text + "' is not CxHxW (for example 1x28x28 or 3x224x224)");
        values[i] = int(*value);
        start = x + 1;
    }
    spec.channels = values[0];
    spec.height = values[1];
    spec.width = values[2];
    validateInputSpec(spec);
}

std::vector<float> parseFloatList(const std::string& text, const std::string& what)
{
    std::vector<float> out;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const std::optional<double> value = parseReal(item);
        if (!value)
            throw badInput(what + " '" + text + "' must be numbers separated by commas (with '.' as the decimal point)");
        out.push_back(float(*value));
    }
    if (out.empty())
        throw badInput(what + " is empty");
    return out;
}

ModelMetadata parseModelMetadata(const std::string& jsonText, const std::string& origin)
{
    // Nesting is checked first: copying unknown keys below recurses over the document.
    checkJsonNesting(jsonText, kMaxJsonNesting, origin);
    Json doc;
    try {
        doc = Json::parse(jsonText, [&origin](int depth, Json::parse_event_t, Json&) {
            if (depth > kMaxJsonNesting)
                throw badInput(origin + " nests JSON deeper than " + std::to_string(kMaxJsonNesting)
                               + " levels; that is no model metadata");
            return true;
        });
    } catch (const Json::exception& e) {
        throw badInput(origin + " is not valid JSON: " + e.what());
    }
    if (!doc.is_object())
        throw badInput(origin + " must hold a JSON object");
    ModelMetadata meta;
    meta.origin = origin;
    try {
        if (doc.contains("version") && doc["version"].is_number()) {
            const long long version = exactInteger(doc["version"], "version", 0, std::numeric_limits<long long>::max(), origin);
            if (version > 1)
                throw badInput(origin + " has metadata version " + std::to_string(version)
                               + "; this NAC Studio reads version 1. Update NAC Studio.");
        }
        meta.name = doc.value("name", std::string());
        if (doc.contains("input")) {
            const Json& in = doc["input"];
            if (!in.is_object())
                throw badInput(origin + ": 'input' must be an object with channels, height, width, mean, std");
            meta.input.channels = int(exactInteger(in.at("channels"), "channels", 1, kMaxInputChannels, origin));
            meta.input.height = int(exactInteger(in.at("height"), "height", 1, kMaxInputSide, origin));
            meta.input.width = int(exactInteger(in.at("width"), "width", 1, kMaxInputSide, origin));
            if (in.contains("mean"))
                meta.input.mean = floatArray(in["mean"], "mean", origin);
            if (in.contains("std"))
                meta.input.std = floatArray(in["std"], "std", origin);
            validateInputSpec(meta.input);
            meta.hasInput = true;
        }
        if (doc.contains("classes")) {
            if (!doc["classes"].is_array())
                throw badInput(origin + ": 'classes' must be a list of class names");
            if (doc["classes"].size() > kMaxClasses)
                throw badInput(origin + ": 'classes' names " + std::to_string(doc["classes"].size()) + " classes; at most "
                               + std::to_string(kMaxClasses) + " are supported");
            for (const Json& c : doc["classes"])
                meta.classes.push_back(c.get<std::string>());
        }
        BinScheme scheme = BinScheme::Reference;
        if (doc.contains("bin_scheme"))
            scheme = binSchemeFromString(doc["bin_scheme"].get<std::string>());
        if (doc.contains("layers")) {
            if (!doc["layers"].is_array())
                throw badInput(origin + ": 'layers' must be a list of {name, M, O, alpha}");
            if (doc["layers"].size() > kMaxDefaultLayers)
                throw badInput(origin + ": 'layers' lists " + std::to_string(doc["layers"].size()) + " layers; at most "
                               + std::to_string(kMaxDefaultLayers) + " are supported");
            std::set<std::string> seen;  // O(n log n): a list of 10^5 layers is refused above, not compared pairwise
            for (const Json& l : doc["layers"]) {
                LayerDefault layer;
                layer.name = l.at("name").get<std::string>();
                if (!seen.insert(layer.name).second)
                    throw badInput(origin + ": layer '" + layer.name + "' is listed twice in 'layers'");
                layer.params.scheme = l.contains("bin_scheme") ? binSchemeFromString(l["bin_scheme"].get<std::string>()) : scheme;
                if (l.contains("M"))
                    layer.params.binEdgeCount = int(exactInteger(l["M"], "M", 0, std::numeric_limits<int>::max(), origin));
                layer.params.minActivated = l.value("O", layer.params.minActivated);
                layer.params.alpha = l.value("alpha", layer.params.alpha);
                validateLayerParams(layer.name, layer.params);
                meta.layers.push_back(layer);
            }
        }
        Json extra = Json::object();
        for (auto it = doc.begin(); it != doc.end(); ++it) {
            static const char* const kKnown[] = {"format", "version", "name", "input", "classes", "bin_scheme", "layers"};
            bool known = false;
            for (const char* k : kKnown)
                known = known || it.key() == k;
            if (!known)
                extra[it.key()] = it.value();
        }
        meta.extraJson = extra.dump();
    } catch (const Json::exception& e) {
        throw badInput(origin + ": a key is missing or has the wrong type (" + std::string(e.what()) + ")");
    }
    return meta;
}

std::string serializeModelMetadata(const ModelMetadata& meta)
{
    Json doc = Json::parse(meta.extraJson.empty() ? "{}" : meta.extraJson);
    doc["format"] = "nac-model-metadata";
    doc["version"] = 1;
    doc["name"] = meta.name;
    if (meta.hasInput)
        doc["input"] = {{"channels", meta.input.channels}, {"height", meta.input.height}, {"width", meta.input.width},
                        {"mean", meta.input.mean}, {"std", meta.input.std}};
    doc["classes"] = meta.classes;
    Json layers = Json::array();
    for (const LayerDefault& l : meta.layers)
        layers.push_back({{"name", l.name}, {"M", l.params.binEdgeCount}, {"O", l.params.minActivated},
                          {"alpha", l.params.alpha}, {"bin_scheme", toString(l.params.scheme)}});
    doc["layers"] = layers;
    return doc.dump(2);
}

}  // namespace nac::engine
