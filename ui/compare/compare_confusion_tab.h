#pragma once

#include <map>
#include <optional>
#include <vector>

#include <QList>
#include <QSet>
#include <QStringList>
#include <QWidget>

#include "ui/common/confusion_matrix_widget.h"

class QCheckBox;
class QGridLayout;
class QLabel;
class QScrollArea;

namespace wb {
class Workspace;
}

namespace wb::ui {

class CompareRuns;

/// The Compare section's Confusion Matrices tab: each run's matrix side by side, wrapped to
/// the width. The artifacts are read (core: metrics::readConfusionArtifact) on a worker
/// thread; results come back to this tab only while it exists.
class CompareConfusionTab : public QWidget {
  Q_OBJECT
 public:
  explicit CompareConfusionTab(const CompareRuns* runs, QWidget* parent = nullptr);

  /// Forgets the matrices of runs no longer compared; returns the runs not read (nor being
  /// read) yet.
  QStringList keepOnly(const QStringList& run_ids);
  /// Reads these runs' artifacts from the workspace off the GUI thread.
  void load(const Workspace& workspace, const QStringList& run_ids);
  bool isLoading() const { return m_jobs > 0; }
  /// One widget per compared run, with its matrix or why there is none.
  void refreshLayout();

  ConfusionMatrixWidget* matrix(const QString& run_id) const;
  QList<ConfusionMatrixWidget*> matrices() const;
  QCheckBox* percentBox() const { return m_percent; }

 Q_SIGNALS:
  /// Confusion matrices (or their absence) are known for every run asked for.
  void loaded();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Result;

  void apply(const std::vector<Result>& results);
  void layoutMatrices();

  const CompareRuns* m_runs;
  std::map<QString, std::optional<ConfusionMatrix>> m_matrices;  // by run; nullopt = none
  std::map<QString, QString> m_errors;                           // by run: why none was read
  QSet<QString> m_loading;  // runs whose artifacts are being read
  int m_jobs = 0;

  QCheckBox* m_percent = nullptr;
  QLabel* m_note = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_host = nullptr;
  QGridLayout* m_layout = nullptr;
  int m_columns = 0;
  std::map<QString, ConfusionMatrixWidget*> m_widgets;  // by run
};

}  // namespace wb::ui
