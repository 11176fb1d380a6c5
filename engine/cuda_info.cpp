// CudaDeviceInfo from the CUDA driver API, loaded with dlopen so that CPU-only builds and machines
// need nothing: the driver's C interface (cuInit, cuDeviceGet...) is stable across CUDA versions.
#include "engine/cuda_info.h"

#include <dlfcn.h>

#include <array>
#include <cstdio>
#include <mutex>
#include <regex>

namespace nac::engine {
namespace {

using CuInit = int (*)(unsigned int);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(std::size_t*, int);

struct Driver {
    CuDeviceGetCount getCount = nullptr;
    CuDeviceGet get = nullptr;
    CuDeviceGetName getName = nullptr;
    CuDeviceTotalMem totalMem = nullptr;
    bool ready = false;
};

// Opened once and kept open for the life of the process (the CUDA runtime keeps it open too).
const Driver& driver()
{
    static Driver d;
    static std::once_flag once;
    std::call_once(once, [] {
        void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!library)
            return;
        const auto init = reinterpret_cast<CuInit>(dlsym(library, "cuInit"));
        d.getCount = reinterpret_cast<CuDeviceGetCount>(dlsym(library, "cuDeviceGetCount"));
        d.get = reinterpret_cast<CuDeviceGet>(dlsym(library, "cuDeviceGet"));
        d.getName = reinterpret_cast<CuDeviceGetName>(dlsym(library, "cuDeviceGetName"));
        d.totalMem = reinterpret_cast<CuDeviceTotalMem>(dlsym(library, "cuDeviceTotalMem_v2"));
        d.ready = init && d.getCount && d.get && d.getName && d.totalMem && init(0) == 0;
    });
    return d;
}

}  // namespace

CudaDeviceInfo cudaDeviceInfo(int index)
{
    CudaDeviceInfo info;
    const Driver& d = driver();
    int count = 0;
    int device = 0;
    if (!d.ready || index < 0 || d.getCount(&count) != 0 || index >= count || d.get(&device, index) != 0)
        return info;
    std::array<char, 256> name{};
    if (d.getName(name.data(), int(name.size()) - 1, device) == 0)
        info.name = name.data();
    std::size_t bytes = 0;
    if (d.totalMem(&bytes, device) == 0)
        info.totalBytes = bytes;
    return info;
}

std::string describeCudaDevice(int index)
{
    const std::string id = "cuda:" + std::to_string(index);
    const CudaDeviceInfo info = cudaDeviceInfo(index);
    if (info.name.empty())
        return id;
    if (info.totalBytes == 0)
        return id + " (" + info.name + ")";
    std::array<char, 32> gib{};
    std::snprintf(gib.data(), gib.size(), "%.0f GiB", double(info.totalBytes) / (1024.0 * 1024.0 * 1024.0));
    return id + " (" + info.name + ", " + gib.data() + ")";
}

std::string shortenCudaError(const std::string& text)
{
    const std::size_t at = text.find("CUDA out of memory");
    if (at == std::string::npos)
        return text;
    static const std::regex request("Tried to allocate ([0-9.]+ ?[KMGT]?i?B)");
    std::smatch match;
    const std::string tail = text.substr(at);
    const std::string asked = std::regex_search(tail, match, request) ? " while allocating " + match[1].str() : "";
    return text.substr(0, at) + "the GPU ran out of memory" + asked + "; use a smaller batch, fewer layers or the CPU";
}

}  // namespace nac::engine
