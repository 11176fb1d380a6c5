// SampleSet bookkeeping: appending, subsets and consistency checks.
#include "engine/sample_set.h"

#include "engine/error.h"

#include <algorithm>

namespace nac::engine {

int SampleSet::predictedClass(std::size_t sample) const
{
    const float* row = logitRow(sample);
    return int(std::max_element(row, row + classCount) - row);
}

SampleSet SampleSet::emptyLike() const
{
    SampleSet empty;
    empty.layerNames = layerNames;
    empty.neuronCounts = neuronCounts;
    empty.rawProducts.resize(layerNames.size());
    empty.classCount = classCount;
    return empty;
}

void SampleSet::append(const SampleSet& other)
{
    if (other.layerNames != layerNames || other.neuronCounts != neuronCounts)
        throw badInput("cannot combine samples computed for different layers");
    if (other.classCount != classCount)
        throw badInput("cannot combine samples from models with different class counts");
    for (std::size_t l = 0; l < rawProducts.size(); ++l)
        rawProducts[l].insert(rawProducts[l].end(), other.rawProducts[l].begin(), other.rawProducts[l].end());
    logits.insert(logits.end(), other.logits.begin(), other.logits.end());
    // Identities stay only while every sample has one.
    const bool keepIdentities = (identities.size() == labels.size() || labels.empty())
        && other.identities.size() == other.labels.size();
    labels.insert(labels.end(), other.labels.begin(), other.labels.end());
    sources.insert(sources.end(), other.sources.begin(), other.sources.end());
    if (keepIdentities)
        identities.insert(identities.end(), other.identities.begin(), other.identities.end());
    else
        identities.clear();
}

SampleSet SampleSet::subset(const std::vector<std::size_t>& indices) const
{
    SampleSet out = emptyLike();
    for (std::size_t l = 0; l < layerNames.size(); ++l) {
        const std::size_t n = std::size_t(neuronCounts[l]);
        out.rawProducts[l].reserve(indices.size() * n);
        for (std::size_t i : indices)
            out.rawProducts[l].insert(out.rawProducts[l].end(), rawRow(l, i), rawRow(l, i) + n);
    }
    for (std::size_t i : indices) {
        out.logits.insert(out.logits.end(), logitRow(i), logitRow(i) + classCount);
        out.labels.push_back(labels[i]);
        out.sources.push_back(i < sources.size() ? sources[i] : std::string());
        if (identities.size() == labels.size())
            out.identities.push_back(identities[i]);
    }
    return out;
}

SampleSet SampleSet::withLayers(const std::vector<std::size_t>& layers) const
{
    SampleSet out;
    for (std::size_t l : layers) {
        out.layerNames.push_back(layerNames.at(l));
        out.neuronCounts.push_back(neuronCounts.at(l));
        out.rawProducts.push_back(rawProducts.at(l));
    }
    out.classCount = classCount;
    out.logits = logits;
    out.labels = labels;
    out.sources = sources;
    out.identities = identities;
    return out;
}

void SampleSet::checkConsistent() const
{
    const std::size_t count = sampleCount();
    bool ok = neuronCounts.size() == layerNames.size() && rawProducts.size() == layerNames.size()
        && logits.size() == count * std::size_t(classCount) && (sources.empty() || sources.size() == count)
        && (identities.empty() || identities.size() == count);
    for (std::size_t l = 0; ok && l < rawProducts.size(); ++l)
        ok = rawProducts[l].size() == count * std::size_t(neuronCounts[l]);
    if (!ok)
        throw Error(ErrorKind::Internal, "sample set: block sizes do not match the sample count");
}

}  // namespace nac::engine
