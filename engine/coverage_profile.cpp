// Coverage histograms from cached raw products, and NAC-UE scoring (SPEC §2, §3).
#include "engine/coverage_profile.h"

#include "engine/error.h"

#include <algorithm>
#include <unordered_set>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>

namespace nac::engine {

namespace {
// Below this many (neuron x (sample + edge)) items a layer is binned on the calling thread only.
constexpr std::size_t kParallelWorkItems = 200000;
}  // namespace

float neuronState(float rawProduct, double alpha)
{
    // Mirrors the reference's 1 / (1 + torch.exp(-sig_alpha * x)) on a float32 tensor: the python
    // float alpha becomes a float32 scalar, every step rounds to float32.
    const float scaled = -float(alpha) * rawProduct;
    return 1.0f / (1.0f + std::exp(scaled));
}

double LayerCoverage::coverageArea() const
{
    if (neuronCount == 0)
        return 0.0;
    const int bins = binCount();
    double total = 0.0;
    for (int n = 0; n < neuronCount; ++n) {
        double area = 0.0;
        for (int k = 0; k < bins; ++k)
            area += double(phiAt(k, n));
        total += area / double(params.binEdgeCount);
    }
    return total / double(neuronCount);
}

// Per layer, each neuron's fit raw products sorted ascending ([neuron][sample]); counting the
// samples in a bin is then two binary searches instead of a pass over every sample.
struct CoverageProfile::Cache {
    std::vector<std::vector<float>> sortedByLayer;  // [layer] -> row-major [neuron x sample]
    std::vector<bool> valid;
};

const char* toString(FitCache cache)
{
    return cache == FitCache::Histograms ? "histograms" : "exact";
}

std::optional<FitCache> parseFitCache(const std::string& text)
{
    if (text == "exact")
        return FitCache::Exact;
    if (text == "histograms")
        return FitCache::Histograms;
    return std::nullopt;
}

CoverageProfile::CoverageProfile() : m_cache(std::make_unique<Cache>()) {}

CoverageProfile CoverageProfile::fromCounts(std::vector<LayerInfo> layers, SampleSet fit, std::vector<LayerParams> params,
                                            std::vector<std::vector<std::uint32_t>> counts)
{
    if (layers.empty())
        throw badInput("a coverage profile needs at least one layer");
    if (params.size() != layers.size() || counts.size() != layers.size() || fit.layerCount() != layers.size())
        throw Error(ErrorKind::Internal, "coverage profile: one parameter set and count block per layer is needed");
    CoverageProfile out;
    out.m_fitCache = FitCache::Histograms;
    out.m_layers = std::move(layers);
    for (auto& raw : fit.rawProducts)
        std::vector<float>().swap(raw);
    std::vector<float>().swap(fit.logits);
    out.m_fit = std::move(fit);
    out.m_coverage.resize(out.m_layers.size());
    out.m_cache->sortedByLayer.resize(out.m_layers.size());
    out.m_cache->valid.assign(out.m_layers.size(), false);
    const std::size_t samples = out.m_fit.sampleCount();
    for (std::size_t l = 0; l < out.m_layers.size(); ++l) {
        const LayerInfo& info = out.m_layers[l];
        if (out.m_fit.layerNames[l] != info.name || out.m_fit.neuronCounts[l] != info.neuronCount)
            throw Error(ErrorKind::Internal, "coverage profile: fit samples do not match layer " + info.name);
        validateLayerParams(info.name, params[l]);
        LayerCoverage& c = out.m_coverage[l];
        c.params = params[l];
        c.neuronCount = info.neuronCount;
        c.edges = makeBinEdges(c.params.scheme, c.params.binEdgeCount);
        const std::size_t neurons = std::size_t(info.neuronCount);
        if (counts[l].size() != std::size_t(c.binCount()) * neurons)
            throw badInput("layer " + info.name + ": " + std::to_string(counts[l].size()) + " counts given, "
                           + std::to_string(std::size_t(c.binCount()) * neurons) + " expected for M=" + std::to_string(c.params.binEdgeCount)
                           + " and " + std::to_string(neurons) + " neurons");
        // Every fit image lands in at most one bin of each neuron.
        std::vector<std::uint64_t> perNeuron(neurons, 0);
        for (std::size_t i = 0; i < counts[l].size(); ++i)
            perNeuron[i % neurons] += counts[l][i];
        for (std::size_t n = 0; n < neurons; ++n)
            if (perNeuron[n] > samples)
                throw badInput("layer " + info.name + ": neuron " + std::to_string(n) + " counts " + std::to_string(perNeuron[n])
                               + " fit images in its bins, but only " + std::to_string(samples) + " were fitted");
        c.counts = std::move(counts[l]);
        out.recomputePhi(l);
    }
    return out;
}

std::size_t CoverageProfile::fitCacheBytes(std::size_t layer) const
{
    const LayerCoverage& c = m_coverage.at(layer);
    return m_fit.rawProducts.at(layer).capacity() * sizeof(float)
        + m_cache->sortedByLayer.at(layer).capacity() * sizeof(float) + c.counts.capacity() * sizeof(std::uint32_t)
        + c.phi.capacity() * sizeof(float);
}

CoverageProfile::CoverageProfile(std::vector<LayerInfo> layers, SampleSet fit, std::vector<LayerParams> params)
    : m_layers(std::move(layers)), m_fit(std::move(fit)), m_cache(std::make_unique<Cache>())
{
    if (m_layers.empty())
        throw badInput("a coverage profile needs at least one layer");
    if (params.size() != m_layers.size())
        throw Error(ErrorKind::Internal, "coverage profile: one parameter set per layer is needed");
    if (m_fit.layerCount() != m_layers.size())
        throw Error(ErrorKind::Internal, "coverage profile: fit samples have other layers than the profile");
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        if (m_fit.layerNames[l] != m_layers[l].name || m_fit.neuronCounts[l] != m_layers[l].neuronCount)
            throw Error(ErrorKind::Internal, "coverage profile: fit samples do not match layer " + m_layers[l].name);
        validateLayerParams(m_layers[l].name, params[l]);
    }
    m_fit.checkConsistent();
    m_coverage.resize(m_layers.size());
    m_cache->sortedByLayer.resize(m_layers.size());
    m_cache->valid.assign(m_layers.size(), false);
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        m_coverage[l].params = params[l];
        rebuildLayer(l);
    }
}

CoverageProfile::~CoverageProfile() = default;
CoverageProfile::CoverageProfile(CoverageProfile&&) noexcept = default;
CoverageProfile& CoverageProfile::operator=(CoverageProfile&&) noexcept = default;

CoverageProfile::CoverageProfile(const CoverageProfile& other)
    : modelSha256(other.modelSha256), modelPath(other.modelPath), datasetDescription(other.datasetDescription),
      createdBy(other.createdBy), input(other.input), hasInput(other.hasInput), conversionRules(other.conversionRules),
      m_layers(other.m_layers), m_fit(other.m_fit), m_heldout(other.m_heldout),
      m_coverage(other.m_coverage), m_cache(std::make_unique<Cache>(*other.m_cache)), m_fitCache(other.m_fitCache)
{
}

CoverageProfile& CoverageProfile::operator=(const CoverageProfile& other)
{
    if (this != &other) {
        CoverageProfile copy(other);
        *this = std::move(copy);
    }
    return *this;
}

int CoverageProfile::layerIndex(const std::string& name) const
{
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (m_layers[l].name == name)
            return int(l);
    return -1;
}

void CoverageProfile::setHeldoutSamples(SampleSet heldout)
{
    if (heldout.sampleCount() > 0) {
        heldout.checkConsistent();
        if (heldout.layerNames != m_fit.layerNames || heldout.neuronCounts != m_fit.neuronCounts)
            throw badInput("held-out samples were computed for other layers than the profile's");
    }
    m_heldout = std::move(heldout);
}

const LayerParams& CoverageProfile::params(std::size_t layer) const { return m_coverage.at(layer).params; }

std::vector<LayerParams> CoverageProfile::allParams() const
{
    std::vector<LayerParams> all;
    for (const LayerCoverage& c : m_coverage)
        all.push_back(c.params);
    return all;
}

const LayerCoverage& CoverageProfile::coverage(std::size_t layer) const { return m_coverage.at(layer); }

float CoverageProfile::stateOf(std::size_t layer, float rawProduct) const
{
    return neuronState(rawProduct, m_coverage.at(layer).params.alpha);
}

ParamChange CoverageProfile::setParams(std::size_t layer, const LayerParams& params)
{
    validateLayerParams(m_layers.at(layer).name, params);
    LayerCoverage& c = m_coverage.at(layer);
    const LayerParams old = c.params;
    if (old == params)
        return ParamChange::None;
    const bool sameBins = old.binEdgeCount == params.binEdgeCount && old.alpha == params.alpha && old.scheme == params.scheme;
    if (!sameBins && m_fitCache == FitCache::Histograms)
        throw badInput("layer " + m_layers[layer].name + ": this profile keeps histograms only (fitted with --cache histograms), "
                       "so only O can change; M, alpha and the bin scheme stay " + formatLayerParams(old)
                       + ". Fit again with --cache exact to re-bin.");
    c.params = params;
    if (sameBins) {
        recomputePhi(layer);
        return ParamChange::PhiOnly;
    }
    rebuildLayer(layer);
    return ParamChange::Rebinned;
}

ParamChange CoverageProfile::setAllParams(const std::vector<LayerParams>& params)
{
    if (params.size() != m_layers.size())
        throw badInput("expected parameters for " + std::to_string(m_layers.size()) + " layers, got "
                       + std::to_string(params.size()));
    for (std::size_t l = 0; l < params.size(); ++l) {
        validateLayerParams(m_layers[l].name, params[l]);
        const LayerParams& old = m_coverage[l].params;
        if (m_fitCache == FitCache::Histograms
            && (old.binEdgeCount != params[l].binEdgeCount || old.alpha != params[l].alpha || old.scheme != params[l].scheme))
            setParams(l, params[l]);  // throws before any layer changed
    }
    ParamChange strongest = ParamChange::None;
    for (std::size_t l = 0; l < params.size(); ++l) {
        const ParamChange change = setParams(l, params[l]);
        if (change == ParamChange::Rebinned || (change == ParamChange::PhiOnly && strongest == ParamChange::None))
            strongest = change;
    }
    return strongest;
}

namespace {

// Sorts finite floats ascending: a least-significant-digit radix sort on their bit patterns, four
// passes of 8 bits, skipping a pass where every value has the same byte. For the column lengths
// of a fit (1,000 to 100,000 samples) it is several times faster than std::sort. Bit patterns are
// made order-preserving as unsigned integers: negative values have all bits flipped, others only
// the sign bit (-0.0 sorts just below +0.0; both give the same state).
void sortFloats(float* data, std::size_t count, std::vector<std::uint32_t>& scratch)
{
    constexpr std::size_t kSmall = 64;
    if (count < kSmall) {
        std::sort(data, data + count);
        return;
    }
    scratch.resize(2 * count);
    std::uint32_t* keys = scratch.data();
    std::uint32_t* other = keys + count;
    std::array<std::array<std::size_t, 256>, 4> histogram{};
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &data[i], sizeof bits);
        const std::uint32_t key = bits ^ ((bits >> 31) ? 0xFFFFFFFFu : 0x80000000u);
        keys[i] = key;
        for (int pass = 0; pass < 4; ++pass)
            ++histogram[std::size_t(pass)][(key >> (8 * pass)) & 0xFFu];
    }
    for (int pass = 0; pass < 4; ++pass) {
        auto& counts = histogram[std::size_t(pass)];
        if (counts[(keys[0] >> (8 * pass)) & 0xFFu] == count)
            continue;  // every key has this byte
        std::size_t offset = 0;
        for (std::size_t& c : counts) {
            const std::size_t here = c;
            c = offset;
            offset += here;
        }
        for (std::size_t i = 0; i < count; ++i)
            other[counts[(keys[i] >> (8 * pass)) & 0xFFu]++] = keys[i];
        std::swap(keys, other);
    }
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t bits = keys[i] ^ ((keys[i] >> 31) ? 0x80000000u : 0xFFFFFFFFu);
        std::memcpy(&data[i], &bits, sizeof bits);
    }
}

}  // namespace

void CoverageProfile::rebuildLayer(std::size_t layer)
{
    LayerCoverage& c = m_coverage[layer];
    const int neurons = m_layers[layer].neuronCount;
    const std::size_t samples = m_fit.sampleCount();
    c.neuronCount = neurons;
    c.edges = makeBinEdges(c.params.scheme, c.params.binEdgeCount);
    const int bins = c.binCount();

    std::vector<float>& sorted = m_cache->sortedByLayer[layer];
    const bool sortNow = !m_cache->valid[layer];
    if (sortNow)
        sorted.assign(std::size_t(neurons) * samples, 0.0f);
    c.counts.assign(std::size_t(bins) * std::size_t(neurons), 0u);
    const std::vector<float>& raw = m_fit.rawProducts[layer];
    const std::vector<double>& edges = c.edges;
    const double alpha = c.params.alpha;
    // Finding each edge's partition point by binary search costs about edges * log2(samples)
    // states, one walk up the sorted column samples + edges: take the cheaper (same counts).
    const std::size_t searchCost = edges.size() * std::size_t(std::ceil(std::log2(double(samples) + 1.0)));
    const bool walk = samples < searchCost;

    // Neurons [first, last): transpose to [neuron][sample] and sort once per fit, then count.
    auto countNeurons = [&](int first, int last) {
        std::vector<std::size_t> below(edges.size());
        std::vector<std::uint32_t> scratch;
        for (int n = first; n < last; ++n) {
            float* column = sorted.data() + std::size_t(n) * samples;
            if (sortNow) {
                for (std::size_t i = 0; i < samples; ++i)
                    column[i] = raw[i * std::size_t(neurons) + std::size_t(n)];
                sortFloats(column, samples, scratch);
            }
            // The state is monotone in the raw product (alpha > 0), so the number of samples whose
            // state lies below an edge is a partition point of the sorted raw values.
            auto belowEdge = [&](float value, double edge) { return double(neuronState(value, alpha)) < edge; };
            if (walk) {
                std::size_t i = 0;
                for (std::size_t k = 0; k < edges.size(); ++k) {
                    while (i < samples && belowEdge(column[i], edges[k]))
                        ++i;
                    below[k] = i;
                }
            } else {
                for (std::size_t k = 0; k < edges.size(); ++k)
                    below[k] = std::size_t(std::partition_point(column, column + samples,
                                                                [&](float value) { return belowEdge(value, edges[k]); })
                                           - column);
            }
            for (int k = 0; k < bins; ++k)
                c.counts[std::size_t(k) * std::size_t(neurons) + std::size_t(n)] =
                    std::uint32_t(below[std::size_t(k) + 1] - below[std::size_t(k)]);
        }
    };
    // Neurons are independent: large layers are split over the cores (each thread writes only its
    // own neurons' columns and counts).
    const std::size_t work = std::size_t(neurons) * (samples + edges.size());
    const unsigned cores = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    const int threads = int(std::min<std::size_t>({cores, std::size_t(neurons), work / kParallelWorkItems + 1}));
    if (threads <= 1) {
        countNeurons(0, neurons);
    } else {
        std::vector<std::thread> helpers;
        for (int t = 1; t < threads; ++t)
            helpers.emplace_back(countNeurons, neurons * t / threads, neurons * (t + 1) / threads);
        countNeurons(0, neurons / threads);
        for (std::thread& helper : helpers)
            helper.join();
    }
    m_cache->valid[layer] = true;
    recomputePhi(layer);
}

void CoverageProfile::recomputePhi(std::size_t layer)
{
    LayerCoverage& c = m_coverage[layer];
    c.phi.resize(c.counts.size());
    // Phi = min(count / O, 1) in float32 as the reference's t_act / O.
    const float o = float(c.params.minActivated);
    for (std::size_t i = 0; i < c.counts.size(); ++i)
        c.phi[i] = std::min(float(c.counts[i]) / o, 1.0f);
}

ScoreTable CoverageProfile::score(const SampleSet& samples) const
{
    if (samples.layerNames != m_fit.layerNames || samples.neuronCounts != m_fit.neuronCounts)
        throw badInput("the samples to score were computed for other layers than the profile's");
    const std::size_t count = samples.sampleCount();
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (samples.rawProducts.at(l).size() != count * std::size_t(samples.neuronCounts[l]))
            throw badInput("the samples to score hold no raw products for layer " + m_layers[l].name
                           + " (the fit images of a histograms-only profile cannot be scored)");
    ScoreTable table;
    table.total.assign(count, 0.0);
    table.perLayer.assign(m_layers.size(), std::vector<double>(count, 0.0));
    const double layerWeight = 1.0 / double(m_layers.size());
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const LayerCoverage& c = m_coverage[l];
        const int neurons = c.neuronCount;
        const BinFinder findBinOf(c.edges);
        for (std::size_t i = 0; i < count; ++i) {
            const float* raw = samples.rawRow(l, i);
            double sum = 0.0;
            for (int n = 0; n < neurons; ++n) {
                const int bin = findBinOf(neuronState(raw[n], c.params.alpha));
                if (bin >= 0)
                    sum += double(c.phiAt(bin, n));
            }
            const double layerScore = sum / double(neurons);
            table.perLayer[l][i] = layerScore;
            table.total[i] += layerScore * layerWeight;
        }
    }
    return table;
}

SampleExplanation CoverageProfile::explain(const SampleSet& samples, std::size_t sampleIndex) const
{
    if (samples.layerNames != m_fit.layerNames || samples.neuronCounts != m_fit.neuronCounts || sampleIndex >= samples.sampleCount())
        throw badInput("cannot explain sample " + std::to_string(sampleIndex) + ": it is not in the scored set");
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (samples.rawProducts.at(l).size() != samples.sampleCount() * std::size_t(samples.neuronCounts[l]))
            throw badInput("cannot explain sample " + std::to_string(sampleIndex) + ": the set holds no raw products for layer "
                           + m_layers[l].name);
    SampleExplanation out;
    out.neurons.resize(m_layers.size());
    for (std::size_t l = 0; l < m_layers.size(); ++l) {
        const LayerCoverage& c = m_coverage[l];
        const float* raw = samples.rawRow(l, sampleIndex);
        double sum = 0.0;
        auto& verdicts = out.neurons[l];
        verdicts.resize(std::size_t(c.neuronCount));
        for (int n = 0; n < c.neuronCount; ++n) {
            NeuronVerdict& v = verdicts[std::size_t(n)];
            v.state = neuronState(raw[n], c.params.alpha);
            v.bin = findBin(c.edges, v.state);
            v.phi = v.bin >= 0 ? c.phiAt(v.bin, n) : 0.0f;
            sum += double(v.phi);
        }
        out.perLayer.push_back(sum / double(c.neuronCount));
        out.total += out.perLayer.back() / double(m_layers.size());
    }
    return out;
}

CoverageProfile CoverageProfile::withLayers(const std::vector<std::string>& names) const
{
    std::vector<std::size_t> indices;
    std::vector<LayerInfo> infos;
    std::vector<LayerParams> params;
    for (const std::string& name : names) {
        const int index = layerIndex(name);
        if (index < 0) {
            std::string covered;
            for (const LayerInfo& l : m_layers)
                covered += (covered.empty() ? "" : ", ") + l.name;
            throw badInput("layer '" + name + "' is not in the profile; it covers: " + covered);
        }
        indices.push_back(std::size_t(index));
        infos.push_back(m_layers[std::size_t(index)]);
        params.push_back(m_coverage[std::size_t(index)].params);
    }
    CoverageProfile out;
    if (m_fitCache == FitCache::Histograms) {
        std::vector<std::vector<std::uint32_t>> counts;
        for (std::size_t index : indices)
            counts.push_back(m_coverage[index].counts);
        out = fromCounts(infos, m_fit.withLayers(indices), params, std::move(counts));
    } else {
        out = CoverageProfile(infos, m_fit.withLayers(indices), params);
    }
    if (m_heldout.sampleCount() > 0)
        out.setHeldoutSamples(m_heldout.withLayers(indices));
    out.modelSha256 = modelSha256;
    out.modelPath = modelPath;
    out.datasetDescription = datasetDescription;
    out.createdBy = createdBy;
    out.input = input;
    out.hasInput = hasInput;
    out.conversionRules = conversionRules;
    return out;
}

void CoverageProfile::checkDisjoint(const CoverageProfile& other) const
{
    // Identities (canonical paths) when both sides have them for every sample, else source names.
    auto complete = [](const SampleSet& s) { return s.identities.size() == s.sampleCount(); };
    const bool byIdentity = complete(m_fit) && complete(m_heldout) && complete(other.m_fit) && complete(other.m_heldout);
    auto keys = [byIdentity](const SampleSet& s) -> const std::vector<std::string>& { return byIdentity ? s.identities : s.sources; };
    std::unordered_set<std::string> mine;
    mine.reserve(m_fit.sampleCount() + m_heldout.sampleCount());
    for (const SampleSet* set : {&m_fit, &m_heldout})
        mine.insert(keys(*set).begin(), keys(*set).end());
    std::size_t shared = 0;
    std::string example;
    for (const SampleSet* set : {&other.m_fit, &other.m_heldout}) {
        for (const std::string& key : keys(*set)) {
            if (mine.count(key)) {
                if (shared++ == 0)
                    example = key;
            }
        }
    }
    if (shared > 0)
        throw badInput("cannot merge profiles that share images: " + std::to_string(shared) + (shared == 1 ? " image is" : " images are")
                       + " in both (for example " + example + "); fit shards on disjoint images (e.g. DATA@0-29999 and DATA@30000-59999)");
}

void CoverageProfile::merge(const CoverageProfile& other)
{
    if (!modelSha256.empty() && !other.modelSha256.empty() && modelSha256 != other.modelSha256)
        throw badInput("cannot merge profiles of different models (model SHA-256 " + modelSha256.substr(0, 12)
                       + "... vs " + other.modelSha256.substr(0, 12) + "...)");
    if (other.m_fit.layerNames != m_fit.layerNames || other.m_fit.neuronCounts != m_fit.neuronCounts)
        throw badInput("cannot merge profiles that cover different layers");
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        if (other.m_layers[l].pooling != m_layers[l].pooling)
            throw badInput(std::string("cannot merge profiles that pool layer ") + m_layers[l].name + " differently ("
                           + toString(m_layers[l].pooling) + " vs " + toString(other.m_layers[l].pooling) + ")");
    if (other.allParams() != allParams())
        throw badInput("cannot merge profiles with different layer parameters (M, O, alpha, bins); "
                       "set the same parameters first");
    if (hasInput != other.hasInput || (hasInput && input != other.input))
        throw badInput("cannot merge profiles fitted with different preprocessing ("
                       + (hasInput ? describeInputSpec(input) : std::string("not recorded")) + " vs "
                       + (other.hasInput ? describeInputSpec(other.input) : std::string("not recorded")) + ")");
    if (conversionRules != other.conversionRules)
        throw badInput("cannot merge profiles whose images were converted by different rules (made by different versions)");
    if (m_fitCache != other.m_fitCache)
        throw badInput(std::string("cannot merge a profile that keeps ") + (m_fitCache == FitCache::Exact ? "exact raw products" : "histograms only")
                       + " with one that keeps " + (other.m_fitCache == FitCache::Exact ? "exact raw products" : "histograms only")
                       + "; fit every shard with the same --cache");
    checkDisjoint(other);
    m_fit.append(other.m_fit);
    if (other.m_heldout.sampleCount() > 0) {
        if (m_heldout.sampleCount() == 0)
            m_heldout = other.m_heldout;
        else
            m_heldout.append(other.m_heldout);
    }
    if (datasetDescription != other.datasetDescription && !other.datasetDescription.empty())
        datasetDescription += " + " + other.datasetDescription;
    if (m_fitCache == FitCache::Histograms) {
        // Counts of disjoint shards with the same bins add up to the counts of their union.
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            std::vector<std::uint32_t>& counts = m_coverage[l].counts;
            for (std::size_t i = 0; i < counts.size(); ++i)
                counts[i] += other.m_coverage[l].counts[i];
            recomputePhi(l);
        }
        return;
    }
    m_cache->valid.assign(m_layers.size(), false);
    for (std::size_t l = 0; l < m_layers.size(); ++l)
        rebuildLayer(l);
}

}  // namespace nac::engine
