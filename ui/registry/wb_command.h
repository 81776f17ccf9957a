#pragma once

#include <QJsonObject>
#include <QObject>
#include <QStringList>

class QProcess;

namespace wb::ui {

/// One `wb -w ROOT --json …` child process (registering and exporting need LibTorch, which
/// lives in the CLI, not in the GUI process). Collects stdout's JSON lines and stderr; cancel()
/// terminates it (and kills it if it has not gone 3 s later).
class WbCommand : public QObject {
  Q_OBJECT
 public:
  struct Outcome {
    bool ok = false;
    bool cancelled = false;
    int exit_code = -1;
    QJsonObject result;         // all of stdout as one JSON object, else its last JSON line
    QList<QJsonObject> events;  // every JSON object line, in order
    QString error;              // stderr's text, or why the process did not run
  };

  WbCommand(QString cli_path, QString workspace_root, QObject* parent = nullptr);
  ~WbCommand() override;

  /// Starts `wb -w ROOT --json ARGS…`; false (and finished() later) when already running.
  bool start(const QStringList& args);
  void cancel();
  bool isRunning() const;
  QString commandLine() const { return m_command_line; }

 Q_SIGNALS:
  /// A JSON line arrived (progress events, when the command prints them).
  void event(const QJsonObject& event);
  void finished(const wb::ui::WbCommand::Outcome& outcome);

 private:
  void readStdout();
  void done(int exit_code, bool crashed);

  QString m_cli;
  QString m_root;
  QString m_command_line;
  QProcess* m_process = nullptr;
  QByteArray m_out_buf;
  QByteArray m_stdout;  // all of it: results are printed indented, over several lines
  QString m_stderr;
  Outcome m_outcome;
  bool m_cancelled = false;
};

}  // namespace wb::ui
