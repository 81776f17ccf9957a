#include "ui/experiments/run_launcher.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <limits>

#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace wb::ui {

namespace {

constexpr int kMaxStderrLines = 50;
constexpr qsizetype kMaxPartialLineBytes = 1 << 20;  // a runaway line without '\n' is cut here
constexpr int kCloseWaitMs = 3000;

QString shortNumber(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'g', 4);
}

QString quoted(const QString& arg) {
  if (!arg.isEmpty() && !arg.contains(QLatin1Char(' ')) && !arg.contains(QLatin1Char('\'')))
    return arg;
  QString q = arg;
  q.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
  return QLatin1Char('\'') + q + QLatin1Char('\'');
}

double numberOr(const QJsonValue& v, double fallback) {
  if (v.isDouble()) return v.toDouble();
  if (v.isNull()) return std::numeric_limits<double>::quiet_NaN();  // JSON has no NaN: null
  return fallback;
}

QMap<QString, double> metricsOf(const QJsonValue& v) {
  QMap<QString, double> out;
  const QJsonObject o = v.toObject();
  for (auto it = o.begin(); it != o.end(); ++it) out.insert(it.key(), numberOr(it.value(), 0));
  return out;
}

LaunchStatus statusFromString(const QString& s) {
  if (s == QLatin1String("finished")) return LaunchStatus::Finished;
  if (s == QLatin1String("failed")) return LaunchStatus::Failed;
  if (s == QLatin1String("killed")) return LaunchStatus::Killed;
  if (s == QLatin1String("running")) return LaunchStatus::Running;
  if (s == QLatin1String("queued")) return LaunchStatus::Queued;
  return LaunchStatus::Failed;  // an unknown final status is no success
}

// Sweep children are named <sweep>-<n>: order by n, so -10 comes after -9.
bool childBefore(const QString& a, const QString& b) {
  const auto number = [](const QString& name) {
    bool ok = false;
    const int n = name.section(QLatin1Char('-'), -1).toInt(&ok);
    return ok ? n : -1;
  };
  const int na = number(a), nb = number(b);
  if (na >= 0 && nb >= 0 &&
      a.section(QLatin1Char('-'), 0, -2) == b.section(QLatin1Char('-'), 0, -2))
    return na < nb;
  return a < b;
}

double runProgress(const RunEntry& e) {
  if (e.status == LaunchStatus::Finished) return 1.0;
  if (e.epochs <= 0) return 0.0;
  double done = e.epoch;
  if (e.current_epoch > e.epoch && e.batches > 0)
    done = std::max(done, (e.current_epoch - 1) + static_cast<double>(e.batch) / e.batches);
  return std::clamp(done / e.epochs, 0.0, 1.0);
}

}  // namespace

QString statusName(LaunchStatus status) {
  switch (status) {
    case LaunchStatus::Starting:
      return QStringLiteral("starting");
    case LaunchStatus::Queued:
      return QStringLiteral("queued");
    case LaunchStatus::Running:
      return QStringLiteral("running");
    case LaunchStatus::Finished:
      return QStringLiteral("finished");
    case LaunchStatus::Failed:
      return QStringLiteral("failed");
    case LaunchStatus::Killed:
      return QStringLiteral("killed");
    case LaunchStatus::Error:
      return QStringLiteral("error");
    case LaunchStatus::Unknown:
      break;
  }
  return QStringLiteral("unknown");
}

bool isTerminal(LaunchStatus s) {
  return s == LaunchStatus::Finished || s == LaunchStatus::Failed || s == LaunchStatus::Killed ||
         s == LaunchStatus::Error;
}

struct RunLauncher::Job {
  int id = 0;
  LaunchKind kind = LaunchKind::Unknown;
  QProcess* process = nullptr;  // owned by the launcher (Qt parent)
  QString command_line;
  QByteArray out_buf, err_buf;  // partial lines between readyRead chunks
  QStringList log;
  QStringList stderr_lines;
  int root_key = -1;
  int current_key = -1;      // the run that events without a run_id belong to
  bool running = true;       // until the process exits (or fails to start)
  bool killed = false;       // SIGKILL sent
  QElapsedTimer stop_timer;  // valid once Stop was asked
};

RunLauncher::RunLauncher(QString cli_path, QString workspace_root, QObject* parent)
    : QObject(parent), m_cli(std::move(cli_path)), m_root(std::move(workspace_root)) {}

RunLauncher::~RunLauncher() {
  // No slot may run on a half-destroyed launcher: cut the processes off first.
  std::vector<Job*> live;
  for (auto& [id, job] : m_jobs) {
    if (!job->process) continue;
    job->process->disconnect(this);
    if (job->running && job->process->state() != QProcess::NotRunning) {
      signalGroup(*job, SIGTERM);
      live.push_back(job.get());
    }
  }
  // Bounded: a terminated run only finishes its step and writes a checkpoint.
  QDeadlineTimer deadline(kCloseWaitMs);
  for (Job* job : live)
    job->process->waitForFinished(static_cast<int>(std::max<qint64>(1, deadline.remainingTime())));
  for (Job* job : live)
    if (job->process->state() != QProcess::NotRunning) {
      signalGroup(*job, SIGKILL);
      job->process->waitForFinished(500);
    }
}

int RunLauncher::launchRun(const QString& config_path, const QStringList& overrides,
                           const QString& name) {
  QStringList args = {QStringLiteral("-w"), m_root, QStringLiteral("--json"),
                      QStringLiteral("train"), config_path};
  args += overrides;
  if (!name.isEmpty()) args << QStringLiteral("--name") << name;
  return startJob(LaunchKind::Run, config_path, overrides, args, name);
}

int RunLauncher::launchSweep(const QString& config_path, const QStringList& overrides,
                             int parallel) {
  QStringList args = {QStringLiteral("-w"), m_root, QStringLiteral("--json"),
                      QStringLiteral("sweep"), config_path};
  args += overrides;
  args << QStringLiteral("--parallel") << QString::number(std::max(1, parallel));
  return startJob(LaunchKind::Sweep, config_path, overrides, args, {});
}

int RunLauncher::startJob(LaunchKind kind, const QString& config, const QStringList& overrides,
                          const QStringList& args, const QString& name) {
  auto owned = std::make_unique<Job>();
  Job& job = *owned;
  job.id = m_next_job++;
  job.kind = kind;
  job.process = new QProcess(this);
  QStringList shown = {QFileInfo(m_cli).fileName()};
  for (const auto& a : args) shown << quoted(a);
  job.command_line = shown.join(QLatin1Char(' '));
  m_jobs.emplace(job.id, std::move(owned));

  RunEntry e;
  e.job = job.id;
  e.kind = kind;
  e.name = name;
  e.config = config;
  e.overrides = overrides;
  e.status = LaunchStatus::Starting;
  e.launched_at = QDateTime::currentDateTime();
  const int row = addEntry(std::move(e), entryCount());
  job.root_key = m_entries[static_cast<std::size_t>(row)].key;
  job.current_key = kind == LaunchKind::Run ? job.root_key : -1;
  appendLog(job, QStringLiteral("$ ") + job.command_line);

  QProcess* p = job.process;
  p->setProgram(m_cli);
  p->setArguments(args);
  p->setWorkingDirectory(m_root);  // relative config paths resolve against the workspace
  p->setStandardInputFile(QProcess::nullDevice());
  p->setChildProcessModifier([] {
    // Own process group: Stop reaches a sweep's children too. Parent-death signal: a crashed
    // GUI still stops its runs (they checkpoint and end killed). Both async-signal-safe.
    ::setpgid(0, 0);
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  });
  const int id = job.id;
  connect(p, &QProcess::readyReadStandardOutput, this, [this, id] {
    if (Job* j = findJob(id)) onOutput(*j, false);
  });
  connect(p, &QProcess::readyReadStandardError, this, [this, id] {
    if (Job* j = findJob(id)) onOutput(*j, true);
  });
  connect(p, &QProcess::errorOccurred, this, [this, id](QProcess::ProcessError error) {
    // Only a failed start comes without finished().
    if (error != QProcess::FailedToStart) return;
    if (Job* j = findJob(id)) onProcessError(*j);
  });
  connect(p, &QProcess::finished, this, [this, id](int code, QProcess::ExitStatus status) {
    if (Job* j = findJob(id)) onProcessFinished(*j, code, status == QProcess::CrashExit);
  });
  p->start();
  return id;
}

RunLauncher::Job* RunLauncher::findJob(int id) const {
  auto it = m_jobs.find(id);
  return it == m_jobs.end() ? nullptr : it->second.get();
}

RunEntry* RunLauncher::entryByKey(int key) {
  const int row = rowOfKey(key);
  return row < 0 ? nullptr : &m_entries[static_cast<std::size_t>(row)];
}

int RunLauncher::rowOfKey(int key) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].key == key) return static_cast<int>(i);
  return -1;
}

int RunLauncher::rowOfRun(const QString& run_id) const {
  if (run_id.isEmpty()) return -1;
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].run_id == run_id) return static_cast<int>(i);
  return -1;
}

int RunLauncher::rootRowOfJob(int job) const {
  const Job* j = findJob(job);
  return j ? rowOfKey(j->root_key) : -1;
}

QList<int> RunLauncher::jobs() const {
  QList<int> out;
  for (const auto& [id, job] : m_jobs) out << id;
  return out;
}

QStringList RunLauncher::log(int job) const {
  const Job* j = findJob(job);
  return j ? j->log : QStringList{};
}

QString RunLauncher::commandLine(int job) const {
  const Job* j = findJob(job);
  return j ? j->command_line : QString{};
}

qint64 RunLauncher::processId(int job) const {
  const Job* j = findJob(job);
  return j && j->running && j->process ? j->process->processId() : 0;
}

bool RunLauncher::isJobActive(int job) const {
  const Job* j = findJob(job);
  return j && j->running;
}

bool RunLauncher::hasActiveJobs() const {
  return std::any_of(m_jobs.begin(), m_jobs.end(),
                     [](const auto& kv) { return kv.second->running; });
}

int RunLauncher::addEntry(RunEntry entry, int row) {
  entry.key = m_next_key++;
  row = std::clamp(row, 0, entryCount());
  m_entries.insert(m_entries.begin() + row, std::move(entry));
  Q_EMIT entryAdded(row);
  return row;
}

void RunLauncher::appendLog(Job& job, const QString& line) {
  job.log.append(line);
  while (job.log.size() > kMaxLogLines) job.log.removeFirst();
  Q_EMIT logAppended(job.id, line);
}

void RunLauncher::flushDirty() {
  if (m_dirty.empty() && m_finished_pending.empty()) return;
  std::vector<int> keys;
  keys.swap(m_dirty);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (int key : keys)
    if (const int row = rowOfKey(key); row >= 0) Q_EMIT entryChanged(row);
  // After the rows are current, so a slot reading the model sees the final state.
  std::vector<std::pair<QString, QString>> finished;
  finished.swap(m_finished_pending);
  for (const auto& [run_id, status] : finished) Q_EMIT runFinished(run_id, status);
}

void RunLauncher::onOutput(Job& job, bool is_stderr) {
  QByteArray& buf = is_stderr ? job.err_buf : job.out_buf;
  buf += is_stderr ? job.process->readAllStandardError() : job.process->readAllStandardOutput();
  qsizetype start = 0;
  for (;;) {
    const qsizetype nl = buf.indexOf('\n', start);
    if (nl < 0) break;
    qsizetype end = nl;
    if (end > start && buf.at(end - 1) == '\r') --end;
    handleLine(job, QString::fromUtf8(buf.constData() + start, end - start), is_stderr);
    start = nl + 1;
  }
  buf.remove(0, start);
  if (buf.size() > kMaxPartialLineBytes) {
    handleLine(job, QString::fromUtf8(buf), is_stderr);
    buf.clear();
  }
  flushDirty();
}

void RunLauncher::handleLine(Job& job, const QString& line, bool is_stderr) {
  if (line.trimmed().isEmpty()) return;
  if (is_stderr) {
    job.stderr_lines.append(line);
    while (job.stderr_lines.size() > kMaxStderrLines) job.stderr_lines.removeFirst();
    appendLog(job, line);
    return;
  }
  if (line.startsWith(QLatin1Char('{'))) {
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8(), &err);
    if (err.error == QJsonParseError::NoError && doc.isObject() &&
        doc.object().value(QLatin1String("event")).isString()) {
      handleEvent(job, doc.object(), line);
      return;
    }
  }
  appendLog(job, line);
}

RunEntry* RunLauncher::entryForEvent(Job& job, const QJsonObject& ev) {
  const QString kind = ev.value(QLatin1String("event")).toString();
  const QString run_id = ev.value(QLatin1String("run_id")).toString();
  RunEntry* root = entryByKey(job.root_key);
  if (!root) return nullptr;  // cleared (cannot happen while the job runs)
  if (job.kind == LaunchKind::Run) {
    if (root->run_id.isEmpty() && !run_id.isEmpty()) root->run_id = run_id;
    return root;
  }
  if (kind == QLatin1String("sweep") || kind == QLatin1String("sweep_finished")) {
    if (!run_id.isEmpty()) root->run_id = run_id;
    return root;
  }
  if (run_id.isEmpty()) return entryByKey(job.current_key);  // older CLIs: the current run
  if (run_id == root->run_id) return root;
  const int row = rowOfRun(run_id);
  if (row >= 0) {
    if (kind == QLatin1String("started") || kind == QLatin1String("resumed"))
      job.current_key = m_entries[static_cast<std::size_t>(row)].key;
    return &m_entries[static_cast<std::size_t>(row)];
  }
  // A new child: inside the sweep's group of rows, in the sweep's order (sweep-x-1, -2, …)
  // whichever child the run queue lets start first.
  RunEntry child;
  child.job = job.id;
  child.kind = LaunchKind::SweepChild;
  child.run_id = run_id;
  child.parent_run_id = root->run_id;
  child.config = root->config;
  child.status = LaunchStatus::Starting;
  child.stop_requested = root->stop_requested;
  child.launched_at = QDateTime::currentDateTime();
  child.name = ev.value(QLatin1String("name")).toString();
  int at = rowOfKey(job.root_key) + 1;
  for (std::size_t i = 0; i < m_entries.size(); ++i) {
    const auto& other = m_entries[i];
    if (other.job != job.id || other.kind != LaunchKind::SweepChild) continue;
    if (childBefore(child.name, other.name)) break;
    at = static_cast<int>(i) + 1;
  }
  const int added = addEntry(std::move(child), at);
  job.current_key = m_entries[static_cast<std::size_t>(added)].key;
  return &m_entries[static_cast<std::size_t>(added)];
}

void RunLauncher::handleEvent(Job& job, const QJsonObject& ev, const QString& raw) {
  Q_EMIT eventReceived(ev);
  const QString kind = ev.value(QLatin1String("event")).toString();
  RunEntry* e = entryForEvent(job, ev);
  if (!e) {
    appendLog(job, raw);
    return;
  }
  const int key = e->key;
  const LaunchStatus before = e->status;
  auto str = [&](const char* k) { return ev.value(QLatin1String(k)).toString(); };
  auto num = [&](const char* k, double fallback = 0) {
    return numberOr(ev.value(QLatin1String(k)), fallback);
  };
  auto integer = [&](const char* k) { return static_cast<qint64>(num(k)); };
  QString line;  // the log's readable form; empty = not logged (step events)

  if (kind == QLatin1String("queued")) {
    if (!str("name").isEmpty()) e->name = str("name");
    e->status = LaunchStatus::Queued;
    e->queue_position = static_cast<int>(integer("position"));
    e->queue_limit = static_cast<int>(integer("limit"));
    line = e->queue_position <= 0
               ? QStringLiteral("queued: next for a run slot (%1 at a time)").arg(e->queue_limit)
               : QStringLiteral("queued: %1 ahead (%2 at a time)")
                     .arg(e->queue_position)
                     .arg(e->queue_limit);
  } else if (kind == QLatin1String("started")) {
    if (!str("name").isEmpty()) e->name = str("name");
    e->status = LaunchStatus::Running;
    e->queue_position = -1;
    e->started_at = QDateTime::currentDateTime();
    e->dataset = str("dataset");
    e->device = str("device");
    e->parameters = integer("parameters");
    e->epochs = static_cast<int>(integer("epochs"));
    e->batches = integer("batches_per_epoch");
    job.current_key = key;
    line = QStringLiteral("run %1 (%2) on %3, %4 parameters, device %5, %6 epochs × %7 batches")
               .arg(e->name, e->run_id, e->dataset)
               .arg(e->parameters)
               .arg(e->device)
               .arg(e->epochs)
               .arg(e->batches);
  } else if (kind == QLatin1String("resumed")) {
    e->status = LaunchStatus::Running;
    e->queue_position = -1;
    if (e->started_at.isNull()) e->started_at = QDateTime::currentDateTime();
    e->epoch = static_cast<int>(integer("epoch"));
    e->step = integer("step");
    job.current_key = key;
    line = QStringLiteral("resuming after epoch %1").arg(e->epoch);
  } else if (kind == QLatin1String("step")) {
    if (e->status == LaunchStatus::Starting || e->status == LaunchStatus::Queued)
      e->status = LaunchStatus::Running;
    e->step = integer("step");
    e->current_epoch = static_cast<int>(integer("epoch"));
    e->batch = integer("batch");
    if (const qint64 b = integer("batches"); b > 0) e->batches = b;
    e->step_loss = num("loss", -1);
  } else if (kind == QLatin1String("epoch")) {
    if (e->status == LaunchStatus::Starting || e->status == LaunchStatus::Queued)
      e->status = LaunchStatus::Running;
    e->epoch = static_cast<int>(integer("epoch"));
    if (const int n = static_cast<int>(integer("epochs")); n > 0) e->epochs = n;
    e->step = integer("step");
    e->current_epoch = e->epoch;
    e->batch = e->batches;
    e->metrics = metricsOf(ev.value(QLatin1String("metrics")));
    e->eta_seconds = num("eta_seconds", -1);
    e->eta_at = QDateTime::currentDateTime();
    line = QStringLiteral("epoch %1/%2").arg(e->epoch).arg(e->epochs);
    for (const char* k : {"train/loss", "val/loss", "val/accuracy", "val/rmse"})
      if (auto it = e->metrics.find(QLatin1String(k)); it != e->metrics.end())
        line += QStringLiteral("  ") + QLatin1String(k) + QLatin1Char(' ') + shortNumber(*it);
    line += QStringLiteral("  (%1 s)").arg(shortNumber(num("seconds")));
  } else if (kind == QLatin1String("early_stop")) {
    line = QStringLiteral("early stop after epoch %1 (%2 stopped improving)")
               .arg(integer("epoch"))
               .arg(str("monitor"));
    e->epochs = std::max(e->epoch, 1);  // the run ends here: progress reaches 1 honestly
  } else if (kind == QLatin1String("finished")) {
    const LaunchStatus status = statusFromString(str("status"));
    e->message = str("message");
    if (auto m = metricsOf(ev.value(QLatin1String("metrics"))); !m.isEmpty()) e->metrics = m;
    finishEntry(*e, status);
    line = QStringLiteral("run ") + statusName(status) +
           (e->message.isEmpty() ? QString() : QStringLiteral(": ") + e->message);
  } else if (kind == QLatin1String("sweep")) {
    e->status = LaunchStatus::Running;
    e->started_at = QDateTime::currentDateTime();
    e->sweep_runs = static_cast<int>(integer("runs"));
    if (e->name.isEmpty())
      e->name = QStringLiteral("sweep-") + QFileInfo(e->config).completeBaseName();
    line = QStringLiteral("sweep %1: %2 runs").arg(e->run_id).arg(e->sweep_runs);
  } else if (kind == QLatin1String("sweep_finished")) {
    e->sweep_failed = static_cast<int>(integer("failed"));
    e->sweep_best = str("best");
    const LaunchStatus status = e->stop_requested ? LaunchStatus::Killed
                                : (e->sweep_runs > 0 && e->sweep_failed >= e->sweep_runs)
                                    ? LaunchStatus::Failed
                                    : LaunchStatus::Finished;
    if (e->sweep_failed > 0)
      e->message = QStringLiteral("%1 of %2 runs failed").arg(e->sweep_failed).arg(e->sweep_runs);
    else
      e->message = e->sweep_best;
    finishEntry(*e, status);
    line = QStringLiteral("sweep ") + statusName(status) +
           QStringLiteral(": %1 of %2 runs finished")
               .arg(e->sweep_runs - e->sweep_failed)
               .arg(e->sweep_runs) +
           (e->sweep_best.isEmpty() ? QString() : QStringLiteral("; ") + e->sweep_best);
  } else {
    line = raw;  // an event this GUI does not know yet
  }

  QString prefix;  // a sweep's log interleaves its children: say whose line it is
  if (RunEntry* cur = entryByKey(key)) {
    if (cur->kind != LaunchKind::Sweep) cur->progress = runProgress(*cur);
    if (cur->kind == LaunchKind::SweepChild && !cur->name.isEmpty())
      prefix = QLatin1Char('[') + cur->name + QStringLiteral("] ");
    markDirty(key);
  }
  if (job.kind == LaunchKind::Sweep) updateSweepProgress(job);
  if (!line.isEmpty()) appendLog(job, prefix + line);
  // Progress is coalesced per chunk; a status change is shown at once, so every step of
  // queued → running → finished reaches the views even when one chunk carries them all.
  if (const RunEntry* cur = entryByKey(key); cur && cur->status != before) flushDirty();
}

void RunLauncher::updateSweepProgress(Job& job) {
  RunEntry* root = entryByKey(job.root_key);
  if (!root) return;
  double sum = 0;
  int children = 0, done = 0;
  for (const auto& e : m_entries)
    if (e.job == job.id && e.kind == LaunchKind::SweepChild) {
      sum += isTerminal(e.status) ? 1.0 : e.progress;
      done += isTerminal(e.status) ? 1 : 0;
      ++children;
    }
  const int total = std::max(root->sweep_runs, children);
  const double p = root->status == LaunchStatus::Finished ? 1.0 : total > 0 ? sum / total : 0.0;
  if (p != root->progress || done != root->sweep_done) {
    root->progress = p;
    root->sweep_done = done;
    markDirty(root->key);
  }
}

void RunLauncher::finishEntry(RunEntry& e, LaunchStatus status) {
  if (isTerminal(e.status)) return;
  e.status = status;
  if (e.ended_at.isNull()) e.ended_at = QDateTime::currentDateTime();
  e.queue_position = -1;
  e.eta_seconds = -1;
  if (status == LaunchStatus::Finished) e.progress = 1.0;
  markDirty(e.key);
  if (!e.run_id.isEmpty()) m_finished_pending.emplace_back(e.run_id, statusName(status));
}

void RunLauncher::onProcessError(Job& job) {
  if (!job.running) return;
  job.running = false;
  const QString why = job.process->errorString();
  appendLog(job, QStringLiteral("cannot start %1: %2").arg(m_cli, why));
  for (auto& e : m_entries)
    if (e.job == job.id && e.active()) {
      e.error = QStringLiteral("cannot start %1: %2").arg(QFileInfo(m_cli).fileName(), why);
      finishEntry(e, LaunchStatus::Error);
    }
  flushDirty();
  Q_EMIT jobFinished(job.id);
}

void RunLauncher::onProcessFinished(Job& job, int exit_code, bool crashed) {
  if (!job.running) return;
  // The last chunk, and a last line that had no newline.
  onOutput(job, false);
  onOutput(job, true);
  for (bool is_stderr : {false, true}) {
    QByteArray& buf = is_stderr ? job.err_buf : job.out_buf;
    if (!buf.isEmpty()) handleLine(job, QString::fromUtf8(buf), is_stderr);
    buf.clear();
  }
  job.running = false;
  const bool stopped = job.stop_timer.isValid();
  // "wb: message" lines, without the prefix: the CLI's own words for what went wrong.
  QStringList errors;
  for (const auto& l : job.stderr_lines)
    errors << (l.startsWith(QLatin1String("wb: ")) ? l.mid(4) : l);
  const QString stderr_text = errors.join(QLatin1Char('\n'));
  if (crashed)
    appendLog(job, stopped ? QStringLiteral("process stopped") : QStringLiteral("process crashed"));
  else
    appendLog(job, QStringLiteral("process exited with code %1").arg(exit_code));

  for (auto& e : m_entries) {
    if (e.job != job.id) continue;
    const bool own_process = e.key == job.root_key;
    if (own_process) {
      // A signal death has no exit code; a stopped one reads as the CLI's own "killed" code.
      e.exit_code = crashed ? (job.killed ? 128 + SIGKILL
                               : stopped  ? 128 + SIGTERM
                                          : -1)
                            : exit_code;
      if (!stderr_text.isEmpty() && e.status != LaunchStatus::Finished) e.error = stderr_text;
      markDirty(e.key);
    }
    if (!e.active()) continue;
    LaunchStatus status = LaunchStatus::Failed;
    if (stopped || e.stop_requested) {
      status = LaunchStatus::Killed;
    } else if (own_process && e.run_id.isEmpty()) {
      status = LaunchStatus::Error;
      if (e.error.isEmpty())
        e.error = crashed ? QStringLiteral("the process crashed")
                          : QStringLiteral("the process exited with code %1").arg(exit_code);
    } else if (own_process && !crashed && exit_code == 0) {
      status = LaunchStatus::Finished;
    } else if (!own_process && e.error.isEmpty()) {
      e.error = QStringLiteral("the sweep ended before this run finished");
    }
    finishEntry(e, status);
  }
  if (job.kind == LaunchKind::Sweep) updateSweepProgress(job);
  flushDirty();
  Q_EMIT jobFinished(job.id);
}

void RunLauncher::signalGroup(Job& job, int sig) {
  const qint64 pid = job.process ? job.process->processId() : 0;
  if (pid <= 0) return;
  // The group first (a sweep's children); its own pid if the group is not there.
  if (::kill(-static_cast<pid_t>(pid), sig) != 0) ::kill(static_cast<pid_t>(pid), sig);
}

void RunLauncher::stop(int id) {
  Job* job = findJob(id);
  if (!job || !job->running) return;
  if (job->stop_timer.isValid()) {
    if (job->stop_timer.elapsed() >= kForceKillAfterMs) kill(id);
    return;
  }
  job->stop_timer.start();
  for (auto& e : m_entries)
    if (e.job == id && e.active()) {
      e.stop_requested = true;
      markDirty(e.key);
    }
  appendLog(*job, QStringLiteral("stopping (the run saves a checkpoint first)…"));
  signalGroup(*job, SIGTERM);
  flushDirty();
}

void RunLauncher::kill(int id) {
  Job* job = findJob(id);
  if (!job || !job->running) return;
  if (!job->stop_timer.isValid()) job->stop_timer.start();
  for (auto& e : m_entries)
    if (e.job == id && e.active()) {
      e.stop_requested = true;
      markDirty(e.key);
    }
  job->killed = true;
  appendLog(*job, QStringLiteral("killing the process"));
  signalGroup(*job, SIGKILL);
  flushDirty();
}

qint64 RunLauncher::msSinceStop(int id) const {
  const Job* job = findJob(id);
  return job && job->running && job->stop_timer.isValid() ? job->stop_timer.elapsed() : -1;
}

void RunLauncher::stopAll() {
  for (int id : jobs()) stop(id);
}

void RunLauncher::clearFinished() {
  for (int row = entryCount() - 1; row >= 0; --row) {
    const Job* job = findJob(m_entries[static_cast<std::size_t>(row)].job);
    if (job && job->running) continue;
    m_entries.erase(m_entries.begin() + row);
    Q_EMIT entryRemoved(row);
  }
  for (auto it = m_jobs.begin(); it != m_jobs.end();) {
    if (it->second->running) {
      ++it;
      continue;
    }
    if (it->second->process) {
      it->second->process->disconnect(this);
      it->second->process->deleteLater();
    }
    it = m_jobs.erase(it);
  }
}

}  // namespace wb::ui
