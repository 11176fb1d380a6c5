// Batched state computation: data-parallel workers, background image decoding, progress and
// cancellation, results in data-set order.
#include "engine/fitter.h"

#include "engine/bin_edges.h"
#include "engine/error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

namespace nac::engine {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kProgressIntervalSeconds = 0.1;
constexpr int kMaxWorkers = 64;

struct Batch {
    std::vector<float> pixels;
    std::vector<int> labels;
    std::vector<std::string> sources;
    std::vector<std::string> identities;
    std::vector<std::string> warnings;
    std::vector<std::string> notes;  // conversions (resizing, colour), one per converted image
    int count = 0;
};

Batch loadBatch(const Dataset& dataset, const InputSpec& spec, const std::vector<std::size_t>& indices,
                std::size_t begin, std::size_t end)
{
    Batch batch;
    const std::size_t perImage = spec.valuesPerImage();
    batch.pixels.resize((end - begin) * perImage);
    for (std::size_t k = begin; k < end; ++k) {
        const std::size_t index = indices[k];
        try {
            std::string note;
            dataset.load(index, spec, batch.pixels.data() + std::size_t(batch.count) * perImage, &note);
            if (!note.empty())
                batch.notes.push_back(std::move(note));
            batch.labels.push_back(dataset.label(index));
            batch.sources.push_back(dataset.sourceName(index));
            batch.identities.push_back(dataset.sampleIdentity(index));
            ++batch.count;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::BadInput)
                throw;
            batch.warnings.push_back("skipped " + dataset.sourceName(index) + ": " + e.what());
        }
    }
    batch.pixels.resize(std::size_t(batch.count) * perImage);
    return batch;
}

// Hands out batches in order; each is decoded by whichever worker asks next, one decode at a
// time (Dataset::load is single-threaded), while the other workers compute.
class BatchQueue {
public:
    BatchQueue(const Dataset& dataset, const InputSpec& spec, const std::vector<std::size_t>& indices, std::size_t batchSize)
        : m_dataset(dataset), m_spec(spec), m_indices(indices), m_batchSize(batchSize),
          m_batchCount((indices.size() + batchSize - 1) / batchSize) {}

    std::size_t batchCount() const { return m_batchCount; }
    std::size_t imagesIn(std::size_t batch) const
    {
        return std::min(m_batchSize, m_indices.size() - batch * m_batchSize);
    }

    // Returns false when every batch was handed out.
    bool next(std::size_t& batchIndex, Batch& batch)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_next >= m_batchCount)
            return false;
        batchIndex = m_next++;
        const std::size_t begin = batchIndex * m_batchSize;
        batch = loadBatch(m_dataset, m_spec, m_indices, begin, std::min(m_indices.size(), begin + m_batchSize));
        return true;
    }

private:
    const Dataset& m_dataset;
    const InputSpec& m_spec;
    const std::vector<std::size_t>& m_indices;
    std::size_t m_batchSize;
    std::size_t m_batchCount;
    std::size_t m_next = 0;
    std::mutex m_mutex;
};

// One note per kind of conversion ("resized from 28x28 to 224x224 pixels; gray image repeated
// over 3 channels"), with how many images it applied to, in the order first seen.
void reportConversions(const std::vector<std::vector<std::string>>& notes, const Dataset& dataset, const NoteCallback& note)
{
    std::vector<std::pair<std::string, std::size_t>> kinds;
    for (const auto& batchNotes : notes) {
        for (const std::string& text : batchNotes) {
            auto found = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == text; });
            if (found != kinds.end())
                ++found->second;
            else
                kinds.emplace_back(text, 1);
        }
    }
    constexpr std::size_t kMaxKinds = 5;
    for (std::size_t k = 0; k < kinds.size() && k < kMaxKinds; ++k)
        note(dataset.description() + ": " + std::to_string(kinds[k].second) + (kinds[k].second == 1 ? " image " : " images ")
             + kinds[k].first);
    if (kinds.size() > kMaxKinds)
        note(dataset.description() + ": " + std::to_string(kinds.size() - kMaxKinds) + " more kinds of conversion");
}

}  // namespace

int effectiveWorkers(const Model& model, const RunOptions& options)
{
    if (options.workers > 0)
        return std::min(options.workers, kMaxWorkers);
    if (model.onCuda())
        return 1;
    const int threads = options.threads > 0 ? options.threads : defaultThreadCount();
    return std::clamp(threads, 1, 2);
}

int effectiveBatchSize(const Model& model, const RunOptions& options, std::size_t imageCount)
{
    if (options.batchSize > 0)
        return options.batchSize;
    constexpr std::size_t kMiB = 1024 * 1024;
    constexpr std::size_t kSmallest = 64;
    const std::size_t budget = model.onCuda() ? 4096 * kMiB : 1024 * kMiB;
    const std::size_t ceiling = std::size_t(model.onCuda() ? kAutoBatchLimitCuda : kAutoBatchLimit);
    const std::size_t perImage = model.bytesPerImage();
    std::size_t limit = kSmallest;
    if (perImage > 0) {
        // Every batch reads all weights (forward and backward): grow the batch until its
        // activations outweigh them, so that the weights' memory traffic is spread over enough
        // images. Beyond that a larger batch only falls out of the caches.
        while (limit * 2 <= ceiling && limit * perImage < model.parameterBytes())
            limit *= 2;
        while (limit > 1 && limit * perImage > budget)
            limit /= 2;
    }
    if (imageCount == 0)
        return int(limit);
    const std::size_t workers = std::size_t(effectiveWorkers(model, options));
    std::size_t batches = (imageCount + limit - 1) / limit;
    if (imageCount >= workers)
        batches = (batches + workers - 1) / workers * workers;
    return int((imageCount + batches - 1) / batches);
}

namespace {

// The shared batch loop. plainOnly runs the bare forward + gradient (benchmarks) and returns an
// empty set.
SampleSet runBatches(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                     const RunOptions& options, bool plainOnly)
{
    if (options.batchSize < 0 || options.batchSize > kMaxBatchSize)
        throw badInput("batch size " + std::to_string(options.batchSize) + " is out of range (1.."
                       + std::to_string(kMaxBatchSize) + ", or 0 for automatic)");
    if (indices.empty())
        throw badInput("no images to process in " + dataset.description());
    for (std::size_t index : indices)
        if (index >= dataset.size())
            throw Error(ErrorKind::Internal, "image index out of range");

    const InputSpec spec = model.inputSpec();
    const std::size_t total = indices.size();
    BatchQueue queue(dataset, spec, indices, std::size_t(effectiveBatchSize(model, options, total)));
    const int totalThreads = options.threads > 0 ? options.threads : defaultThreadCount();
    const int workers = std::min<int>(effectiveWorkers(model, options), int(queue.batchCount()));
    // A handful of images (a drop in the GUI, `nac score` on one file) runs on one thread:
    // splitting such small work costs more in thread hand-offs than it saves, and an OpenMP
    // team stalls badly when another process holds one of the cores.
    constexpr std::size_t kSingleThreadImages = 4;
    const int threadsPerWorker = total <= kSingleThreadImages ? 1 : std::max(1, totalThreads / std::max(1, workers));

    std::vector<SampleSet> parts(queue.batchCount());
    std::vector<std::vector<std::string>> warnings(queue.batchCount());
    std::vector<std::vector<std::string>> notes(queue.batchCount());
    std::atomic<std::size_t> done{0};
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    std::exception_ptr firstError;

    const auto started = Clock::now();
    auto lastReport = started - std::chrono::seconds(1);
    std::size_t lastReportedDone = std::size_t(-1);
    // Called on the calling thread only.
    auto report = [&](bool final) {
        const auto now = Clock::now();
        const std::size_t doneNow = done.load();
        if (!options.progress || doneNow == lastReportedDone
            || (!final && doneNow < total && std::chrono::duration<double>(now - lastReport).count() < kProgressIntervalSeconds))
            return;
        lastReportedDone = doneNow;
        lastReport = now;
        options.progress(makeProgress(doneNow, total, std::chrono::duration<double>(now - started).count(), options.stage));
    };

    auto work = [&](bool reportsProgress) {
        try {
            model.setThreads(threadsPerWorker);
            std::size_t batchIndex = 0;
            Batch batch;
            while (!failed.load() && !isCanceled(options.cancel) && queue.next(batchIndex, batch)) {
                warnings[batchIndex] = std::move(batch.warnings);
                SampleSet part = model.emptySampleSet();
                if (batch.count > 0 && plainOnly)
                    model.runForwardAndGradient(batch.pixels.data(), batch.count);
                else if (batch.count > 0)
                    model.computeStates(batch.pixels.data(), batch.count, batch.labels, batch.sources, part);
                if (!plainOnly && part.sampleCount() == batch.identities.size())
                    part.identities = std::move(batch.identities);
                notes[batchIndex] = std::move(batch.notes);
                if (options.consumeBatch && part.sampleCount() > 0)
                    options.consumeBatch(part);
                parts[batchIndex] = std::move(part);
                done += queue.imagesIn(batchIndex);
                if (reportsProgress)
                    report(false);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(errorMutex);
            if (!firstError)
                firstError = std::current_exception();
            failed = true;
        }
    };

    std::vector<std::thread> helpers;
    for (int w = 1; w < workers; ++w)
        helpers.emplace_back(work, false);
    work(true);
    for (std::thread& t : helpers)
        t.join();
    model.setThreads(totalThreads);

    if (firstError)
        std::rethrow_exception(firstError);
    if (isCanceled(options.cancel))
        throw Error(ErrorKind::Canceled, "canceled");
    report(true);

    SampleSet out = model.emptySampleSet();
    if (plainOnly)
        return out;
    // Gathered into blocks of their final size, each batch freed once copied: growing the blocks
    // by appending, with every batch still alive, held up to three copies of the raw products at
    // once (docs/memory.md).
    std::size_t gathered = 0;
    for (const SampleSet& part : parts)
        gathered += part.sampleCount();
    for (std::size_t l = 0; l < out.layerCount(); ++l) {
        std::size_t values = 0;
        for (const SampleSet& part : parts)
            values += part.sampleCount() > 0 ? part.rawProducts[l].size() : 0;
        out.rawProducts[l].reserve(values);
    }
    out.logits.reserve(gathered * std::size_t(out.classCount));
    std::size_t skipped = 0;
    for (std::size_t b = 0; b < parts.size(); ++b) {
        for (const std::string& warning : warnings[b])
            if (options.warning)
                options.warning(warning);
        skipped += warnings[b].size();
        if (parts[b].sampleCount() > 0)
            out.append(parts[b]);
        parts[b] = SampleSet();
    }
    if (out.sampleCount() == 0)
        throw badInput("none of the " + std::to_string(total) + " images in " + dataset.description()
                       + " could be read (" + std::to_string(skipped) + " skipped)");
    if (options.note)
        reportConversions(notes, dataset, options.note);
    return out;
}

}  // namespace

SampleSet computeSampleSet(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                           const RunOptions& options)
{
    return runBatches(model, dataset, indices, options, false);
}

double timePlainPasses(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                       const RunOptions& options)
{
    const auto started = Clock::now();
    runBatches(model, dataset, indices, options, true);
    return std::chrono::duration<double>(Clock::now() - started).count();
}

CoverageProfile fitProfile(Model& model, const Dataset& dataset, const std::vector<std::size_t>& fitIndices,
                           const std::vector<std::size_t>& heldoutIndices, const std::vector<LayerParams>& params,
                           const RunOptions& options, FitCache cache)
{
    const auto& layers = model.tappedLayers();
    if (params.size() != layers.size())
        throw Error(ErrorKind::Internal, "fitProfile: one parameter set per tapped layer is needed");
    for (std::size_t l = 0; l < layers.size(); ++l)
        validateLayerParams(layers[l].name, params[l]);

    RunOptions fitOptions = options;
    fitOptions.stage = "fit";
    // Histograms only: every sample's state is counted in its bin (SPEC §2) as its batch arrives,
    // the same count the sorted columns give, and the batch's raw products and logits dropped.
    std::vector<std::vector<std::uint32_t>> counts;
    std::vector<std::vector<double>> edges;
    std::mutex countsMutex;
    if (cache == FitCache::Histograms) {
        for (std::size_t l = 0; l < layers.size(); ++l) {
            edges.push_back(makeBinEdges(params[l].scheme, params[l].binEdgeCount));
            counts.emplace_back(std::size_t(params[l].binEdgeCount - 1) * std::size_t(layers[l].neuronCount), 0u);
        }
        fitOptions.consumeBatch = [&](SampleSet& batch) {
            const std::size_t samples = batch.sampleCount();
            std::vector<std::vector<int>> bins(layers.size());
            for (std::size_t l = 0; l < layers.size(); ++l) {
                const std::size_t neurons = std::size_t(batch.neuronCounts[l]);
                bins[l].resize(samples * neurons);
                const BinFinder findBinOf(edges[l]);
                for (std::size_t i = 0; i < samples * neurons; ++i)
                    bins[l][i] = findBinOf(neuronState(batch.rawProducts[l][i], params[l].alpha));
                std::vector<float>().swap(batch.rawProducts[l]);
            }
            std::vector<float>().swap(batch.logits);
            std::lock_guard<std::mutex> lock(countsMutex);
            for (std::size_t l = 0; l < layers.size(); ++l) {
                const std::size_t neurons = std::size_t(batch.neuronCounts[l]);
                for (std::size_t i = 0; i < samples * neurons; ++i)
                    if (bins[l][i] >= 0)
                        ++counts[l][std::size_t(bins[l][i]) * neurons + i % neurons];
            }
        };
    }
    SampleSet fit = computeSampleSet(model, dataset, fitIndices, fitOptions);
    SampleSet heldout = model.emptySampleSet();
    if (!heldoutIndices.empty()) {
        RunOptions heldoutOptions = options;
        heldoutOptions.stage = "held-out";
        heldout = computeSampleSet(model, dataset, heldoutIndices, heldoutOptions);
    }
    CoverageProfile profile = cache == FitCache::Histograms
        ? CoverageProfile::fromCounts(layers, std::move(fit), params, std::move(counts))
        : CoverageProfile(layers, std::move(fit), params);
    profile.setHeldoutSamples(std::move(heldout));
    stampProfile(profile, model, dataset);
    profile.createdBy = "nac fit";
    return profile;
}

void stampProfile(CoverageProfile& profile, const Model& model, const Dataset& dataset)
{
    profile.modelSha256 = model.sha256();
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(model.path(), error);
    profile.modelPath = error ? model.path() : absolute.lexically_normal().string();
    profile.datasetDescription = dataset.description();
    profile.input = model.inputSpec();
    profile.hasInput = true;
    profile.conversionRules = kImageConversionRules;
}

}  // namespace nac::engine
