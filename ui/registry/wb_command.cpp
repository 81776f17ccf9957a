#include "ui/registry/wb_command.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QTimer>

#include <csignal>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace wb::ui {

namespace {
constexpr int kKillAfterMs = 3000;
}

WbCommand::WbCommand(QString cli_path, QString workspace_root, QObject* parent)
    : QObject(parent), m_cli(std::move(cli_path)), m_root(std::move(workspace_root)) {}

WbCommand::~WbCommand() {
  if (m_process && m_process->state() != QProcess::NotRunning) {
    m_process->disconnect(this);
    m_process->kill();
    m_process->waitForFinished(1000);
  }
}

bool WbCommand::isRunning() const {
  return m_process && m_process->state() != QProcess::NotRunning;
}

bool WbCommand::start(const QStringList& args) {
  if (isRunning()) return false;
  delete m_process;
  m_out_buf.clear();
  m_stdout.clear();
  m_stderr.clear();
  m_outcome = {};
  m_cancelled = false;
  m_process = new QProcess(this);
  const QStringList full =
      QStringList{QStringLiteral("-w"), m_root, QStringLiteral("--json")} + args;
  m_command_line = QFileInfo(m_cli).fileName() + QLatin1Char(' ') + full.join(QLatin1Char(' '));
  m_process->setProgram(m_cli);
  m_process->setArguments(full);
  m_process->setWorkingDirectory(m_root);
  m_process->setStandardInputFile(QProcess::nullDevice());
#ifdef __linux__
  m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
  connect(m_process, &QProcess::readyReadStandardOutput, this, &WbCommand::readStdout);
  connect(m_process, &QProcess::readyReadStandardError, this,
          [this] { m_stderr += QString::fromUtf8(m_process->readAllStandardError()); });
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    m_stderr = tr("Cannot run %1: %2").arg(m_cli, m_process->errorString());
    done(-1, true);
  });
  connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    done(code, status == QProcess::CrashExit);
  });
  m_process->start();
  return true;
}

void WbCommand::cancel() {
  if (!isRunning()) return;
  m_cancelled = true;
  m_process->terminate();
  QTimer::singleShot(kKillAfterMs, m_process, [p = m_process] {
    if (p->state() != QProcess::NotRunning) p->kill();
  });
}

void WbCommand::readStdout() {
  const QByteArray chunk = m_process->readAllStandardOutput();
  m_stdout += chunk;
  m_out_buf += chunk;
  qsizetype nl;
  while ((nl = m_out_buf.indexOf('\n')) >= 0) {
    const QByteArray line = m_out_buf.left(nl).trimmed();
    m_out_buf.remove(0, nl + 1);
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    if (!doc.isObject()) continue;
    m_outcome.events << doc.object();
    Q_EMIT event(doc.object());
  }
}

void WbCommand::done(int exit_code, bool crashed) {
  readStdout();
  const QJsonDocument tail = QJsonDocument::fromJson(m_out_buf.trimmed());
  if (tail.isObject()) m_outcome.events << tail.object();
  m_out_buf.clear();
  // `wb … --json` prints its result indented: the whole output is one object.
  const QJsonDocument whole = QJsonDocument::fromJson(m_stdout.trimmed());
  m_outcome.exit_code = exit_code;
  m_outcome.cancelled = m_cancelled;
  m_outcome.ok = !crashed && !m_cancelled && exit_code == 0;
  if (whole.isObject())
    m_outcome.result = whole.object();
  else if (!m_outcome.events.isEmpty())
    m_outcome.result = m_outcome.events.last();
  QString err = m_stderr.trimmed();
  if (!m_outcome.ok && err.isEmpty() && !m_cancelled)
    err = m_outcome.result.value(QStringLiteral("error")).toString();
  if (!m_outcome.ok && err.isEmpty() && !m_cancelled)
    err = tr("wb exited with code %1").arg(exit_code);
  m_outcome.error = err;
  const Outcome outcome = m_outcome;
  Q_EMIT finished(outcome);
}

}  // namespace wb::ui
