#pragma once

#include <memory>

#include <QWidget>

#include "core/data/dataset.h"

class QTableView;
class QSplitter;

namespace wb::ui {

class DatasetColumnStatsModel;
class DatasetTableModel;

/// The Samples page of a table dataset: per-column statistics above a virtualised view of
/// every row (with its split).
class DatasetTableWidget : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetTableWidget(QWidget* parent = nullptr);

  void setManifest(std::shared_ptr<const data::Manifest> manifest);

  DatasetTableModel* model() const { return m_model; }
  DatasetColumnStatsModel* statsModel() const { return m_stats_model; }
  QTableView* view() const { return m_view; }
  QTableView* statsView() const { return m_stats; }

 private:
  DatasetColumnStatsModel* m_stats_model;
  DatasetTableModel* m_model;
  QSplitter* m_splitter;
  QTableView* m_stats;
  QTableView* m_view;
};

}  // namespace wb::ui
