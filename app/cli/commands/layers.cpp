// `nac layers`: the model's module tree, output shapes and the layers that can be tapped.
#include "cli_common.h"
#include "commands/commands.h"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace nac::app {
namespace {

using namespace nac::engine;
using Json = nlohmann::json;

int runLayers(const Args& args)
{
    auto model = loadModel(args, args.required("--model"));
    const auto& tree = model->moduleTree();
    if (args.flag("--json")) {
        Json out;
        out["model"] = model->path();
        out["sha256"] = model->sha256();
        out["classes"] = model->classCount();
        out["input"] = {model->inputSpec().channels, model->inputSpec().height, model->inputSpec().width};
        out["metadata"] = model->metadata().origin;
        Json modules = Json::array();
        for (const ModuleNode& node : tree) {
            Json m{{"path", node.path}, {"type", node.typeName}, {"depth", node.depth}, {"tappable", node.tappable},
                   {"output_shape", node.outputShape}, {"neurons", node.neuronCount}};
            if (node.tappable)
                m["pooling"] = toString(node.pooling);
            if (!node.tappable)
                m["reason"] = node.notTappableReason;
            modules.push_back(m);
        }
        out["modules"] = modules;
        std::cout << out.dump(2) << "\n";
        return kExitOk;
    }
    std::cout << model->path() << ": " << model->classCount() << " classes, input " << model->inputSpec().channels << "x"
              << model->inputSpec().height << "x" << model->inputSpec().width << ", metadata: " << model->metadata().origin
              << "\n";
    for (const ModuleNode& node : tree) {
        if (node.path.empty())
            continue;
        std::string shape = "[";
        for (std::size_t i = 0; i < node.outputShape.size(); ++i)
            shape += (i ? "," : "") + std::to_string(node.outputShape[i]);
        shape += "]";
        std::cout << std::string(std::size_t(2 * (node.depth - 1)), ' ') << std::left << std::setw(28 - 2 * (node.depth - 1))
                  << node.path << " " << std::setw(22) << node.typeName << " ";
        if (node.tappable)
            std::cout << std::setw(18) << shape << " " << node.neuronCount << " neurons"
                      << (node.pooling == Pooling::TokenSum ? " (sum over tokens)"
                          : node.pooling == Pooling::ClsToken ? " (CLS token)"
                                                              : "")
                      << "\n";
        else
            std::cout << "(not tappable: " << node.notTappableReason << ")\n";
    }
    return kExitOk;
}

}  // namespace

void addLayersCommand(CLI::App& nac)
{
    CLI::App& command = addCommand(nac, {"layers", "print the model's module tree, output shapes and the layers that can be tapped",
                                         "  nac layers --model M.pt [--json] [--device DEV] [--input CxHxW]", runLayers});
    addModelOptions(command);
    addFlag(command, "--json", "print the tree as JSON on stdout");
    addQuiet(command);
}

}  // namespace nac::app
