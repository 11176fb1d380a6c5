// `nac eval`: OOD detection metrics (AUROC, FPR@95, AUPR) for NAC-UE and the MSP, MaxLogit and
// Energy baselines, per OOD set and on average; the SPEC §7 sanity check when the profile holds
// held-out images.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/atomic_file.h"
#include "engine/metrics.h"
#include "engine/profile_io.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace nac::app {
namespace {

using namespace nac::engine;
using Json = nlohmann::json;

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

int runEval(const Args& args)
{
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

}  // namespace

void addEvalCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(
        nac, {"eval", "evaluate OOD detection: AUROC, FPR@95, AUPR for NAC-UE and the MSP, MaxLogit, Energy baselines",
              "  nac eval   --profile P --id D --ood NAME=D [--ood NAME=D]... [--model M.pt] [--layer ...]\n"
              "             [--layers avgpool,layer3 (ablation: only these layers)] [--json FILE]",
              runEval});
    addModelOptions(command);
    addValue(command, "--profile", "P", "the profile (.nacprofile); its model is found from it unless --model is given");
    addValue(command, "--id", "D", "the in-distribution test images");
    addRepeated(command, "--ood", "NAME=D", "an OOD test set and the name it is reported under");
    addRepeated(command, "--layer", "NAME:params", "change a layer's M, O or alpha from the profile's");
    addValue(command, "--layers", "L1,L2,...", "layer ablation: score with only these layers of the profile");
    addValue(command, "--json", "FILE", "also write the metrics as JSON");
    addQuiet(command);
}

}  // namespace nac::app
