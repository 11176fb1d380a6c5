// What the model produced for a set of images: per tapped layer the raw NAC products, plus logits.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nac::engine {

// For every sample i and neuron n of layer l, rawProducts[l][i * neuronCounts[l] + n] holds
// sumHW(z) * sumHW(dKL/dz) (SPEC §1), the value before alpha and the sigmoid. Keeping these lets
// alpha, M and O change without running the model again.
struct SampleSet {
    std::vector<std::string> layerNames;
    std::vector<int> neuronCounts;
    std::vector<std::vector<float>> rawProducts;  // one row-major [sampleCount x neuronCount] block per layer
    int classCount = 0;
    std::vector<float> logits;                    // row-major [sampleCount x classCount]
    std::vector<int> labels;                      // data-set labels, -1 when unknown
    std::vector<std::string> sources;             // where each sample came from
    // Dataset::sampleIdentity of each sample (canonical paths), or empty when unknown (profiles
    // written before identities were stored). Used to refuse merging shards that share images.
    std::vector<std::string> identities;

    std::size_t sampleCount() const { return labels.size(); }
    std::size_t layerCount() const { return layerNames.size(); }
    const float* rawRow(std::size_t layer, std::size_t sample) const
    {
        return rawProducts[layer].data() + sample * std::size_t(neuronCounts[layer]);
    }
    const float* logitRow(std::size_t sample) const { return logits.data() + sample * std::size_t(classCount); }
    int predictedClass(std::size_t sample) const;

    // An empty set with the same layers and classes.
    SampleSet emptyLike() const;
    // Appends other's samples; throws Error(BadInput) when the layers or class counts differ.
    void append(const SampleSet& other);
    // The samples at the given indices, in that order.
    SampleSet subset(const std::vector<std::size_t>& indices) const;
    // Only the given layers (indices into layerNames), in that order.
    SampleSet withLayers(const std::vector<std::size_t>& layers) const;
    // Throws Error(Internal) when the block sizes do not agree with the counts.
    void checkConsistent() const;
};

}  // namespace nac::engine
