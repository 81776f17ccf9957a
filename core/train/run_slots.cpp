#include "core/train/run_slots.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/common/files.h"
#include "core/common/numbers.h"
#include "core/common/process_info.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"

namespace wb::train {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxLimit = 256;

fs::path queueDir(const Workspace& ws) { return ws.dataDir() / "queue"; }

// A whole number (surrounding white space allowed: the file ends in a newline); 0 otherwise.
int parseLimit(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return 0;
  text = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  const auto v = parseInt(text);
  if (!v || *v < 1) return 0;
  return static_cast<int>(std::min<std::int64_t>(*v, kMaxLimit));
}

// Tries to lock slot INDEX without waiting; -1 when another process holds it.
int tryLock(const fs::path& dir, int index) {
  const fs::path path = dir / ("slot-" + std::to_string(index) + ".lock");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Queued runs of live processes created before RUN_ID.
Result<int> positionOf(store::Database& db, const std::string& run_id) {
  auto stmt = db.prepare(
      "SELECT id, coalesce(pid,0), coalesce(pid_start_ticks,0), host FROM runs "
      "WHERE status = 'queued' ORDER BY created_at, rowid");
  if (!stmt) return stmt.error();
  const std::string host = localHostName();
  int ahead = 0;
  while (stmt->step()) {
    if (stmt->columnText(0) == run_id) return ahead;
    const std::int64_t pid = stmt->columnInt(1);
    // A queued run from another host or without a process cannot be checked: it waits too.
    if (pid > 0 && stmt->columnText(3) == host && !processAlive(pid, stmt->columnInt(2))) continue;
    ++ahead;
  }
  if (stmt->lastError()) return *stmt->lastError();
  return ahead;  // not queued (any more): only the runs ahead matter
}

}  // namespace

int defaultRunLimit() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::max(1, static_cast<int>(cores / 2));
}

int runLimit(const Workspace& ws) {
  if (const char* env = std::getenv("WB_MAX_RUNS"); env != nullptr)
    if (const int v = parseLimit(env); v > 0) return v;
  if (auto text = readFileBytes(queueDir(ws) / "limit"); text)
    if (const int v = parseLimit(*text); v > 0) return v;
  return defaultRunLimit();
}

Status setRunLimit(const Workspace& ws, int limit) {
  if (limit < 0 || limit > kMaxLimit)
    return makeError("the run limit must be between 1 and " + std::to_string(kMaxLimit) +
                     " (0 for the default), got " + std::to_string(limit));
  if (limit == 0) {
    std::error_code ec;
    fs::remove(queueDir(ws) / "limit", ec);
    if (ec) return makeError("cannot reset the run limit: " + ec.message());
    return {};
  }
  return writeFileAtomic(queueDir(ws) / "limit", std::to_string(limit) + "\n");
}

RunSlot::RunSlot(RunSlot&& other) noexcept : m_fd(other.m_fd), m_index(other.m_index) {
  other.m_fd = -1;
  other.m_index = -1;
}

RunSlot& RunSlot::operator=(RunSlot&& other) noexcept {
  if (this != &other) {
    release();
    m_fd = other.m_fd;
    m_index = other.m_index;
    other.m_fd = -1;
    other.m_index = -1;
  }
  return *this;
}

RunSlot::~RunSlot() { release(); }

void RunSlot::release() {
  if (m_fd >= 0) ::close(m_fd);  // closing drops the flock
  m_fd = -1;
  m_index = -1;
}

int busyRunSlots(const Workspace& ws) {
  const fs::path dir = queueDir(ws);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;  // no run has ever queued here
  const int limit = runLimit(ws);
  int busy = 0;
  for (int i = 0; i < limit; ++i) {
    const int fd = tryLock(dir, i);
    if (fd < 0) {
      ++busy;
    } else {
      ::close(fd);
    }
  }
  return busy;
}

Result<RunSlot> acquireRunSlot(const Workspace& ws, const std::string& run_id,
                               const std::function<void(const SlotWait&)>& on_wait,
                               const std::atomic<bool>& stop, double poll_seconds) {
  const fs::path dir = queueDir(ws);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError("cannot create the run queue folder: " + ec.message(), dir.string());
  auto db = ws.connect();
  if (!db) return db.error();
  SlotWait last{-1, -1, -1};
  while (!stop) {
    const int limit = runLimit(ws);
    auto position = positionOf(**db, run_id);
    if (!position) return position.error();
    // Probe every slot: keep the first free one if it is this run's turn. Runs behind this
    // one may take a slot only while enough are free for everyone ahead.
    int free_count = 0;
    int kept_fd = -1, kept_index = -1;
    for (int i = 0; i < limit; ++i) {
      const int fd = tryLock(dir, i);
      if (fd < 0) continue;
      ++free_count;
      if (kept_fd < 0) {
        kept_fd = fd;
        kept_index = i;
      } else {
        ::close(fd);
      }
    }
    if (kept_fd >= 0 && *position < free_count) return RunSlot(kept_fd, kept_index);
    if (kept_fd >= 0) ::close(kept_fd);
    const SlotWait now{*position, limit, limit - free_count};
    if (on_wait && (now.position != last.position || now.limit != last.limit)) on_wait(now);
    last = now;
    std::this_thread::sleep_for(std::chrono::duration<double>(poll_seconds));
  }
  return makeError("stopped while queued");
}

}  // namespace wb::train
