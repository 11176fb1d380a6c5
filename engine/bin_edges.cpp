// Bin edges of the coverage histogram, built exactly as the reference's logspace()/linspace().
#include "engine/bin_edges.h"

#include "engine/error.h"

#include <algorithm>
#include <cmath>

namespace nac::engine {
namespace {

// numpy.linspace(start, stop, count) for count >= 2: start + i*step, with the last value exact.
std::vector<double> numpyLinspace(double start, double stop, int count)
{
    std::vector<double> values(static_cast<std::size_t>(count));
    if (count == 1) {
        values[0] = start;
        return values;
    }
    const double step = (stop - start) / double(count - 1);
    for (int i = 0; i < count; ++i)
        values[std::size_t(i)] = double(i) * step + start;
    values.back() = stop;
    return values;
}

}  // namespace

std::string toString(BinScheme scheme)
{
    return scheme == BinScheme::Linear ? "linear" : "reference";
}

BinScheme binSchemeFromString(const std::string& text)
{
    if (text == "reference" || text == "log" || text == "mirrored-log")
        return BinScheme::Reference;
    if (text == "linear")
        return BinScheme::Linear;
    throw badInput("unknown bin scheme '" + text + "': use 'reference' (mirrored log, as the NAC-UE code) or 'linear'");
}

void validateBinEdgeCount(BinScheme scheme, int edgeCount)
{
    if (edgeCount < kMinBinEdges || edgeCount > kMaxBinEdges)
        throw badInput("M=" + std::to_string(edgeCount) + " is out of range: M (the number of bin edges) must be between "
                       + std::to_string(kMinBinEdges) + " and " + std::to_string(kMaxBinEdges));
    if (scheme == BinScheme::Reference && edgeCount % 2 != 0)
        throw badInput("M=" + std::to_string(edgeCount)
                       + " is odd: the reference bin scheme needs an even M (it mirrors M/2 edges); try "
                       + std::to_string(edgeCount + 1));
}

std::vector<double> makeBinEdges(BinScheme scheme, int edgeCount)
{
    validateBinEdgeCount(scheme, edgeCount);
    if (scheme == BinScheme::Linear)
        return numpyLinspace(0.0, 1.0, edgeCount);

    // Reference: x = linspace(1, sqrt(1000), M/2); xl = log_1000(x) runs 0..0.5; mirrored
    // xr = reverse(1 - xl) runs 0.5..1; edges = xl[:-1] ++ xr, last edge += 0.01, then 1.2.
    constexpr double kLogBase = 1000.0;
    const int half = edgeCount / 2;
    const std::vector<double> x = numpyLinspace(1.0, std::sqrt(kLogBase), half);
    std::vector<double> left(x.size());
    const double logOfBase = std::log(kLogBase);
    for (std::size_t i = 0; i < x.size(); ++i)
        left[i] = std::log(x[i]) / logOfBase;
    std::vector<double> edges(left.begin(), left.end() - 1);
    for (auto it = left.rbegin(); it != left.rend(); ++it)
        edges.push_back(1.0 - *it);
    edges.back() += 1e-2;
    edges.push_back(1.2);
    return edges;
}

int findBin(const std::vector<double>& edges, float value)
{
    const double v = double(value);
    if (!(v >= edges.front()) || !(v < edges.back()))
        return -1;  // also catches NaN
    // upper_bound gives the first edge > v; the bin starts one edge earlier.
    const auto it = std::upper_bound(edges.begin(), edges.end(), v);
    return int(it - edges.begin()) - 1;
}

BinFinder::BinFinder(const std::vector<double>& edges) : m_edges(edges)
{
    if (edges.size() < 2 || !(edges.front() < edges.back()))
        throw badInput("bin edges need at least two ascending values");
    // About four cells per bin, at least 4096: the smallest reference bin (near 0.5 at M=1000) is
    // about as wide as a cell, so the walk is one or two steps.
    const std::size_t cells = std::max<std::size_t>(4096, 4 * edges.size());
    m_low = edges.front();
    m_high = edges.back();
    m_scale = double(cells) / (m_high - m_low);
    m_lastCell = double(cells - 1);
    m_start.resize(cells);
    std::size_t bin = 0;
    for (std::size_t c = 0; c < cells; ++c) {
        const double lower = m_low + double(c) / m_scale;
        while (bin + 2 < edges.size() && lower >= edges[bin + 1])
            ++bin;
        m_start[c] = std::int32_t(bin);
    }
}

}  // namespace nac::engine
