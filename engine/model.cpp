// Model loading, layer taps and neuron-state computation with LibTorch (SPEC §1, §6).
#include "engine/model.h"

#include "engine/detail/layer_tap.h"
#include "engine/detail/torch_util.h"
#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/input_guard.h"
#include "engine/sha256.h"

#include <ATen/Context.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <c10/core/Allocator.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace nac::engine {

using detail::describeTorchError;

namespace {
std::string shapeText(const std::vector<std::int64_t>& shape);

// Peak of the bytes LibTorch's allocators hand out while it is installed on a thread
// (c10::DebugInfoGuard(c10::DebugInfoKind::PROFILER_STATE, probe)): the CPU and CUDA allocators
// report every allocation (+size) and release (-size) to it, as they do to the profiler.
class PeakMemoryProbe : public c10::MemoryReportingInfoBase {
public:
    // LibTorch 1.x passes the totals as int64_t, 2.x as size_t; one of these overrides.
    void reportMemoryUsage(void*, std::int64_t size, std::int64_t, std::int64_t, c10::Device) { record(size); }
    void reportMemoryUsage(void*, std::int64_t size, std::size_t, std::size_t, c10::Device) { record(size); }
    bool memoryProfilingEnabled() const override { return true; }
    std::int64_t peakBytes() const { return m_peak.load(); }

private:
    void record(std::int64_t size)
    {
        const std::int64_t now = m_current.fetch_add(size) + size;
        std::int64_t peak = m_peak.load();
        while (now > peak && !m_peak.compare_exchange_weak(peak, now)) {
        }
    }
    std::atomic<std::int64_t> m_current{0};
    std::atomic<std::int64_t> m_peak{0};
};
}  // namespace

struct Model::Impl {
    std::string path;
    std::string sha256;
    ModelMetadata metadata;
    InputSpec input;
    torch::Device device{torch::kCPU};
    torch::jit::Module module;
    int classCount = 0;

    std::vector<ModuleNode> tree;
    bool treeReady = false;

    std::vector<LayerInfo> tapped;
    std::shared_ptr<torch::jit::GraphFunction> tapFunction;  // Plain mode: runs on `module`
    c10::optional<torch::jit::Module> frozen;                // Frozen mode: owns method kTapMethod
    GraphMode mode = GraphMode::Plain;
    MemoryFormat formatChoice = MemoryFormat::Contiguous;
    std::vector<Pooling> pooling;  // per tapped output of tapFunction (set with it)
    bool channelsLast = false;  // settled by setTappedLayers()
    std::atomic<bool> inputRequiresGrad{false};  // see forwardAndGrads()
    std::size_t bytesPerImage = 0;               // measured by settleExecution()

    static constexpr const char* kTapMethod = "__nac_taps__";
    // How far (relative to each output's largest value) logits and raw products of a faster
    // execution may move from the plain contiguous run's on the test batch. Channels-last moves
    // them by 5e-7 to 6e-6 on most models (demo 7e-7, ResNet-18 1.5e-6, VGG-11-BN 6e-6); a
    // model that moves further (RegNet-Y-400MF 2e-5, DenseNet-121 1.5e-4) stays contiguous, so
    // that scores keep matching the reference's well within 1e-5.
    static constexpr double kExecutionTolerance = 1e-5;

    // Runs a tap function on `module` and returns its outputs.
    std::vector<torch::Tensor> run(const torch::Tensor& input, torch::jit::GraphFunction* function)
    {
        std::vector<torch::jit::IValue> args{module._ivalue(), input};
        return unpack((*function)(std::move(args)));
    }

    // Runs the chosen taps (frozen method or plain function).
    std::vector<torch::Tensor> runTaps(const torch::Tensor& input)
    {
        if (frozen)
            return unpack(frozen->get_method(kTapMethod)({input}));
        return run(input, tapFunction.get());
    }

    static std::vector<torch::Tensor> unpack(const torch::jit::IValue& out)
    {
        std::vector<torch::Tensor> tensors;
        for (const auto& element : out.toTupleRef().elements())
            tensors.push_back(element.toTensor());
        return tensors;
    }

    // Clones the model, adds the tap graph as a method, makes parameters constants and folds
    // BatchNorm into convolutions (torch::jit::freeze with numerics optimisations).
    torch::jit::Module freezeWithTaps(const std::vector<std::string>& layerNames)
    {
        torch::jit::Module clone = module.clone();
        for (auto parameter : clone.parameters())
            parameter.set_requires_grad(false);
        const detail::TapGraph taps = detail::buildTapGraph(clone, layerNames, false);
        auto* unit = clone._ivalue()->compilation_unit().get();
        const c10::QualifiedName name(*clone.type()->name(), kTapMethod);
        if (clone.type()->findMethod(kTapMethod))
            clone.type()->unsafeRemoveMethod(kTapMethod);
        auto* function = unit->create_function(name, taps.graph);
        clone.type()->addMethod(function);
        torch::jit::Module result = torch::jit::freeze(clone, std::vector<std::string>{kTapMethod}, /*optimize_numerics=*/true);
        // torch::jit::freeze() runs its folding passes on `forward` only; the tap method is ours.
        std::shared_ptr<torch::jit::Graph> graph = result.get_method(kTapMethod).graph();
        torch::jit::OptimizeFrozenGraph(graph, /*optimize_numerics=*/true);
        return result;
    }

    // A batch of images as the model runs them: on its device, in its memory format. It requires
    // grad only in the fallback described at forwardAndGrads(); its own gradient is never computed.
    torch::Tensor inputTensor(const float* data, int batchSize) const
    {
        const torch::Tensor cpu = torch::from_blob(const_cast<float*>(data),
                                                   {batchSize, input.channels, input.height, input.width}, torch::kFloat32);
        torch::Tensor x = cpu.to(device, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true,
                                 channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
        if (inputRequiresGrad)
            x.requires_grad_(true);
        return x;
    }

    // One forward through the tapped graph and one gradient of the uniform cross-entropy over
    // all taps (SPEC §1.3). Returns the outputs (logits first, then the taps) and the taps'
    // gradients (undefined for a tap the loss does not reach).
    //
    // Autograd normally starts recording at the first taps (detail::buildTapGraph), which makes
    // such a tap a leaf tensor. A model that then changes it in place (DenseNet's
    // `relu(features, inplace=True)`) is refused by autograd; for such a model the batch is run
    // again, and all later ones from the start, with an input that requires grad, which records
    // every layer as eager PyTorch does. The gradients are the same either way.
    std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> forwardAndGrads(const torch::Tensor& x)
    {
        if (inputRequiresGrad || x.requires_grad())
            return forwardAndGradsOnce(x);
        try {
            return forwardAndGradsOnce(x);
        } catch (const std::exception& e) {  // c10::Error, or the interpreter's wrapping of it
            if (std::string(e.what()).find("leaf Variable that requires grad") == std::string::npos)
                throw;
        }
        inputRequiresGrad = true;
        return forwardAndGradsOnce(x.detach().requires_grad_(true));
    }

    std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> forwardAndGradsOnce(const torch::Tensor& x)
    {
        // NAC needs gradients: grad mode is thread-local, so enable it here explicitly.
        torch::AutoGradMode gradMode(true);
        // The executor's optimised graphs (autodiff subgraphs, LibTorch 1.13) can drop the
        // gradient of a tapped output that also feeds a later op after the first run, which
        // silently zeroed a layer's states. Running the graph unoptimised keeps every tap's
        // gradient; the flag is thread-local, so parallel workers each set it.
        torch::jit::GraphOptimizerEnabledGuard unoptimised(false);
        std::vector<torch::Tensor> outputs = runTaps(x);
        const torch::Tensor& logits = outputs[0];
        if (logits.dim() != 2 || logits.size(0) != x.size(0))
            throw badInput("model output has shape " + shapeText(logits.sizes().vec()) + "; expected [batch, classes]");
        // Cross-entropy to the uniform target, summed over the batch (SPEC §1.3).
        const torch::Tensor loss = (-torch::log_softmax(logits, 1).mean(1)).sum();
        const std::vector<torch::Tensor> taps(outputs.begin() + 1, outputs.end());
        if (!loss.requires_grad())  // no tap reaches the logits
            return {std::move(outputs), std::vector<torch::Tensor>(taps.size())};
        std::vector<torch::Tensor> grads =
            torch::autograd::grad({loss}, taps, {}, /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
        return {std::move(outputs), std::move(grads)};
    }

    // Logits and raw products (sum-pooled z times sum-pooled gradient) of a batch, on the CPU.
    std::vector<torch::Tensor> logitsAndProducts(const torch::Tensor& x)
    {
        auto [outputs, grads] = forwardAndGrads(x);
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> result{outputs[0].detach().to(torch::kCPU, torch::kFloat32).contiguous()};
        for (std::size_t l = 0; l + 1 < outputs.size(); ++l) {
            const torch::Tensor pooledZ = detail::poolLayer(outputs[l + 1].detach(), pooling.at(l));
            const torch::Tensor pooledG =
                grads[l].defined() ? detail::poolLayer(grads[l], pooling.at(l)) : torch::zeros_like(pooledZ);
            result.push_back((pooledZ * pooledG).to(torch::kCPU, torch::kFloat32).contiguous().view({x.size(0), -1}));
        }
        return result;
    }

    // Puts every 4-D parameter (convolution weights) in the given memory format, in place.
    void setWeightFormat(torch::MemoryFormat format)
    {
        torch::NoGradGuard noGrad;
        for (auto parameter : module.parameters())
            if (parameter.dim() == 4)
                parameter.set_data(parameter.contiguous(format));
    }

    bool hasFourDimensionalWeights() const
    {
        for (const auto& parameter : module.parameters())
            if (parameter.dim() == 4)
                return true;
        return false;
    }

    // Runs the tapped graph as `config` says: parameters in that memory format, frozen or not.
    struct Execution {
        bool frozen = false;
        bool channelsLast = false;
        std::string text() const
        {
            return std::string(frozen ? "frozen" : "plain") + (channelsLast ? " channels-last" : " contiguous");
        }
    };
    void configure(const Execution& config, const std::vector<std::string>& layerNames)
    {
        frozen.reset();
        setWeightFormat(config.channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
        channelsLast = config.channelsLast;
        if (config.frozen)
            frozen = freezeWithTaps(layerNames);  // clones the weights in the format just set
    }

    // Settles how the tapped graph runs (Model::GraphMode, Model::MemoryFormat): the fastest of
    // the wanted executions whose logits and states on a test batch match the plain contiguous
    // run's within kExecutionTolerance of their scale. Returns what failed, "" when the first
    // choice runs.
    std::string settleExecution(const std::vector<std::string>& layerNames, bool wantFrozen, bool wantChannelsLast)
    {
        inputRequiresGrad = false;  // other layers may not need the fallback
        bytesPerImage = 0;
        trainingModeProblem.clear();
        configure(Execution{}, layerNames);
        // A deterministic, non-constant test batch (zeros would hide layout mistakes). Its plain
        // run is also where the memory one image needs is measured (Model::bytesPerImage).
        constexpr int kBatch = 2;
        constexpr int kLargerBatch = 6;  // with kBatch, for the memory an extra image takes
        std::vector<float> pattern(std::size_t(kLargerBatch) * input.channels * input.height * input.width);
        for (std::size_t i = 0; i < pattern.size(); ++i)
            pattern[i] = float(std::sin(0.37 * double(i)) + 0.25 * std::cos(0.011 * double(i)));
        std::vector<torch::Tensor> reference;
        try {
            // Peak allocator bytes at two batch sizes: their difference leaves out what does not
            // grow with the batch (reordered weights, workspaces).
            auto peakOf = [&](int batch, std::vector<torch::Tensor>* keep) {
                const auto probe = std::make_shared<PeakMemoryProbe>();
                c10::DebugInfoGuard guard(c10::DebugInfoKind::PROFILER_STATE, probe);
                std::vector<torch::Tensor> out = logitsAndProducts(inputTensor(pattern.data(), batch));
                if (keep)
                    *keep = std::move(out);
                return probe->peakBytes();
            };
            std::vector<torch::Tensor> larger;
            const std::int64_t smallBytes = peakOf(kBatch, &reference);
            const std::int64_t largerBytes = peakOf(kLargerBatch, &larger);
            bytesPerImage = std::size_t(std::max<std::int64_t>(largerBytes - smallBytes, 0) / (kLargerBatch - kBatch));
            // The first kBatch images of the larger batch are the same images: in eval mode each
            // image's outputs are its own (SPEC §1.3). Dropout or BatchNorm left in training
            // mode (a model traced before model.eval()) makes them random or batch-dependent.
            std::vector<torch::Tensor> firstImages;
            for (const torch::Tensor& t : larger)
                firstImages.push_back(t.narrow(0, 0, kBatch));
            trainingModeProblem = batchDependence(reference, firstImages);
        } catch (const std::exception&) {
            return "";  // the plain run fails too; setTappedLayers() reports that
        }
        if (!trainingModeProblem.empty())
            return "";
        if (!wantFrozen && !wantChannelsLast)
            return "";
        std::vector<Execution> candidates;
        for (bool f : {true, false})
            for (bool cl : {true, false})
                if ((f || cl) && (!f || wantFrozen) && (!cl || wantChannelsLast))
                    candidates.push_back(Execution{f, cl});
        std::string problems;
        for (const Execution& candidate : candidates) {
            std::string problem;
            try {
                configure(candidate, layerNames);
                problem = differenceFrom(reference, logitsAndProducts(inputTensor(pattern.data(), kBatch)));
            } catch (const std::exception& e) {
                problem = describeTorchError(e);
            }
            if (problem.empty())
                return problems;
            problems += (problems.empty() ? "" : "; ") + candidate.text() + ": " + problem;
        }
        configure(Execution{}, layerNames);
        return problems;
    }

    // How far the same images' outputs may move when they run in a larger batch: oneDNN may pick
    // other kernels for another batch size (rounding, about 1e-6 relative), but dropout or
    // batch statistics move them by whole percents.
    static constexpr double kBatchDependenceTolerance = 1e-3;
    std::string trainingModeProblem;  // set by settleExecution()

    static std::string batchDependence(const std::vector<torch::Tensor>& alone, const std::vector<torch::Tensor>& inBatch)
    {
        for (std::size_t i = 0; i < alone.size() && i < inBatch.size(); ++i) {
            const double scale = alone[i].abs().max().item<double>();
            const double diff = (inBatch[i] - alone[i]).abs().max().item<double>();
            if (diff > kBatchDependenceTolerance * scale) {
                std::ostringstream text;
                text << (i == 0 ? "its logits" : "its layer states") << " for the same images changed by " << diff
                     << " (of " << scale << ") when they ran in a larger batch";
                return text.str();
            }
        }
        return "";
    }

    static std::string differenceFrom(const std::vector<torch::Tensor>& reference, const std::vector<torch::Tensor>& got)
    {
        for (std::size_t i = 0; i < got.size(); ++i) {
            if (!got[i].sizes().equals(reference[i].sizes()))
                return "output shapes differ";
            const double scale = reference[i].abs().max().item<double>();
            const double diff = (got[i] - reference[i]).abs().max().item<double>();
            if (!(diff <= kExecutionTolerance * scale))  // also 0 for an all-zero output
                return "results differ by " + std::to_string(diff) + " (scale " + std::to_string(scale) + ")";
        }
        return "";
    }

    // The class name of the submodule at path ("" = the model itself).
    std::string typeNameOf(const std::string& path) const
    {
        for (const auto& item : module.named_modules())
            if (item.name == path)
                return item.value.type()->name() ? item.value.type()->name()->name() : std::string();
        return {};
    }

    // SPEC §1.5 for a layer whose output has outputDims dimensions (see setTappedLayers()).
    Pooling autoPooling(const std::string& path, const std::string& typeName, std::size_t outputDims) const
    {
        if (outputDims != 3)
            return Pooling::Spatial;
        static const std::set<std::string> kTransformerLayers{
            "LayerNorm", "EncoderBlock", "Encoder", "MLPBlock", "Mlp", "Block", "TransformerEncoderLayer",
            "TransformerEncoder", "MultiheadAttention", "Attention"};
        std::string root = module.type()->name() ? module.type()->name()->name() : std::string();
        std::transform(root.begin(), root.end(), root.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        const bool transformerModel = root.find("transformer") != std::string::npos || root.find("vit") != std::string::npos
                                      || root.find("deit") != std::string::npos;
        if (!transformerModel && kTransformerLayers.count(typeName) == 0)
            return Pooling::Spatial;
        return path == "encoder.ln" ? Pooling::ClsToken : Pooling::TokenSum;
    }

    torch::Tensor zerosInput(int batch) const
    {
        return torch::zeros({batch, input.channels, input.height, input.width}, torch::TensorOptions().device(device));
    }
};

namespace {

std::string inputText(const InputSpec& spec)
{
    return std::to_string(spec.channels) + "x" + std::to_string(spec.height) + "x" + std::to_string(spec.width);
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

// The first operation of the (inlined) forward graph that is fixed to training behaviour: dropout
// with train=True or batch_norm with training=True as constants (what tracing a model in training
// mode records; a scripted model reads self.training instead, which eval() switched off), or a
// random-number operation. Only the graph's top level is searched: a traced graph has no
// branches, and an operation inside a branch of a scripted model (torchvision's attention
// dropout or stochastic depth, which run only when training) may never run; the test batches of
// setTappedLayers() catch what runs. "" when there is none.
std::string trainingModeOperation(const torch::jit::Module& module)
{
    std::shared_ptr<torch::jit::Graph> graph;
    try {
        graph = module.get_method("forward").graph()->copy();
        torch::jit::Inline(*graph);
    } catch (const std::exception&) {
        return "";  // the dry run reports a model it cannot run
    }
    static const std::map<std::string, std::size_t> kTrainFlagInput{
        {"aten::dropout", 2},       {"aten::dropout_", 2},        {"aten::feature_dropout", 2},
        {"aten::alpha_dropout", 2}, {"aten::feature_alpha_dropout", 2}, {"aten::batch_norm", 5},
        {"aten::native_batch_norm", 5}, {"aten::_batch_norm_impl_index", 5}};
    static const std::set<std::string> kRandom{"aten::bernoulli", "aten::bernoulli_", "aten::rand", "aten::rand_like",
                                               "aten::randn", "aten::randn_like", "aten::randint", "aten::randint_like",
                                               "aten::normal", "aten::normal_", "aten::uniform_", "aten::multinomial",
                                               "aten::randperm"};
    for (torch::jit::Node* node : graph->block()->nodes()) {
        const std::string kind = node->kind().toQualString();
        if (kRandom.count(kind))
            return kind;
        const auto flag = kTrainFlagInput.find(kind);
        if (flag == kTrainFlagInput.end() || flag->second >= node->inputs().size())
            continue;
        const c10::optional<torch::jit::IValue> value = torch::jit::toIValue(node->input(flag->second));
        if (!value || !value->isBool() || !value->toBool())
            continue;
        // dropout(input, p, train): a constant p of 0 drops nothing.
        const c10::optional<torch::jit::IValue> p = kind.find("dropout") != std::string::npos
            ? torch::jit::toIValue(node->input(1)) : c10::nullopt;
        if (p && p->isDouble() && p->toDouble() == 0.0)
            continue;
        return kind + " with training=True";
    }
    return "";
}

// nac.json is a few kilobytes; a larger one (inside the archive or beside it) is not metadata.
constexpr std::uint64_t kMaxMetadataBytes = std::uint64_t(1) << 20;
// More logits than this is no classifier (and would not fit the int class count).
constexpr std::int64_t kMaxClassCount = 1'000'000;
// A compressed archive record may expand to this many bytes whatever its ratio; beyond it, to at
// most kMaxExpansionRatio times its compressed size. LibTorch writes records uncompressed, so
// only a crafted archive (a deflate bomb) comes near these.
constexpr std::uint64_t kMaxFreeExpansionBytes = std::uint64_t(64) << 20;
constexpr std::uint64_t kMaxExpansionRatio = 100;
// A model checked against a profile's hash is read into memory whole; beyond this it is not a model.
constexpr std::uint64_t kMaxModelBytes = std::uint64_t(64) << 30;
// A TorchScript archive's central directory lists a few hundred records.
constexpr std::uint64_t kMaxCentralDirectoryBytes = std::uint64_t(64) << 20;

std::uint64_t littleEndian(const unsigned char* bytes, int count)
{
    std::uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = value << 8 | bytes[i];
    return value;
}

// Checks the sizes a TorchScript (zip) archive declares for its records before LibTorch reads
// any of them: LibTorch allocates a record's declared size and inflates into it, so a crafted
// nac.json or a deflate bomb would take gigabytes. Throws Error(BadInput) naming path. An archive
// this cannot parse is left to torch::jit::load, which refuses it with its own message.
// readAt(offset, buffer, count) reads exactly count bytes of the archive, or returns false.
using ReadAt = std::function<bool(std::uint64_t offset, void* buffer, std::size_t count)>;

void checkArchiveRecords(const std::string& path, std::uint64_t fileBytes, const ReadAt& readAt)
{
    constexpr std::uint64_t kEndRecordBytes = 22;
    constexpr std::uint64_t kMaxCommentBytes = 65535;
    if (fileBytes < kEndRecordBytes)
        return;
    const std::uint64_t tailBytes = std::min(fileBytes, kEndRecordBytes + kMaxCommentBytes + 20);
    std::vector<unsigned char> tail(tailBytes);
    if (!readAt(fileBytes - tailBytes, tail.data(), tail.size()))
        return;
    std::size_t end = std::string::npos;
    for (std::size_t i = tailBytes - kEndRecordBytes + 1; i-- > 0;)
        if (littleEndian(&tail[i], 4) == 0x06054b50) {
            end = i;
            break;
        }
    if (end == std::string::npos)
        return;
    std::uint64_t entries = littleEndian(&tail[end + 10], 2);
    std::uint64_t directoryBytes = littleEndian(&tail[end + 12], 4);
    std::uint64_t directoryOffset = littleEndian(&tail[end + 16], 4);
    if ((entries == 0xffff || directoryBytes == 0xffffffff || directoryOffset == 0xffffffff) && end >= 20
        && littleEndian(&tail[end - 20], 4) == 0x07064b50) {
        // Zip64: the locator in front of the end record points at the zip64 end record.
        const std::uint64_t zip64End = littleEndian(&tail[end - 20 + 8], 8);
        unsigned char record[56];
        if (fileBytes < sizeof record || zip64End > fileBytes - sizeof record)
            return;
        if (!readAt(zip64End, record, sizeof record) || littleEndian(record, 4) != 0x06064b50)
            return;
        entries = littleEndian(record + 32, 8);
        directoryBytes = littleEndian(record + 40, 8);
        directoryOffset = littleEndian(record + 48, 8);
    }
    if (directoryBytes > kMaxCentralDirectoryBytes)
        throw badInput("model file " + path + " lists " + std::to_string(directoryBytes)
                       + " bytes of archive directory; no TorchScript archive has that many records");
    if (directoryOffset > fileBytes || directoryBytes > fileBytes - directoryOffset)
        return;
    std::vector<unsigned char> directory(directoryBytes);
    if (!readAt(directoryOffset, directory.data(), directory.size()))
        return;
    constexpr std::size_t kEntryBytes = 46;
    std::size_t at = 0;
    for (std::uint64_t e = 0; e < entries && at + kEntryBytes <= directory.size(); ++e) {
        const unsigned char* entry = &directory[at];
        if (littleEndian(entry, 4) != 0x02014b50)
            return;
        const std::uint64_t method = littleEndian(entry + 10, 2);
        std::uint64_t compressed = littleEndian(entry + 20, 4);
        std::uint64_t uncompressed = littleEndian(entry + 24, 4);
        const std::size_t nameBytes = std::size_t(littleEndian(entry + 28, 2));
        const std::size_t extraBytes = std::size_t(littleEndian(entry + 30, 2));
        const std::size_t commentBytes = std::size_t(littleEndian(entry + 32, 2));
        if (at + kEntryBytes + nameBytes + extraBytes + commentBytes > directory.size())
            return;
        const std::string name(reinterpret_cast<const char*>(entry + kEntryBytes), nameBytes);
        // Zip64 sizes: the extra field 0x0001 holds the 64-bit values of those saturated at 2^32-1.
        for (std::size_t x = 0; x + 4 <= extraBytes;) {
            const unsigned char* field = entry + kEntryBytes + nameBytes + x;
            const std::size_t fieldBytes = std::size_t(littleEndian(field + 2, 2));
            if (x + 4 + fieldBytes > extraBytes)
                break;
            if (littleEndian(field, 2) == 0x0001) {
                std::size_t f = 4;
                if (uncompressed == 0xffffffff && f + 8 <= 4 + fieldBytes) {
                    uncompressed = littleEndian(field + f, 8);
                    f += 8;
                }
                if (compressed == 0xffffffff && f + 8 <= 4 + fieldBytes)
                    compressed = littleEndian(field + f, 8);
            }
            x += 4 + fieldBytes;
        }
        const std::string metadataSuffix = "extra/nac.json";
        if (name.size() >= metadataSuffix.size()
            && name.compare(name.size() - metadataSuffix.size(), metadataSuffix.size(), metadataSuffix) == 0
            && uncompressed > kMaxMetadataBytes)
            throw badInput("model file " + path + ": its embedded nac.json declares " + std::to_string(uncompressed)
                           + " bytes; metadata is at most " + std::to_string(kMaxMetadataBytes)
                           + " bytes, so the archive is damaged or crafted");
        if (method != 0 && uncompressed > kMaxFreeExpansionBytes && uncompressed / kMaxExpansionRatio > compressed)
            throw badInput("model file " + path + ": archive record " + name + " expands from " + std::to_string(compressed)
                           + " to " + std::to_string(uncompressed)
                           + " bytes (a compression bomb); TorchScript archives are not made that way");
        at += kEntryBytes + nameBytes + extraBytes + commentBytes;
    }
}

void checkArchiveFile(const std::string& path)
{
    std::ifstream file(std::filesystem::path(path), std::ios::binary | std::ios::ate);
    if (!file)
        return;
    const std::uint64_t fileBytes = std::uint64_t(file.tellg());
    checkArchiveRecords(path, fileBytes, [&](std::uint64_t offset, void* buffer, std::size_t count) {
        file.seekg(std::streamoff(offset));
        return bool(file.read(static_cast<char*>(buffer), std::streamsize(count)));
    });
}

// A model file held in memory for LibTorch: the bytes whose SHA-256 was checked are the bytes
// that are loaded, with no second read of a file that may have changed in between.
class MemoryReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
public:
    explicit MemoryReadAdapter(std::string bytes) : m_bytes(std::move(bytes)) {}
    std::size_t size() const override { return m_bytes.size(); }
    std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char* = "") const override
    {
        if (pos >= m_bytes.size())
            return 0;
        const std::size_t count = std::min<std::size_t>(n, m_bytes.size() - std::size_t(pos));
        std::memcpy(buf, m_bytes.data() + pos, count);
        return count;
    }
    const std::string& bytes() const { return m_bytes; }

private:
    std::string m_bytes;
};

std::shared_ptr<torch::jit::GraphFunction> makeFunction(const std::shared_ptr<torch::jit::Graph>& graph)
{
    return std::make_shared<torch::jit::GraphFunction>(c10::QualifiedName("__nac__.taps"), graph, nullptr);
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& path, const std::string& deviceText, const InputSpec* inputOverride,
                                   const std::string& expectedSha256)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw badInput("model file " + path + " does not exist");
    if (fs::is_directory(path, ec))
        throw badInput("model " + path + " is a folder; give the TorchScript .pt file");
    requireRegularFile(path, "model file");
    if (fs::file_size(path, ec) == 0)
        throw badInput("model file " + path + " is empty (0 bytes)");

    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->device = detail::parseDevice(deviceText);
    if (impl->device.is_cuda()) {
        // Full float32 on the GPU: TensorFloat-32 convolutions (cuDNN's default on Ampere and
        // later) keep 10 mantissa bits, enough to move states across bin edges; NAC's scores must
        // match the CPU's and the reference's.
        at::globalContext().setAllowTF32CuDNN(false);
        at::globalContext().setAllowTF32CuBLAS(false);
    }
    std::future<std::string> hash;
    std::shared_ptr<MemoryReadAdapter> checkedBytes;
    if (!expectedSha256.empty()) {
        // Loading a TorchScript archive runs its code: a profile's model is checked first, and
        // the bytes checked are the bytes loaded.
        checkedBytes = std::make_shared<MemoryReadAdapter>(readRegularFile(path, kMaxModelBytes, "model file"));
        const std::string& bytes = checkedBytes->bytes();
        impl->sha256 = sha256Hex(bytes.data(), bytes.size());
        if (impl->sha256 != expectedSha256)
            throw badInput("the profile was made for another model (SHA-256 " + expectedSha256.substr(0, 12)
                           + "...), not for " + path + " (SHA-256 " + impl->sha256.substr(0, 12)
                           + "...), so that model was not loaded; give the profile's model with --model, or fit a new "
                           "profile for this model");
    } else {
        // The file's SHA-256 (profiles name their model by it) is computed on another core while
        // LibTorch reads the archive: for a ResNet-50-sized file that is 0.2-0.4 s off every start.
        hash = std::async(std::launch::async, [path] { return sha256OfFile(path); });
    }
    if (checkedBytes) {
        const std::string& bytes = checkedBytes->bytes();
        checkArchiveRecords(path, bytes.size(), [&](std::uint64_t offset, void* buffer, std::size_t count) {
            if (offset > bytes.size() || count > bytes.size() - offset)
                return false;
            std::memcpy(buffer, bytes.data() + offset, count);
            return true;
        });
    } else {
        checkArchiveFile(path);
    }
    torch::jit::ExtraFilesMap extra{{"nac.json", ""}};
    try {
        if (checkedBytes)
            impl->module = torch::jit::load(std::move(checkedBytes), impl->device, extra);
        else
            impl->module = torch::jit::load(path, impl->device, extra);
    } catch (const c10::Error& e) {
        throw badInput("model file " + path + " is not a readable TorchScript archive (save it with torch.jit.save of a "
                       "scripted or traced module): " + describeTorchError(e));
    } catch (const std::exception& e) {
        throw badInput("model file " + path + " could not be loaded: " + e.what());
    }
    if (hash.valid())
        impl->sha256 = hash.get();

    const std::string sidePath = path + ".nac.json";
    if (!extra["nac.json"].empty()) {
        impl->metadata = parseModelMetadata(extra["nac.json"], path + " (embedded nac.json)");
    } else if (fs::exists(sidePath, ec)) {
        const std::string text = readRegularFile(sidePath, kMaxMetadataBytes, "model metadata");
        impl->metadata = parseModelMetadata(text, sidePath);
    } else {
        impl->metadata.origin = "none";
    }
    if (inputOverride) {
        validateInputSpec(*inputOverride);
        impl->input = *inputOverride;
    } else if (impl->metadata.hasInput) {
        impl->input = impl->metadata.input;
    } else {
        throw badInput("model " + path + " has no nac.json metadata (neither embedded nor " + sidePath
                       + "), so its input is unknown; give --input CxHxW and --mean/--std");
    }

    impl->module.eval();
    if (const std::string op = trainingModeOperation(impl->module); !op.empty())
        throw badInput("model " + path + " was saved in training mode: its forward graph calls " + op
                       + ", so its outputs are random or depend on the other images of the batch. Call model.eval() before "
                         "torch.jit.trace or torch.jit.script and save it again");
    // NAC differentiates with respect to layer outputs only (SPEC §1.3). Parameters that require
    // grad would make autograd record every layer from the input on; the tap graph starts
    // recording at the taps instead (detail::buildTapGraph).
    for (auto parameter : impl->module.parameters())
        parameter.set_requires_grad(false);
    // Dry run: the output must be [batch, classes] for the input spec.
    try {
        torch::NoGradGuard noGrad;
        torch::jit::GraphOptimizerEnabledGuard unoptimised(false);  // one-off run: no executor optimisation
        constexpr int kDryBatch = 2;
        const torch::jit::IValue out = impl->module.forward({impl->zerosInput(kDryBatch)});
        if (!out.isTensor())
            throw badInput("model " + path + " returns " + out.tagKind()
                           + ", not a tensor; NAC needs a classifier whose forward returns logits [batch, classes]");
        const torch::Tensor logits = out.toTensor();
        if (logits.dim() != 2 || logits.size(0) != kDryBatch || logits.size(1) < 2)
            throw badInput("model " + path + " returns a tensor of shape " + shapeText(logits.sizes().vec())
                           + " for a batch of " + std::to_string(kDryBatch)
                           + "; NAC needs logits of shape [batch, classes] with at least 2 classes");
        if (logits.size(1) > kMaxClassCount)
            throw badInput("model " + path + " returns " + std::to_string(logits.size(1)) + " logits a sample; at most "
                           + std::to_string(kMaxClassCount) + " classes are supported");
        impl->classCount = int(logits.size(1));
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw badInput("model " + path + " cannot take input " + inputText(impl->input) + " (channels x height x width): "
                       + describeTorchError(e) + ". Check --input or the model's nac.json");
    }
    if (!impl->metadata.classes.empty() && int(impl->metadata.classes.size()) != impl->classCount)
        throw badInput("model " + path + " has " + std::to_string(impl->classCount) + " outputs but its metadata names "
                       + std::to_string(impl->metadata.classes.size()) + " classes");
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const std::string& Model::path() const { return m_impl->path; }
const std::string& Model::sha256() const { return m_impl->sha256; }
const ModelMetadata& Model::metadata() const { return m_impl->metadata; }
const InputSpec& Model::inputSpec() const { return m_impl->input; }
std::string Model::deviceName() const { return m_impl->device.str(); }
bool Model::onCuda() const { return m_impl->device.is_cuda(); }
int Model::classCount() const { return m_impl->classCount; }
const std::vector<LayerInfo>& Model::tappedLayers() const { return m_impl->tapped; }

const std::vector<ModuleNode>& Model::moduleTree()
{
    if (m_impl->treeReady)
        return m_impl->tree;
    std::vector<ModuleNode> nodes;
    std::vector<std::string> names;
    for (const auto& item : m_impl->module.named_modules()) {
        ModuleNode node;
        node.path = item.name;
        node.typeName = item.value.type()->name() ? item.value.type()->name()->name() : "Module";
        node.depth = item.name.empty() ? 0 : 1 + int(std::count(item.name.begin(), item.name.end(), '.'));
        nodes.push_back(node);
        if (!item.name.empty())
            names.push_back(item.name);
    }
    const detail::TapGraph taps = detail::buildTapGraph(m_impl->module, names, true);
    std::map<std::string, std::vector<std::int64_t>> shapes;
    try {
        torch::NoGradGuard noGrad;
        torch::jit::GraphOptimizerEnabledGuard unoptimised(false);  // one-off run: no executor optimisation
        auto function = makeFunction(taps.graph);
        const auto outputs = m_impl->run(m_impl->zerosInput(1), function.get());
        for (std::size_t i = 0; i < taps.tapped.size(); ++i)
            shapes[taps.tapped[i]] = outputs[i + 1].sizes().vec();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw badInput("model " + m_impl->path + ": the dry run with every module tapped failed: " + describeTorchError(e));
    }
    for (ModuleNode& node : nodes) {
        if (node.path.empty()) {
            node.outputShape = {1, m_impl->classCount};
            node.notTappableReason = "the whole model";
            continue;
        }
        const auto shape = shapes.find(node.path);
        if (shape != shapes.end()) {
            node.outputShape = shape->second;
            if (node.outputShape.size() >= 2) {
                node.tappable = true;
                node.pooling = m_impl->autoPooling(node.path, node.typeName, node.outputShape.size());
                node.neuronCount = int(node.outputShape[node.pooling == Pooling::Spatial ? 1 : 2]);
            } else {
                node.notTappableReason = "its output " + shapeText(node.outputShape) + " has no neuron dimension";
            }
        } else {
            const auto why = taps.rejected.find(node.path);
            node.notTappableReason = why != taps.rejected.end() ? why->second : "not reached";
        }
    }
    m_impl->tree = std::move(nodes);
    m_impl->treeReady = true;
    return m_impl->tree;
}

void Model::setTappedLayers(const std::vector<std::string>& layerNames, const std::vector<Pooling>& pooling)
{
    if (!pooling.empty() && pooling.size() != layerNames.size())
        throw Error(ErrorKind::Internal, "setTappedLayers(): one pooling per layer is needed");
    if (layerNames.empty())
        throw badInput("no layers chosen: give at least one --layer (see `nac layers --model " + m_impl->path + "`)");
    std::set<std::string> seen;  // O(n log n): a hostile profile or nac.json may list many layers
    for (const std::string& name : layerNames)
        if (!seen.insert(name).second)
            throw badInput("layer '" + name + "' is given twice");
    detail::TapGraph taps;
    try {
        taps = detail::buildTapGraph(m_impl->module, layerNames, false);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput)
            throw;
        throw badInput(std::string(e.what()) + " " + tappableSummary());
    }
    auto function = makeFunction(taps.graph);
    std::vector<LayerInfo> infos;
    try {
        torch::NoGradGuard noGrad;
        torch::jit::GraphOptimizerEnabledGuard unoptimised(false);  // one-off run: no executor optimisation
        const auto outputs = m_impl->run(m_impl->zerosInput(2), function.get());
        for (std::size_t i = 0; i < taps.tapped.size(); ++i) {
            LayerInfo info;
            info.name = taps.tapped[i];
            info.outputShape = outputs[i + 1].sizes().vec();
            if (info.outputShape.size() < 2)
                throw badInput("layer '" + info.name + "' outputs shape " + shapeText(info.outputShape)
                               + ", which has no neuron dimension; choose a layer with output [batch, channels, ...]");
            info.outputShape[0] = 1;  // shapes are reported for one image
            info.pooling = pooling.empty() ? m_impl->autoPooling(info.name, m_impl->typeNameOf(info.name), info.outputShape.size())
                                           : pooling[i];
            if (info.pooling != Pooling::Spatial && info.outputShape.size() != 3)
                throw badInput("layer '" + info.name + "' outputs shape " + shapeText(info.outputShape) + "; pooling '"
                               + toString(info.pooling) + "' needs a token sequence [batch, tokens, features]");
            info.neuronCount = int(info.outputShape[info.pooling == Pooling::Spatial ? 1 : 2]);
            infos.push_back(info);
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw badInput("model " + m_impl->path + ": the tapped forward pass failed: " + describeTorchError(e));
    }
    m_impl->tapFunction = function;
    m_impl->frozen.reset();
    m_impl->pooling.clear();
    for (const LayerInfo& info : infos)
        m_impl->pooling.push_back(info.pooling);
    const bool cpu = !m_impl->device.is_cuda();
    const bool wantChannelsLast = m_impl->formatChoice == MemoryFormat::ChannelsLast
                                  || (m_impl->formatChoice == MemoryFormat::Auto && cpu && m_impl->hasFourDimensionalWeights());
    const bool wantFrozen = m_impl->mode == GraphMode::Frozen;
    const std::string problems = m_impl->settleExecution(taps.tapped, wantFrozen, wantChannelsLast);
    if (!m_impl->trainingModeProblem.empty())
        throw badInput("model " + m_impl->path + " behaves as if in training mode: " + m_impl->trainingModeProblem
                       + ". Dropout or BatchNorm that use the batch or randomness make NAC's states meaningless; "
                         "call model.eval() before torch.jit.trace or torch.jit.script and save it again");
    const bool refused = (m_impl->mode == GraphMode::Frozen && !m_impl->frozen)
                         || (m_impl->formatChoice == MemoryFormat::ChannelsLast && !m_impl->channelsLast);
    if (refused)
        std::cerr << "note: " << m_impl->path << " runs " << (m_impl->frozen ? "frozen" : "plain")
                  << (m_impl->channelsLast ? ", channels-last" : ", contiguous") << " (" << problems << ")\n";
    m_impl->tapped = std::move(infos);
}

void Model::tapLayersOf(const std::vector<LayerInfo>& layers)
{
    std::vector<std::string> names;
    std::vector<Pooling> pooling;
    for (const LayerInfo& layer : layers) {
        names.push_back(layer.name);
        pooling.push_back(layer.pooling);
    }
    setTappedLayers(names, pooling);
}

std::string Model::tappableSummary()
{
    // Shallow layers first: they are the ones people usually mean.
    constexpr std::size_t kListed = 24;
    std::vector<const ModuleNode*> nodes;
    for (const ModuleNode& node : moduleTree())
        if (node.tappable)
            nodes.push_back(&node);
    std::stable_sort(nodes.begin(), nodes.end(), [](const ModuleNode* a, const ModuleNode* b) { return a->depth < b->depth; });
    std::string list;
    for (std::size_t i = 0; i < nodes.size() && i < kListed; ++i)
        list += (i ? ", " : "") + nodes[i]->path;
    if (nodes.size() > kListed)
        list += ", ... (" + std::to_string(nodes.size() - kListed) + " more)";
    return "Layers that can be tapped: " + list + " (all of them: nac layers --model " + m_impl->path + ").";
}

void Model::setGraphMode(GraphMode mode) { m_impl->mode = mode; }
void Model::setMemoryFormat(MemoryFormat format) { m_impl->formatChoice = format; }
bool Model::channelsLast() const { return m_impl->channelsLast; }
std::size_t Model::bytesPerImage() const { return m_impl->bytesPerImage; }

std::size_t Model::parameterBytes() const
{
    std::size_t bytes = 0;
    for (const auto& parameter : m_impl->module.parameters())
        bytes += std::size_t(parameter.numel()) * parameter.element_size();
    for (const auto& buffer : m_impl->module.buffers())
        bytes += std::size_t(buffer.numel()) * buffer.element_size();
    return bytes;
}
Model::GraphMode Model::graphMode() const { return m_impl->frozen ? GraphMode::Frozen : GraphMode::Plain; }

void Model::runForwardAndGradient(const float* input, int batchSize)
{
    m_impl->forwardAndGrads(m_impl->inputTensor(input, batchSize));
    if (m_impl->device.is_cuda())
        torch::cuda::synchronize();
}

void Model::setThreads(int threads)
{
    torch::set_num_threads(threads > 0 ? threads : defaultThreadCount());
}

SampleSet Model::emptySampleSet() const
{
    SampleSet set;
    for (const LayerInfo& info : m_impl->tapped) {
        set.layerNames.push_back(info.name);
        set.neuronCounts.push_back(info.neuronCount);
    }
    set.rawProducts.resize(m_impl->tapped.size());
    set.classCount = m_impl->classCount;
    return set;
}

void Model::computeStates(const float* input, int batchSize, const std::vector<int>& labels,
                          const std::vector<std::string>& sources, SampleSet& out)
{
    if (!m_impl->tapFunction)
        throw Error(ErrorKind::Internal, "computeStates() before setTappedLayers()");
    std::vector<torch::Tensor> results;  // logits, then one raw-product matrix per layer
    try {
        if (batchSize == 1) {
            // A lone image runs as a batch of two copies: LibTorch takes other kernels for a
            // batch of one (no oneDNN for small 1x1 convolutions, matrix-vector products for
            // linear layers), whose rounding moved 8 of 1000 demo scores by up to 1.1e-3. In a
            // batch of two it gets, bit for bit, the score it gets in any larger batch.
            std::vector<float> twice(input, input + m_impl->input.valuesPerImage());
            twice.insert(twice.end(), input, input + m_impl->input.valuesPerImage());
            results = m_impl->logitsAndProducts(m_impl->inputTensor(twice.data(), 2));
            for (torch::Tensor& result : results)
                result = result.narrow(0, 0, 1).contiguous();
        } else {
            results = m_impl->logitsAndProducts(m_impl->inputTensor(input, batchSize));
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw badInput("model " + m_impl->path + " failed on a batch: " + describeTorchError(e));
    }

    // The model's code decides its output shapes, batch by batch: a model whose logits or layer
    // widths differ from what the dry run saw would make every later read of them run past the
    // end of its rows.
    const torch::Tensor& logits = results[0];
    if (logits.dim() != 2 || logits.size(0) != batchSize || logits.size(1) != m_impl->classCount)
        throw badInput("model " + m_impl->path + " returned logits of shape " + shapeText(logits.sizes().vec())
                       + " for a batch of " + std::to_string(batchSize) + " images, but [" + std::to_string(batchSize) + ", "
                       + std::to_string(m_impl->classCount) + "] when it was loaded; NAC needs a model whose number of "
                       "classes does not depend on its input");
    for (std::size_t l = 0; l < m_impl->tapped.size(); ++l) {
        const torch::Tensor& raw = results[l + 1];
        if (raw.dim() != 2 || raw.size(0) != batchSize || raw.size(1) != m_impl->tapped[l].neuronCount)
            throw badInput("model " + m_impl->path + ": layer " + m_impl->tapped[l].name + " gave "
                           + shapeText(raw.sizes().vec()) + " states for a batch of " + std::to_string(batchSize) + ", not "
                           + std::to_string(m_impl->tapped[l].neuronCount)
                           + " neurons each as when it was tapped; NAC needs layers whose width does not depend on the input");
        const float* data = raw.data_ptr<float>();
        const std::size_t count = std::size_t(raw.numel());
        for (std::size_t i = 0; i < count; ++i) {
            if (!std::isfinite(data[i])) {
                const std::size_t sample = i / std::size_t(raw.size(1));
                throw badInput("layer " + m_impl->tapped[l].name + " produced NaN or Inf activations or gradients for "
                               + (sample < sources.size() ? sources[sample] : std::string("an input"))
                               + "; the model or the input is broken (check its normalisation)");
            }
        }
        out.rawProducts[l].insert(out.rawProducts[l].end(), data, data + count);
    }
    out.logits.insert(out.logits.end(), logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    out.labels.insert(out.labels.end(), labels.begin(), labels.end());
    out.sources.insert(out.sources.end(), sources.begin(), sources.end());
}

Model::SpatialSample Model::computeSpatial(const float* input, const std::string& source)
{
    if (!m_impl->tapFunction)
        throw Error(ErrorKind::Internal, "computeSpatial() before setTappedLayers()");
    SpatialSample sample;
    sample.states = emptySampleSet();
    // The same batch of two copies as computeStates() runs for a lone image, so that the pooled
    // products are computeStates()'s bits.
    std::vector<float> twice(input, input + m_impl->input.valuesPerImage());
    twice.insert(twice.end(), input, input + m_impl->input.valuesPerImage());
    try {
        auto [outputs, grads] = m_impl->forwardAndGrads(m_impl->inputTensor(twice.data(), 2));
        torch::NoGradGuard noGrad;
        for (std::size_t l = 0; l + 1 < outputs.size(); ++l) {
            const torch::Tensor z = outputs[l + 1].detach();
            const torch::Tensor g = grads[l].defined() ? grads[l] : torch::zeros_like(z);
            const torch::Tensor pooledZ = detail::poolLayer(z, m_impl->pooling.at(l));
            const torch::Tensor pooledG = detail::poolLayer(g, m_impl->pooling.at(l));
            const torch::Tensor raw = (pooledZ * pooledG).to(torch::kCPU, torch::kFloat32).contiguous().view({2, -1});
            sample.states.rawProducts[l].assign(raw.data_ptr<float>(), raw.data_ptr<float>() + raw.size(1));
            SpatialLayer layer;
            const torch::Tensor z0 = z.select(0, 0).to(torch::kCPU, torch::kFloat32).contiguous();
            const torch::Tensor g0 = g.select(0, 0).to(torch::kCPU, torch::kFloat32).contiguous();
            layer.shape = z0.sizes().vec();
            layer.output.assign(z0.data_ptr<float>(), z0.data_ptr<float>() + z0.numel());
            layer.gradient.assign(g0.data_ptr<float>(), g0.data_ptr<float>() + g0.numel());
            sample.layers.push_back(std::move(layer));
        }
        const torch::Tensor logits = outputs[0].detach().select(0, 0).to(torch::kCPU, torch::kFloat32).contiguous();
        if (logits.numel() != m_impl->classCount)
            throw badInput("model " + m_impl->path + " returned " + std::to_string(logits.numel()) + " logits for " + source
                           + ", but " + std::to_string(m_impl->classCount) + " when it was loaded");
        sample.states.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw badInput("model " + m_impl->path + " failed on " + source + ": " + describeTorchError(e));
    }
    for (std::size_t l = 0; l < m_impl->tapped.size(); ++l) {
        if (int(sample.states.rawProducts[l].size()) != m_impl->tapped[l].neuronCount)
            throw badInput("model " + m_impl->path + ": layer " + m_impl->tapped[l].name + " gave "
                           + std::to_string(sample.states.rawProducts[l].size()) + " states for " + source + ", not "
                           + std::to_string(m_impl->tapped[l].neuronCount));
        for (float value : sample.states.rawProducts[l])
            if (!std::isfinite(value))
                throw badInput("layer " + m_impl->tapped[l].name + " produced NaN or Inf activations or gradients for "
                               + source + "; the model or the input is broken (check its normalisation)");
    }
    sample.states.labels.push_back(-1);
    sample.states.sources.push_back(source);
    return sample;
}

void Model::saveWithMetadata(const ModelMetadata& metadata, const std::string& outputPath) const
{
    torch::jit::ExtraFilesMap extra{{"nac.json", serializeModelMetadata(metadata)}};
    try {
        torch::jit::Module copy = torch::jit::load(m_impl->path, torch::kCPU);
        saveFileAtomically(outputPath, [&](const std::string& temporaryPath) { copy.save(temporaryPath, extra); }, "model");
    } catch (const c10::Error& e) {
        throw badInput("cannot write model " + outputPath + ": " + describeTorchError(e));
    }
}

std::vector<std::string> cudaDevices()
{
    std::vector<std::string> devices;
    if (torch::cuda::is_available())
        for (std::size_t i = 0; i < torch::cuda::device_count(); ++i)
            devices.push_back("cuda:" + std::to_string(i));
    return devices;
}

int defaultThreadCount()
{
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? int(cores) : 1;
}

}  // namespace nac::engine
