// `nac score`: scores images with NAC-UE against a profile; one CSV row per image.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/atomic_file.h"
#include "engine/profile_io.h"

#include <iomanip>
#include <iostream>
#include <locale>
#include <map>
#include <sstream>

namespace nac::app {
namespace {

using namespace nac::engine;

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

int runScore(const Args& args)
{
    const std::string output = args.required("--output");
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

}  // namespace

void addScoreCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(nac, {"score", "score images with NAC-UE against a profile; writes one CSV row per image",
                                         "  nac score  --profile P --data D [--model M.pt] [--layer NAME:M=..,O=..,alpha=..]... [--shard K/N] -o scores.csv",
                                         runScore});
    addModelOptions(command);
    addValue(command, "--profile", "P", "the profile (.nacprofile); its model is found from it unless --model is given");
    addValue(command, "--data", "D", "the images to score");
    addRepeated(command, "--layer", "NAME:params", "change a layer's M, O or alpha from the profile's (no model pass needed)");
    addShardOption(command, "score only block K (0..N-1) of D's images; only shard 0 writes the CSV header, "
                            "so `cat` of shards 0..N-1 in order equals the unsharded CSV");
    addValue(command, "-o,--output", "FILE", "the CSV to write: index, source, label, predicted, score, per-layer scores, "
                                              "msp, maxlogit, energy");
    addQuiet(command);
}

}  // namespace nac::app
