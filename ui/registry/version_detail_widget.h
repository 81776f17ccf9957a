#pragma once

#include <optional>

#include <QWidget>

#include "core/registry/registry.h"
#include "core/workspace/workspace.h"

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTableWidget;
class QTextBrowser;

namespace wb::ui {

/// One version in the Registry section: overview with lineage (the run and the dataset
/// version are links), signature, preprocessing, metrics, the bundle's model card (read off
/// the GUI thread) and the model's alias history (audit log).
class VersionDetailWidget : public QWidget {
  Q_OBJECT
 public:
  explicit VersionDetailWidget(const Workspace& workspace, QWidget* parent = nullptr);

  /// Shows a version, or the empty state. The same version again only refreshes what changed.
  void setVersion(const std::optional<registry::ModelVersion>& version);
  std::optional<registry::ModelVersion> version() const { return m_version; }
  /// Reloads the model's alias history (after an alias moved).
  void reloadHistory();

  QLabel* overviewLabel() const { return m_overview; }
  QTabWidget* tabs() const { return m_tabs; }
  QTextBrowser* modelCardView() const { return m_card; }
  QTableWidget* historyTable() const { return m_history; }
  QTableWidget* metricsTable() const { return m_metrics; }
  QPlainTextEdit* signatureView() const { return m_signature; }
  /// True once the model card of the shown version is on screen (or failed to load).
  bool isModelCardLoaded() const { return m_card_loaded; }
  bool isHistoryLoaded() const { return m_history_loaded; }

 Q_SIGNALS:
  void openRunRequested(const QString& run_id);
  void openDatasetRequested(const QString& ref);
  void modelCardLoaded();
  void historyLoaded();

 private:
  void fillOverview();
  void fillSignature();
  void fillMetrics();
  void loadModelCard();
  void onLink(const QString& link);

  Workspace m_workspace;
  std::optional<registry::ModelVersion> m_version;
  QString m_card_bundle;  // the bundle whose card is shown or loading
  bool m_card_loaded = false;
  bool m_history_loaded = false;
  int m_history_request = 0;

  QLabel* m_title = nullptr;
  QTabWidget* m_tabs = nullptr;
  QLabel* m_overview = nullptr;
  QPlainTextEdit* m_signature = nullptr;
  QPlainTextEdit* m_preprocessing = nullptr;
  QTableWidget* m_metrics = nullptr;
  QTextBrowser* m_card = nullptr;
  QTableWidget* m_history = nullptr;
};

}  // namespace wb::ui
