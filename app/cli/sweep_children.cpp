#include "app/cli/sweep_children.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "app/cli/cli_errors.h"

extern char** environ;

namespace wb::cli {

namespace {

int g_wake_write = -1;  // the write end of the object's pipe, for the handler

extern "C" void onSweepSignal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  (void)!::write(g_wake_write, &byte, 1);  // non-blocking: a full pipe already wakes poll
  errno = saved;
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
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGTERM, SIGINT, SIGCHLD, SIGPIPE}) sigaddset(&defaults, sig);
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
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0)
    fail(std::string("cannot watch for signals: ") + std::strerror(errno));
  m_wake_read = wake[0];
  g_wake_write = wake[1];
  struct sigaction sa {};
  sa.sa_handler = onSweepSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the pipe wakes poll; nothing else needs interrupting
  ::sigaction(SIGTERM, &sa, &m_old_term);
  ::sigaction(SIGINT, &sa, &m_old_int);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  ::sigaction(SIGCHLD, &sa, &m_old_chld);
}

SweepChildren::~SweepChildren() {
  for (auto& c : m_children) {
    closeFd(c.out.fd);
    closeFd(c.err.fd);
  }
  ::sigaction(SIGTERM, &m_old_term, nullptr);
  ::sigaction(SIGINT, &m_old_int, nullptr);
  ::sigaction(SIGCHLD, &m_old_chld, nullptr);
  closeFd(g_wake_write);
  closeFd(m_wake_read);
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
  unsigned char sigs[64];
  bool stop = false;
  for (ssize_t n; (n = ::read(m_wake_read, sigs, sizeof sigs)) > 0;)
    for (ssize_t i = 0; i < n; ++i)
      if (sigs[i] == SIGTERM || sigs[i] == SIGINT) {
        m_stop_signal = sigs[i];
        stop = true;
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
    std::vector<pollfd> fds = {{m_wake_read, POLLIN, 0}};
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
    reap();  // a child whose output just closed may have exited after the check above
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
