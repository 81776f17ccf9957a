#include "core/train/system_usage.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "core/common/numbers.h"

namespace wb::train {

ProcessUsage processUsage() {
  ProcessUsage usage;
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_rss = 0;
  if (statm >> pages_total >> pages_rss)
    usage.rss_mb = static_cast<double>(pages_rss) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1e6;
  // Not /proc/self/stat: its 10 ms ticks turn a 2 ms epoch into 500% CPU.
  timespec ts{};
  if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
    usage.cpu_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  return usage;
}

std::optional<GpuUsage> gpuUsage(int index) {
  const std::string cmd = "nvidia-smi --query-gpu=utilization.gpu,memory.used "
                          "--format=csv,noheader,nounits -i " + std::to_string(index) + " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  char line[128] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  const int rc = ::pclose(pipe);
  if (!got || rc != 0) return std::nullopt;
  // "45, 1234": two numbers separated by a comma (locale-free parsing).
  const std::string_view text(line);
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  };
  const auto util = parseDouble(trim(text.substr(0, comma)));
  const auto mem = parseDouble(trim(text.substr(comma + 1)));
  if (!util || !mem) return std::nullopt;
  return GpuUsage{*util, *mem};
}

}  // namespace wb::train
