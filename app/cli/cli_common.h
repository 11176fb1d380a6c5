// What `nac`'s sub-commands share (app/cli/commands/*.cpp): exit codes, the options of every
// model-loading command, registering options on a CLI11 sub-command, reading what was given,
// and the engine helpers (loading a model or a profile's model, choosing layers, opening data,
// progress, notes). CLI11 itself is included only by cli_common.cpp and nac_main.cpp.
#pragma once

#include "engine/coverage_profile.h"
#include "engine/data/data_source.h"
#include "engine/data/fit_plan.h"
#include "engine/data/shard.h"
#include "engine/fitter.h"
#include "engine/layer_params.h"
#include "engine/model.h"
#include "engine/scoring.h"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace nac::app {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBadInput = 3;
constexpr int kExitCanceled = 130;

// Thrown for a usage error (exit code 2).
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---- registering a sub-command's options (on the CLI11 sub-command) ---------------------------

// Checks one value of an option; returns an empty string when it is fine, otherwise the problem,
// worded to follow the option's name ("'abc' is not a whole number" -> "--batch 'abc' is not a
// whole number"). Run after every option has been read, so that an unknown option is reported first.
using ValueCheck = std::function<std::string(const std::string& value)>;

// A whole number in minimum..maximum (written in the C locale; no fractions, no exponents).
ValueCheck wholeNumber(long long minimum, long long maximum);
// A whole number in minimum..maximum, or the word `word` (--batch B|auto, --samples N|all).
ValueCheck wholeNumberOr(const std::string& word, long long minimum, long long maximum);
// One of the listed words; the message lists them ("must be plain or frozen").
ValueCheck oneOf(const std::vector<std::string>& words);

// An option taking one value, given at most once. names: "--data" or "-o,--output"; valueName is
// what the help shows after it ("D", "FILE").
void addValue(CLI::App& command, const std::string& names, const std::string& valueName, const std::string& description,
              ValueCheck check = {});
// An option taking one value that may be given several times (--layer, --ood).
void addRepeated(CLI::App& command, const std::string& names, const std::string& valueName, const std::string& description,
                 ValueCheck check = {});
// A flag (no value).
void addFlag(CLI::App& command, const std::string& names, const std::string& description);
// The positional arguments (all of them), shown in the help as valueName.
void addPositionals(CLI::App& command, const std::string& valueName, const std::string& description);
// --model (unless withModel is false), --device, --input, --mean, --std, --threads, --batch,
// --workers, --graph, --memory-format.
void addModelOptions(CLI::App& command, bool withModel = true);
// --quiet.
void addQuiet(CLI::App& command);

// A sub-command: its name, the one-line summary of `nac CMD --help`, its usage lines ("  nac fit
// --model M.pt ...", also the lines of `nac --help`), and what runs it.
class Args;
struct Command {
    std::string name;
    std::string summary;
    std::string usage;
    std::function<int(const Args&)> run;
};
// Adds the sub-command to nac and returns it, for its options to be added.
CLI::App& addCommand(CLI::App& nac, const Command& command);
// The command a CLI11 sub-command was made for (nullptr for another).
const Command* commandOf(const CLI::App& sub);
// `nac CMD --help`: "nac CMD: summary", a blank line, "usage:" and the command's usage lines, a
// blank line, "options:" with one line per option (what it takes and does), a blank line, then
// notes (the man page is made from this layout: packaging/man/make-manpage.cmake).
std::string commandHelp(const CLI::App& sub, const std::string& notes);

// ---- reading what was given --------------------------------------------------------------------

// The options and positional arguments given to one sub-command, once CLI11 has parsed them and
// checkGiven() has accepted them.
class Args {
public:
    explicit Args(const CLI::App& command) : m_command(&command) {}

    bool has(const std::string& name) const;
    std::string value(const std::string& name, const std::string& fallback = "") const;
    // The value, or a usage error "missing NAME".
    std::string required(const std::string& name) const;
    std::vector<std::string> values(const std::string& name) const;
    bool flag(const std::string& name) const;
    std::vector<std::string> positionals() const;
    // An option registered with wholeNumber() (or wholeNumberOr(), when its word is not given).
    int intValue(const std::string& name, int fallback) const;

private:
    const CLI::App* m_command;
};

// After CLI11 parsed the command line: unknown options and unexpected arguments, options given
// more than once that take one value, then every value's check, in that order (usage errors).
void checkGiven(const CLI::App& command);

// ---- running ----------------------------------------------------------------------------------

constexpr int kDefaultFitSamples = 1000;   // the reference's valid_num (SPEC §3)
constexpr std::uint32_t kDefaultSeed = 1;  // the reference's RandomState(1)

// NAC_TIMINGS=1 prints, on stderr, when each stage of a command ends: wall seconds since main(),
// the process's CPU seconds so far (which include LibTorch's start-up before main()), and its
// resident memory now and at its peak so far (docs/memory.md).
void stage(const char* name);
// The token Ctrl+C sets (nac_main.cpp installs the handler).
engine::CancelToken cancelToken();
void printNote(const std::string& text);

// Progress on stderr: "fit 512/1000 images  153.2 images/s  ETA 3 s".
class ProgressPrinter {
public:
    explicit ProgressPrinter(bool quiet);
    engine::ProgressCallback callback();
    engine::WarningCallback warning();
    // Conversions and choices the user did not spell out: printed even with --quiet, since they
    // change what the numbers mean.
    engine::NoteCallback note();

private:
    bool m_quiet;
    bool m_tty;
    double m_lastPrinted = -1e9;
};

// Loads a model with the model options. With a profile, the model gets the preprocessing the
// profile was fitted with, and --input/--mean/--std that say otherwise are refused; its file is
// hash-checked against the profile before its code runs.
std::unique_ptr<engine::Model> loadModel(const Args& args, const std::string& path,
                                         const engine::CoverageProfile* profile = nullptr);
// The model a profile was made for (or --model), checked against it, its layers tapped.
std::unique_ptr<engine::Model> modelForProfile(const Args& args, const engine::CoverageProfile& profile);

struct LayerChoice {
    std::vector<std::string> names;
    std::vector<engine::LayerParams> params;
};
// --layer NAME[:params] options, or the metadata's default layers.
LayerChoice chooseLayers(const Args& args, const engine::ModelMetadata& meta);
// Applies --layer NAME:params overrides to a loaded profile.
void applyLayerOverrides(const Args& args, engine::CoverageProfile& profile);

// Opens a data set for a model: image-folder labels are matched to the model's class names, and
// what opening it left out or decided is printed as notes.
std::unique_ptr<engine::Dataset> openDataFor(const std::string& spec, const engine::Model& model);
std::vector<std::size_t> allIndices(const engine::Dataset& dataset);
// --samples N|all (default: defaultCount; 0 means all) and --seed as a fit plan request.
engine::FitPlanRequest samplesRequest(const Args& args, std::size_t defaultCount);
// --shard K/N, checked with the other options (parseShard's messages; absent: the whole run).
void addShardOption(CLI::App& command, const std::string& description);
std::optional<engine::Shard> shardOption(const Args& args);
// Shard K of N of count items, refusing more shards than items (each shard must do some work).
void checkShardFits(const engine::Shard& shard, std::size_t count, const std::string& what);
// --batch B|auto as RunOptions::batchSize (0: automatic).
int batchOption(const Args& args);
// --batch, --threads, --workers, the cancel token and the printer's callbacks.
engine::RunOptions runOptions(const Args& args, ProgressPrinter& printer);

struct ScoredSet {
    engine::SampleSet samples;
    engine::ScoreTable nac;
    engine::BaselineScores baselines;
};
ScoredSet scoreDataset(engine::Model& model, const engine::CoverageProfile& profile, const engine::Dataset& dataset,
                       const std::vector<std::size_t>& indices, const engine::RunOptions& options);

}  // namespace nac::app
