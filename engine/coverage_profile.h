// A fitted NAC coverage profile: the cached raw products of the fit samples, the per-layer
// parameters, and the histograms (counts, Phi) derived from them; scores new samples (NAC-UE).
#pragma once

#include "engine/dataset.h"
#include "engine/layer_params.h"
#include "engine/sample_set.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nac::engine {

// One tapped layer: its module path, its output shape (batch dimension first, as in the dry run)
// and its neuron count (channels, or features for [B, N] outputs).
struct LayerInfo {
    std::string name;
    std::vector<std::int64_t> outputShape;
    int neuronCount = 0;
    Pooling pooling = Pooling::Spatial;
};

// Histogram of one layer under its current parameters. counts and phi are row-major
// [binCount x neuronCount]: entry (k, n) is bin k of neuron n.
struct LayerCoverage {
    LayerParams params;
    std::vector<double> edges;         // M edges; bin k = [edges[k], edges[k+1])
    std::vector<std::uint32_t> counts; // fit samples whose state fell in the bin
    std::vector<float> phi;            // min(count / O, 1)
    int neuronCount = 0;

    int binCount() const { return int(edges.size()) - 1; }
    float phiAt(int bin, int neuron) const { return phi[std::size_t(bin) * std::size_t(neuronCount) + std::size_t(neuron)]; }
    std::uint32_t countAt(int bin, int neuron) const
    {
        return counts[std::size_t(bin) * std::size_t(neuronCount) + std::size_t(neuron)];
    }
    // NAC-ME's G for this layer (SPEC §4): mean over neurons of sum_k Phi[k, n] / M.
    double coverageArea() const;
};

// Scores of a set of samples: higher means more in-distribution. All vectors have one entry per sample.
struct ScoreTable {
    std::vector<double> total;                 // equal-weight mean of the layer scores
    std::vector<std::vector<double>> perLayer; // [layer][sample]: mean over the layer's neurons of Phi
};

// Why one sample scored as it did: for each layer and neuron, its state, its bin and that bin's Phi.
struct NeuronVerdict {
    float state = 0.0f;  // sigmoid(alpha * raw product)
    int bin = -1;        // -1: outside every bin (scores 0)
    float phi = 0.0f;
};
struct SampleExplanation {
    double total = 0.0;
    std::vector<double> perLayer;
    std::vector<std::vector<NeuronVerdict>> neurons;  // [layer][neuron]
};

// What changed after setParams(): used by views to redraw only what they must.
enum class ParamChange {
    None = 1,
    PhiOnly,   // only O changed: counts are unchanged, Phi and scores are recomputed
    Rebinned,  // M, alpha or the scheme changed: counts were rebuilt from the cached raw products
};

// What a profile keeps of its fit samples (docs/memory.md).
enum class FitCache {
    // Every fit raw product, row-major as fitted and once more sorted per neuron: M, alpha, the
    // bin scheme and O all change live, and counts are exact for any of them. 8 bytes per neuron
    // and fit image in memory (4 in the .nacprofile). The default, as the reference re-bins.
    Exact = 1,
    // The counts of the fitted parameters only: O changes live (Phi), M, alpha and the bin scheme
    // are fixed at fit time. Memory does not grow with the fit images (but for their names).
    Histograms,
};
const char* toString(FitCache cache);                    // "exact", "histograms"
std::optional<FitCache> parseFitCache(const std::string& text);

// Lives on one thread at a time; const methods may be called concurrently.
class CoverageProfile {
public:
    CoverageProfile();
    // Builds the histograms for the fit samples. params has one entry per layer of fit.
    // Throws Error(BadInput) for invalid parameters or mismatched layers.
    CoverageProfile(std::vector<LayerInfo> layers, SampleSet fit, std::vector<LayerParams> params);
    // A histograms-only profile (FitCache::Histograms): counts[l] is row-major [(M-1) x neurons]
    // for params[l]; fit holds the fit images' labels, sources and identities and no raw
    // products or logits. Throws Error(BadInput) when a count block has the wrong size or a
    // neuron counts more samples than were fitted.
    static CoverageProfile fromCounts(std::vector<LayerInfo> layers, SampleSet fit, std::vector<LayerParams> params,
                                      std::vector<std::vector<std::uint32_t>> counts);
    ~CoverageProfile();
    CoverageProfile(const CoverageProfile& other);
    CoverageProfile& operator=(const CoverageProfile& other);
    CoverageProfile(CoverageProfile&&) noexcept;
    CoverageProfile& operator=(CoverageProfile&&) noexcept;

    // Identity, stored in .nacprofile files.
    std::string modelSha256;
    // The model file: absolute when fitted; loadProfile() resolves it (the path relative to the
    // profile's folder first, so that a profile moved together with its model still finds it).
    std::string modelPath;
    std::string datasetDescription;
    std::string createdBy;
    // The preprocessing the fit used (size, channels, mean, std) and the conversion rules of the
    // readers (kImageConversionRules). Scoring must use the same; hasInput is false only for
    // profiles written before it was stored.
    InputSpec input;
    bool hasInput = false;
    std::string conversionRules;

    const std::vector<LayerInfo>& layers() const { return m_layers; }
    std::size_t layerCount() const { return m_layers.size(); }
    int layerIndex(const std::string& name) const;  // -1 when absent
    // With FitCache::Histograms its rawProducts and logits are empty (labels, sources and
    // identities are kept).
    const SampleSet& fitSamples() const { return m_fit; }
    FitCache fitCache() const { return m_fitCache; }
    // Bytes the profile holds in memory for layer's fit cache: raw products, their sorted copy,
    // counts and Phi (what `nac bench` reports per fit image).
    std::size_t fitCacheBytes(std::size_t layer) const;

    // Held-out InD samples (never used in the histograms): the threshold that keeps 95% of InD
    // and the sanity check use them. May be empty.
    const SampleSet& heldoutSamples() const { return m_heldout; }
    void setHeldoutSamples(SampleSet heldout);

    const LayerParams& params(std::size_t layer) const;
    std::vector<LayerParams> allParams() const;
    // Changes one layer's parameters; re-bins cached raw products when M, alpha or the scheme
    // changed (milliseconds), only recomputes Phi when O alone changed (microseconds). With
    // FitCache::Histograms a change of M, alpha or the scheme throws Error(BadInput) and
    // changes nothing.
    ParamChange setParams(std::size_t layer, const LayerParams& params);
    ParamChange setAllParams(const std::vector<LayerParams>& params);

    const LayerCoverage& coverage(std::size_t layer) const;

    // NAC-UE scores (SPEC §3). samples must have the profile's layers in the same order and
    // their raw products (Error(BadInput) otherwise, e.g. a histograms-only profile's fit samples).
    ScoreTable score(const SampleSet& samples) const;
    SampleExplanation explain(const SampleSet& samples, std::size_t sampleIndex) const;

    // Appends the fit samples of other (a profile fitted on a disjoint shard with the same model,
    // layers, parameters and preprocessing); the result equals a profile fitted on the union.
    // Throws Error(BadInput) when the two differ, or when they share an image (by
    // Dataset::sampleIdentity, or by source name for profiles without identities): a shard
    // merged with itself or with an overlapping one would count those images twice. Two
    // histograms-only profiles merge by adding their counts; an exact and a histograms-only
    // profile do not merge (Error(BadInput)).
    void merge(const CoverageProfile& other);

    // A profile with only the named layers, in the given order (layer ablations). Throws
    // Error(BadInput) for a name the profile does not cover.
    CoverageProfile withLayers(const std::vector<std::string>& names) const;

    // Per layer state of one fit-sample neuron value (for histograms in views).
    float stateOf(std::size_t layer, float rawProduct) const;

private:
    struct Cache;
    void rebuildLayer(std::size_t layer);
    void checkDisjoint(const CoverageProfile& other) const;
    void recomputePhi(std::size_t layer);

    std::vector<LayerInfo> m_layers;
    SampleSet m_fit;
    SampleSet m_heldout;
    std::vector<LayerCoverage> m_coverage;
    std::unique_ptr<Cache> m_cache;  // per-neuron sorted raw products of the fit samples
    FitCache m_fitCache = FitCache::Exact;
};

// The state the reference computes from a raw product: 1 / (1 + exp(-alpha * raw)) in float32.
float neuronState(float rawProduct, double alpha);

}  // namespace nac::engine
