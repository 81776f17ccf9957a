#pragma once

#include <optional>
#include <vector>

#include <QWidget>

#include "core/data/dataset_repository.h"
#include "core/data/versioning.h"
#include "core/workspace/workspace.h"

class QLabel;
class QTableWidget;
class QTreeWidget;

namespace wb::ui {

/// The History page of a dataset: its versions (version, created, parent, samples, message)
/// and what changed between two of them. Select two versions to compare them, or one to
/// compare it with its parent; the manifests are loaded and diffed off the GUI thread.
class DatasetHistoryWidget : public QWidget {
  Q_OBJECT
 public:
  /// Each diff list shows at most this many keys.
  static constexpr int kMaxListedKeys = 1000;

  explicit DatasetHistoryWidget(QWidget* parent = nullptr);

  /// The dataset's versions, oldest first, and the version shown elsewhere (selected here
  /// when it changes). Keeps the user's selection when neither changed.
  void setVersions(const Workspace& workspace, std::vector<data::DatasetVersion> versions,
                   int current_version = 0);
  /// Selects two versions (by number) and diffs them.
  void compare(int version_a, int version_b);

  QTableWidget* versionsView() const { return m_table; }
  QTreeWidget* diffView() const { return m_diff_view; }
  const std::optional<data::ManifestDiff>& lastDiff() const { return m_diff; }
  QString diffSummary() const;

 Q_SIGNALS:
  void diffReady(const QString& from_ref, const QString& to_ref);
  void diffFailed(const QString& message);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void selectVersions(const std::vector<int>& versions);
  void onSelectionChanged();
  void startDiff(const data::DatasetVersion& from, const data::DatasetVersion& to);
  void showDiff(const data::ManifestDiff& diff);

  Workspace m_workspace;
  std::vector<data::DatasetVersion> m_versions;  // oldest first
  std::optional<data::ManifestDiff> m_diff;
  int m_generation = 0;
  int m_current_version = 0;
  bool m_diff_pending = false;  // selection changed while hidden
  QTableWidget* m_table;
  QLabel* m_summary;
  QTreeWidget* m_diff_view;
};

}  // namespace wb::ui
