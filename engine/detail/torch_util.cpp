// LibTorch helpers: error text, device parsing, spatial sum-pooling.
#include "engine/detail/torch_util.h"

#include "engine/cuda_info.h"
#include "engine/error.h"
#include "engine/number_text.h"

#include <torch/cuda.h>

#include <sstream>

namespace nac::engine::detail {

std::string describeTorchError(const c10::Error& error)
{
    std::string text = error.what_without_backtrace();
    std::istringstream in(text);
    std::string line;
    std::string kept;
    int lines = 0;
    while (std::getline(in, line) && lines < 4) {
        if (line.find("Exception raised from") != std::string::npos)
            break;
        if (line.empty())
            continue;
        kept += (kept.empty() ? "" : " ") + line;
        ++lines;
    }
    return shortenCudaError(kept.empty() ? text : kept);
}

std::string describeTorchError(const std::exception& error)
{
    if (const auto* c10Error = dynamic_cast<const c10::Error*>(&error))
        return describeTorchError(*c10Error);
    std::string text = error.what();
    const auto marker = text.rfind("Error: ");
    if (text.find("Traceback of TorchScript") != std::string::npos && marker != std::string::npos) {
        const auto lineStart = text.rfind('\n', marker);
        text = text.substr(lineStart == std::string::npos ? 0 : lineStart + 1);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

torch::Device parseDevice(const std::string& text)
{
    if (text.empty() || text == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (text == "cpu")
        return torch::Device(torch::kCPU);
    if (text == "cuda" || text.rfind("cuda:", 0) == 0) {
        if (!torch::cuda::is_available())
            throw badInput("device '" + text + "' was asked for, but no CUDA device is available (this LibTorch build "
                           "or machine has none); use --device cpu");
        int index = 0;
        if (text.size() > 5) {
            const std::optional<long long> parsed = parseInteger(std::string_view(text).substr(5));
            if (!parsed || *parsed < 0 || *parsed > 1024)
                throw badInput("device '" + text + "' is not cpu, cuda or cuda:N");
            index = int(*parsed);
        }
        const int count = int(torch::cuda::device_count());
        if (index < 0 || index >= count)
            throw badInput("device '" + text + "' does not exist: " + std::to_string(count) + " CUDA device(s) found");
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw badInput("device '" + text + "' is not auto, cpu, cuda or cuda:N");
}

torch::Tensor sumPool(const torch::Tensor& tensor)
{
    if (tensor.dim() <= 2)
        return tensor;
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < tensor.dim(); ++d)
        dims.push_back(d);
    return tensor.sum(dims);
}

torch::Tensor poolLayer(const torch::Tensor& tensor, Pooling pooling)
{
    switch (pooling) {
    case Pooling::Spatial:
        return sumPool(tensor);
    case Pooling::TokenSum:
        return tensor.sum(1);
    case Pooling::ClsToken:
        return tensor.select(1, 0);
    }
    return sumPool(tensor);
}

}  // namespace nac::engine::detail
