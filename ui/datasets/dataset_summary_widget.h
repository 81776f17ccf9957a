#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QWidget>

#include "ui/datasets/dataset_snapshot.h"

class QCPTextElement;
class QCustomPlot;
class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTableWidget;

namespace wb::ui {

class DatasetColumnStatsModel;

/// The Summary page of a dataset version: a header (ref, kind, task, storage, samples, size,
/// created, message, source, problems, images' dominant shape with a link to the samples of
/// another shape), samples per class and split as stacked bars, and by
/// kind an image size histogram, a text length histogram or the column statistics.
class DatasetSummaryWidget : public QWidget {
  Q_OBJECT
 public:
  /// Classes beyond this many (by sample count) are left out of the bar chart.
  static constexpr int kMaxChartClasses = 60;

  explicit DatasetSummaryWidget(QWidget* parent = nullptr);

  /// Shows the header at once (the charts wait for setLoaded); nullptr = empty state.
  void setVersion(const data::DatasetVersion* version);
  void setLoaded(LoadedVersionPtr loaded);
  void setLoadError(const QString& message);

  QString headerText() const;
  /// The bars on the class chart: class → samples per split (train, val, test, unassigned).
  const std::vector<std::pair<std::string, std::array<std::size_t, 4>>>& chartedClasses() const {
    return m_charted;
  }
  QCustomPlot* classPlot() const { return m_class_plot; }
  QCustomPlot* detailPlot() const { return m_detail_plot; }
  DatasetColumnStatsModel* columnStatsModel() const { return m_stats_model; }
  /// Images of another size or channel count than the dominant one (sample, why); shown by
  /// the header's "… of another size/channels" link.
  QTableWidget* oddShapesTable() const { return m_odd_shapes; }
  void setOddShapesVisible(bool visible);

 Q_SIGNALS:
  /// The header's problem count was clicked.
  void problemsRequested();

 private:
  void plotClasses(const LoadedVersion& loaded);
  void plotTargetHistogram(const LoadedVersion& loaded);
  void plotImageSizes(const LoadedVersion& loaded);
  void plotTextLengths(const LoadedVersion& loaded);
  void clearPlots(const QString& message);
  QString shapeFacts(const data::DatasetVersion& version) const;
  void fillOddShapes(const std::vector<data::ImportProblem>& warnings);

  std::optional<data::DatasetVersion> m_version;
  std::vector<std::pair<std::string, std::array<std::size_t, 4>>> m_charted;
  QLabel* m_title;
  QLabel* m_facts;
  QLabel* m_note;
  QTableWidget* m_odd_shapes;
  bool m_show_odd_shapes = false;  // asked for by the link; shown once there are rows
  QSplitter* m_splitter;
  QCustomPlot* m_class_plot;
  QCPTextElement* m_class_title;
  QCPTextElement* m_detail_title;
  QStackedWidget* m_detail_stack;
  QCustomPlot* m_detail_plot;
  QWidget* m_stats_page;
  QLabel* m_stats_caption;
  QTableView* m_stats_view;
  DatasetColumnStatsModel* m_stats_model;
};

}  // namespace wb::ui
