// Bin edges of the coverage histogram (SPEC §2) and the lookup of a neuron state's bin.
#pragma once

#include <cstdint>
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

// findBin for many values against the same edges, several times faster: a table of equal-width
// cells over [edges.front(), edges.back()) gives each value a starting bin, and a short walk along
// the edges settles it. The walk compares the value with the edges exactly as findBin does, so the
// answer is findBin's for every float (tst_bin_edges checks this on dense sweeps and every edge).
class BinFinder {
public:
    BinFinder() = default;
    explicit BinFinder(const std::vector<double>& edges);
    int operator()(float value) const
    {
        const double v = double(value);
        if (!(v >= m_low) || !(v < m_high))
            return -1;  // also catches NaN
        double cell = (v - m_low) * m_scale;
        if (cell > m_lastCell)
            cell = m_lastCell;
        int bin = m_start[std::size_t(cell)];
        while (v < m_edges[std::size_t(bin)])
            --bin;
        while (v >= m_edges[std::size_t(bin) + 1])
            ++bin;
        return bin;
    }

private:
    std::vector<double> m_edges;
    std::vector<std::int32_t> m_start;  // per cell: the bin holding the cell's lower end
    double m_low = 0.0;
    double m_high = 0.0;
    double m_scale = 0.0;
    double m_lastCell = 0.0;
};

}  // namespace nac::engine
