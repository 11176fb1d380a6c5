// TorchScript graph rewriting that turns chosen submodule outputs into extra graph outputs,
// without re-exporting the model (DESIGN.md "Layer taps"). Torch-only detail header.
#pragma once

#include <torch/script.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine::detail {

struct TapGraph {
    // A copy of forward's graph whose single output is the tuple (original output, tap_1, ...):
    // inputs are (self, x). Taps follow `tapped` order.
    std::shared_ptr<torch::jit::Graph> graph;
    std::vector<std::string> tapped;
    // Wanted layers that cannot be tapped, with the reason (only filled when tolerant).
    std::map<std::string, std::string> rejected;
};

// Builds the tap graph for the wanted module paths ("layer1", "features.3.conv").
// tolerant=false: throws nac::engine::Error(BadInput) for the first wanted layer that cannot be
// tapped; tolerant=true: skips it and records why in `rejected`.
TapGraph buildTapGraph(const torch::jit::Module& module, const std::vector<std::string>& wanted, bool tolerant);

}  // namespace nac::engine::detail
