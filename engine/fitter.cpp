// Batched state computation with background image decoding, progress and cancellation.
#include "engine/fitter.h"

#include "engine/error.h"

#include <algorithm>
#include <chrono>
#include <future>

namespace nac::engine {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kProgressIntervalSeconds = 0.1;

struct Batch {
    std::vector<float> pixels;
    std::vector<int> labels;
    std::vector<std::string> sources;
    std::vector<std::string> warnings;
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
            dataset.load(index, spec, batch.pixels.data() + std::size_t(batch.count) * perImage);
            batch.labels.push_back(dataset.label(index));
            batch.sources.push_back(dataset.sourceName(index));
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

}  // namespace

SampleSet computeSampleSet(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                           const RunOptions& options)
{
    if (options.batchSize < 1 || options.batchSize > kMaxBatchSize)
        throw badInput("batch size " + std::to_string(options.batchSize) + " is out of range (1.."
                       + std::to_string(kMaxBatchSize) + ")");
    if (indices.empty())
        throw badInput("no images to process in " + dataset.description());
    for (std::size_t index : indices)
        if (index >= dataset.size())
            throw Error(ErrorKind::Internal, "image index out of range");

    SampleSet out = model.emptySampleSet();
    const InputSpec spec = model.inputSpec();
    const std::size_t total = indices.size();
    const std::size_t batchSize = std::size_t(options.batchSize);
    const auto started = Clock::now();
    auto lastReport = started - std::chrono::seconds(1);
    std::size_t done = 0;
    std::size_t skipped = 0;

    std::size_t lastReportedDone = std::size_t(-1);
    auto report = [&](bool final) {
        const auto now = Clock::now();
        if (!options.progress || done == lastReportedDone
            || (!final && done < total && std::chrono::duration<double>(now - lastReport).count() < kProgressIntervalSeconds))
            return;
        lastReportedDone = done;
        lastReport = now;
        Progress p;
        p.itemsDone = done;
        p.itemsTotal = total;
        p.elapsedSeconds = std::chrono::duration<double>(now - started).count();
        p.itemsPerSecond = p.elapsedSeconds > 0 ? double(done) / p.elapsedSeconds : 0.0;
        p.etaSeconds = p.itemsPerSecond > 0 ? double(total - done) / p.itemsPerSecond : 0.0;
        p.stage = options.stage;
        options.progress(p);
    };

    auto launch = [&](std::size_t begin) {
        const std::size_t end = std::min(total, begin + batchSize);
        return std::async(std::launch::async, [&dataset, &spec, &indices, begin, end] {
            return loadBatch(dataset, spec, indices, begin, end);
        });
    };

    std::future<Batch> next = launch(0);
    for (std::size_t begin = 0; begin < total; begin += batchSize) {
        if (isCanceled(options.cancel)) {
            next.wait();
            throw Error(ErrorKind::Canceled, "canceled");
        }
        Batch batch = next.get();
        const std::size_t nextBegin = begin + batchSize;
        if (nextBegin < total)
            next = launch(nextBegin);
        for (const std::string& warning : batch.warnings)
            if (options.warning)
                options.warning(warning);
        skipped += batch.warnings.size();
        if (batch.count > 0) {
            try {
                model.computeStates(batch.pixels.data(), batch.count, batch.labels, batch.sources, out);
            } catch (...) {
                if (next.valid())
                    next.wait();
                throw;
            }
        }
        done += std::min(batchSize, total - begin);
        report(false);
    }
    report(true);
    if (out.sampleCount() == 0)
        throw badInput("none of the " + std::to_string(total) + " images in " + dataset.description()
                       + " could be read (" + std::to_string(skipped) + " skipped)");
    return out;
}

CoverageProfile fitProfile(Model& model, const Dataset& dataset, const std::vector<std::size_t>& fitIndices,
                           const std::vector<std::size_t>& heldoutIndices, const std::vector<LayerParams>& params,
                           const RunOptions& options)
{
    const auto& layers = model.tappedLayers();
    if (params.size() != layers.size())
        throw Error(ErrorKind::Internal, "fitProfile: one parameter set per tapped layer is needed");
    for (std::size_t l = 0; l < layers.size(); ++l)
        validateLayerParams(layers[l].name, params[l]);

    RunOptions fitOptions = options;
    fitOptions.stage = "fit";
    SampleSet fit = computeSampleSet(model, dataset, fitIndices, fitOptions);
    SampleSet heldout = model.emptySampleSet();
    if (!heldoutIndices.empty()) {
        RunOptions heldoutOptions = options;
        heldoutOptions.stage = "held-out";
        heldout = computeSampleSet(model, dataset, heldoutIndices, heldoutOptions);
    }
    CoverageProfile profile(layers, std::move(fit), params);
    profile.setHeldoutSamples(std::move(heldout));
    profile.modelSha256 = model.sha256();
    profile.modelPath = model.path();
    profile.datasetDescription = dataset.description();
    return profile;
}

}  // namespace nac::engine
