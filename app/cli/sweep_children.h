#pragma once

#include <sys/types.h>

#include <csignal>
#include <string>
#include <vector>

namespace wb::cli {

/// The child processes of a sweep. SIGTERM, SIGINT and SIGCHLD are caught while this object
/// lives by a handler that writes the signal's number to a pipe (the self-pipe trick: it works
/// whichever of LibTorch's threads the kernel hands the signal to), and wait() polls that pipe
/// with the children's output, so a stop that arrives at any moment, even just before the
/// wait, wakes it and is passed on to every child at once. Children start with posix_spawn
/// (nothing is allocated between fork and exec) with no signal blocked and default handlers.
/// Their stdout and stderr come back through pipes and are passed on whole lines at a time, so
/// lines of children running side by side never mix; with Output::Prefixed each line starts
/// with "[child name] " (stderr lines always do).
class SweepChildren {
 public:
  enum class Output { Unknown, Prefixed, RawStdout };
  struct Ended {
    std::string name;
    int wait_status = 0;
  };

  explicit SweepChildren(Output output);
  ~SweepChildren();
  SweepChildren(const SweepChildren&) = delete;
  SweepChildren& operator=(const SweepChildren&) = delete;

  /// Starts ARGV (ARGV[0] is shown, /proc/self/exe runs) as NAME. An empty result on success,
  /// else why it could not start.
  std::string start(const std::string& name, const std::vector<std::string>& argv);

  /// Passes output on until a child ends or a stop arrives; returns the children that ended.
  std::vector<Ended> wait();

  bool stopped() const { return m_stop_signal != 0; }
  int stopSignal() const { return m_stop_signal; }
  std::size_t running() const { return m_children.size(); }

 private:
  struct Stream {
    int fd = -1;
    std::string pending;  // an incomplete last line
  };
  struct Child {
    pid_t pid = -1;
    std::string name;
    Stream out, err;
    bool exited = false;
    int wait_status = 0;
  };

  void onSignals();
  void forwardStop();
  void reap();
  void readStream(Child& child, Stream& stream, bool is_stderr);
  void emitLines(const Child& child, Stream& stream, bool is_stderr, bool flush_partial);

  Output m_output = Output::Prefixed;
  int m_wake_read = -1;  // the handler writes each signal's number to the other end
  struct sigaction m_old_term {}, m_old_int{}, m_old_chld{};
  int m_stop_signal = 0;
  std::vector<Child> m_children;
};

}  // namespace wb::cli
