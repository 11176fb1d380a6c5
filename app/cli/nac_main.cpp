// `nac`: the command line tool over the NAC engine (layers, fit, score, eval, merge, me).
// Exit codes: 0 success, 1 internal error, 2 usage error, 3 bad input, 130 canceled.
#include "cli_args.h"
#include "cli_common.h"

#include "engine/atomic_file.h"
#include "engine/coverage_profile.h"
#include "engine/data/data_source.h"
#include "engine/data/fit_plan.h"
#include "engine/data/shard.h"
#include "engine/error.h"
#include "engine/fitter.h"
#include "engine/metrics.h"
#include "engine/model.h"
#include "engine/nac_me.h"
#include "engine/number_text.h"
#include "engine/profile_io.h"
#include "engine/scoring.h"
#include "engine/tuner.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <locale>
#include <new>
#include <optional>
#include <sstream>
#include <thread>
#include <time.h>
#include <unistd.h>

namespace nac::app {
namespace {

using namespace nac::engine;
using Json = nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitCanceled = 130;

constexpr int kDefaultFitSamples = 1000;   // the reference's valid_num (SPEC §3)
constexpr std::uint32_t kDefaultSeed = 1;  // the reference's RandomState(1)

// A "VmRSS"-style line of /proc/self/status in MiB (0 where there is none).
double procStatusMiB(const std::string& key)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(key + ":", 0) == 0)
            return std::strtod(line.c_str() + key.size() + 1, nullptr) / 1024.0;  // kB
    return 0.0;
}

// NAC_TIMINGS=1 prints, on stderr, when each stage of a command ends: wall seconds since main(),
// the process's CPU seconds so far (which include LibTorch's start-up before main()), and its
// resident memory now and at its peak so far (docs/memory.md).
void stage(const char* name)
{
    static const bool enabled = std::getenv("NAC_TIMINGS") != nullptr;
    static const auto start = std::chrono::steady_clock::now();
    if (!enabled)
        return;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "[timing] " << std::fixed << std::setprecision(3) << wall << " s wall, "
              << double(std::clock()) / CLOCKS_PER_SEC << " s cpu, " << std::setprecision(1) << procStatusMiB("VmRSS")
              << " MiB resident (peak " << procStatusMiB("VmHWM") << "): " << name << "\n" << std::defaultfloat;
}

CancelToken g_cancel = makeCancelToken();

// Ctrl+C sets the cancel token; a job checks it between batches and ends with exit 130. A model
// whose forward never returns never gets there, so a watchdog thread woken through this pipe
// gives the job kCancelGraceMilliseconds (so that `nac` ends within a second of Ctrl+C), then
// removes this process's temporary files and _exits. A second Ctrl+C does that at once.
constexpr long kCancelGraceMilliseconds = 600;
int g_interruptPipe[2] = {-1, -1};
std::atomic<int> g_interruptCount{0};

void writeToStderr(const char* text)
{
    std::size_t length = 0;
    while (text[length])
        ++length;
    const ssize_t ignored = ::write(STDERR_FILENO, text, length);
    (void)ignored;
}

// Async-signal-safe: atomics, write(2), unlink(2) (removeTemporaryFilesInProgress) and _exit.
void onInterrupt(int)
{
    const int savedErrno = errno;
    g_cancel->store(true);
    if (g_interruptCount.fetch_add(1) >= 1) {
        engine::removeTemporaryFilesInProgress();
        writeToStderr("\nnac: canceled\n");
        ::_exit(130);
    }
    const char byte = 1;
    const ssize_t ignored = ::write(g_interruptPipe[1], &byte, 1);
    (void)ignored;
    errno = savedErrno;
}

void cancelWatchdog()
{
    char byte = 0;
    while (::read(g_interruptPipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    timespec grace{0, kCancelGraceMilliseconds * 1'000'000};
    while (::nanosleep(&grace, &grace) != 0 && errno == EINTR) {
    }
    // The job did not end by itself (a model stuck in its forward): no allocation or locks here,
    // the stuck thread may hold any of them.
    engine::removeTemporaryFilesInProgress();
    writeToStderr("\nnac: canceled (the model did not stop within 0.6 s)\n");
    ::_exit(130);
}

void installInterruptHandling()
{
    if (::pipe(g_interruptPipe) != 0) {
        std::signal(SIGINT, [](int) { g_cancel->store(true); });
        return;
    }
    std::thread(cancelWatchdog).detach();
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
}

const char* const kUsage = R"(nac: Neuron Activation Coverage (NAC-UE, NAC-ME) for TorchScript classifiers

usage:
  nac layers --model M.pt [--json] [--device DEV] [--input CxHxW]
  nac fit    --model M.pt --data D [--layer NAME[:M=50,O=50,alpha=100]]... [--samples N|all]
             [--seed S] [--holdout N] [--holdout-data D] [--batch B|auto] [--threads T] [--device DEV]
             [--input CxHxW] [--mean a[,b,c]] [--std a[,b,c]] [--cache exact|histograms] [--shard K/N] -o PROFILE
             (--cache histograms: counts only, memory independent of the fit size; O stays live,
             M, alpha and the bins are fixed; default exact: raw products kept for re-binning)
             --shard K/N: fit only block K (0..N-1) of the planned fit and held-out images;
             `nac merge` of shards 0..N-1 in order equals the unsharded fit
  nac score  --profile P --data D [--model M.pt] [--layer NAME:M=..,O=..,alpha=..]... [--shard K/N] -o scores.csv
             --shard K/N: score only block K (0..N-1) of D's images; only shard 0 writes the
             CSV header, so `cat` of shards 0..N-1 in order equals the unsharded CSV
  nac eval   --profile P --id D --ood NAME=D [--ood NAME=D]... [--model M.pt] [--layer ...]
             [--layers avgpool,layer3 (ablation: only these layers)] [--json FILE]
  nac merge  -o OUT.nacprofile P1 P2 ...
  nac me     --data D --layer NAME[:params] [--samples N|all] [--all-samples] [--json FILE] M1.pt M2.pt ...
  nac tune   --profile P --id-val D --ood-val D [--ood-val D]... --grid LAYER:O=10/50,M=50/500,alpha=100/3000 ...
             [-o TUNED.nacprofile] [--write-model OUT.pt] [--json FILE]
  nac bench  --model M.pt [--data D] [--samples N] [--layer ...] [--image FILE] [--rounds R] [--json FILE]
             [--rebin-sizes N,N,...|none] [--find-max-batch CAP (only: the largest batch that fits, up to CAP)]

data D: an IDX file (.gz too), a folder of images (class = subfolder), an image file, or
        noise:gaussian:N[:seed=S] / noise:uniform:N[:seed=S]
common: --batch B|auto (auto) --threads T (all cores) --workers K (batches at once; 0: auto)
        --device auto|cpu|cuda[:N] --graph plain|frozen
        --memory-format contiguous|channels-last|auto (contiguous: rounds as eager PyTorch) --quiet
exit codes: 0 ok, 2 usage error, 3 bad input, 1 internal error, 130 canceled
)";

void printNote(const std::string& text) { std::cerr << "note: " << text << "\n"; }

// Progress on stderr: "fit 512/1000 images  153.2 images/s  ETA 3 s".
class ProgressPrinter {
public:
    explicit ProgressPrinter(bool quiet) : m_quiet(quiet), m_tty(isatty(STDERR_FILENO) != 0) {}

    ProgressCallback callback()
    {
        return [this](const Progress& p) {
            if (m_quiet)
                return;
            std::ostringstream line;
            line << p.stage << " " << p.itemsDone << "/" << p.itemsTotal << " " << p.unit << "  " << std::fixed
                 << std::setprecision(1) << p.itemsPerSecond << " " << p.unit << "/s  ETA " << std::setprecision(0) << p.etaSeconds << " s";
            const bool final = p.itemsDone == p.itemsTotal;
            if (m_tty) {
                std::cerr << "\r" << line.str() << "   " << (final ? "\n" : "") << std::flush;
            } else if (final || p.elapsedSeconds - m_lastPrinted >= 5.0) {
                m_lastPrinted = p.elapsedSeconds;
                std::cerr << line.str() << "\n";
            }
        };
    }
    WarningCallback warning()
    {
        return [this](const std::string& text) {
            if (m_tty && !m_quiet)
                std::cerr << "\r";
            std::cerr << "warning: " << text << "\n";
        };
    }
    // Conversions and choices the user did not spell out: printed even with --quiet, since they
    // change what the numbers mean.
    NoteCallback note()
    {
        return [this](const std::string& text) {
            if (m_tty && !m_quiet)
                std::cerr << "\r";
            printNote(text);
        };
    }

private:
    bool m_quiet;
    bool m_tty;
    double m_lastPrinted = -1e9;
};

const std::set<std::string> kModelOptions{"--model", "--device", "--input", "--mean", "--std", "--threads", "--batch",
                                          "--workers", "--graph", "--memory-format"};

std::set<std::string> withModelOptions(std::set<std::string> options)
{
    options.insert(kModelOptions.begin(), kModelOptions.end());
    return options;
}

// The input spec that --input/--mean/--std describe, starting from base for what they leave out.
InputSpec inputFromOptions(const CliArgs& args, const InputSpec& base)
{
    InputSpec spec = base;
    if (args.has("--input")) {
        parseInputShape(args.value("--input"), spec);
        if (!args.has("--mean") && spec.mean.size() != 1 && spec.mean.size() != std::size_t(spec.channels))
            spec.mean = {0.0f};
        if (!args.has("--std") && spec.std.size() != 1 && spec.std.size() != std::size_t(spec.channels))
            spec.std = {1.0f};
    }
    if (args.has("--mean"))
        spec.mean = parseFloatList(args.value("--mean"), "--mean");
    if (args.has("--std"))
        spec.std = parseFloatList(args.value("--std"), "--std");
    validateInputSpec(spec);
    return spec;
}

// Loads a model with the common options. With a profile, the model gets the preprocessing the
// profile was fitted with (scores are only comparable with the same), and --input/--mean/--std
// that say otherwise are refused.
// A profile's model is also hash-checked against the profile before its code runs (Model::load).
std::unique_ptr<Model> loadModel(const CliArgs& args, const std::string& path, const CoverageProfile* profile = nullptr)
{
    const std::string expectedSha256 = profile ? profile->modelSha256 : std::string();
    InputSpec spec;
    bool overrideInput = false;
    const bool inputOptions = args.has("--input") || args.has("--mean") || args.has("--std");
    if (profile && profile->hasInput) {
        if (inputOptions) {
            const InputSpec asked = inputFromOptions(args, profile->input);
            if (asked != profile->input)
                throw badInput("--input/--mean/--std (" + describeInputSpec(asked) + ") conflict with the preprocessing the profile "
                               "was fitted with (" + describeInputSpec(profile->input) + "); scores are only meaningful with "
                               "the fit's preprocessing: leave these options out, or fit a new profile");
        }
        spec = profile->input;
        overrideInput = true;
    } else if (inputOptions) {
        if (profile)
            printNote("the profile does not record the preprocessing it was fitted with (it was written by an older version); "
                      "using --input/--mean/--std as given");
        if (!args.has("--input")) {
            // Start from the metadata's spec: load once to read it.
            auto probe = Model::load(path, args.value("--device", "auto"), nullptr, expectedSha256);
            spec = probe->inputSpec();
        }
        spec = inputFromOptions(args, spec);
        overrideInput = true;
    } else if (profile) {
        printNote("the profile does not record the preprocessing it was fitted with (it was written by an older version); "
                  "using the model's metadata");
    }
    auto model = Model::load(path, args.value("--device", "auto"), overrideInput ? &spec : nullptr, expectedSha256);
    model->setThreads(args.intValue("--threads", 0, 0, 1024));
    const std::string graph = args.value("--graph", "plain");
    if (graph != "frozen" && graph != "plain")
        throw UsageError("--graph must be plain or frozen");
    model->setGraphMode(graph == "plain" ? Model::GraphMode::Plain : Model::GraphMode::Frozen);
    // Contiguous by default: it rounds as eager PyTorch does (docs/faithfulness.md).
    const std::string format = args.value("--memory-format", "contiguous");
    if (format == "auto")
        model->setMemoryFormat(Model::MemoryFormat::Auto);
    else if (format == "channels-last")
        model->setMemoryFormat(Model::MemoryFormat::ChannelsLast);
    else if (format == "contiguous")
        model->setMemoryFormat(Model::MemoryFormat::Contiguous);
    else
        throw UsageError("--memory-format must be auto, channels-last or contiguous");
    return model;
}

struct LayerChoice {
    std::vector<std::string> names;
    std::vector<LayerParams> params;
};

// --layer NAME[:params] options, or the metadata's default layers.
LayerChoice chooseLayers(const CliArgs& args, const ModelMetadata& meta)
{
    LayerChoice choice;
    for (const std::string& text : args.values("--layer")) {
        const auto colon = text.find(':');
        const std::string name = text.substr(0, colon);
        LayerParams base;
        for (const LayerDefault& d : meta.layers)
            if (d.name == name)
                base = d.params;
        choice.names.push_back(name);
        choice.params.push_back(colon == std::string::npos ? base : parseLayerParams(text.substr(colon + 1), base));
    }
    if (choice.names.empty()) {
        for (const LayerDefault& d : meta.layers) {
            choice.names.push_back(d.name);
            choice.params.push_back(d.params);
        }
    }
    if (choice.names.empty())
        throw badInput("no layers to cover: give --layer NAME (see `nac layers`) or list default layers in the model's nac.json");
    for (std::size_t i = 0; i < choice.names.size(); ++i)
        validateLayerParams(choice.names[i], choice.params[i]);
    return choice;
}

// Applies --layer NAME:params overrides to a loaded profile.
void applyLayerOverrides(const CliArgs& args, CoverageProfile& profile)
{
    for (const std::string& text : args.values("--layer")) {
        const auto colon = text.find(':');
        const std::string name = text.substr(0, colon);
        const int index = profile.layerIndex(name);
        if (index < 0) {
            std::string names;
            for (const LayerInfo& l : profile.layers())
                names += (names.empty() ? "" : ", ") + l.name;
            throw badInput("layer '" + name + "' is not in the profile; it covers: " + names);
        }
        if (colon != std::string::npos)
            profile.setParams(std::size_t(index), parseLayerParams(text.substr(colon + 1), profile.params(std::size_t(index))));
    }
}

std::vector<std::size_t> allIndices(const Dataset& dataset)
{
    std::vector<std::size_t> indices(dataset.size());
    for (std::size_t i = 0; i < indices.size(); ++i)
        indices[i] = i;
    return indices;
}

// Opens a data set for a model: image-folder labels are matched to the model's class names, and
// what opening it left out or decided is printed as notes.
std::unique_ptr<Dataset> openDataFor(const std::string& spec, const Model& model)
{
    std::vector<std::string> notes;
    std::unique_ptr<Dataset> dataset = alignLabelsToModel(openDataset(spec), model.metadata().classes, model.classCount(), notes);
    for (const std::string& text : dataset->openingNotes())
        printNote(text);
    for (const std::string& text : notes)
        printNote(text);
    return dataset;
}

// --samples N|all (default: defaultCount; 0 means all) as a fit plan request.
FitPlanRequest samplesRequest(const CliArgs& args, std::size_t defaultCount)
{
    FitPlanRequest request;
    request.seed = std::uint32_t(args.intValue("--seed", int(kDefaultSeed), 0, 2147483647));
    const std::string text = args.value("--samples", defaultCount == 0 ? std::string("all") : std::to_string(defaultCount));
    if (text == "all") {
        request.allSamples = true;
        return request;
    }
    const std::optional<long long> number = parseInteger(text);
    if (!number)
        throw UsageError("--samples '" + text + "' must be a whole number or 'all'");
    const long long count = *number;
    if (count < 1)
        throw UsageError("--samples must be at least 1");
    request.sampleCount = std::size_t(count);
    return request;
}

// --shard K/N (absent: the whole run). Malformed values are usage errors (exit 2).
std::optional<Shard> shardOption(const CliArgs& args)
{
    if (!args.has("--shard"))
        return std::nullopt;
    try {
        return parseShard(args.value("--shard"));
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
}

// Shard K of N of count items, refusing more shards than items (each shard must do some work).
void checkShardFits(const Shard& shard, std::size_t count, const std::string& what)
{
    if (count < shard.count)
        throw UsageError("--shard " + toString(shard) + ": there are only "
                         + std::to_string(count) + " " + what + ", fewer than the " + std::to_string(shard.count)
                         + " shards; use at most " + std::to_string(count) + " shards");
}

RunOptions runOptions(const CliArgs& args, ProgressPrinter& printer)
{
    RunOptions options;
    options.batchSize = batchOption(args);
    options.threads = args.intValue("--threads", 0, 0, 1024);
    options.workers = args.intValue("--workers", 0, 0, 64);
    options.cancel = g_cancel;
    options.progress = printer.callback();
    options.warning = printer.warning();
    options.note = printer.note();
    return options;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string formatDouble(double value, int digits = 8) { return formatReal(value, digits); }

}  // namespace

std::unique_ptr<Model> loadModelForCli(const CliArgs& args, const std::string& path) { return loadModel(args, path); }

int batchOption(const CliArgs& args)
{
    if (args.value("--batch", "auto") == "auto")
        return 0;
    return args.intValue("--batch", 0, 1, kMaxBatchSize);
}
std::pair<std::vector<std::string>, std::vector<LayerParams>> chooseLayersForCli(const CliArgs& args, const ModelMetadata& meta)
{
    const LayerChoice choice = chooseLayers(args, meta);
    return {choice.names, choice.params};
}
const std::set<std::string>& modelOptions() { return kModelOptions; }

namespace {

// ---------------------------------------------------------------------------------------------

int commandLayers(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, withModelOptions({}), {"--json", "--quiet"});
    auto model = loadModel(args, args.required("--model"));
    const auto& tree = model->moduleTree();
    if (args.flag("--json")) {
        Json out;
        out["model"] = model->path();
        out["sha256"] = model->sha256();
        out["classes"] = model->classCount();
        out["input"] = {model->inputSpec().channels, model->inputSpec().height, model->inputSpec().width};
        out["metadata"] = model->metadata().origin;
        Json modules = Json::array();
        for (const ModuleNode& node : tree) {
            Json m{{"path", node.path}, {"type", node.typeName}, {"depth", node.depth}, {"tappable", node.tappable},
                   {"output_shape", node.outputShape}, {"neurons", node.neuronCount}};
            if (node.tappable)
                m["pooling"] = toString(node.pooling);
            if (!node.tappable)
                m["reason"] = node.notTappableReason;
            modules.push_back(m);
        }
        out["modules"] = modules;
        std::cout << out.dump(2) << "\n";
        return kExitOk;
    }
    std::cout << model->path() << ": " << model->classCount() << " classes, input " << model->inputSpec().channels << "x"
              << model->inputSpec().height << "x" << model->inputSpec().width << ", metadata: " << model->metadata().origin
              << "\n";
    for (const ModuleNode& node : tree) {
        if (node.path.empty())
            continue;
        std::string shape = "[";
        for (std::size_t i = 0; i < node.outputShape.size(); ++i)
            shape += (i ? "," : "") + std::to_string(node.outputShape[i]);
        shape += "]";
        std::cout << std::string(std::size_t(2 * (node.depth - 1)), ' ') << std::left << std::setw(28 - 2 * (node.depth - 1))
                  << node.path << " " << std::setw(22) << node.typeName << " ";
        if (node.tappable)
            std::cout << std::setw(18) << shape << " " << node.neuronCount << " neurons"
                      << (node.pooling == Pooling::TokenSum ? " (sum over tokens)"
                          : node.pooling == Pooling::ClsToken ? " (CLS token)"
                                                              : "")
                      << "\n";
        else
            std::cout << "(not tappable: " << node.notTappableReason << ")\n";
    }
    return kExitOk;
}

int commandFit(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, withModelOptions({"--data", "--layer", "--samples", "--seed", "--holdout", "--holdout-data", "-o",
                                               "--output", "--shard", "--cache"}),
                       {"--quiet"});
    const std::string output = args.has("-o") ? args.value("-o") : args.required("--output");
    const std::optional<Shard> shard = shardOption(args);
    const std::string cacheText = args.value("--cache", "exact");
    const std::optional<FitCache> cache = parseFitCache(cacheText);
    if (!cache)
        throw UsageError("--cache '" + cacheText + "' is not exact or histograms");
    auto model = loadModel(args, args.required("--model"));
    stage("model loaded");
    const LayerChoice layers = chooseLayers(args, model->metadata());
    model->setTappedLayers(layers.names);
    stage("layers tapped");
    auto dataset = openDataFor(args.required("--data"), *model);
    FitPlanRequest request = samplesRequest(args, kDefaultFitSamples);
    request.heldoutCount = std::size_t(args.intValue("--holdout", 0, 0, 100000000));
    std::unique_ptr<Dataset> heldoutData;
    if (args.has("--holdout-data")) {
        // Held-out images from their own data set (e.g. training images the model never saw).
        heldoutData = openDataFor(args.value("--holdout-data"), *model);
        request.heldoutData = heldoutData.get();
    }
    // The same plan as NAC Studio's: the same settings fit the same images.
    FitPlan plan = planFit(*dataset, request, &model->metadata());
    for (const std::string& text : plan.notes)
        printNote(text);
    if (shard) {
        // The whole plan is made first, so that every shard splits the same images (SPEC §3's
        // class-balanced subset and the held-out set included).
        checkShardFits(*shard, plan.fitIndices.size(), "fit images");
        printNote("shard " + toString(*shard) + ": fit images " + describeShardBlock(*shard, plan.fitIndices.size())
                  + (plan.heldoutIndices.empty() ? std::string()
                                                 : ", held-out images " + describeShardBlock(*shard, plan.heldoutIndices.size()))
                  + " (positions in the plan)");
        plan = shardFitPlan(plan, *shard);
    }
    stage("data opened");
    ProgressPrinter printer(args.flag("--quiet"));
    CoverageProfile profile = fitProfile(*model, *dataset, plan.fitIndices, heldoutData ? std::vector<std::size_t>() : plan.heldoutIndices,
                                         layers.params, runOptions(args, printer), *cache);
    if (heldoutData && !plan.heldoutIndices.empty()) {
        RunOptions options = runOptions(args, printer);
        options.stage = "held-out";
        profile.setHeldoutSamples(computeSampleSet(*model, *heldoutData, plan.heldoutIndices, options));
    }
    profile.createdBy = "nac fit";
    stage("fitted");
    saveProfile(profile, output);
    stage("profile written");
    if (!args.flag("--quiet")) {
        std::cerr << "fitted " << profile.fitSamples().sampleCount() << " images";
        if (profile.heldoutSamples().sampleCount())
            std::cerr << " (+" << profile.heldoutSamples().sampleCount() << " held out)";
        std::cerr << " on " << model->deviceName() << "; layers:";
        for (std::size_t l = 0; l < profile.layerCount(); ++l)
            std::cerr << " " << profile.layers()[l].name << "(" << formatLayerParams(profile.params(l)) << ", G="
                      << formatDouble(profile.coverage(l).coverageArea(), 4) << ")";
        std::cerr << "\nwrote " << output << "\n";
    }
    return kExitOk;
}

struct ScoredSet {
    SampleSet samples;
    ScoreTable nac;
    BaselineScores baselines;
};

// Loads the model a profile was made for (or --model), checks it matches, and taps its layers.
std::unique_ptr<Model> modelForProfile(const CliArgs& args, const CoverageProfile& profile)
{
    const std::string path = args.value("--model", profile.modelPath);
    if (path.empty())
        throw badInput("the profile does not name its model file; give --model");
    if (profile.modelSha256.empty())
        throw badInput("the profile does not record its model's SHA-256, so its model cannot be checked before it runs; "
                       "fit a new profile");
    auto model = loadModel(args, path, &profile);
    checkProfileMatchesModel(profile, model->sha256(), path);
    model->tapLayersOf(profile.layers());
    return model;
}

ScoredSet scoreDataset(Model& model, const CoverageProfile& profile, const Dataset& dataset,
                       const std::vector<std::size_t>& indices, const RunOptions& options)
{
    ScoredSet out;
    out.samples = computeSampleSet(model, dataset, indices, options);
    out.nac = profile.score(out.samples);
    out.baselines = baselineScores(out.samples.logits, out.samples.classCount);
    return out;
}

int commandScore(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, withModelOptions({"--profile", "--data", "--layer", "-o", "--output", "--shard"}), {"--quiet"});
    const std::string output = args.has("-o") ? args.value("-o") : args.required("--output");
    const std::optional<Shard> shard = shardOption(args);
    CoverageProfile profile = loadProfile(args.required("--profile"));
    stage("profile loaded");
    applyLayerOverrides(args, profile);
    auto model = modelForProfile(args, profile);
    stage("model loaded and tapped");
    auto dataset = openDataFor(args.required("--data"), *model);
    stage("data opened");
    ProgressPrinter printer(args.flag("--quiet"));
    RunOptions options = runOptions(args, printer);
    options.stage = "score";
    std::vector<std::size_t> indices = allIndices(*dataset);
    if (shard) {
        checkShardFits(*shard, indices.size(), "images in " + dataset->description());
        printNote("shard " + toString(*shard) + ": images " + describeShardBlock(*shard, indices.size())
                  + (shard->index == 0 ? "" : "; no CSV header (shard 0 writes it)"));
        indices = shardOf(indices, *shard);
    }
    const ScoredSet scored = scoreDataset(*model, profile, *dataset, indices, options);
    stage("scored");

    std::ostringstream csv;
    csv.imbue(std::locale::classic());  // '.' decimals whatever the user's locale
    if (!shard || shard->index == 0) {
        // One header for the shards concatenated in order, so that `cat` gives the unsharded CSV.
        csv << "index,source,label,predicted,score";
        for (const LayerInfo& l : profile.layers())
            csv << ",score_" << l.name;
        csv << ",msp,maxlogit,energy\n";
    }
    // Skipped images are absent, so recover each row's data-set index from its source name.
    std::map<std::string, std::size_t> indexOf;
    for (std::size_t i = 0; i < dataset->size(); ++i)
        indexOf.emplace(dataset->sourceName(i), i);
    csv << std::setprecision(9);
    for (std::size_t i = 0; i < scored.samples.sampleCount(); ++i) {
        const std::string& source = scored.samples.sources[i];
        const int label = scored.samples.labels[i];
        csv << indexOf[source] << "," << csvField(source) << "," << (label >= 0 ? std::to_string(label) : std::string())
            << "," << scored.samples.predictedClass(i) << "," << scored.nac.total[i];
        for (std::size_t l = 0; l < profile.layerCount(); ++l)
            csv << "," << scored.nac.perLayer[l][i];
        csv << "," << scored.baselines.msp[i] << "," << scored.baselines.maxLogit[i] << "," << scored.baselines.energy[i] << "\n";
    }
    writeFileAtomically(output, csv.str(), "scores CSV");
    stage("scores written");
    if (!args.flag("--quiet"))
        std::cerr << "scored " << scored.samples.sampleCount() << " images; wrote " << output << "\n";
    return kExitOk;
}

struct MethodScores {
    std::string name;
    std::vector<double> ind;
    std::vector<double> ood;
};

std::vector<MethodScores> methodsOf(const ScoredSet& ind, const ScoredSet& ood)
{
    return {{"NAC-UE", ind.nac.total, ood.nac.total},
            {"MSP", ind.baselines.msp, ood.baselines.msp},
            {"MaxLogit", ind.baselines.maxLogit, ood.baselines.maxLogit},
            {"Energy", ind.baselines.energy, ood.baselines.energy}};
}

int commandEval(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, withModelOptions({"--profile", "--id", "--ood", "--layer", "--layers", "--json"}), {"--quiet"});
    CoverageProfile profile = loadProfile(args.required("--profile"));
    if (args.has("--layers")) {
        // Layer ablation: score with a subset of the profile's layers.
        std::vector<std::string> names;
        std::stringstream list(args.value("--layers"));
        std::string name;
        while (std::getline(list, name, ','))
            if (!name.empty())
                names.push_back(name);
        if (names.empty())
            throw UsageError("--layers needs a comma-separated list of layer names");
        profile = profile.withLayers(names);
    }
    applyLayerOverrides(args, profile);
    const std::vector<std::string> oodSpecs = args.values("--ood");
    if (oodSpecs.empty())
        throw UsageError("give at least one --ood NAME=DATA");
    std::vector<std::pair<std::string, std::string>> oodSets;
    for (const std::string& spec : oodSpecs) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
            throw UsageError("--ood '" + spec + "' must be NAME=DATA, e.g. --ood mnist=mnist-images-idx3-ubyte.gz");
        for (const auto& existing : oodSets)
            if (existing.first == spec.substr(0, eq))
                throw UsageError("--ood name '" + existing.first + "' is given twice; give each OOD set its own name");
        oodSets.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    }
    auto model = modelForProfile(args, profile);
    ProgressPrinter printer(args.flag("--quiet"));
    RunOptions options = runOptions(args, printer);

    auto idData = openDataFor(args.required("--id"), *model);
    options.stage = "InD";
    const ScoredSet ind = scoreDataset(*model, profile, *idData, allIndices(*idData), options);

    Json report;
    report["profile"] = args.value("--profile");
    report["id"] = idData->description();
    std::size_t labelled = 0;
    std::size_t correct = 0;
    for (std::size_t i = 0; i < ind.samples.sampleCount(); ++i) {
        if (ind.samples.labels[i] >= 0) {
            ++labelled;
            correct += ind.samples.predictedClass(i) == ind.samples.labels[i] ? 1 : 0;
        }
    }
    std::cout << "InD: " << idData->description() << " (" << ind.samples.sampleCount() << " scored";
    if (labelled) {
        std::cout << ", accuracy " << std::fixed << std::setprecision(2) << 100.0 * double(correct) / double(labelled) << "%";
        report["id_accuracy"] = double(correct) / double(labelled);
    }
    std::cout << ")\n";

    std::map<std::string, std::vector<OodMetrics>> perMethod;
    std::vector<std::string> methodOrder;
    std::cout << std::left << std::setw(14) << "OOD set" << std::setw(10) << "method" << std::right << std::setw(8) << "AUROC"
              << std::setw(9) << "FPR@95" << std::setw(10) << "AUPR-In" << std::setw(10) << "AUPR-Out" << "\n";
    Json sets = Json::array();
    for (const auto& [name, spec] : oodSets) {
        auto data = openDataFor(spec, *model);
        options.stage = name;
        const ScoredSet ood = scoreDataset(*model, profile, *data, allIndices(*data), options);
        Json setJson{{"name", name}, {"data", data->description()}, {"count", ood.samples.sampleCount()}};
        for (const MethodScores& m : methodsOf(ind, ood)) {
            const OodMetrics metrics = computeOodMetrics(m.ind, m.ood);
            if (!perMethod.count(m.name))
                methodOrder.push_back(m.name);
            perMethod[m.name].push_back(metrics);
            std::cout << std::left << std::setw(14) << name << std::setw(10) << m.name << std::right << std::fixed
                      << std::setprecision(2) << std::setw(8) << 100 * metrics.auroc << std::setw(9) << 100 * metrics.fprAt95Tpr
                      << std::setw(10) << 100 * metrics.auprIn << std::setw(10) << 100 * metrics.auprOut << "\n";
            setJson[m.name] = {{"auroc", metrics.auroc}, {"fpr95", metrics.fprAt95Tpr}, {"aupr_in", metrics.auprIn},
                               {"aupr_out", metrics.auprOut}};
        }
        sets.push_back(setJson);
    }
    report["ood"] = sets;
    Json averages;
    for (const std::string& method : methodOrder) {
        const auto& list = perMethod[method];
        double auroc = 0, fpr = 0, in = 0, out = 0;
        for (const OodMetrics& m : list) {
            auroc += m.auroc;
            fpr += m.fprAt95Tpr;
            in += m.auprIn;
            out += m.auprOut;
        }
        const double n = double(list.size());
        std::cout << std::left << std::setw(14) << "average" << std::setw(10) << method << std::right << std::fixed
                  << std::setprecision(2) << std::setw(8) << 100 * auroc / n << std::setw(9) << 100 * fpr / n << std::setw(10)
                  << 100 * in / n << std::setw(10) << 100 * out / n << "\n";
        averages[method] = {{"auroc", auroc / n}, {"fpr95", fpr / n}, {"aupr_in", in / n}, {"aupr_out", out / n}};
    }
    report["average"] = averages;
    if (profile.heldoutSamples().sampleCount() > 0) {
        // SPEC §7 sanity check: held-out training images vs InD test should be near 50 AUROC.
        const ScoreTable held = profile.score(profile.heldoutSamples());
        const OodMetrics sanity = computeOodMetrics(ind.nac.total, held.total);
        std::cout << "sanity check (held-out training images vs InD test, NAC-UE): AUROC " << std::fixed << std::setprecision(2)
                  << 100 * sanity.auroc << " (near 50 is healthy; far above means the fit memorised its images)\n";
        report["sanity_auroc"] = sanity.auroc;
        const double threshold = thresholdKeepingInd(held.total, 0.95);
        report["threshold_95"] = threshold;
    }
    if (args.has("--json"))
        writeFileAtomically(args.value("--json"), report.dump(2) + "\n", "JSON report");
    return kExitOk;
}

int commandMerge(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, {"-o", "--output"}, {"--quiet"});
    const std::string output = args.has("-o") ? args.value("-o") : args.required("--output");
    const auto& inputs = args.positionals();
    if (inputs.size() < 2)
        throw UsageError("merge needs at least two profiles");
    CoverageProfile merged = loadProfile(inputs[0]);
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        try {
            merged.merge(loadProfile(inputs[i]));
        } catch (const Error& e) {
            throw Error(e.kind(), inputs[i] + ": " + e.what());
        }
    }
    merged.createdBy = "nac merge";
    saveProfile(merged, output);
    if (!args.flag("--quiet"))
        std::cerr << "merged " << inputs.size() << " profiles (" << merged.fitSamples().sampleCount() << " fit images) into "
                  << output << "\n";
    return kExitOk;
}

int commandMe(const std::vector<std::string>& argv)
{
    std::set<std::string> options{"--data", "--layer", "--samples", "--seed", "--json"};
    for (const std::string& option : kModelOptions)
        if (option != "--model")  // the checkpoints are the positional arguments
            options.insert(option);
    const CliArgs args(argv, options, {"--all-samples", "--quiet"});
    const auto& checkpoints = args.positionals();
    if (checkpoints.empty())
        throw UsageError("give one or more model checkpoints (.pt)");
    const std::string layerText = args.required("--layer");
    const auto colon = layerText.find(':');
    const std::string layer = layerText.substr(0, colon);
    const LayerParams params = colon == std::string::npos ? nacMeDefaultParams()
                                                          : parseLayerParams(layerText.substr(colon + 1), nacMeDefaultParams());
    validateLayerParams(layer, params);
    const bool correctOnly = !args.flag("--all-samples");
    ProgressPrinter printer(args.flag("--quiet"));
    std::unique_ptr<Dataset> dataset;
    std::vector<std::size_t> indices;
    std::vector<double> coverages;
    std::vector<double> accuracies;
    Json rows = Json::array();
    std::cout << std::left << std::setw(40) << "checkpoint" << std::right << std::setw(12) << "G" << std::setw(12) << "accuracy"
              << std::setw(10) << "samples" << "\n";
    for (const std::string& path : checkpoints) {
        auto model = loadModel(args, path);
        model->setTappedLayers({layer});
        if (!dataset) {
            // Checkpoints of one model share its classes: the data is opened once.
            dataset = openDataFor(args.required("--data"), *model);
            const FitPlan plan = planFit(*dataset, samplesRequest(args, 0), nullptr);
            for (const std::string& text : plan.notes)
                printNote(text);
            indices = plan.fitIndices;
        }
        RunOptions options = runOptions(args, printer);
        options.stage = path;
        const SampleSet samples = computeSampleSet(*model, *dataset, indices, options);
        const NacMeResult result = nacMeScore(samples, params, correctOnly);
        coverages.push_back(result.coverage);
        accuracies.push_back(result.accuracy);
        std::cout << std::left << std::setw(40) << path << std::right << std::fixed << std::setprecision(6) << std::setw(12)
                  << result.coverage << std::setw(12);
        if (result.accuracy >= 0)
            std::cout << std::setprecision(4) << result.accuracy;
        else
            std::cout << "-";
        std::cout << std::setw(10) << result.samplesUsed << "\n";
        Json row{{"checkpoint", path}, {"sha256", model->sha256()}, {"G", result.coverage},
                 {"samples_used", result.samplesUsed}, {"samples_total", result.samplesTotal}};
        row["accuracy"] = result.accuracy >= 0 ? Json(result.accuracy) : Json(nullptr);
        rows.push_back(row);
    }
    Json report{{"layer", layer}, {"params", formatLayerParams(params)}, {"correct_only", correctOnly},
                {"data", dataset->description()}, {"checkpoints", rows}, {"spearman", nullptr}};
    const bool labelled = std::all_of(accuracies.begin(), accuracies.end(), [](double a) { return a >= 0; });
    if (checkpoints.size() >= 2 && labelled) {
        const double rho = spearmanCorrelation(coverages, accuracies);
        std::cout << "Spearman rank correlation of G with accuracy (tied values share their average rank): ";
        if (std::isnan(rho))
            std::cout << "undefined (G or accuracy is the same for every checkpoint)\n";
        else
            std::cout << std::setprecision(4) << rho << "\n";
        if (!std::isnan(rho))
            report["spearman"] = rho;
    }
    if (args.has("--json"))
        writeFileAtomically(args.value("--json"), report.dump(2) + "\n", "JSON report");
    return kExitOk;
}

int commandTune(const std::vector<std::string>& argv)
{
    const CliArgs args(argv, withModelOptions({"--profile", "--id-val", "--ood-val", "--grid", "-o", "--output", "--write-model",
                                               "--json"}),
                       {"--quiet"});
    CoverageProfile profile = loadProfile(args.required("--profile"));
    std::vector<LayerGrid> grids;
    for (const std::string& text : args.values("--grid"))
        grids.push_back(parseLayerGrid(text));
    if (grids.empty())
        throw UsageError("give at least one --grid LAYER:O=a/b,M=c/d,alpha=e/f");
    const std::vector<std::string> oodSpecs = args.values("--ood-val");
    if (oodSpecs.empty())
        throw UsageError("give at least one --ood-val DATA (disjoint from your OOD test sets)");
    auto model = modelForProfile(args, profile);
    ProgressPrinter printer(args.flag("--quiet"));
    RunOptions options = runOptions(args, printer);
    auto idData = openDataFor(args.required("--id-val"), *model);
    options.stage = "InD val";
    const SampleSet indVal = computeSampleSet(*model, *idData, allIndices(*idData), options);
    SampleSet oodVal = model->emptySampleSet();
    for (const std::string& spec : oodSpecs) {
        auto data = openDataFor(spec, *model);
        options.stage = "OOD val";
        oodVal.append(computeSampleSet(*model, *data, allIndices(*data), options));
    }
    const TuneResult result = tuneParameters(profile, indVal, oodVal, grids, g_cancel, printer.callback());
    std::cout << "tried " << result.combinations << " combinations (" << result.histogramsBuilt << " histograms re-binned) in "
              << std::fixed << std::setprecision(2) << result.seconds << " s, no model pass\n";
    std::cout << "validation AUROC: " << 100 * result.defaultAuroc << " with the profile's parameters, " << 100 * result.bestAuroc
              << " tuned\n";
    if (result.bestAuroc < result.defaultAuroc)
        std::cerr << "warning: no combination of the grid beats the profile's own parameters on the validation sets; "
                     "add them to the grid (or keep the profile as it is)\n";
    Json layers = Json::array();
    for (std::size_t l = 0; l < profile.layerCount(); ++l) {
        std::cout << "  " << profile.layers()[l].name << ": " << formatLayerParams(result.best[l]) << "\n";
        layers.push_back({{"name", profile.layers()[l].name}, {"M", result.best[l].binEdgeCount},
                          {"O", result.best[l].minActivated}, {"alpha", result.best[l].alpha},
                          {"bin_scheme", toString(result.best[l].scheme)}});
    }
    profile.setAllParams(result.best);
    if (args.has("-o") || args.has("--output")) {
        const std::string output = args.has("-o") ? args.value("-o") : args.value("--output");
        profile.createdBy = "nac tune";
        saveProfile(profile, output);
        std::cerr << "wrote " << output << "\n";
    }
    if (args.has("--write-model")) {
        ModelMetadata meta = model->metadata();
        // The preprocessing the profile was fitted with (Model::inputSpec() is the profile's).
        meta.input = model->inputSpec();
        meta.hasInput = true;
        meta.layers.clear();
        for (std::size_t l = 0; l < profile.layerCount(); ++l)
            meta.layers.push_back({profile.layers()[l].name, result.best[l]});
        model->saveWithMetadata(meta, args.value("--write-model"));
        std::cerr << "wrote " << args.value("--write-model") << " with the tuned parameters in its nac.json\n";
    }
    if (args.has("--json")) {
        const Json report{{"combinations", result.combinations}, {"histograms", result.histogramsBuilt},
                          {"seconds", result.seconds},           {"default_auroc", result.defaultAuroc},
                          {"best_auroc", result.bestAuroc},      {"layers", layers}};
        writeFileAtomically(args.value("--json"), report.dump(2) + "\n", "JSON report");
    }
    return kExitOk;
}

// One line per sub-command for `nac <command> --help` (and the man page made from it); the
// command's usage lines themselves are taken from kUsage, so they cannot drift apart.
struct CommandSummary {
    const char* name;
    const char* summary;
};
constexpr CommandSummary kCommandSummaries[] = {
    {"layers", "print the model's module tree, output shapes and the layers that can be tapped"},
    {"fit", "fit a coverage profile (.nacprofile) on in-distribution training images"},
    {"score", "score images with NAC-UE against a profile; writes one CSV row per image"},
    {"eval", "evaluate OOD detection: AUROC, FPR@95, AUPR for NAC-UE and the MSP, MaxLogit, Energy baselines"},
    {"merge", "merge profiles fitted on disjoint shards of the same data"},
    {"me", "NAC-ME: the generalisation score G of each checkpoint and its rank correlation with accuracy"},
    {"tune", "search per-layer M, O and alpha on validation sets; writes the tuned profile or model metadata"},
    {"bench", "measure throughput, NAC's overhead, latency and re-binning time"},
};

// "nac fit: <summary>", the command's lines of kUsage, then kUsage's notes on data, options and
// exit codes. Empty for an unknown command.
std::string commandUsage(const std::string& command)
{
    std::string summary;
    for (const CommandSummary& entry : kCommandSummaries) {
        if (command == entry.name)
            summary = entry.summary;
    }
    if (summary.empty())
        return std::string();
    std::string out = "nac " + command + ": " + summary + "\n\nusage:\n";
    std::istringstream lines(kUsage);
    std::string line;
    bool inCommand = false;
    bool inNotes = false;
    std::string notes;
    const std::string commandStart = "  nac " + command + " ";
    while (std::getline(lines, line)) {
        if (line.rfind("  nac ", 0) == 0)
            inCommand = line.rfind(commandStart, 0) == 0;
        else if (line.empty() || line[0] != ' ')
            inCommand = false;
        if (inCommand)
            out += line + "\n";
        if (line.rfind("data D:", 0) == 0)
            inNotes = true;
        if (inNotes)
            notes += line + "\n";
    }
    return out + "\n" + notes;
}

bool isHelpOption(const std::string& arg) { return arg == "--help" || arg == "-h"; }

int run(int argc, char** argv)
{
    if (argc < 2 || isHelpOption(argv[1]) || (argc == 2 && std::string(argv[1]) == "help")) {
        std::cout << kUsage;
        return argc < 2 ? kExitUsage : kExitOk;
    }
    if (std::string(argv[1]) == "--version" || std::string(argv[1]) == "-V") {
        std::cout << "nac " << NAC_VERSION << "\n";
        return kExitOk;
    }
    // `nac help CMD`, `nac CMD --help`, `nac CMD ... -h`: that command's usage.
    const bool helpFirst = std::string(argv[1]) == "help";
    if (helpFirst || std::any_of(argv + 2, argv + argc, [](const char* arg) { return isHelpOption(arg); })) {
        const std::string command = helpFirst ? argv[2] : argv[1];
        const std::string usage = commandUsage(command);
        if (usage.empty())
            throw UsageError("unknown command '" + command + "'");
        std::cout << usage;
        return kExitOk;
    }
    stage("main");
    const std::string command = argv[1];
    const std::vector<std::string> rest(argv + 2, argv + argc);
    if (command == "layers")
        return commandLayers(rest);
    if (command == "fit")
        return commandFit(rest);
    if (command == "score")
        return commandScore(rest);
    if (command == "eval")
        return commandEval(rest);
    if (command == "merge")
        return commandMerge(rest);
    if (command == "me")
        return commandMe(rest);
    if (command == "tune")
        return commandTune(rest);
    if (command == "bench")
        return commandBench(rest);
    throw UsageError("unknown command '" + command + "'");
}

}  // namespace
}  // namespace nac::app

int main(int argc, char** argv)
{
    nac::app::installInterruptHandling();
    try {
        return nac::app::run(argc, argv);
    } catch (const nac::app::UsageError& e) {
        std::cerr << "nac: " << e.what() << "\n(run `nac --help` for usage)\n";
        return nac::app::kExitUsage;
    } catch (const nac::engine::Error& e) {
        if (e.kind() == nac::engine::ErrorKind::Canceled) {
            std::cerr << "\nnac: canceled\n";
            return nac::app::kExitCanceled;
        }
        std::cerr << "nac: " << e.what() << "\n";
        return e.kind() == nac::engine::ErrorKind::BadInput ? nac::app::kExitBadInput : nac::app::kExitInternal;
    } catch (const std::bad_alloc&) {
        // Inputs are checked against what their files hold before allocating; what is left is a
        // real input too large for this machine's memory (or one no check foresaw).
        std::cerr << "nac: out of memory: the input files or options ask for more memory than this machine has "
                     "(check the data, model and profile given, and --batch)\n";
        return nac::app::kExitBadInput;
    } catch (const std::length_error& e) {
        std::cerr << "nac: an input asks for an impossible size (" << e.what()
                  << "); check the data, model and profile given\n";
        return nac::app::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "nac: internal error: " << e.what() << "\n";
        return nac::app::kExitInternal;
    }
}
