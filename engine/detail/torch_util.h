// Small LibTorch helpers shared by the engine's .cpp files (torch-only detail header).
#pragma once

#include "engine/layer_params.h"

#include <c10/core/Allocator.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
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

}  // namespace nac::engine::detail
