#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/common/result.h"

namespace wb {
class Workspace;
}

namespace wb::train {

/// The default number of runs a workspace trains at once: one per two cores (at least one).
int defaultRunLimit();

/// The workspace's limit: WB_MAX_RUNS in the environment, else the value set with
/// setRunLimit() (.workbench/queue/limit), else defaultRunLimit().
int runLimit(const Workspace& workspace);

/// Stores the workspace's limit (1–256); 0 restores the default. Waiting runs see it at once.
Status setRunLimit(const Workspace& workspace, int limit);

/// One of the workspace's run slots, held (as an flock on .workbench/queue/slot-N.lock) until
/// destroyed. The kernel drops the lock when the process dies, so a killed run never leaks it.
class RunSlot {
 public:
  RunSlot() = default;
  RunSlot(int fd, int index) : m_fd(fd), m_index(index) {}
  RunSlot(RunSlot&& other) noexcept;
  RunSlot& operator=(RunSlot&& other) noexcept;
  RunSlot(const RunSlot&) = delete;
  RunSlot& operator=(const RunSlot&) = delete;
  ~RunSlot();

  bool held() const { return m_fd >= 0; }
  int index() const { return m_index; }
  void release();

 private:
  int m_fd = -1;
  int m_index = -1;
};

/// Where a waiting run stands.
struct SlotWait {
  int position = 0;  // queued runs ahead of this one (0: next)
  int limit = 1;
  int busy = 0;      // slots in use
};

/// Waits for a free slot of the workspace's run queue, first come first served among the
/// runs marked `queued` in the store (oldest first; runs of dead processes do not count).
/// RUN_ID is the waiting run, already created as queued by this process. ON_WAIT is called
/// when the position or the limit changes (not at all when a slot is free at once). Returns
/// an error "stopped while queued" when STOP is set while waiting.
Result<RunSlot> acquireRunSlot(const Workspace& workspace, const std::string& run_id,
                               const std::function<void(const SlotWait&)>& on_wait,
                               const std::atomic<bool>& stop, double poll_seconds = 0.1);

/// Counts the slots in use now (for `wb queue`), probing each lock without keeping it.
int busyRunSlots(const Workspace& workspace);

}  // namespace wb::train
