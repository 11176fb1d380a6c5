// `nac tune`: searches per-layer M, O and alpha on validation sets by re-binning the profile's
// cached products (no model pass per combination).
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/profile_io.h"
#include "engine/atomic_file.h"
#include "engine/tuner.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace nac::app {
namespace {

using namespace nac::engine;
using Json = nlohmann::json;

int runTune(const Args& args)
{
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
    const TuneResult result = tuneParameters(profile, indVal, oodVal, grids, cancelToken(), printer.callback());
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
    if (args.has("--output")) {
        const std::string output = args.value("--output");
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

}  // namespace

void addTuneCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(
        nac, {"tune", "search per-layer M, O and alpha on validation sets; writes the tuned profile or model metadata",
              "  nac tune   --profile P --id-val D --ood-val D [--ood-val D]... --grid LAYER:O=10/50,M=50/500,alpha=100/3000 ...\n"
              "             [-o TUNED.nacprofile] [--write-model OUT.pt] [--json FILE]",
              runTune});
    addModelOptions(command);
    addValue(command, "--profile", "P", "the profile to tune");
    addValue(command, "--id-val", "D", "in-distribution validation images (not the test set)");
    addRepeated(command, "--ood-val", "D", "OOD validation images (disjoint from the OOD test sets)");
    addRepeated(command, "--grid", "LAYER:O=a/b,M=c/d,alpha=e/f", "the values to try for one layer of the profile");
    addValue(command, "-o,--output", "TUNED.nacprofile", "write the profile with the best parameters");
    addValue(command, "--write-model", "OUT.pt", "write a copy of the model whose nac.json holds the tuned parameters");
    addValue(command, "--json", "FILE", "also write the result as JSON");
    addQuiet(command);
}

}  // namespace nac::app
