// Validation, parsing and formatting of per-layer NAC parameters.
#include "engine/layer_params.h"

#include "engine/error.h"
#include "engine/number_text.h"

#include <cmath>
#include <sstream>

namespace nac::engine {
namespace {

double parseNumber(const std::string& key, const std::string& value, const std::string& whole)
{
    // from_chars: "0.5" is 0.5 in every locale (std::stod would read "0,5" under de_DE and stop at '.').
    const std::optional<double> number = parseReal(value);
    if (!number)
        throw badInput("parameter " + key + " in '" + whole + "' is not a number: '" + value + "' (write decimals with '.')");
    return *number;
}

std::string formatNumber(double value) { return formatReal(value, 10); }

}  // namespace

void validateLayerParams(const std::string& layerName, const LayerParams& params)
{
    try {
        validateBinEdgeCount(params.scheme, params.binEdgeCount);
    } catch (const Error& e) {
        throw badInput("layer " + layerName + ": " + e.what());
    }
    if (!std::isfinite(params.minActivated) || params.minActivated <= 0.0)
        throw badInput("layer " + layerName + ": O=" + formatNumber(params.minActivated)
                       + " is invalid; O (the paper's r, samples needed to cover a bin) must be > 0");
    if (!std::isfinite(params.alpha) || params.alpha <= 0.0)
        throw badInput("layer " + layerName + ": alpha=" + formatNumber(params.alpha)
                       + " is invalid; alpha (the state sigmoid's steepness) must be > 0");
}

LayerParams parseLayerParams(const std::string& text, LayerParams base)
{
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw badInput("layer parameter '" + item + "' in '" + text + "' has no '=': write e.g. M=50,O=50,alpha=100");
        const std::string key = item.substr(0, eq);
        const std::string value = item.substr(eq + 1);
        if (key == "M" || key == "m") {
            const double m = parseNumber(key, value, text);
            if (m != std::floor(m) || std::abs(m) > 1e9)
                throw badInput("M=" + value + " in '" + text + "' must be a whole number");
            base.binEdgeCount = int(m);
        } else if (key == "O" || key == "o" || key == "r") {
            base.minActivated = parseNumber(key, value, text);
        } else if (key == "alpha" || key == "a") {
            base.alpha = parseNumber(key, value, text);
        } else if (key == "bins" || key == "scheme") {
            base.scheme = binSchemeFromString(value);
        } else {
            throw badInput("unknown layer parameter '" + key + "' in '" + text + "': use M, O, alpha and bins");
        }
    }
    return base;
}

std::string formatLayerParams(const LayerParams& params)
{
    return "M=" + std::to_string(params.binEdgeCount) + ",O=" + formatNumber(params.minActivated)
        + ",alpha=" + formatNumber(params.alpha) + ",bins=" + toString(params.scheme);
}

const char* toString(Pooling pooling)
{
    switch (pooling) {
    case Pooling::Spatial:
        return "spatial";
    case Pooling::TokenSum:
        return "tokens";
    case Pooling::ClsToken:
        return "cls";
    }
    return "spatial";
}

std::optional<Pooling> parsePooling(const std::string& text)
{
    for (Pooling pooling : {Pooling::Spatial, Pooling::TokenSum, Pooling::ClsToken})
        if (text == toString(pooling))
            return pooling;
    return std::nullopt;
}

}  // namespace nac::engine
