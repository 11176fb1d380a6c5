// SetEvaluator: the workbench's sets, their cached raw products and bins, and their metrics.
#include "app/gui/set_evaluator.h"

#include "engine/bin_edges.h"
#include "engine/coverage_profile.h"
#include "engine/data/data_source.h"
#include "engine/error.h"
#include "engine/metrics.h"
#include "engine/model.h"

#include <QElapsedTimer>
#include <QObject>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <future>
#include <limits>
#include <numeric>
#include <thread>

namespace nac::app {

using nac::engine::CoverageProfile;
using nac::engine::SampleSet;

namespace {

constexpr double kInDKeepFraction = 0.95;  // as the scoring panel's threshold
constexpr std::size_t kMinSamplesPerThread = 512;

// Runs fn(begin, end) over [0, count) in a few slices at once; the slices write disjoint outputs.
template <typename Fn>
void forSlices(std::size_t count, Fn&& fn)
{
    const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t slices = std::max<std::size_t>(1, std::min(hardware, count / kMinSamplesPerThread));
    if (slices <= 1) {
        fn(std::size_t(0), count);
        return;
    }
    std::vector<std::future<void>> running;
    const std::size_t step = (count + slices - 1) / slices;
    for (std::size_t begin = step; begin < count; begin += step)
        running.push_back(std::async(std::launch::async, [&fn, begin, step, count] { fn(begin, std::min(count, begin + step)); }));
    fn(std::size_t(0), std::min(count, step));
    for (auto& f : running)
        f.get();
}

std::vector<std::string> layerNamesOf(const CoverageProfile& profile)
{
    std::vector<std::string> names;
    for (const auto& layer : profile.layers())
        names.push_back(layer.name);
    return names;
}

}  // namespace

// Bins of one layer's samples under the edges and alpha they were computed with.
struct SetEvaluator::LayerBins {
    std::vector<double> edges;
    double alpha = std::numeric_limits<double>::quiet_NaN();
};

struct SetEvaluator::StoredSet {
    EvaluationSetRequest request;
    QString description;
    std::int64_t skipped = 0;
    SampleSet samples;
    std::shared_ptr<EvaluatedSetImages> images;
    std::vector<LayerBins> binKeys;                  // per layer
    std::vector<std::vector<std::int32_t>> bins;     // per layer, [samples x neurons]
    // MSP, MaxLogit and Energy metrics do not depend on the parameters: kept while the InD side is the same.
    QString baselineKey;
    std::vector<nac::engine::OodMetrics> baselineMetrics;
};

SetEvaluator::SetEvaluator() = default;
SetEvaluator::~SetEvaluator() = default;

void SetEvaluator::add(const EvaluationSetRequest& request, nac::engine::Model& model, nac::engine::RunOptions options,
                       std::vector<std::string>& notes)
{
    const QString name = request.name.trimmed();
    if (name.isEmpty())
        throw nac::engine::badInput("an evaluation set needs a name");
    if (request.spec.trimmed().isEmpty())
        throw nac::engine::badInput("no data was given for the set '" + name.toStdString() + "'");
    // As `nac eval`'s openDataFor: the readers, then the labels aligned with the model's classes.
    std::unique_ptr<nac::engine::Dataset> dataset = nac::engine::alignLabelsToModel(
        nac::engine::openDataset(request.spec.trimmed().toStdString()), model.metadata().classes, model.classCount(), notes);
    for (const std::string& text : dataset->openingNotes())
        notes.push_back(text);
    if (dataset->size() == 0)
        throw nac::engine::badInput(request.spec.toStdString() + " holds no images");
    std::vector<std::size_t> indices(dataset->size());
    std::iota(indices.begin(), indices.end(), std::size_t(0));
    std::int64_t skipped = 0;
    nac::engine::WarningCallback outerWarning = options.warning;
    options.warning = [&skipped, outerWarning](const std::string& text) {
        ++skipped;
        if (outerWarning)
            outerWarning(text);
    };
    auto stored = std::make_unique<StoredSet>();
    stored->samples = nac::engine::computeSampleSet(model, *dataset, indices, options);
    if (stored->samples.sampleCount() == 0)
        throw nac::engine::badInput(request.spec.toStdString() + ": none of its images could be read");
    stored->request = request;
    stored->request.name = name;
    stored->description = QString::fromStdString(dataset->description());
    stored->skipped = skipped;
    auto images = std::make_shared<EvaluatedSetImages>();
    const SampleSet& samples = stored->samples;
    images->sources.reserve(qsizetype(samples.sampleCount()));
    images->identities.reserve(qsizetype(samples.sampleCount()));
    const bool identities = samples.identities.size() == samples.sampleCount();
    for (std::size_t i = 0; i < samples.sampleCount(); ++i) {
        images->sources.append(QString::fromStdString(samples.sources[i]));
        images->identities.append(QString::fromStdString(identities ? samples.identities[i] : samples.sources[i]));
        images->predicted.push_back(samples.predictedClass(i));
    }
    images->labels = samples.labels;
    images->baselines = nac::engine::baselineScores(samples.logits, samples.classCount);
    stored->images = std::move(images);
    ++m_version;
    for (auto& existing : m_sets) {
        if (existing->request.name == name) {
            existing = std::move(stored);
            return;
        }
    }
    m_sets.push_back(std::move(stored));
}

bool SetEvaluator::remove(const QString& name)
{
    const auto it = std::find_if(m_sets.begin(), m_sets.end(), [&](const auto& set) { return set->request.name == name; });
    if (it == m_sets.end())
        return false;
    m_sets.erase(it);
    ++m_version;
    return true;
}

bool SetEvaluator::setRole(const QString& name, SetRole role)
{
    for (auto& set : m_sets) {
        if (set->request.name == name) {
            const bool changed = set->request.role != role;
            set->request.role = role;
            ++m_version;
            return changed;
        }
    }
    return false;
}

void SetEvaluator::clear()
{
    m_sets.clear();
    ++m_version;
}

bool SetEvaluator::contains(const QString& name) const
{
    return std::any_of(m_sets.begin(), m_sets.end(), [&](const auto& set) { return set->request.name == name; });
}

QList<EvaluationSetRequest> SetEvaluator::requests() const
{
    QList<EvaluationSetRequest> out;
    for (const auto& set : m_sets)
        out.append(set->request);
    return out;
}

QList<EvaluationSetRequest> SetEvaluator::staleFor(const CoverageProfile& profile) const
{
    const std::vector<std::string> names = layerNamesOf(profile);
    QList<EvaluationSetRequest> out;
    for (const auto& set : m_sets)
        if (set->samples.layerNames != names || set->samples.neuronCounts != profile.fitSamples().neuronCounts)
            out.append(set->request);
    return out;
}

void SetEvaluator::updateBins(StoredSet& set, const CoverageProfile& profile, bool* rebinned)
{
    const std::size_t layers = profile.layerCount();
    const std::size_t count = set.samples.sampleCount();
    set.binKeys.resize(layers);
    set.bins.resize(layers);
    for (std::size_t l = 0; l < layers; ++l) {
        const nac::engine::LayerCoverage& c = profile.coverage(l);
        LayerBins& key = set.binKeys[l];
        if (key.edges == c.edges && key.alpha == c.params.alpha)
            continue;  // only O changed (or nothing): the bins stand
        *rebinned = true;
        const int neurons = c.neuronCount;
        std::vector<std::int32_t>& bins = set.bins[l];
        bins.resize(count * std::size_t(neurons));
        const double alpha = c.params.alpha;
        const nac::engine::BinFinder findBinOf(c.edges);
        forSlices(count, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                const float* raw = set.samples.rawRow(l, i);
                std::int32_t* out = bins.data() + i * std::size_t(neurons);
                for (int n = 0; n < neurons; ++n)
                    out[n] = findBinOf(nac::engine::neuronState(raw[n], alpha));
            }
        });
        key.edges = c.edges;
        key.alpha = alpha;
    }
}

std::vector<double> scoresFromBins(const CoverageProfile& profile, const std::vector<std::vector<std::int32_t>>& bins,
                                   std::size_t sampleCount)
{
    std::vector<double> total(sampleCount, 0.0);
    const double layerWeight = 1.0 / double(profile.layerCount());
    forSlices(sampleCount, [&](std::size_t begin, std::size_t end) {
        for (std::size_t l = 0; l < profile.layerCount(); ++l) {
            const nac::engine::LayerCoverage& c = profile.coverage(l);
            const int neurons = c.neuronCount;
            const std::int32_t* layerBins = bins[l].data();
            for (std::size_t i = begin; i < end; ++i) {
                const std::int32_t* row = layerBins + i * std::size_t(neurons);
                double sum = 0.0;
                for (int n = 0; n < neurons; ++n)
                    if (row[n] >= 0)
                        sum += double(c.phiAt(row[n], n));
                const double layerScore = sum / double(neurons);
                total[i] += layerScore * layerWeight;
            }
        }
    });
    return total;
}

std::shared_ptr<EvaluationResults> SetEvaluator::evaluate(const CoverageProfile& profile, int generation)
{
    QElapsedTimer timer;
    timer.start();
    const std::clock_t cpuStart = std::clock();
    auto results = std::make_shared<EvaluationResults>();
    results->generation = generation;
    const std::vector<std::string> layerNames = layerNamesOf(profile);
    bool anyInd = false;
    for (auto& stored : m_sets) {
        EvaluatedSet set;
        set.name = stored->request.name;
        set.spec = stored->request.spec;
        set.role = stored->request.role;
        set.description = stored->description;
        set.skipped = stored->skipped;
        set.images = stored->images;
        if (stored->samples.layerNames != layerNames || stored->samples.neuronCounts != profile.fitSamples().neuronCounts) {
            set.problem = QObject::tr("scored for other layers than the profile's; evaluate it again");
        } else {
            updateBins(*stored, profile, &results->rebinned);
            set.nacScores = scoresFromBins(profile, stored->bins, stored->samples.sampleCount());
            if (set.role == SetRole::InD) {
                anyInd = true;
                results->indCount += std::int64_t(set.nacScores.size());
                for (int m = 0; m < kEvalMethodCount; ++m) {
                    const std::vector<double>* scores = set.scores(EvalMethod(m));
                    results->indScores[m].insert(results->indScores[m].end(), scores->begin(), scores->end());
                }
                results->indDescription += (results->indDescription.isEmpty() ? QString() : QStringLiteral(" + ")) + set.name;
            }
        }
        results->sets.push_back(std::move(set));
    }
    if (!anyInd && profile.heldoutSamples().sampleCount() > 0) {
        const SampleSet& heldout = profile.heldoutSamples();
        results->indFromHeldout = true;
        results->indCount = std::int64_t(heldout.sampleCount());
        results->indDescription = QObject::tr("held-out InD images of the fit");
        results->indScores[int(EvalMethod::NacUe)] = profile.score(heldout).total;
        const nac::engine::BaselineScores baselines = nac::engine::baselineScores(heldout.logits, heldout.classCount);
        results->indScores[int(EvalMethod::Msp)] = baselines.msp;
        results->indScores[int(EvalMethod::MaxLogit)] = baselines.maxLogit;
        results->indScores[int(EvalMethod::Energy)] = baselines.energy;
    }
    // What the InD side is made of: the baselines' metrics are reused while it stays the same.
    QString indKey = QString::number(m_version) + QLatin1Char('|') + results->indDescription;
    if (results->indFromHeldout) {
        double fingerprint = 0.0;
        for (float logit : profile.heldoutSamples().logits)
            fingerprint += double(logit);
        indKey += QLatin1Char('|') + QString::number(results->indCount) + QLatin1Char('|') + QString::number(fingerprint, 'g', 17);
    }
    const std::vector<double>& indNac = results->indScores[int(EvalMethod::NacUe)];
    results->threshold = indNac.empty() ? std::numeric_limits<double>::quiet_NaN()
                                        : nac::engine::thresholdKeepingInd(indNac, kInDKeepFraction);
    if (!indNac.empty()) {
        for (std::size_t s = 0; s < results->sets.size(); ++s) {
            EvaluatedSet& set = results->sets[s];
            StoredSet& stored = *m_sets[s];
            if (set.role != SetRole::Ood || !set.problem.isEmpty() || set.nacScores.empty())
                continue;
            if (stored.baselineKey != indKey) {
                stored.baselineMetrics.clear();
                for (int m = 1; m < kEvalMethodCount; ++m)
                    stored.baselineMetrics.push_back(
                        nac::engine::computeOodMetrics(results->indScores[m], *set.scores(EvalMethod(m))));
                stored.baselineKey = indKey;
            }
            set.metrics.push_back(nac::engine::computeOodMetrics(indNac, set.nacScores));
            set.metrics.insert(set.metrics.end(), stored.baselineMetrics.begin(), stored.baselineMetrics.end());
        }
    }
    results->workerMs = double(timer.nsecsElapsed()) / 1e6;
    results->workerCpuMs = 1000.0 * double(std::clock() - cpuStart) / double(CLOCKS_PER_SEC);
    return results;
}

}  // namespace nac::app
