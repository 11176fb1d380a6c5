// A TorchScript classifier loaded for NAC: metadata, its module tree, layer taps, and the
// computation of neuron states (raw products) for batches of images.
#pragma once

#include "engine/coverage_profile.h"
#include "engine/model_metadata.h"
#include "engine/sample_set.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nac::engine {

// One module of the model as the layer tree shows it.
struct ModuleNode {
    std::string path;          // "layer4.1.conv2"; "" is the model itself
    std::string typeName;      // TorchScript class name, e.g. "BasicBlock"
    int depth = 0;
    bool tappable = false;
    std::string notTappableReason;  // why not, when !tappable
    std::vector<std::int64_t> outputShape;  // from the dry run, batch dimension first
    int neuronCount = 0;       // channels (dimension 1) of the output; features (dimension 2) when tokens are pooled
    Pooling pooling = Pooling::Spatial;  // what setTappedLayers() would choose for it
};

// Lives on one thread (the engine thread); never used from two threads at once.
class Model {
public:
    // Loads a TorchScript file (scripted or traced) onto device: "auto" (CUDA when present),
    // "cpu", "cuda" or "cuda:N". Reads nac.json from the archive or <path>.nac.json beside it.
    // inputOverride, when non-null, replaces the metadata's input spec. Runs a dry forward pass
    // to check that the output is [batch, classes]. Throws Error(BadInput) naming the file.
    // expectedSha256, when not empty, is compared with the file's SHA-256 before LibTorch reads
    // the archive (loading runs the model's code): a profile's model is refused unrun when it
    // differs. The file is then read once, into memory, and the bytes hashed are the bytes loaded
    // (a file swapped after the check is not loaded; costs the file's size in memory meanwhile). Archives whose records declare absurd sizes (a nac.json over 1 MiB, a deflate
    // bomb) and sidecars that are not regular files of at most 1 MiB are refused the same way.
    static std::unique_ptr<Model> load(const std::string& path, const std::string& device = "auto",
                                       const InputSpec* inputOverride = nullptr, const std::string& expectedSha256 = "");
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const std::string& path() const;
    const std::string& sha256() const;
    const ModelMetadata& metadata() const;
    const InputSpec& inputSpec() const;
    std::string deviceName() const;  // "cpu", "cuda:0"
    bool onCuda() const;
    int classCount() const;

    // Every module with its output shape (one dry run tapping all of them); cached.
    const std::vector<ModuleNode>& moduleTree();

    // Chooses the layers whose states computeStates() returns, in this order. Throws
    // Error(BadInput) for a layer that does not exist, is never called, is called more than once,
    // or does not return a tensor; the message lists the layers that can be tapped.
    // pooling: one per layer (a profile's, so that scoring pools as the fit did), or empty to
    // choose: an output [B, T, D] of a transformer layer (LayerNorm, encoder block, ... or any layer
    // of a model whose class name says ViT/Transformer) sums its tokens, and a torchvision ViT's
    // final `encoder.ln` takes the CLS token, as the reference does (SPEC §1.5); every other output
    // sums the dimensions after its channels.
    void setTappedLayers(const std::vector<std::string>& layerNames, const std::vector<Pooling>& pooling = {});
    // The layers of a profile, pooled as the profile was fitted.
    void tapLayersOf(const std::vector<LayerInfo>& layers);
    const std::vector<LayerInfo>& tappedLayers() const;

    // Intra-op threads of the calling thread (0: all cores). Call on the thread that computes.
    void setThreads(int threads);

    // How the tapped graph runs; both take effect at setTappedLayers(), which checks every
    // choice on a test batch: logits and states must match the plain contiguous run within 1e-5
    // of their scale, or the next choice is tried (a note on stderr when a forced one failed).
    //
    // Frozen clones the model, makes its parameters constants and folds eval-mode BatchNorm into
    // the preceding convolutions (torch::jit::freeze, then the frozen-graph folding passes on the
    // tap method): one convolution instead of a convolution and a BatchNorm, forward and
    // backward, about 7% more images/s on a ResNet-18. It changes float32 rounding enough to move
    // NAC-UE scores by 2e-5 on average on the demo model (more than this project allows against
    // the reference), so it is opt-in. Plain (the default) runs the tapped graph on the model as
    // loaded.
    enum class GraphMode { Frozen, Plain };
    void setGraphMode(GraphMode mode);
    GraphMode graphMode() const;  // Frozen or Plain: what setTappedLayers() settled on

    // Memory layout of images and convolution weights. ChannelsLast (NHWC) lets oneDNN run the
    // convolutions and their input gradients without reordering every tensor into its blocked
    // layout and back. Auto uses it on CPU for a model with 4-D weights (a model that calls
    // .view() on a convolution output cannot run channels-last and stays contiguous).
    // Contiguous keeps the layout the model was saved in.
    enum class MemoryFormat { Auto, ChannelsLast, Contiguous };
    void setMemoryFormat(MemoryFormat format);
    bool channelsLast() const;  // what setTappedLayers() settled on

    // Peak bytes the model's allocator handed out per image during one forward and gradient
    // call (measured by setTappedLayers() on a test batch of 2; 0 when unknown). Activations
    // saved for the backward dominate it; the automatic batch size is chosen from it.
    std::size_t bytesPerImage() const;
    // Bytes of the model's parameters and buffers.
    std::size_t parameterBytes() const;

    // The same forward and gradient call as computeStates() with none of NAC's work (no pooling,
    // products, copies or checks): what the benchmark compares NAC's overhead against.
    void runForwardAndGradient(const float* input, int batchSize);

    // One forward and one gradient call for a batch (SPEC §1): input holds batchSize images,
    // CHW floats already normalised. Appends raw products, logits, labels and sources to out,
    // which must have been made by emptySampleSet(). Throws Error(BadInput) for NaN/Inf states
    // and for logits or states whose shape differs from the dry run's (checked on every batch).
    // May be called from several threads at once, each with its own `out` (data-parallel fit).
    void computeStates(const float* input, int batchSize, const std::vector<int>& labels,
                       const std::vector<std::string>& sources, SampleSet& out);
    SampleSet emptySampleSet() const;

    // One image's tapped layer outputs before pooling, with their gradients (coverage maps,
    // engine/coverage_map.h). The image runs as computeStates() runs a lone image (a batch of two
    // copies), so states.rawProducts are the bits computeStates() gives; layers[l] holds z and
    // dKL/dz of tapped layer l without the batch dimension (shape [C, H, W], [T, D], [N]), on the
    // CPU in float32. Throws Error(BadInput) as computeStates() does.
    struct SpatialLayer {
        std::vector<std::int64_t> shape;  // without the batch dimension
        std::vector<float> output;        // z, row-major
        std::vector<float> gradient;      // dKL/dz, same shape; zeros when the loss does not reach the layer
    };
    struct SpatialSample {
        SampleSet states;                 // one sample: raw products and logits
        std::vector<SpatialLayer> layers; // one per tapped layer, in tappedLayers() order
    };
    SpatialSample computeSpatial(const float* input, const std::string& source);

    // Writes a copy of the model file with nac.json replaced (used by `nac tune --write-model`),
    // atomically (engine/atomic_file.h).
    void saveWithMetadata(const ModelMetadata& metadata, const std::string& outputPath) const;

private:
    struct Impl;
    explicit Model(std::unique_ptr<Impl> impl);
    std::string tappableSummary();
    std::unique_ptr<Impl> m_impl;
};

// CUDA devices found ("cuda:0", ...); empty on a CPU-only build or machine.
std::vector<std::string> cudaDevices();

// Threads the process computes with by default (the machine's cores).
int defaultThreadCount();

}  // namespace nac::engine
