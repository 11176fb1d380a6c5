// Model metadata (DESIGN.md "Files"): the JSON document `nac.json` stored inside a TorchScript
// archive or beside it as `<model>.nac.json`: input spec, classes, default layers and parameters.
#pragma once

#include "engine/dataset.h"
#include "engine/layer_params.h"

#include <string>
#include <vector>

namespace nac::engine {

struct LayerDefault {
    std::string name;
    LayerParams params;
};

struct ModelMetadata {
    std::string name;
    InputSpec input;
    bool hasInput = false;              // false: the user must give --input/--mean/--std
    std::vector<std::string> classes;
    std::vector<LayerDefault> layers;   // default layers to cover, with their parameters
    std::string origin;                 // "embedded nac.json", "<path>.nac.json" or "none"
    std::string extraJson = "{}";       // other keys (training info), kept verbatim on rewrite
};

// Throws Error(BadInput) naming origin and the key that is wrong.
ModelMetadata parseModelMetadata(const std::string& jsonText, const std::string& origin);
std::string serializeModelMetadata(const ModelMetadata& metadata);

// Parses "1x28x28" / "3x224x224"; throws Error(BadInput).
void parseInputShape(const std::string& text, InputSpec& spec);
// Parses "0.5" or "0.485,0.456,0.406"; throws Error(BadInput).
std::vector<float> parseFloatList(const std::string& text, const std::string& what);

// Throws Error(BadInput) when sizes are out of range or mean/std do not fit the channel count.
void validateInputSpec(const InputSpec& spec);

}  // namespace nac::engine
