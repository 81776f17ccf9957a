#pragma once

#include <optional>

namespace wb::train {

/// Resident memory and CPU time of this process, from /proc and the CPU-time clock: cheap,
/// read once per epoch.
struct ProcessUsage {
  double rss_mb = 0;
  double cpu_s = 0;
};
ProcessUsage processUsage();

/// GPU utilisation and memory in use of CUDA device INDEX, from nvidia-smi (once per epoch);
/// nullopt without the tool. Avoids linking NVML, which CPU-only LibTorch lacks.
struct GpuUsage {
  double util_percent = 0;
  double memory_mb = 0;
};
std::optional<GpuUsage> gpuUsage(int index);

}  // namespace wb::train
