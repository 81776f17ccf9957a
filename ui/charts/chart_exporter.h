#pragma once

#include <QCoreApplication>
#include <QHash>
#include <QString>
#include <QStringList>

class QCustomPlot;

namespace wb::ui {

class MetricSeriesStore;

enum class ChartExportFormat { Unknown = 0, Png, Pdf, Svg, Csv };

/// Writes a chart panel to a file: the plot as drawn (PNG, PDF, vector SVG), or the stored
/// points of its runs as CSV. Every function returns an error message, empty on success.
class ChartExporter {
  Q_DECLARE_TR_FUNCTIONS(ChartExporter)

 public:
  /// Renders plot at width_px × height_px (Png, Pdf or Svg; SVG keeps the curves as vectors).
  static QString writeImage(QCustomPlot* plot, const QString& path, ChartExportFormat format,
                            int width_px, int height_px, const QString& title);
  /// Every stored point of key for these runs (not the downsampled ones), as
  /// run,step,value,epoch,wall_time. Refuses while a run's series is still loading, so a file
  /// never silently lacks points. labels name runs in the error message.
  static QString writeCsv(const MetricSeriesStore& store, const QString& key,
                          const QStringList& run_ids, const QHash<QString, QString>& labels,
                          const QString& path);
};

}  // namespace wb::ui
