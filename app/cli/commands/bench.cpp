// `nac bench`: fit throughput, the plain forward + gradient cost, NAC's overhead, single-image
// scoring latency, re-binning times and peak memory. Needs LibTorch only (no Qt, no OpenCV for
// IDX or noise data), so it also runs on a GPU machine with just PyTorch.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/atomic_file.h"
#include "engine/coverage_profile.h"
#include "engine/cuda_info.h"
#include "engine/data/data_source.h"
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/number_text.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

namespace nac::app {
namespace {

using namespace nac::engine;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double peakResidentMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Images decoded once into memory, so the timed passes measure the model and NAC, not decoding.
class PreloadedDataset : public Dataset {
public:
    PreloadedDataset(const Dataset& source, const InputSpec& spec, std::size_t count) : m_spec(spec)
    {
        const std::size_t per = spec.valuesPerImage();
        m_pixels.resize(count * per);
        for (std::size_t i = 0; i < count; ++i) {
            source.load(i % source.size(), spec, m_pixels.data() + i * per);
            m_labels.push_back(source.label(i % source.size()));
        }
        m_description = "preloaded " + source.description();
    }
    std::size_t size() const override { return m_labels.size(); }
    std::string description() const override { return m_description; }
    std::string sourceName(std::size_t index) const override { return "preloaded#" + std::to_string(index); }
    int label(std::size_t index) const override { return m_labels[index]; }
    void load(std::size_t index, const InputSpec& spec, float* out, std::string*) const override
    {
        const std::size_t per = spec.valuesPerImage();
        std::memcpy(out, m_pixels.data() + index * per, per * sizeof(float));
    }

private:
    InputSpec m_spec;
    std::vector<float> m_pixels;
    std::vector<int> m_labels;
    std::string m_description;
};

// Synthetic raw products with the tapped layers' widths, for re-binning timings.
SampleSet syntheticSamples(const std::vector<LayerInfo>& layers, std::size_t count, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.01f);
    SampleSet s;
    s.classCount = 10;
    for (const LayerInfo& l : layers) {
        s.layerNames.push_back(l.name);
        s.neuronCounts.push_back(l.neuronCount);
        std::vector<float> raw(count * std::size_t(l.neuronCount));
        for (float& v : raw)
            v = normal(rng);
        s.rawProducts.push_back(std::move(raw));
    }
    s.logits.assign(count * 10, 0.0f);
    s.labels.assign(count, -1);
    return s;
}

// Resident bytes of a fitted profile's cache per fit image, for both --cache modes, and what they
// come to for an ImageNet-sized fit (1.28M images) of a 2048-neuron layer (docs/memory.md).
nlohmann::json reportFitCacheBytes(const CoverageProfile& exact, const std::vector<LayerParams>& params)
{
    constexpr double kImageNetImages = 1281167.0;
    constexpr double kWideLayerNeurons = 2048.0;
    constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
    const SampleSet& fit = exact.fitSamples();
    const double images = double(fit.sampleCount());
    std::vector<std::vector<std::uint32_t>> counts;
    for (std::size_t l = 0; l < exact.layerCount(); ++l)
        counts.push_back(exact.coverage(l).counts);
    SampleSet names = fit;
    const CoverageProfile histograms = CoverageProfile::fromCounts(exact.layers(), std::move(names), params, std::move(counts));
    // Per image, whatever the mode: its label, source name and identity.
    double nameBytes = 0.0;
    for (const std::vector<std::string>* list : {&fit.sources, &fit.identities})
        for (const std::string& text : *list)
            nameBytes += double(sizeof(std::string) + (text.size() > 15 ? text.capacity() + 1 : 0));
    nameBytes = nameBytes / images + double(sizeof(int));

    nlohmann::json out = nlohmann::json::array();
    double exactTotal = 0.0;
    double histogramsTotal = 0.0;
    std::cout << std::setprecision(1);
    for (std::size_t l = 0; l < exact.layerCount(); ++l) {
        const double neurons = double(exact.layers()[l].neuronCount);
        const double bins = double(params[l].binEdgeCount - 1);
        const double exactPerImage = double(exact.fitCacheBytes(l)) / images;
        const double histogramsBytes = double(histograms.fitCacheBytes(l));
        exactTotal += exactPerImage;
        histogramsTotal += histogramsBytes;
        // Exact: raw products and their sorted copy grow with images x neurons, plus the counts;
        // histograms: counts and Phi grow with bins x neurons only.
        const double histogramsProjected = histogramsBytes / (bins * neurons) * bins * kWideLayerNeurons;
        const double exactProjected = (exactPerImage - histogramsBytes / images) / neurons * kWideLayerNeurons * kImageNetImages
            + histogramsProjected;
        std::cout << "cache     " << exact.layers()[l].name << ": exact " << exactPerImage << " bytes per fit image ("
                  << exactPerImage / neurons << " per neuron), histograms " << histogramsBytes / 1024.0
                  << " KiB in all (M=" << params[l].binEdgeCount << "); at 1.28M images x 2048 neurons: exact "
                  << std::setprecision(2) << exactProjected / kGiB << " GiB, histograms " << histogramsProjected / (1024.0 * 1024.0)
                  << " MiB\n" << std::setprecision(1);
        out.push_back({{"layer", exact.layers()[l].name}, {"neurons", exact.layers()[l].neuronCount},
                       {"exact_bytes_per_fit_image", exactPerImage}, {"histograms_bytes", histogramsBytes},
                       {"exact_bytes_at_imagenet_2048", exactProjected}, {"histograms_bytes_at_imagenet_2048", histogramsProjected}});
    }
    std::cout << "cache     all layers: exact " << exactTotal << " bytes per fit image, histograms " << histogramsTotal / 1024.0
              << " KiB in all; both also keep " << nameBytes << " bytes per fit image of names and labels ("
              << std::size_t(images) << " fit images)\n";
    return {{"layers", out}, {"exact_bytes_per_fit_image", exactTotal}, {"histograms_bytes", histogramsTotal},
            {"name_bytes_per_fit_image", nameBytes}, {"fit_images", images}};
}

// --rebin-sizes 1000,10000,60000 (the default) or "none"; an empty string when text is fine,
// otherwise the problem (for checkGiven, which puts the option's name in front).
std::string parseRebinSizes(const std::string& text, std::vector<int>& sizes)
{
    sizes.clear();
    if (text == "none")
        return {};
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::optional<long long> size = parseInteger(std::string_view(text).substr(start, comma - start));
        if (!size || *size < 1 || *size > 10000000)
            return "'" + text + "' must be 'none' or a comma-separated list of sample counts from 1 to 10000000, e.g. 1000,10000";
        sizes.push_back(int(*size));
        start = comma + 1;
    }
    return {};
}

std::string checkRebinSizes(const std::string& text)
{
    std::vector<int> sizes;
    return parseRebinSizes(text, sizes);
}

std::vector<int> rebinSizesOption(const Args& args)
{
    std::vector<int> sizes;
    const std::string problem = parseRebinSizes(args.value("--rebin-sizes", "1000,10000,60000"), sizes);
    if (!problem.empty())
        throw UsageError("--rebin-sizes " + problem);
    return sizes;
}

// "cuda:0 (NVIDIA H200, 140 GiB)" for a CUDA device the driver describes, else the device's name.
std::string describedDevice(const Model& model)
{
    const std::string name = model.deviceName();
    if (name.rfind("cuda:", 0) != 0)
        return name;
    const std::optional<long long> index = parseInteger(std::string_view(name).substr(5));
    return index ? describeCudaDevice(int(*index)) : name;
}

bool isOutOfMemory(const std::string& text)
{
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return lower.find("out of memory") != std::string::npos;
}

struct MaxBatch {
    int largestFitting = 0;          // 0: not even the first batch fitted
    double imagesPerSecond = 0.0;    // one forward + gradient + NAC pass at that batch
    int smallestFailing = 0;         // 0: none failed up to the cap
    std::string failure;             // why smallestFailing failed (out of memory, or another error)
};

// The largest batch one forward + gradient + NAC pass runs with: batches double from `first` up to
// `cap` until one runs out of memory, then a few halving steps narrow the gap. Prints each try as
// it goes, so that a run stopped by a time limit still shows what it found. A batch that fails
// otherwise (a kernel's size limit, say) counts as not running, with its message printed; only
// a failure of the first batch is thrown, since then nothing was measured.
MaxBatch findMaxBatch(Model& model, const Dataset& data, const RunOptions& base, int first, int cap)
{
    MaxBatch found;
    auto fits = [&](int batch) {
        std::vector<std::size_t> indices(static_cast<std::size_t>(batch));
        for (std::size_t i = 0; i < indices.size(); ++i)
            indices[i] = i % data.size();
        RunOptions run = base;
        run.batchSize = batch;
        try {
            const auto start = Clock::now();
            const SampleSet states = computeSampleSet(model, data, indices, run);
            const double rate = double(batch) / secondsSince(start);
            std::cout << "max-batch batch " << batch << ": fits, " << std::fixed << std::setprecision(1) << rate
                      << std::defaultfloat << " images/s" << std::endl;
            if (batch > found.largestFitting) {
                found.largestFitting = batch;
                found.imagesPerSecond = rate;
            }
            return true;
        } catch (const std::bad_alloc&) {
            found.failure = "out of memory (std::bad_alloc)";
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e.what()) && found.largestFitting == 0)
                throw;
            found.failure = e.what();
        }
        std::cout << "max-batch batch " << batch << ": "
                  << (isOutOfMemory(found.failure) ? std::string("out of memory") : "fails: " + found.failure) << std::endl;
        if (found.smallestFailing == 0 || batch < found.smallestFailing)
            found.smallestFailing = batch;
        return false;
    };
    int batch = std::min(first, cap);
    while (fits(batch) && batch < cap)
        batch = batch > cap / 2 ? cap : batch * 2;
    // Narrow [largest fitting, smallest failing) to within an eighth of the fitting size.
    while (found.largestFitting > 0 && found.smallestFailing > found.largestFitting + std::max(1, found.largestFitting / 8)) {
        const int middle = found.largestFitting + (found.smallestFailing - found.largestFitting) / 2;
        fits(middle);
    }
    return found;
}


int runBench(const Args& args)
{
    // --find-max-batch CAP: only the largest batch that fits, up to CAP.
    const int maxBatchCap = args.has("--find-max-batch") ? args.intValue("--find-max-batch", 0) : 0;
    const std::vector<int> sizes = rebinSizesOption(args);
    auto model = loadModel(args, args.required("--model"));
    const LayerChoice layers = chooseLayers(args, model->metadata());
    const std::vector<std::string>& layerNames = layers.names;
    const std::vector<LayerParams>& params = layers.params;
    model->setTappedLayers(layerNames);
    const InputSpec spec = model->inputSpec();
    const int samples = args.intValue("--samples", 1024);
    const int rounds = args.intValue("--rounds", 3);

    RunOptions run;
    run.batchSize = batchOption(args);
    run.threads = args.intValue("--threads", 0);
    run.workers = args.intValue("--workers", 0);
    const int threads = run.threads > 0 ? run.threads : defaultThreadCount();

    const std::string dataSpec = args.value("--data", "noise:uniform:" + std::to_string(std::min(samples, 4096)));
    auto source = openDataset(dataSpec);
    const PreloadedDataset data(*source, spec, std::size_t(samples));
    std::vector<std::size_t> indices(data.size());
    for (std::size_t i = 0; i < indices.size(); ++i)
        indices[i] = i;

    const int batch = effectiveBatchSize(*model, run, indices.size());
    std::cout << "model     " << model->path() << " (" << (model->graphMode() == Model::GraphMode::Frozen ? "frozen" : "plain")
              << " graph, " << (model->channelsLast() ? "channels-last" : "contiguous") << ")\ndevice    " << describedDevice(*model) << ", " << threads << " threads, "
              << effectiveWorkers(*model, run) << " worker(s), batch " << batch << (run.batchSize == 0 ? " (auto)" : "")
              << "\nmemory    " << std::fixed << std::setprecision(2) << double(model->bytesPerImage()) / (1024.0 * 1024.0)
              << " MiB per image for the forward and gradient call (allocator peaks, batches of 2 and 6), "
              << double(model->parameterBytes()) / (1024.0 * 1024.0) << std::defaultfloat << " MiB of weights\nlayers   ";
    for (const LayerInfo& l : model->tappedLayers())
        std::cout << " " << l.name << "(" << l.neuronCount << ")";
    std::cout << "\ndata      " << data.description() << ", " << samples << " images\n";

    if (maxBatchCap > 0) {
        // The search alone: it allocates up to the device's limit, which would skew the timings.
        std::cout << std::flush;
        const MaxBatch found = findMaxBatch(*model, data, run, std::min(batch, maxBatchCap), maxBatchCap);
        std::cout << std::fixed << std::setprecision(1);
        if (found.largestFitting == 0)
            std::cout << "max batch none: batch " << found.smallestFailing << " already runs out of memory\n";
        else
            std::cout << "max batch " << found.largestFitting << " images per forward + gradient call ("
                      << found.imagesPerSecond << " images/s at that batch); "
                      << (found.smallestFailing > 0 ? "batch " + std::to_string(found.smallestFailing) + " fails ("
                                                          + (isOutOfMemory(found.failure) ? std::string("out of memory") : found.failure) + ")"
                                                    : "no larger batch tried (cap " + std::to_string(maxBatchCap) + ")")
                      << "\n";
        if (args.has("--json")) {
            const nlohmann::json out{{"model", model->path()},
                                     {"device", model->deviceName()},
                                     {"max_batch", found.largestFitting},
                                     {"max_batch_images_per_second", found.imagesPerSecond},
                                     {"smallest_failing_batch", found.smallestFailing},
                                     {"cap", maxBatchCap},
                                     {"failure", found.failure}};
            writeFileAtomically(args.value("--json"), out.dump(2) + "\n", "JSON report");
        }
        return 0;
    }

    // Warm-up: the graph executor profiles and optimises during the first runs.
    {
        std::vector<std::size_t> warm(indices.begin(), indices.begin() + std::min<std::size_t>(indices.size(), std::size_t(batch) * 2));
        timePlainPasses(*model, data, warm, run);
        computeSampleSet(*model, data, warm, run);
    }
    std::vector<double> plainSeconds;
    std::vector<double> nacSeconds;
    SampleSet fitted;
    for (int r = 0; r < rounds; ++r) {
        plainSeconds.push_back(timePlainPasses(*model, data, indices, run));
        const auto start = Clock::now();
        fitted = computeSampleSet(*model, data, indices, run);
        const CoverageProfile profile(model->tappedLayers(), fitted, params);
        nacSeconds.push_back(secondsSince(start));
    }
    const double plain = median(plainSeconds);
    const double nac = median(nacSeconds);
    const double overheadPercent = 100.0 * (nac - plain) / plain;
    std::cout << std::fixed << std::setprecision(1);
    std::cout << "fit       " << double(samples) / nac << " images/s (states + histograms, median of " << rounds << ")\n";
    std::cout << "plain     " << double(samples) / plain << " images/s (the same forward + gradient call, no NAC work)\n";
    std::cout << "overhead  " << std::setprecision(2) << overheadPercent << " % NAC work over the plain passes\n";

    // End-to-end fit from the data source (decoding included), one round.
    const auto fitStart = Clock::now();
    RunOptions sourceRun = run;
    std::vector<std::size_t> sourceIndices(std::min<std::size_t>(source->size(), std::size_t(samples)));
    for (std::size_t i = 0; i < sourceIndices.size(); ++i)
        sourceIndices[i] = i;
    const SampleSet fromSource = computeSampleSet(*model, *source, sourceIndices, sourceRun);
    const CoverageProfile profile(model->tappedLayers(), fromSource, params);
    const double endToEnd = double(sourceIndices.size()) / secondsSince(fitStart);
    std::cout << std::setprecision(1) << "fit+data  " << endToEnd << " images/s including decoding " << source->description() << "\n";
    const nlohmann::json cacheJson = reportFitCacheBytes(profile, params);

    // One image scored end to end: open the file, decode, forward + gradient, score.
    const std::string imageSpec = args.value("--image", "noise:gaussian:1");
    std::vector<double> latencies;
    RunOptions single = run;
    single.workers = 1;
    single.threads = threads;
    for (int i = 0; i < 20; ++i) {
        const auto start = Clock::now();
        auto one = openDataset(imageSpec);
        const SampleSet states = computeSampleSet(*model, *one, {0}, single);
        const ScoreTable score = profile.score(states);
        (void)score;
        latencies.push_back(secondsSince(start) * 1000.0);
    }
    std::cout << std::setprecision(2) << "score one " << median(latencies) << " ms median for " << imageSpec
              << " (open + decode + forward + gradient + score)\n";

    // Re-binning cached raw products: a change of alpha or M re-bins, a change of O only redoes Phi.
    nlohmann::json rebinJson = nlohmann::json::array();
    for (int size : sizes) {
        const SampleSet synthetic = syntheticSamples(model->tappedLayers(), std::size_t(size), 7);
        auto start = Clock::now();
        CoverageProfile p(model->tappedLayers(), synthetic, params);
        const double buildMs = secondsSince(start) * 1000.0;
        std::vector<LayerParams> alphaChanged = params;
        std::vector<LayerParams> oChanged = params;
        std::vector<LayerParams> mChanged = params;
        for (LayerParams& lp : alphaChanged)
            lp.alpha *= 2.0;
        for (LayerParams& lp : oChanged)
            lp.minActivated *= 2.0;
        for (LayerParams& lp : mChanged)
            lp.binEdgeCount = lp.binEdgeCount == 50 ? 500 : 50;
        start = Clock::now();
        p.setAllParams(alphaChanged);
        const double alphaMs = secondsSince(start) * 1000.0;
        p.setAllParams(params);
        start = Clock::now();
        p.setAllParams(mChanged);
        const double mMs = secondsSince(start) * 1000.0;
        p.setAllParams(params);
        start = Clock::now();
        p.setAllParams(oChanged);
        const double oMs = secondsSince(start) * 1000.0;
        std::cout << std::setprecision(3) << "rebin     " << size << " fit samples: first build (sorts) " << buildMs
                  << " ms, alpha change " << alphaMs << " ms, M change " << mMs << " ms, O change " << oMs << " ms\n";
        rebinJson.push_back({{"samples", size}, {"build_ms", buildMs}, {"alpha_ms", alphaMs}, {"m_ms", mMs}, {"o_ms", oMs}});
    }
    const double peak = peakResidentMiB();
    std::cout << std::setprecision(1) << "memory    " << peak << " MiB peak resident\n";

    if (args.has("--json")) {
        nlohmann::json out{{"model", model->path()},
                           {"device", model->deviceName()},
                           {"threads", threads},
                           {"workers", effectiveWorkers(*model, run)},
                           {"batch", batch},
                           {"bytes_per_image", model->bytesPerImage()},
                           {"parameter_bytes", model->parameterBytes()},
                           {"samples", samples},
                           {"fit_images_per_second", double(samples) / nac},
                           {"plain_images_per_second", double(samples) / plain},
                           {"overhead_percent", overheadPercent},
                           {"fit_with_decoding_images_per_second", endToEnd},
                           {"score_one_image_ms", median(latencies)},
                           {"rebin", rebinJson},
                           {"fit_cache", cacheJson},
                           {"peak_resident_mib", peak}};
        writeFileAtomically(args.value("--json"), out.dump(2) + "\n", "JSON report");
    }
    return 0;
}

}  // namespace

void addBenchCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(
        nac, {"bench", "measure throughput, NAC's overhead, latency, re-binning time and cache bytes",
              "  nac bench  --model M.pt [--data D] [--samples N] [--layer ...] [--image FILE] [--rounds R] [--json FILE]\n"
              "             [--rebin-sizes N,N,...|none] [--find-max-batch CAP (only: the largest batch that fits, up to CAP)]",
              runBench});
    addModelOptions(command);
    addValue(command, "--data", "D", "the images to time (decoded once, beforehand; default: uniform noise)");
    addRepeated(command, "--layer", "NAME[:params]", "a layer to tap (default: the metadata's layers)");
    addValue(command, "--samples", "N", "images per timed pass, 1..10000000 (default 1024)", wholeNumber(1, 10000000));
    addValue(command, "--image", "FILE", "the image whose single-image scoring latency is timed (default: Gaussian noise)");
    addValue(command, "--rounds", "R", "timed rounds, 1..100; the median is reported (default 3)", wholeNumber(1, 100));
    addValue(command, "--rebin-sizes", "N,N,...|none",
             "synthetic fit-sample counts the re-binning is timed on (default 1000,10000,60000; none: skip)", checkRebinSizes);
    addValue(command, "--find-max-batch", "CAP", "only find the largest batch that fits in memory, up to CAP (1..16777216)",
             wholeNumber(1, 16777216));
    addValue(command, "--json", "FILE", "also write the figures as JSON");
    addQuiet(command);
}

}  // namespace nac::app
