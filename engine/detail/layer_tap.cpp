// Layer taps by TorchScript graph rewriting.
//
// forward's graph reaches a child module through a chain of prim::GetAttr starting at `self` and
// calls it with prim::CallMethod[name="forward"]. We copy the graph, follow module paths through
// those chains, inline (one level at a time) only the calls whose callee contains a wanted module
// (including helper methods such as torchvision's self._forward_impl), fold branches on constant
// module attributes (MobileNetV2's `if self.use_res_connect`), and return each wanted call's output
// as an extra graph output.
#include "engine/detail/layer_tap.h"

#include "engine/error.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>

#include <functional>
#include <set>
#include <unordered_map>

namespace nac::engine::detail {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;
namespace prim = c10::prim;
namespace attr = c10::attr;

std::string joinPath(const std::string& parent, const std::string& child)
{
    return parent.empty() ? child : parent + "." + child;
}

// Visits every node of a block and of its nested blocks, in order. The visitor returns false to stop.
bool visitNodes(Block* block, const std::function<bool(Node*)>& visitor)
{
    for (Node* node : block->nodes()) {
        if (!visitor(node))
            return false;
        for (Block* inner : node->blocks())
            if (!visitNodes(inner, visitor))
                return false;
    }
    return true;
}

// "forward", or a traced module's repeated call: tracing a module called twice makes "forward1".
bool isForwardName(const std::string& method)
{
    if (method.rfind("forward", 0) != 0)
        return false;
    for (std::size_t i = 7; i < method.size(); ++i)
        if (method[i] < '0' || method[i] > '9')
            return false;
    return true;
}

bool isModuleType(const c10::TypePtr& type)
{
    const auto cls = type->cast<c10::ClassType>();
    return cls && cls->is_module();
}

// Module path of every module-typed value reachable from self through GetAttr chains.
std::unordered_map<Value*, std::string> modulePaths(Graph& graph)
{
    std::unordered_map<Value*, std::string> paths;
    paths[graph.inputs()[0]] = "";
    visitNodes(graph.block(), [&](Node* node) {
        if (node->kind() == prim::GetAttr) {
            const auto parent = paths.find(node->input(0));
            if (parent != paths.end() && isModuleType(node->output()->type()))
                paths[node->output()] = joinPath(parent->second, node->s(attr::name));
        }
        return true;
    });
    return paths;
}

class TapBuilder {
public:
    TapBuilder(const torch::jit::Module& module, const std::vector<std::string>& wanted)
        : m_module(module), m_wanted(wanted.begin(), wanted.end()) {}

    bool isWanted(const std::string& path) const { return m_wanted.count(path) > 0; }

    // True when some wanted module lies strictly inside path (path "" is the model itself).
    bool hasWantedBelow(const std::string& path) const
    {
        for (const std::string& w : m_wanted)
            if (path.empty() ? !w.empty() : (w.size() > path.size() && w.compare(0, path.size(), path) == 0 && w[path.size()] == '.'))
                return true;
        return false;
    }

    // Reads a module attribute's current value (for folding branches on constant attributes).
    c10::optional<c10::IValue> moduleAttribute(const std::string& path, const std::string& name) const
    {
        torch::jit::Module current = m_module;
        if (!path.empty()) {
            std::string rest = path;
            while (!rest.empty()) {
                const auto dot = rest.find('.');
                const std::string part = rest.substr(0, dot);
                rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
                if (!current.hasattr(part))
                    return c10::nullopt;
                const c10::IValue child = current.attr(part);
                if (!child.isObject())
                    return c10::nullopt;
                current = torch::jit::Module(child.toObject());
            }
        }
        if (!current.hasattr(name))
            return c10::nullopt;
        return current.attr(name);
    }

    // Inlines calls that lead to wanted modules, one at a time, until none is left. Records the
    // outputs of inlined wanted calls.
    void inlineTowardsWanted(Graph& graph)
    {
        for (int guard = 0; guard < 100000; ++guard) {
            foldConstantBranches(graph);
            const auto paths = modulePaths(graph);
            Node* toInline = nullptr;
            std::string calleePath;
            visitNodes(graph.block(), [&](Node* node) {
                if (node->kind() != prim::CallMethod)
                    return true;
                const auto it = paths.find(node->input(0));
                if (it == paths.end())
                    return true;
                const std::string& method = node->s(attr::name);
                const bool helperOnPath = !isForwardName(method) && (isWanted(it->second) || hasWantedBelow(it->second));
                if (hasWantedBelow(it->second) || helperOnPath) {
                    toInline = node;
                    calleePath = it->second;
                    return false;
                }
                return true;
            });
            if (!toInline)
                return;
            const std::string method = toInline->s(attr::name);
            const auto cls = toInline->input(0)->type()->expect<c10::ClassType>();
            auto& callee = torch::jit::toGraphFunction(cls->getMethod(method));
            // Inline the callee's own (un-inlined) graph so that its child calls stay visible.
            const std::vector<Value*> before(toInline->outputs().begin(), toInline->outputs().end());
            const std::vector<Value*> outputs = torch::jit::inlineCallTo(toInline, &callee, callee.graph().get());
            // A tap recorded earlier may be the result of the call just inlined.
            for (std::size_t i = 0; i < before.size() && i < outputs.size(); ++i)
                replaceRecorded(before[i], outputs[i]);
            if (isForwardName(method) && isWanted(calleePath) && !outputs.empty())
                m_found[calleePath].push_back(outputs[0]);
        }
        throw Error(ErrorKind::Internal, "layer taps: the model's call graph did not settle while inlining");
    }

    // Replaces `if <constant>` and `if self.<bool attribute>` by the branch that runs. Module
    // attributes do not change during inference, so the result computes the same values.
    void foldConstantBranches(Graph& graph)
    {
        bool folded = true;
        while (folded) {
            folded = false;
            const auto paths = modulePaths(graph);
            Node* target = nullptr;
            bool takeThen = false;
            visitNodes(graph.block(), [&](Node* node) {
                if (node->kind() != prim::If)
                    return true;
                Value* cond = node->input(0);
                Node* producer = cond->node();
                c10::optional<c10::IValue> value;
                if (producer->kind() == prim::Constant) {
                    value = torch::jit::toIValue(cond);
                } else if (producer->kind() == prim::GetAttr) {
                    const auto owner = paths.find(producer->input(0));
                    if (owner != paths.end())
                        value = moduleAttribute(owner->second, producer->s(attr::name));
                }
                if (value && value->isBool()) {
                    target = node;
                    takeThen = value->toBool();
                    return false;
                }
                return true;
            });
            if (!target)
                return;
            Block* taken = target->blocks()[takeThen ? 0 : 1];
            for (auto it = taken->nodes().begin(); it != taken->nodes().end();) {
                Node* moving = *it;
                ++it;
                moving->moveBefore(target);
            }
            for (std::size_t i = 0; i < target->outputs().size(); ++i) {
                Value* before = target->outputs()[i];
                Value* after = taken->outputs()[i];
                before->replaceAllUsesWith(after);
                replaceRecorded(before, after);  // a tap recorded earlier may be this branch's result
            }
            target->destroy();
            folded = true;
        }
    }

    // Wanted calls that were not inlined are still CallMethod nodes: record their outputs.
    void collectRemainingCalls(Graph& graph)
    {
        const auto paths = modulePaths(graph);
        visitNodes(graph.block(), [&](Node* node) {
            if (node->kind() == prim::CallMethod && isForwardName(node->s(attr::name))) {
                const auto it = paths.find(node->input(0));
                if (it != paths.end() && isWanted(it->second))
                    m_found[it->second].push_back(node->output());
            }
            return true;
        });
    }

    const std::vector<Value*>& found(const std::string& path) const
    {
        static const std::vector<Value*> kNone;
        const auto it = m_found.find(path);
        return it == m_found.end() ? kNone : it->second;
    }

private:
    void replaceRecorded(Value* before, Value* after)
    {
        for (auto& entry : m_found)
            for (Value*& v : entry.second)
                if (v == before)
                    v = after;
    }

    const torch::jit::Module& m_module;
    std::set<std::string> m_wanted;
    std::map<std::string, std::vector<Value*>> m_found;
};

// Rewrites `value` (a top-level tensor) so that its later uses see
//     value.requires_grad ? value : value.detach().requires_grad_()
// and returns the new value. With an input and parameters that do not require grad, autograd
// then records only from the first taps on: the layers in front of them (a ResNet's stem and its
// max pool) run as plain inference and their backward is never prepared. A tap that depends on an
// earlier one still requires grad and keeps its place in the autograd graph, so every tap's
// gradient is the same as with a gradient-requiring input (SPEC §1.3).
Value* startGradientAt(Graph& graph, Value* value)
{
    const std::vector<torch::jit::Use> laterUses = value->uses();
    torch::jit::WithInsertPoint after(value->node()->next());
    Value* requiresGrad = graph.insert(prim::requires_grad, {value});
    Node* branch = graph.insertNode(graph.create(prim::If, {requiresGrad}, 1));
    branch->output()->setType(value->type());
    branch->addBlock()->registerOutput(value);
    Block* leaf = branch->addBlock();
    {
        torch::jit::WithInsertPoint inLeaf(leaf);
        Value* detached = graph.insert(c10::aten::detach, {value});
        leaf->registerOutput(graph.insert(c10::aten::requires_grad_, {detached, true}));
    }
    for (const torch::jit::Use& use : laterUses)
        use.user->replaceInput(use.offset, branch->output());
    return branch->output();
}

}  // namespace

TapGraph buildTapGraph(const torch::jit::Module& module, const std::vector<std::string>& wanted, bool tolerant)
{
    TapGraph result;
    auto& forward = torch::jit::toGraphFunction(module.get_method("forward").function());
    std::shared_ptr<Graph> graph = forward.graph()->copy();

    std::set<std::string> existing;
    for (const auto& item : module.named_modules())
        existing.insert(item.name);

    std::vector<std::string> candidates;
    auto reject = [&](const std::string& name, const std::string& why) {
        if (!tolerant)
            throw badInput("layer '" + name + "' " + why + ".");
        result.rejected[name] = why;
    };
    for (const std::string& name : wanted) {
        if (name.empty())
            reject(name, "is the whole model; choose one of its submodules");
        else if (!existing.count(name))
            reject(name, "does not exist in the model");
        else
            candidates.push_back(name);
    }

    TapBuilder builder(module, candidates);
    builder.inlineTowardsWanted(*graph);
    builder.collectRemainingCalls(*graph);

    std::vector<Value*> tapValues;
    for (const std::string& name : candidates) {
        const auto& values = builder.found(name);
        if (values.empty()) {
            reject(name, "is never called by the model's forward, so it has no output to tap");
            continue;
        }
        if (values.size() > 1) {
            reject(name, "is called " + std::to_string(values.size())
                             + " times in one forward pass (a shared module), so its output is ambiguous; tap a module "
                               "called once, such as its parent");
            continue;
        }
        Value* value = values[0];
        if (!value->type()->cast<c10::TensorType>()) {
            reject(name, "returns " + value->type()->str() + ", not a tensor");
            continue;
        }
        if (value->node()->owningBlock() != graph->block()) {
            reject(name, "is called inside a branch or loop that depends on the data, so it cannot be tapped");
            continue;
        }
        tapValues.push_back(value);
        result.tapped.push_back(name);
    }

    for (Value*& value : tapValues)
        value = startGradientAt(*graph, value);

    std::vector<Value*> outputs{graph->outputs()[0]};
    outputs.insert(outputs.end(), tapValues.begin(), tapValues.end());
    Node* tuple = graph->createTuple(outputs);
    tuple->insertBefore(graph->return_node());
    graph->eraseOutput(0);
    graph->registerOutput(tuple->output());
    result.graph = graph;
    return result;
}

}  // namespace nac::engine::detail
