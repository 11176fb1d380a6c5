// What `nac`'s sub-commands share: option registration on CLI11, the checks of what was given,
// and the engine helpers. See cli_common.h.
#include "cli_common.h"

#include "engine/error.h"
#include "engine/number_text.h"
#include "engine/profile_io.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <unistd.h>

namespace nac::app {

using namespace nac::engine;

namespace {

// What CLI11 does not hold for an option: whether it may be repeated, and its value check.
struct OptionRule {
    bool repeatable = false;
    ValueCheck check;
};
std::map<const CLI::Option*, OptionRule>& optionRules()
{
    static std::map<const CLI::Option*, OptionRule> rules;
    return rules;
}

CLI::Option& addOption(CLI::App& command, const std::string& names, const std::string& valueName,
                       const std::string& description, bool repeatable, ValueCheck check)
{
    // Every occurrence takes exactly one value; all are kept (a repeated single option is refused
    // by checkGiven with its own message, not CLI11's).
    CLI::Option* option = command.add_option(names, description);
    option->type_name(valueName)->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    optionRules()[option] = OptionRule{repeatable, std::move(check)};
    return *option;
}

const CLI::Option& findOption(const CLI::App& command, const std::string& name)
{
    const CLI::Option* option = command.get_option_no_throw(name);
    if (!option)  // a command reads an option it did not register: a bug, not a usage error
        throw std::logic_error("nac " + command.get_name() + " has no option " + name);
    return *option;
}

std::string describeRange(long long minimum, long long maximum)
{
    return "(" + std::to_string(minimum) + ".." + std::to_string(maximum) + ")";
}

}  // namespace

// ---- registering -------------------------------------------------------------------------------

ValueCheck wholeNumber(long long minimum, long long maximum)
{
    return [minimum, maximum](const std::string& text) -> std::string {
        const std::optional<long long> number = parseInteger(text);  // the same in every locale
        if (!number)
            return "'" + text + "' is not a whole number";
        if (*number < minimum || *number > maximum)
            return text + " is out of range " + describeRange(minimum, maximum);
        return {};
    };
}

ValueCheck wholeNumberOr(const std::string& word, long long minimum, long long maximum)
{
    return [word, minimum, maximum](const std::string& text) -> std::string {
        if (text == word)
            return {};
        const std::optional<long long> number = parseInteger(text);
        if (!number)
            return "'" + text + "' must be a whole number or '" + word + "'";
        if (*number < minimum || *number > maximum)
            return maximum == std::numeric_limits<long long>::max()
                       ? "must be at least " + std::to_string(minimum)
                       : text + " is out of range " + describeRange(minimum, maximum);
        return {};
    };
}

ValueCheck oneOf(const std::vector<std::string>& words)
{
    return [words](const std::string& text) -> std::string {
        for (const std::string& word : words)
            if (text == word)
                return {};
        std::string list;
        for (std::size_t i = 0; i < words.size(); ++i)
            list += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
        return "must be " + list;
    };
}

void addValue(CLI::App& command, const std::string& names, const std::string& valueName, const std::string& description,
              ValueCheck check)
{
    addOption(command, names, valueName, description, false, std::move(check));
}

void addRepeated(CLI::App& command, const std::string& names, const std::string& valueName, const std::string& description,
                 ValueCheck check)
{
    addOption(command, names, valueName, description, true, std::move(check));
}

void addFlag(CLI::App& command, const std::string& names, const std::string& description)
{
    CLI::Option* flag = command.add_flag(names, description);
    flag->disable_flag_override();  // --quiet=yes: "--quiet takes no value"
    optionRules()[flag] = OptionRule{true, {}};
}

void addPositionals(CLI::App& command, const std::string& valueName, const std::string& description)
{
    CLI::Option* option = command.add_option(valueName, description);
    option->type_name("")->expected(0, CLI::detail::expected_max_vector_size)->allow_extra_args(true);
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    optionRules()[option] = OptionRule{true, {}};
}

void addModelOptions(CLI::App& command, bool withModel)
{
    if (withModel)
        addValue(command, "--model", "M.pt", "the TorchScript classifier (scripted or traced; logits [batch, classes])");
    addValue(command, "--device", "DEV", "auto (default: CUDA when present), cpu, cuda or cuda:N");
    addValue(command, "--input", "CxHxW", "the model's input size, for a model without nac.json metadata");
    addValue(command, "--mean", "a[,b,c]", "per-channel mean of the preprocessing (default: the metadata's, or 0)");
    addValue(command, "--std", "a[,b,c]", "per-channel standard deviation of the preprocessing (default: the metadata's, or 1)");
    addValue(command, "--threads", "T", "threads per worker (default 0: all cores)", wholeNumber(0, 1024));
    addValue(command, "--batch", "B|auto", "images per batch, 1..4096 (default auto; results do not depend on it)",
             wholeNumberOr("auto", 1, kMaxBatchSize));
    addValue(command, "--workers", "K", "batches computed at once, 0..64 (default 0: automatic)", wholeNumber(0, 64));
    addValue(command, "--graph", "plain|frozen", "frozen folds BatchNorm into convolutions: faster, rounds differently (default plain)",
             oneOf({"plain", "frozen"}));
    addValue(command, "--memory-format", "FORMAT",
             "contiguous (default; rounds as eager PyTorch), channels-last or auto (docs/faithfulness.md)",
             oneOf({"auto", "channels-last", "contiguous"}));
}

void addQuiet(CLI::App& command) { addFlag(command, "--quiet", "no progress lines (notes and warnings are still printed)"); }

namespace {
std::map<const CLI::App*, Command>& commandRegistry()
{
    static std::map<const CLI::App*, Command> commands;
    return commands;
}
}  // namespace

CLI::App& addCommand(CLI::App& nac, const Command& command)
{
    CLI::App* sub = nac.add_subcommand(command.name, command.summary);
    // Unknown options and stray arguments are collected, then refused by checkGiven with nac's
    // own message, after CLI11 has read the whole line.
    sub->allow_extras();
    commandRegistry()[sub] = command;
    return *sub;
}

const Command* commandOf(const CLI::App& sub)
{
    const auto it = commandRegistry().find(&sub);
    return it == commandRegistry().end() ? nullptr : &it->second;
}

namespace {

// Words of text wrapped to `width` columns, every line after the first indented by `indent`.
std::string wrapText(const std::string& text, std::size_t firstColumn, std::size_t indent, std::size_t width)
{
    std::istringstream words(text);
    std::string word;
    std::string out;
    std::size_t column = firstColumn;
    bool first = true;
    while (words >> word) {
        if (!first && column + 1 + word.size() > width) {
            out += "\n" + std::string(indent, ' ');
            column = indent;
        } else if (!first) {
            out += " ";
            ++column;
        }
        out += word;
        column += word.size();
        first = false;
    }
    return out;
}

}  // namespace

std::string commandHelp(const CLI::App& sub, const std::string& notes)
{
    const Command* command = commandOf(sub);
    if (!command)
        return {};
    std::string out = "nac " + command->name + ": " + command->summary + "\n\nusage:\n" + command->usage + "\n\noptions:\n";
    constexpr std::size_t kColumn = 30;
    constexpr std::size_t kWidth = 100;
    for (const CLI::Option* option : sub.get_options()) {
        std::string names;
        if (option->nonpositional()) {
            for (const std::string& s : option->get_snames())
                names += (names.empty() ? "-" : ", -") + s;
            for (const std::string& l : option->get_lnames())
                names += (names.empty() ? "--" : ", --") + l;
            if (!option->get_type_name().empty() && option->get_expected_max() > 0)
                names += " " + option->get_type_name();
        } else {
            names = option->get_name() + "...";
        }
        std::string description = option->get_description();
        const auto rule = optionRules().find(option);
        if (rule != optionRules().end() && rule->second.repeatable && option->nonpositional() && option->get_expected_max() > 0)
            description += " (repeatable)";
        std::string line = "  " + names;
        line += line.size() + 2 <= kColumn ? std::string(kColumn - line.size(), ' ') : "\n" + std::string(kColumn, ' ');
        out += line + wrapText(description, kColumn, kColumn, kWidth) + "\n";
    }
    return out + "\n" + notes;
}

// ---- reading -----------------------------------------------------------------------------------

bool Args::has(const std::string& name) const { return findOption(*m_command, name).count() > 0; }

std::string Args::value(const std::string& name, const std::string& fallback) const
{
    const CLI::Option& option = findOption(*m_command, name);
    return option.count() == 0 ? fallback : option.results().front();
}

std::string Args::required(const std::string& name) const
{
    if (!has(name))
        throw UsageError("missing " + name);
    return value(name);
}

std::vector<std::string> Args::values(const std::string& name) const { return findOption(*m_command, name).results(); }

bool Args::flag(const std::string& name) const { return findOption(*m_command, name).count() > 0; }

std::vector<std::string> Args::positionals() const
{
    for (const CLI::Option* option : m_command->get_options())
        if (option->get_positional() && !option->nonpositional())
            return option->results();
    return {};
}

int Args::intValue(const std::string& name, int fallback) const
{
    if (!has(name))
        return fallback;
    const std::string text = value(name);
    const std::optional<long long> number = parseInteger(text);
    if (!number || *number < std::numeric_limits<int>::min() || *number > std::numeric_limits<int>::max())
        throw UsageError(name + " '" + text + "' is not a whole number");
    return int(*number);
}

void checkGiven(const CLI::App& command)
{
    // CLI11 leaves what it did not recognise in remaining(), in the order given.
    for (const std::string& arg : command.remaining()) {
        if (arg.size() >= 2 && arg[0] == '-') {
            const auto eq = arg.find('=');
            throw UsageError("unknown option " + (arg.rfind("--", 0) == 0 && eq != std::string::npos ? arg.substr(0, eq) : arg));
        }
    }
    for (const std::string& arg : command.remaining())
        throw UsageError("unexpected argument '" + arg + "' (nac " + command.get_name() + " takes no file names without an option)");
    for (const CLI::Option* option : command.get_options()) {
        const auto rule = optionRules().find(option);
        if (rule == optionRules().end() || rule->second.repeatable || option->count() <= 1)
            continue;
        throw UsageError(option->get_name() + " is given more than once");
    }
    // Values in the order they were given.
    for (const CLI::Option* option : command.parse_order()) {
        const auto rule = optionRules().find(option);
        if (rule == optionRules().end() || !rule->second.check)
            continue;
        for (const std::string& value : option->results()) {
            const std::string problem = rule->second.check(value);
            if (!problem.empty())
                throw UsageError(option->get_name() + " " + problem);
        }
    }
}

// ---- running -----------------------------------------------------------------------------------

namespace {
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
}  // namespace

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

CancelToken cancelToken()
{
    static const CancelToken token = makeCancelToken();
    return token;
}

void printNote(const std::string& text) { std::cerr << "note: " << text << "\n"; }

ProgressPrinter::ProgressPrinter(bool quiet) : m_quiet(quiet), m_tty(isatty(STDERR_FILENO) != 0) {}

ProgressCallback ProgressPrinter::callback()
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

WarningCallback ProgressPrinter::warning()
{
    return [this](const std::string& text) {
        if (m_tty && !m_quiet)
            std::cerr << "\r";
        std::cerr << "warning: " << text << "\n";
    };
}

NoteCallback ProgressPrinter::note()
{
    return [this](const std::string& text) {
        if (m_tty && !m_quiet)
            std::cerr << "\r";
        printNote(text);
    };
}

namespace {

// The input spec that --input/--mean/--std describe, starting from base for what they leave out.
InputSpec inputFromOptions(const Args& args, const InputSpec& base)
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

}  // namespace

std::unique_ptr<Model> loadModel(const Args& args, const std::string& path, const CoverageProfile* profile)
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
    model->setThreads(args.intValue("--threads", 0));
    // --graph and --memory-format were checked with the other options (checkGiven).
    model->setGraphMode(args.value("--graph", "plain") == "plain" ? Model::GraphMode::Plain : Model::GraphMode::Frozen);
    // Contiguous by default: it rounds as eager PyTorch does (docs/faithfulness.md).
    const std::string format = args.value("--memory-format", "contiguous");
    if (format == "auto")
        model->setMemoryFormat(Model::MemoryFormat::Auto);
    else if (format == "channels-last")
        model->setMemoryFormat(Model::MemoryFormat::ChannelsLast);
    else
        model->setMemoryFormat(Model::MemoryFormat::Contiguous);
    return model;
}

std::unique_ptr<Model> modelForProfile(const Args& args, const CoverageProfile& profile)
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

LayerChoice chooseLayers(const Args& args, const ModelMetadata& meta)
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

void applyLayerOverrides(const Args& args, CoverageProfile& profile)
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

FitPlanRequest samplesRequest(const Args& args, std::size_t defaultCount)
{
    FitPlanRequest request;
    request.seed = std::uint32_t(args.intValue("--seed", int(kDefaultSeed)));
    const std::string text = args.value("--samples", defaultCount == 0 ? std::string("all") : std::to_string(defaultCount));
    if (text == "all") {
        request.allSamples = true;
        return request;
    }
    // Checked with the other options (wholeNumberOr("all", 1, ...)).
    const std::optional<long long> number = parseInteger(text);
    if (!number || *number < 1)
        throw UsageError("--samples '" + text + "' must be a whole number or 'all'");
    request.sampleCount = std::size_t(*number);
    return request;
}

void addShardOption(CLI::App& command, const std::string& description)
{
    addValue(command, "--shard", "K/N", description, [](const std::string& text) -> std::string {
        try {
            parseShard(text);
            return {};
        } catch (const Error& e) {
            // parseShard names the option itself; checkGiven puts the name back in front.
            const std::string what = e.what();
            const std::string prefix = "--shard ";
            return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
        }
    });
}

std::optional<Shard> shardOption(const Args& args)
{
    if (!args.has("--shard"))
        return std::nullopt;
    try {
        return parseShard(args.value("--shard"));
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
}

void checkShardFits(const Shard& shard, std::size_t count, const std::string& what)
{
    if (count < shard.count)
        throw UsageError("--shard " + toString(shard) + ": there are only " + std::to_string(count) + " " + what + ", fewer than the "
                         + std::to_string(shard.count) + " shards; use at most " + std::to_string(count) + " shards");
}

int batchOption(const Args& args)
{
    if (args.value("--batch", "auto") == "auto")
        return 0;
    return args.intValue("--batch", 0);
}

RunOptions runOptions(const Args& args, ProgressPrinter& printer)
{
    RunOptions options;
    options.batchSize = batchOption(args);
    options.threads = args.intValue("--threads", 0);
    options.workers = args.intValue("--workers", 0);
    options.cancel = cancelToken();
    options.progress = printer.callback();
    options.warning = printer.warning();
    options.note = printer.note();
    return options;
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

}  // namespace nac::app
