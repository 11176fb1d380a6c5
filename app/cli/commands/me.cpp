// `nac me`: NAC-ME, the generalisation score G of each checkpoint and the Spearman rank
// correlation of G with accuracy.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/atomic_file.h"
#include "engine/metrics.h"
#include "engine/nac_me.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>

namespace nac::app {
namespace {

using namespace nac::engine;
using Json = nlohmann::json;

int runMe(const Args& args)
{
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

}  // namespace

void addMeCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(
        nac, {"me", "NAC-ME: the generalisation score G of each checkpoint and its rank correlation with accuracy",
              "  nac me     --data D --layer NAME[:params] [--samples N|all] [--all-samples] [--json FILE] M1.pt M2.pt ...",
              runMe});
    addModelOptions(command, false);  // the checkpoints are the positional arguments
    addValue(command, "--data", "D", "the images G and the accuracy are measured on");
    addValue(command, "--layer", "NAME[:params]", "the layer, with NAC-ME's M=50, O=500, alpha=0.1 unless given");
    addValue(command, "--samples", "N|all", "images, class-balanced (default all)",
             wholeNumberOr("all", 1, std::numeric_limits<long long>::max()));
    addValue(command, "--seed", "S", "seed of the class-balanced choice (default 1)", wholeNumber(0, 2147483647));
    addFlag(command, "--all-samples", "count every image, not only the correctly classified ones");
    addValue(command, "--json", "FILE", "also write the table as JSON");
    addPositionals(command, "CHECKPOINTS", "the model checkpoints (.pt), all of the same model");
    addQuiet(command);
}

}  // namespace nac::app
