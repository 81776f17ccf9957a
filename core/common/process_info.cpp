#include "core/common/process_info.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>

#include <sys/types.h>
#include <unistd.h>

namespace wb {

std::string localHostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::int64_t processStartTicks(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return 0;
  // Field 2 (comm) may contain spaces and parentheses: parse after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // Fields 3..22; start time is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  try {
    return std::stoll(field);
  } catch (...) {
    return 0;
  }
}

bool processAlive(std::int64_t pid, std::int64_t start_ticks) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  // A zombie has exited: it only waits for its parent to reap it.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (in && std::getline(in, line)) {
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
  }
  if (start_ticks == 0) return true;
  return processStartTicks(pid) == start_ticks;
}

}  // namespace wb
