// Pieces of `nac` shared between its command files (nac_main.cpp, bench.cpp).
#pragma once

#include "cli_args.h"

#include "engine/layer_params.h"
#include "engine/model.h"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nac::app {

// Loads a model with the common options (--device, --input, --mean, --std, --threads, --graph).
std::unique_ptr<engine::Model> loadModelForCli(const CliArgs& args, const std::string& path);
// --layer NAME[:params] options, or the metadata's default layers.
std::pair<std::vector<std::string>, std::vector<engine::LayerParams>> chooseLayersForCli(const CliArgs& args,
                                                                                          const engine::ModelMetadata& meta);
// --batch B|auto as RunOptions::batchSize (0: automatic).
int batchOption(const CliArgs& args);
// The options every model-loading command accepts.
const std::set<std::string>& modelOptions();

int commandBench(const std::vector<std::string>& argv);

}  // namespace nac::app
