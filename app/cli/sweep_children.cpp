#include "app/cli/sweep_children.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "app/cli/cli_errors.h"

extern char** environ;

namespace wb::cli {

namespace {

sigset_t watchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGCHLD);
  return set;
}

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup(int out_fd, int err_fd) {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
    // The child starts with nothing blocked and default handlers (it installs its own).
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults = watchedSignals();
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

SweepChildren::SweepChildren(Output output) : m_output(output) {
  const sigset_t set = watchedSignals();
  ::sigprocmask(SIG_BLOCK, &set, &m_old_mask);
  m_signal_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m_signal_fd < 0) fail(std::string("cannot watch for signals: ") + std::strerror(errno));
}

SweepChildren::~SweepChildren() {
  for (auto& c : m_children) {
    closeFd(c.out.fd);
    closeFd(c.err.fd);
  }
  // Take a stop that arrived meanwhile here, so restoring the mask does not end the process.
  signalfd_siginfo info;
  while (::read(m_signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
  }
  closeFd(m_signal_fd);
  ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
}

std::string SweepChildren::start(const std::string& name, const std::vector<std::string>& argv) {
  // Everything the child needs is made here, before posix_spawn.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return std::strerror(errno);
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return why;
  }
  pid_t pid = -1;
  int rc = 0;
  {
    SpawnSetup setup(out[1], err[1]);
    rc = ::posix_spawn(&pid, "/proc/self/exe", &setup.actions, &setup.attr, args.data(), environ);
  }
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    return std::strerror(rc);
  }
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  Child c;
  c.pid = pid;
  c.name = name;
  c.out.fd = out[0];
  c.err.fd = err[0];
  m_children.push_back(std::move(c));
  return {};
}

void SweepChildren::forwardStop() {
  for (const auto& c : m_children)
    if (!c.exited) ::kill(c.pid, SIGTERM);
}

void SweepChildren::onSignals() {
  signalfd_siginfo info;
  bool stop = false;
  while (::read(m_signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
      m_stop_signal = static_cast<int>(info.ssi_signo);
      stop = true;
    }
  }
  if (stop) forwardStop();  // every stop, at once: a second SIGTERM is passed on again
  reap();                   // SIGCHLD merges several exits into one: check every child
}

void SweepChildren::reap() {
  for (auto& c : m_children) {
    if (c.exited) continue;
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      c.exited = true;
      c.wait_status = status;
    }
  }
}

void SweepChildren::emitLines(const Child& child, Stream& stream, bool is_stderr, bool flush_partial) {
  std::ostream& out = is_stderr ? std::cerr : std::cout;
  const bool prefix = is_stderr || m_output == Output::Prefixed;
  std::size_t start = 0;
  for (std::size_t nl; (nl = stream.pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (prefix) out << '[' << child.name << "] ";
    out.write(stream.pending.data() + start, static_cast<std::streamsize>(nl - start));
    out << '\n';
  }
  stream.pending.erase(0, start);
  if (flush_partial && !stream.pending.empty()) {
    if (prefix) out << '[' << child.name << "] ";
    out << stream.pending << '\n';
    stream.pending.clear();
  }
  out.flush();
}

void SweepChildren::readStream(Child& child, Stream& stream, bool is_stderr) {
  char buf[65536];
  while (stream.fd >= 0) {
    const ssize_t n = ::read(stream.fd, buf, sizeof buf);
    if (n > 0) {
      stream.pending.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    closeFd(stream.fd);  // end of output (or an error reading it)
  }
  emitLines(child, stream, is_stderr, stream.fd < 0);
}

std::vector<SweepChildren::Ended> SweepChildren::wait() {
  const int stop_before = m_stop_signal;
  std::vector<Ended> ended;
  while (ended.empty() && m_stop_signal == stop_before && !m_children.empty()) {
    std::vector<pollfd> fds = {{m_signal_fd, POLLIN, 0}};
    for (const auto& c : m_children)
      for (int fd : {c.out.fd, c.err.fd})
        if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
      fail(std::string("waiting for the sweep's runs: ") + std::strerror(errno));
    onSignals();
    for (auto& c : m_children) {
      readStream(c, c.out, false);
      readStream(c, c.err, true);
    }
    for (auto it = m_children.begin(); it != m_children.end();) {
      // A child whose output is still open after it exited holds it in a grandchild: its
      // remaining lines were read above; do not wait for them.
      if (it->exited) {
        closeFd(it->out.fd);
        closeFd(it->err.fd);
        emitLines(*it, it->out, false, true);
        emitLines(*it, it->err, true, true);
        ended.push_back({it->name, it->wait_status});
        it = m_children.erase(it);
      } else {
        ++it;
      }
    }
  }
  return ended;
}

}  // namespace wb::cli
