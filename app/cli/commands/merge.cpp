// `nac merge`: merges profiles fitted on disjoint shards of the same data.
#include "cli_common.h"
#include "commands/commands.h"

#include "engine/error.h"
#include "engine/profile_io.h"

#include <iostream>

namespace nac::app {
namespace {

using namespace nac::engine;

int runMerge(const Args& args)
{
    const std::string output = args.required("--output");
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

}  // namespace

void addMergeCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(nac, {"merge", "merge profiles fitted on disjoint shards of the same data",
                                         "  nac merge  -o OUT.nacprofile P1 P2 ...", runMerge});
    addValue(command, "-o,--output", "OUT.nacprofile", "the merged profile to write");
    addPositionals(command, "PROFILES", "two or more profiles of the same model, layers, parameters and preprocessing, "
                                        "fitted on disjoint images");
    addQuiet(command);
}

}  // namespace nac::app
