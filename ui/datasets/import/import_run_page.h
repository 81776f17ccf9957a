#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <QElapsedTimer>
#include <QWizardPage>

#include "core/data/importer.h"
#include "core/workspace/workspace.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace wb::ui {

class DatasetProblemsModel;

/// Import wizard, page 3: runs importDataset on a worker thread with a progress bar (phase,
/// done/total, bytes) and a Cancel button, then shows the result and the problems list.
class ImportRunPage : public QWizardPage {
  Q_OBJECT
 public:
  enum class State { Unknown = 0, Running, Succeeded, Failed, Cancelled };

  explicit ImportRunPage(QWidget* parent = nullptr);
  ~ImportRunPage() override;

  /// Starts importing (the wizard calls this when the page is entered).
  void start(const Workspace& workspace, const data::ImportOptions& options);
  /// Asks the running import to stop; it reports Cancelled when it has.
  void cancel();

  State state() const { return m_state; }
  bool isRunning() const { return m_state == State::Running; }
  const std::optional<data::ImportResult>& result() const { return m_result; }
  QString errorText() const { return m_error; }

  QProgressBar* progressBar() const { return m_progress; }
  QPushButton* cancelButton() const { return m_cancel; }
  QTableView* problemsView() const { return m_problems_view; }
  DatasetProblemsModel* problemsModel() const { return m_problems; }
  QLabel* resultLabel() const { return m_result_label; }

  bool isComplete() const override;
  void cleanupPage() override;

 Q_SIGNALS:
  /// The import ended; ref is the new (or unchanged) version on success.
  void finished(bool ok, const QString& ref);

 private:
  /// Shared with the worker: it writes progress here, the page polls it.
  struct Shared {
    std::mutex mutex;
    std::string phase;              // guarded by mutex
    data::ImportProgress progress;  // guarded by mutex; phase points into `phase`
    bool fresh = false;             // guarded by mutex
    std::atomic<bool> cancel{false};
  };
  struct Outcome {
    std::optional<data::ImportResult> result;
    QString error;
    bool cancelled = false;
  };

  void pollProgress();
  void onFinished(Outcome outcome);

  State m_state = State::Unknown;
  int m_generation = 0;
  std::shared_ptr<Shared> m_shared;
  std::optional<data::ImportResult> m_result;
  QString m_error;
  QElapsedTimer m_clock;

  QLabel* m_phase;
  QProgressBar* m_progress;
  QLabel* m_detail;
  QPushButton* m_cancel;
  QLabel* m_result_label;
  QLabel* m_problems_label;
  QTableView* m_problems_view;
  DatasetProblemsModel* m_problems;
  QTimer* m_poll;
};

}  // namespace wb::ui
