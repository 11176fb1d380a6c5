// What the CUDA driver says about a device (name, memory), read without Torch or the CUDA toolkit.
#pragma once

#include <cstdint>
#include <string>

namespace nac::engine {

struct CudaDeviceInfo {
    std::string name;              // "NVIDIA H200"; empty when the driver could not be asked
    std::uint64_t totalBytes = 0;  // device memory in bytes; 0 when unknown
};

// Asks the CUDA driver (libcuda.so.1, opened at run time) about device `index`, numbered as
// LibTorch numbers them (both honour CUDA_VISIBLE_DEVICES). Never throws: on a machine without
// the driver, or for an index it does not know, the result is empty. Thread-safe.
CudaDeviceInfo cudaDeviceInfo(int index);

// "cuda:0 (NVIDIA H200, 139 GiB)" for a device the driver describes, else "cuda:0".
std::string describeCudaDevice(int index);

// LibTorch's CUDA out-of-memory text (several lines of allocator statistics) as one line that
// says what happened and what to do (text before it, such as a file name, is kept); any other
// text is returned as it is.
std::string shortenCudaError(const std::string& text);

}  // namespace nac::engine
