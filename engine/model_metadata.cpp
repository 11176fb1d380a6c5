// Reading and writing nac.json model metadata with nlohmann::json.
#include "engine/model_metadata.h"

#include "engine/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <sstream>

namespace nac::engine {
namespace {

using Json = nlohmann::json;

constexpr int kMaxInputSide = 4096;
constexpr int kMaxInputChannels = 16;
// Deeper JSON is refused while parsing: copying and printing a document recurse once per level,
// so a file of nested brackets (20,000 levels, 40 KB) overflowed the stack. Real metadata needs 3.
constexpr int kMaxJsonNesting = 256;

// value as an int. nlohmann's get<int>() converts a number outside int's range with undefined
// behaviour (a float such as 1e300) or wraps it (2^32 + 1 became 1); such a value is refused.
int intValue(const Json& value, const std::string& key, const std::string& origin)
{
    if (value.is_number()) {
        const double number = value.get<double>();
        if (!(number >= double(std::numeric_limits<int>::min()) && number <= double(std::numeric_limits<int>::max())))
            throw badInput(origin + ": '" + key + "' is " + value.dump() + ", out of range");
    }
    return value.get<int>();  // a non-number throws type_error: "wrong type" below
}

std::vector<float> floatArray(const Json& value, const std::string& key, const std::string& origin)
{
    std::vector<float> out;
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
    int c = 0;
    int h = 0;
    int w = 0;
    char x1 = 0;
    char x2 = 0;
    std::istringstream in(text);
    if (!(in >> c >> x1 >> h >> x2 >> w) || x1 != 'x' || x2 != 'x' || in.peek() != std::char_traits<char>::eof())
        throw badInput("--input '" + text + "' is not CxHxW (for example 1x28x28 or 3x224x224)");
    spec.channels = c;
    spec.height = h;
    spec.width = w;
    validateInputSpec(spec);
}

std::vector<float> parseFloatList(const std::string& text, const std::string& what)
{
    std::vector<float> out;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        try {
            std::size_t used = 0;
            out.push_back(std::stof(item, &used));
            if (used != item.size())
                throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw badInput(what + " '" + text + "' must be numbers separated by commas");
        }
    }
    if (out.empty())
        throw badInput(what + " is empty");
    return out;
}

ModelMetadata parseModelMetadata(const std::string& jsonText, const std::string& origin)
{
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
        if (doc.contains("version") && doc["version"].is_number_integer() && doc["version"].get<double>() > 1)
            throw badInput(origin + " has metadata version " + doc["version"].dump()
                           + "; this NAC Studio reads version 1. Update NAC Studio.");
        meta.name = doc.value("name", std::string());
        if (doc.contains("input")) {
            const Json& in = doc["input"];
            if (!in.is_object())
                throw badInput(origin + ": 'input' must be an object with channels, height, width, mean, std");
            meta.input.channels = intValue(in.at("channels"), "channels", origin);
            meta.input.height = intValue(in.at("height"), "height", origin);
            meta.input.width = intValue(in.at("width"), "width", origin);
            if (in.contains("mean"))
                meta.input.mean = floatArray(in["mean"], "mean", origin);
            if (in.contains("std"))
                meta.input.std = floatArray(in["std"], "std", origin);
            validateInputSpec(meta.input);
            meta.hasInput = true;
        }
        if (doc.contains("classes")) {
            for (const Json& c : doc["classes"])
                meta.classes.push_back(c.get<std::string>());
        }
        BinScheme scheme = BinScheme::Reference;
        if (doc.contains("bin_scheme"))
            scheme = binSchemeFromString(doc["bin_scheme"].get<std::string>());
        if (doc.contains("layers")) {
            for (const Json& l : doc["layers"]) {
                LayerDefault layer;
                layer.name = l.at("name").get<std::string>();
                layer.params.scheme = l.contains("bin_scheme") ? binSchemeFromString(l["bin_scheme"].get<std::string>()) : scheme;
                if (l.contains("M"))
                    layer.params.binEdgeCount = intValue(l["M"], "M", origin);
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
