// The devices the app offers ("cpu", "cuda:0 (NVIDIA H200, 140 GiB)", ...) and the seam that lets
// tests replace the CUDA part with a fake list.
#pragma once

#include <QString>
#include <QStringList>

#include <functional>

namespace nac::app {

// Returns the CUDA device labels, each "cuda:N" optionally followed by " (description)".
// May throw; the caller reports the failure and offers the CPU alone.
using CudaDeviceProvider = std::function<QStringList()>;

// The CPU first, then what the provider returns (by default LibTorch's CUDA devices, described
// by the driver). Called on the engine thread; may throw what the provider throws.
QStringList availableDevices();

// Replaces the CUDA provider for the whole process (tests: a fake list on a machine without a
// GPU); an empty function restores LibTorch's list. Call before any EngineController starts.
void setCudaDeviceProvider(CudaDeviceProvider provider);

// "cuda:0" of the label "cuda:0 (NVIDIA H200, 140 GiB)"; a bare id is returned as it is.
QString deviceIdOfLabel(const QString& label);

}  // namespace nac::app
