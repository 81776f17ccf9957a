#pragma once

#include <QDateTime>
#include <QMap>
#include <QObject>
#include <QStringList>

#include <map>
#include <memory>
#include <utility>
#include <vector>

class QJsonObject;

namespace wb::ui {

/// Where one queued run stands, as the GUI sees it.
enum class LaunchStatus {
  Unknown = 0,
  Starting,  // process launched, no event yet
  Queued,    // waiting for a slot of the workspace run queue
  Running,
  Finished,
  Failed,
  Killed,
  Error,  // the process failed to start, or exited before any run existed
};

enum class LaunchKind { Unknown = 0, Run, Sweep, SweepChild };

/// "running", "finished", … (the CLI's words; "starting" and "error" are the GUI's own).
QString statusName(LaunchStatus status);
bool isTerminal(LaunchStatus status);

/// One row of the run queue: a run (or a sweep's parent run) fed by the CLI's JSON events.
struct RunEntry {
  int key = -1;  // stable across row moves; rows shift when sweep children are inserted
  int job = -1;
  LaunchKind kind = LaunchKind::Unknown;
  QString run_id;         // empty until the CLI reports it
  QString parent_run_id;  // a sweep child's sweep
  QString name;           // empty until the CLI reports it
  QString config;         // as given to launchRun/launchSweep
  QStringList overrides;
  LaunchStatus status = LaunchStatus::Unknown;
  bool stop_requested = false;
  int queue_position = -1;  // 0 = next; -1 = not queued
  int queue_limit = 0;
  int epoch = 0;  // completed epochs
  int epochs = 0;
  int current_epoch = 0;  // 1-based epoch of the last step event
  qint64 step = 0;
  qint64 batch = 0;  // within current_epoch
  qint64 batches = 0;
  double step_loss = -1;    // < 0 = none yet
  double eta_seconds = -1;  // < 0 = unknown; as of eta_at
  QDateTime eta_at;
  QMap<QString, double> metrics;  // the last epoch event's (or the finished event's)
  qint64 parameters = 0;
  QString dataset;
  QString device;
  QDateTime launched_at, started_at, ended_at;
  int exit_code = -1;  // the job's process exit code; -1 until it exits (or not its own process)
  QString error;       // stderr's "wb: …" lines, or why the process ended without a run
  QString message;     // the finished event's message ("stopped at epoch 3, …")
  // A sweep parent only:
  int sweep_runs = 0;
  int sweep_done = 0;     // children that ended
  int sweep_failed = -1;  // -1 until sweep_finished
  QString sweep_best;

  /// 0..1: completed epochs plus the batches of the current epoch (sweeps: over their children).
  double progress = 0;
  bool active() const { return !isTerminal(status); }
};

/// Launches `wb train` and `wb sweep` as child processes of the real CLI, reads their JSON
/// event lines and keeps one RunEntry per run (a sweep: its parent run plus one per child).
/// Entries are rows in launch order, a sweep's children right under their parent.
/// Stop sends SIGTERM (the run checkpoints and exits 143); a second Stop 5 s later kills.
class RunLauncher : public QObject {
  Q_OBJECT
 public:
  static constexpr int kMaxLogLines = 5000;
  static constexpr int kForceKillAfterMs = 5000;

  RunLauncher(QString cli_path, QString workspace_root, QObject* parent = nullptr);
  /// Terminates running jobs and waits up to ~3 s, then kills: no orphan runs.
  ~RunLauncher() override;

  QString cliPath() const { return m_cli; }
  QString workspaceRoot() const { return m_root; }

  /// Each returns a job id (> 0); the job's first entry is added at once (status starting).
  int launchRun(const QString& config_path, const QStringList& overrides = {},
                const QString& name = {});
  int launchSweep(const QString& config_path, const QStringList& overrides = {}, int parallel = 1);

  /// SIGTERM to the job's process group; a repeat at least 5 s later kills instead.
  void stop(int job);
  void kill(int job);
  /// Milliseconds since Stop was asked for a running job; -1 if it was not.
  qint64 msSinceStop(int job) const;
  void stopAll();
  bool hasActiveJobs() const;
  bool isJobActive(int job) const;
  /// Removes the entries and logs of jobs whose process has exited.
  void clearFinished();

  int entryCount() const { return static_cast<int>(m_entries.size()); }
  const RunEntry& entry(int row) const { return m_entries.at(static_cast<std::size_t>(row)); }
  const std::vector<RunEntry>& entries() const { return m_entries; }
  int rowOfRun(const QString& run_id) const;
  int rowOfKey(int key) const;
  /// The job's first entry (the run, or the sweep's parent); -1 if none.
  int rootRowOfJob(int job) const;
  QList<int> jobs() const;

  /// The job's output: readable lines for the CLI's events, other stdout and stderr verbatim.
  QStringList log(int job) const;
  QString commandLine(int job) const;
  /// The job's process id while it runs; 0 otherwise.
  qint64 processId(int job) const;

 Q_SIGNALS:
  void entryAdded(int row);
  void entryChanged(int row);
  void entryRemoved(int row);
  void logAppended(int job, const QString& line);
  void runFinished(const QString& run_id, const QString& status);
  /// Every JSON event a launched process printed, as parsed (for live charts).
  void eventReceived(const QJsonObject& event);
  /// The job's process exited; its entries are final (exit codes set).
  void jobFinished(int job);

 private:
  struct Job;

  int startJob(LaunchKind kind, const QString& config, const QStringList& overrides,
               const QStringList& args, const QString& name);
  Job* findJob(int id) const;
  RunEntry* entryByKey(int key);
  int addEntry(RunEntry entry, int row);
  void onOutput(Job& job, bool is_stderr);
  void handleLine(Job& job, const QString& line, bool is_stderr);
  void handleEvent(Job& job, const QJsonObject& event, const QString& raw);
  RunEntry* entryForEvent(Job& job, const QJsonObject& event);
  void updateSweepProgress(Job& job);
  void onProcessError(Job& job);
  void onProcessFinished(Job& job, int exit_code, bool crashed);
  void finishEntry(RunEntry& e, LaunchStatus status);
  void appendLog(Job& job, const QString& line);
  void markDirty(int key) { m_dirty.push_back(key); }
  void flushDirty();
  void signalGroup(Job& job, int signal);

  QString m_cli;
  QString m_root;
  int m_next_job = 1;
  int m_next_key = 1;
  std::vector<RunEntry> m_entries;
  std::map<int, std::unique_ptr<Job>> m_jobs;
  std::vector<int> m_dirty;  // entry keys changed since the last flush
  std::vector<std::pair<QString, QString>> m_finished_pending;  // run id, status; sent on flush
};

}  // namespace wb::ui
