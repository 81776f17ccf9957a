// Runs the real `wb` binary for the CLI tests: one call, or many at once.
#pragma once

#include <QByteArray>
#include <QDebug>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTest>
#include <QThread>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "../unit/test_support.h"  // WB_VERIFY_OK, QDebug << std::string

namespace wbtest {

inline QString wbPath() { return QStringLiteral(WB_CLI_PATH); }

/// One invocation of wb.
struct WbCall {
  QStringList args;
  QString cwd;       // empty: the test's working directory
  QByteArray input;  // written to stdin, which is then closed
  QStringList env;   // extra KEY=VALUE entries
};

struct WbResult {
  QStringList args;
  bool finished = false;
  QProcess::ExitStatus exit_status = QProcess::CrashExit;
  int exit_code = -1;
  QByteArray out;
  QByteArray err;

  bool ok() const { return finished && exit_status == QProcess::NormalExit && exit_code == 0; }
  /// For failure messages: the command line, exit code and output.
  QByteArray describe() const {
    return "wb " + args.join(QLatin1Char(' ')).toUtf8() + "\n  exit " +
           QByteArray::number(exit_code) + (finished ? "" : " (did not finish)") +
           "\n  stdout: " + out.left(2000) + "\n  stderr: " + err.left(2000);
  }
};

/// The environment wb runs in: the test's, without a workspace default leaking in.
inline QProcessEnvironment wbEnvironment(const QStringList& extra = {}) {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.remove(QStringLiteral("WB_WORKSPACE"));
  for (const auto& kv : extra) {
    const auto eq = kv.indexOf(QLatin1Char('='));
    env.insert(kv.left(eq), kv.mid(eq + 1));
  }
  return env;
}

inline std::unique_ptr<QProcess> startWb(const WbCall& call) {
  auto p = std::make_unique<QProcess>();
  p->setProgram(wbPath());
  p->setArguments(call.args);
  p->setProcessEnvironment(wbEnvironment(call.env));
  if (!call.cwd.isEmpty()) p->setWorkingDirectory(call.cwd);
  p->start();
  if (p->waitForStarted(10'000)) {
    if (!call.input.isEmpty()) {
      p->write(call.input);
      p->waitForBytesWritten(10'000);
    }
    p->closeWriteChannel();
  }
  return p;
}

inline WbResult finishWb(QProcess& p, const WbCall& call, int timeout_ms) {
  WbResult r;
  r.args = call.args;
  r.finished = p.waitForFinished(timeout_ms);
  if (!r.finished) {
    p.kill();
    p.waitForFinished(5000);
  }
  r.exit_status = p.exitStatus();
  r.exit_code = p.exitCode();
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

inline WbResult runWb(const WbCall& call, int timeout_ms = 60'000) {
  auto p = startWb(call);
  return finishWb(*p, call, timeout_ms);
}

inline WbResult runWb(const QStringList& args, const QString& cwd = {}) {
  return runWb(WbCall{args, cwd, {}, {}});
}

/// Runs independent calls side by side (`wb demo` loads LibTorch, ~0.5 s before any work).
/// Results come back in the order of the calls.
inline std::vector<WbResult> runWbAll(const std::vector<WbCall>& calls, int timeout_ms = 120'000) {
  const std::size_t parallel = std::size_t(qMax(2, QThread::idealThreadCount()));
  std::vector<WbResult> results(calls.size());
  std::deque<std::pair<std::size_t, std::unique_ptr<QProcess>>> running;
  std::size_t next = 0;
  while (next < calls.size() || !running.empty()) {
    while (next < calls.size() && running.size() < parallel) {
      running.emplace_back(next, startWb(calls[next]));
      ++next;
    }
    auto [index, proc] = std::move(running.front());
    running.pop_front();
    results[index] = finishWb(*proc, calls[index], timeout_ms);
  }
  return results;
}

/// True when text is exactly one non-empty line ending in a newline.
inline bool isOneLine(const QByteArray& text) {
  return text.size() > 1 && text.endsWith('\n') && text.count('\n') == 1 &&
         !text.trimmed().isEmpty();
}

}  // namespace wbtest
