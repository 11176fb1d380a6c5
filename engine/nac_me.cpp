// NAC-ME coverage score G: histogram of correct samples with linear bins, mean covered area.
#include "engine/nac_me.h"

#include "engine/coverage_profile.h"
#include "engine/error.h"

namespace nac::engine {

LayerParams nacMeDefaultParams()
{
    LayerParams p;
    p.binEdgeCount = 50;
    p.minActivated = 500.0;
    p.alpha = 0.1;
    p.scheme = BinScheme::Linear;
    return p;
}

NacMeResult nacMeScore(const SampleSet& samples, const LayerParams& params, bool correctOnly)
{
    if (samples.layerCount() != 1)
        throw badInput("NAC-ME uses exactly one layer");
    NacMeResult result;
    result.samplesTotal = samples.sampleCount();
    std::vector<std::size_t> kept;
    std::size_t labelled = 0;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < samples.sampleCount(); ++i) {
        const bool hasLabel = samples.labels[i] >= 0;
        const bool isCorrect = hasLabel && samples.predictedClass(i) == samples.labels[i];
        labelled += hasLabel ? 1 : 0;
        correct += isCorrect ? 1 : 0;
        if (!correctOnly || isCorrect)
            kept.push_back(i);
    }
    result.accuracy = labelled ? double(correct) / double(labelled) : -1.0;
    result.samplesUsed = kept.size();
    if (kept.empty())
        throw badInput(correctOnly ? "NAC-ME: no sample was classified correctly (or none has a label), so the "
                                     "correct-only histogram is empty"
                                   : "NAC-ME: no samples");
    LayerInfo info;
    info.name = samples.layerNames[0];
    info.neuronCount = samples.neuronCounts[0];
    const CoverageProfile profile({info}, samples.subset(kept), {params});
    result.coverage = profile.coverage(0).coverageArea();
    return result;
}

}  // namespace nac::engine
