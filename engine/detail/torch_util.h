// Small LibTorch helpers shared by the engine's .cpp files (torch-only detail header).
#pragma once

#include "engine/layer_params.h"

#include <torch/script.h>

#include <string>

namespace nac::engine::detail {

// The readable part of a LibTorch error: without the C++ backtrace, at most a few lines.
std::string describeTorchError(const c10::Error& error);
// The same for errors the TorchScript interpreter rethrows as std::runtime_error with a
// TorchScript traceback: keeps the final "RuntimeError: ..." line.
std::string describeTorchError(const std::exception& error);

// Parses "auto", "cpu", "cuda", "cuda:N"; throws Error(BadInput) for anything else or for a CUDA
// device that is not present.
torch::Device parseDevice(const std::string& text);

// Sums a [B, C, ...] tensor over every dimension after C (SPEC §1.5 sum-pooling); [B, C] unchanged.
torch::Tensor sumPool(const torch::Tensor& tensor);

// One value per neuron (SPEC §1.5): sumPool for Spatial; for a token sequence [B, T, D] the sum
// over T (TokenSum) or token 0 (ClsToken), giving [B, D].
torch::Tensor poolLayer(const torch::Tensor& tensor, Pooling pooling);

}  // namespace nac::engine::detail
