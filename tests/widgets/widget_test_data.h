// Hand-made engine value types for the widget tests (coverage with chosen counts, module trees),
// and a colour comparison for pixels read back from a grab.
#pragma once

#include "engine/bin_edges.h"
#include "engine/coverage_profile.h"

#include <QColor>
#include <QRgb>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <functional>
#include <vector>

namespace nac::widgets::test {

// Coverage of neuronCount neurons with reference/linear edges for M and count(bin, neuron) chosen
// by the caller; Phi = min(count / O, 1) as SPEC §2 defines it.
inline nac::engine::LayerCoverage makeCoverage(nac::engine::BinScheme scheme, int binEdgeCount, int neuronCount,
                                               double minActivated,
                                               const std::function<std::uint32_t(int bin, int neuron)>& count)
{
    nac::engine::LayerCoverage coverage;
    coverage.params.scheme = scheme;
    coverage.params.binEdgeCount = binEdgeCount;
    coverage.params.minActivated = minActivated;
    coverage.params.alpha = 100.0;
    coverage.edges = nac::engine::makeBinEdges(scheme, binEdgeCount);
    coverage.neuronCount = neuronCount;
    const int bins = coverage.binCount();
    coverage.counts.resize(std::size_t(bins) * std::size_t(neuronCount));
    coverage.phi.resize(coverage.counts.size());
    for (int bin = 0; bin < bins; ++bin) {
        for (int neuron = 0; neuron < neuronCount; ++neuron) {
            const std::size_t cell = std::size_t(bin) * std::size_t(neuronCount) + std::size_t(neuron);
            coverage.counts[cell] = count(bin, neuron);
            coverage.phi[cell] = float(std::min(double(coverage.counts[cell]) / minActivated, 1.0));
        }
    }
    return coverage;
}

// The count pattern most tests use: distinct per cell, so a wrong cell shows.
inline std::uint32_t distinctCount(int bin, int neuron)
{
    return std::uint32_t(bin * 10 + neuron);
}

// Antialiasing blends edges: a pixel within this distance per channel counts as the colour.
constexpr int kColourTolerance = 40;
inline bool sameColour(QRgb pixel, const QColor& colour)
{
    return std::abs(qRed(pixel) - colour.red()) <= kColourTolerance && std::abs(qGreen(pixel) - colour.green()) <= kColourTolerance
        && std::abs(qBlue(pixel) - colour.blue()) <= kColourTolerance;
}

}  // namespace nac::widgets::test
