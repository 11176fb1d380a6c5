// `nac fit`: fits a coverage profile (.nacprofile) on in-distribution training images.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/number_text.h"
#include "engine/profile_io.h"

#include <iostream>
#include <limits>

namespace nac::app {
namespace {

using namespace nac::engine;

int runFit(const Args& args)
{
    const std::string output = args.required("--output");
    const std::optional<Shard> shard = shardOption(args);
    const std::optional<FitCache> cache = parseFitCache(args.value("--cache", "exact"));  // checked with the options
    auto model = loadModel(args, args.required("--model"));
    stage("model loaded");
    const LayerChoice layers = chooseLayers(args, model->metadata());
    model->setTappedLayers(layers.names);
    stage("layers tapped");
    auto dataset = openDataFor(args.required("--data"), *model);
    FitPlanRequest request = samplesRequest(args, kDefaultFitSamples);
    request.heldoutCount = std::size_t(args.intValue("--holdout", 0));
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
                      << formatReal(profile.coverage(l).coverageArea(), 4) << ")";
        std::cerr << "\nwrote " << output << "\n";
    }
    return kExitOk;
}

}  // namespace

void addFitCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(
        nac, {"fit", "fit a coverage profile (.nacprofile) on in-distribution training images",
              "  nac fit    --model M.pt --data D [--layer NAME[:M=50,O=50,alpha=100]]... [--samples N|all]\n"
              "             [--seed S] [--holdout N] [--holdout-data D] [--batch B|auto] [--threads T] [--device DEV]\n"
              "             [--input CxHxW] [--mean a[,b,c]] [--std a[,b,c]] [--cache exact|histograms] [--shard K/N] -o PROFILE",
              runFit});
    addModelOptions(command);
    addValue(command, "--data", "D", "the in-distribution training images");
    addRepeated(command, "--layer", "NAME[:params]",
                "a layer to cover, with its M, O, alpha (and bins=linear|quantile) when not the metadata's; "
                "default: the layers the model's nac.json lists");
    addValue(command, "--samples", "N|all", "fit images, class-balanced (default 1000, as the reference); all: every image in file order",
             wholeNumberOr("all", 1, std::numeric_limits<long long>::max()));
    addValue(command, "--seed", "S", "seed of the class-balanced choice (default 1, as the reference)", wholeNumber(0, 2147483647));
    addValue(command, "--holdout", "N", "images kept aside for the 95%-InD threshold and the sanity check of `nac eval` (default 0)",
             wholeNumber(0, 100000000));
    addValue(command, "--holdout-data", "D", "take the held-out images from this data (e.g. training images the model never saw)");
    addValue(command, "--cache", "exact|histograms",
             "exact (default): raw products kept, so M, alpha and the bins can change later; histograms: counts only, "
             "memory independent of the fit size, O stays live, M, alpha and the bins are fixed (docs/memory.md)",
             [](const std::string& text) -> std::string {
                 return parseFitCache(text) ? std::string() : "'" + text + "' is not exact or histograms";
             });
    addShardOption(command, "fit only block K (0..N-1) of the planned fit and held-out images; "
                            "`nac merge` of shards 0..N-1 in order equals the unsharded fit");
    addValue(command, "-o,--output", "PROFILE", "the profile to write");
    addQuiet(command);
}

}  // namespace nac::app
