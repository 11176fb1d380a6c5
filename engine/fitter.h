// Long engine jobs over data sets: compute neuron states for many images, fit a profile.
// Synchronous and Qt-free; progress callback + cancel token (STYLE.md "Long work").
#pragma once

#include "engine/coverage_profile.h"
#include "engine/dataset.h"
#include "engine/job.h"
#include "engine/model.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace nac::engine {

struct RunOptions {
    // Images per forward and gradient call; 0 picks one (see effectiveBatchSize).
    int batchSize = 0;
    // Intra-op threads in all (0: all cores) and how many batches run at once. On a CPU with
    // small images, two workers with one thread each beat one worker with two threads; the
    // default (0) picks that on CPU and one worker on CUDA.
    int threads = 0;
    int workers = 0;
    CancelToken cancel;
    ProgressCallback progress;   // throttled to about 10 calls a second, plus one at the end
    WarningCallback warning;     // a skipped image, named
    // Conversions the images needed to fit the model's input (resizing, gray to colour, colour
    // to gray): one call per kind, after the run, with the number of images it applied to.
    NoteCallback note;
    std::string stage = "states";
    // Optional: called on a worker thread with each batch's samples as soon as they are computed
    // (batches in any order, one call at a time per batch, several batches at once). It may
    // empty the batch's rawProducts and logits, which are then not kept in the result (the
    // histograms-only fit counts each batch and drops its raw products; docs/memory.md).
    std::function<void(SampleSet& batch)> consumeBatch;
};

constexpr int kMaxBatchSize = 4096;

// The worker count computeSampleSet uses for these options on this model.
int effectiveWorkers(const Model& model, const RunOptions& options);

// The batch size computeSampleSet uses for imageCount images: options.batchSize when given.
// Automatic: 64, doubled while one batch's activations (Model::bytesPerImage) weigh less than
// the model's parameters, up to kAutoBatchLimit (CPU) or kAutoBatchLimitCuda; halved while a
// batch would need more than 1 GiB per worker on CPU (4 GiB on CUDA); 64 when the memory per
// image is unknown. Then evened out into equal batches whose number is a multiple of the
// workers, so that no worker waits for another at the end. Measured on 2 CPU cores: a
// CIFAR-sized ResNet-18 (45 MB of weights, 0.16 MiB per image) runs 15-18% faster in batches of
// 256 than of 64; the small demo model (3 MB, 0.46 MiB per image) 10% slower. Results do not
// depend on the batch size (SPEC §1.3).
constexpr int kAutoBatchLimit = 256;
constexpr int kAutoBatchLimitCuda = 512;
int effectiveBatchSize(const Model& model, const RunOptions& options, std::size_t imageCount);

// Runs the model on dataset[indices] in batches (images are decoded while the model runs; with
// several workers, batches run concurrently and are put back in order). Images that cannot be read are skipped with a warning; when none can be read, throws
// Error(BadInput). Throws Error(Canceled) when the token is set (checked between batches).
SampleSet computeSampleSet(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                           const RunOptions& options);

// Benchmark helper: seconds to run only the forward and gradient call (no NAC work) over the same
// batches and workers as computeSampleSet.
double timePlainPasses(Model& model, const Dataset& dataset, const std::vector<std::size_t>& indices,
                       const RunOptions& options);

// Fits a profile on dataset[fitIndices] for the model's tapped layers with one parameter set per
// layer; heldoutIndices (may be empty) are computed too and kept apart for thresholds. With
// FitCache::Histograms each batch is counted as soon as it is computed and its raw products are
// dropped, so memory does not grow with the fit images; the counts, and so every score, are the
// same as with FitCache::Exact.
CoverageProfile fitProfile(Model& model, const Dataset& dataset, const std::vector<std::size_t>& fitIndices,
                           const std::vector<std::size_t>& heldoutIndices, const std::vector<LayerParams>& params,
                           const RunOptions& options, FitCache cache = FitCache::Exact);

// Records in a profile what it was fitted with: the model (SHA-256 and absolute path), the data
// set, and the preprocessing (input spec and conversion rules) that scoring must use again.
void stampProfile(CoverageProfile& profile, const Model& model, const Dataset& dataset);

}  // namespace nac::engine
