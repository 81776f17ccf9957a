#pragma once

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>
#include <optional>

#include "core/common/result.h"
#include "core/objects/gc.h"
#include "core/workspace/workspace.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace wb::ui {

/// File ▸ Clean Up Workspace…: computes what `wb gc` would free off the GUI thread, shows it,
/// and removes it on confirm with progress (cancellable). All work runs in core
/// (objects::collectGarbage); the dialog only presents it.
class GcDialog : public QDialog {
  Q_OBJECT
 public:
  explicit GcDialog(Workspace workspace, QWidget* parent = nullptr);
  ~GcDialog() override;

  QPushButton* cleanButton() const { return m_clean; }
  QLabel* summaryLabel() const { return m_summary; }
  QProgressBar* progressBar() const { return m_progress; }
  /// The preview (dry run), once computed.
  const std::optional<objects::GcReport>& preview() const { return m_preview; }
  /// The clean-up's result, once done.
  const std::optional<objects::GcReport>& result() const { return m_result; }

 Q_SIGNALS:
  void previewReady();
  void cleanupFinished();

 private:
  // Shared with the worker, which never touches the dialog (it may be gone first).
  struct Shared {
    std::atomic<std::size_t> done{0}, total{0};
    std::atomic<bool> cancel{false};
    std::optional<Result<objects::GcReport>> outcome;  // written before the future finishes
  };
  void startPreview();
  void startCleanup();
  void run(objects::GcMode mode);
  void finished();
  void showPreview(const Result<objects::GcReport>& r);
  void showResult(const Result<objects::GcReport>& r);
  void pollProgress();

  Workspace m_workspace;
  std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
  QFutureWatcher<void>* m_watcher = nullptr;
  QLabel* m_summary = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_clean = nullptr;
  QPushButton* m_close = nullptr;
  QTimer* m_poll = nullptr;
  std::optional<objects::GcReport> m_preview, m_result;
  bool m_cleaning = false;
};

}  // namespace wb::ui
