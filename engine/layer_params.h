// Per-layer NAC hyperparameters: M (bin edges), O (the paper's r), alpha, and the bin scheme.
#pragma once

#include "engine/bin_edges.h"

#include <optional>
#include <string>

namespace nac::engine {

// How a layer's output and its gradient become one value per neuron before the product (SPEC §1.5).
enum class Pooling {
    Spatial = 1,  // [B, C, ...]: sum over every dimension after C (the reference's ResNet rule)
    TokenSum,     // [B, T, D] of a transformer: sum over the tokens T; neurons are the D features
    ClsToken,     // [B, T, D]: token 0 only (the reference's rule for a ViT's final `encoder.ln`)
};
const char* toString(Pooling pooling);                       // "spatial", "tokens", "cls"
std::optional<Pooling> parsePooling(const std::string& text);

struct LayerParams {
    int binEdgeCount = 50;        // M: number of bin edges; M-1 bins
    double minActivated = 50.0;   // O (the paper's r): a bin with >= O fit samples is fully covered
    double alpha = 100.0;         // steepness of the state sigmoid(alpha * z * dKL/dz)
    BinScheme scheme = BinScheme::Reference;

    bool operator==(const LayerParams& other) const
    {
        return binEdgeCount == other.binEdgeCount && minActivated == other.minActivated && alpha == other.alpha
            && scheme == other.scheme;
    }
    bool operator!=(const LayerParams& other) const { return !(*this == other); }
};

// Throws Error(BadInput) naming the layer and the parameter: M odd or out of range, O <= 0 or not
// finite, alpha <= 0 or not finite.
void validateLayerParams(const std::string& layerName, const LayerParams& params);

// Parses "M=50,O=50,alpha=100[,bins=linear]" (any subset, any order) on top of base.
// Throws Error(BadInput) naming the text.
LayerParams parseLayerParams(const std::string& text, LayerParams base);

// "M=50,O=50,alpha=100,bins=reference"
std::string formatLayerParams(const LayerParams& params);

}  // namespace nac::engine
