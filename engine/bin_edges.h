// Bin edges of the coverage histogram (SPEC §2) and the lookup of a neuron state's bin.
#pragma once

#include <string>
#include <vector>

namespace nac::engine {

enum class BinScheme {
    Reference = 1,  // the reference NAC-UE edges: mirrored log10(1000) spacing, dense near 0.5, then 1.01, 1.2
    Linear,         // linspace(0, 1, M), as NAC-ME uses
};

std::string toString(BinScheme scheme);                 // "reference" / "linear"
BinScheme binSchemeFromString(const std::string& text);   // throws Error(BadInput) on anything else

// Smallest and largest M accepted anywhere (the reference uses 50..1000; M must be even for the
// reference scheme because its construction halves M).
constexpr int kMinBinEdges = 4;
constexpr int kMaxBinEdges = 100000;

// Throws Error(BadInput) naming the value when M cannot be used with the scheme.
void validateBinEdgeCount(BinScheme scheme, int edgeCount);

// M edges, ascending; bin k is [edges[k], edges[k+1]), so there are M-1 bins.
std::vector<double> makeBinEdges(BinScheme scheme, int edgeCount);

// Index of the bin holding value, or -1 when the value is outside [edges.front(), edges.back())
// or NaN. The comparison is done in double, as the reference compares float32 states with
// float64 edges.
int findBin(const std::vector<double>& edges, float value);

}  // namespace nac::engine
