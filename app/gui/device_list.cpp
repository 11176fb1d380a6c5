// availableDevices: the CPU plus LibTorch's CUDA devices (or a test's fake list).
#include "app/gui/device_list.h"

#include "engine/cuda_info.h"
#include "engine/model.h"

#include <mutex>

namespace nac::app {
namespace {

std::mutex& providerMutex()
{
    static std::mutex mutex;
    return mutex;
}

CudaDeviceProvider& provider()
{
    static CudaDeviceProvider instance;
    return instance;
}

QStringList libtorchCudaDevices()
{
    QStringList labels;
    const std::vector<std::string> ids = nac::engine::cudaDevices();
    for (std::size_t i = 0; i < ids.size(); ++i)
        labels.append(QString::fromStdString(nac::engine::describeCudaDevice(int(i))));
    return labels;
}

}  // namespace

QStringList availableDevices()
{
    CudaDeviceProvider current;
    {
        const std::lock_guard<std::mutex> lock(providerMutex());
        current = provider();
    }
    QStringList devices{QStringLiteral("cpu")};
    devices.append(current ? current() : libtorchCudaDevices());
    return devices;
}

void setCudaDeviceProvider(CudaDeviceProvider replacement)
{
    const std::lock_guard<std::mutex> lock(providerMutex());
    provider() = std::move(replacement);
}

QString deviceIdOfLabel(const QString& label)
{
    const QString trimmed = label.trimmed();
    const int space = trimmed.indexOf(QLatin1Char(' '));
    return space < 0 ? trimmed : trimmed.left(space);
}

}  // namespace nac::app
