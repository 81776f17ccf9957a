#include "ui/charts/chart_exporter.h"

#include <cmath>
#include <string>

#include <QSaveFile>
#include <QSvgGenerator>

#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "ui/charts/metric_series_store.h"
#include "ui/common/qcp.h"

namespace wb::ui {

namespace {

void appendNumber(QByteArray& out, double v) {
  const std::string text = wb::formatDouble(v);  // shortest text that reads back exactly
  out.append(text.data(), static_cast<qsizetype>(text.size()));
}

}  // namespace

QString ChartExporter::writeImage(QCustomPlot* plot, const QString& path, ChartExportFormat format,
                                  int width_px, int height_px, const QString& title) {
  bool ok = false;
  switch (format) {
    case ChartExportFormat::Png:
      ok = plot->savePng(path, width_px, height_px);
      break;
    case ChartExportFormat::Pdf:
      ok = plot->savePdf(path, width_px, height_px);
      break;
    case ChartExportFormat::Svg: {
      QSvgGenerator svg;
      svg.setFileName(path);
      svg.setSize(QSize(width_px, height_px));
      svg.setViewBox(QRect(0, 0, width_px, height_px));
      svg.setTitle(title);
      QCPPainter painter;
      ok = painter.begin(&svg);
      if (ok) {
        plot->toPainter(&painter, width_px, height_px);
        painter.end();
      }
      break;
    }
    default:
      break;
  }
  return ok ? QString() : tr("Could not write %1").arg(path);
}

QString ChartExporter::writeCsv(const MetricSeriesStore& store, const QString& key,
                                const QStringList& run_ids, const QHash<QString, QString>& labels,
                                const QString& path) {
  for (const auto& run_id : run_ids)
    if (!store.databasePath().isEmpty() && !store.isLoaded(run_id, key) &&
        store.keys(run_id).contains(key))
      return tr("The data of %1 is still loading; try again in a moment.")
          .arg(labels.value(run_id, run_id));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return file.errorString();
  QByteArray out = "run,step,value,epoch,wall_time\n";
  for (const auto& run_id : run_ids) {
    const MetricSeries* s = store.series(run_id, key);
    if (!s) continue;
    const QByteArray run = QByteArray::fromStdString(wb::csvField(run_id.toStdString()));
    for (std::size_t i = 0; i < s->size(); ++i) {
      out += run;
      out += ',';
      out += QByteArray::number(static_cast<qlonglong>(s->steps[i]));
      out += ',';
      appendNumber(out, s->values[i]);
      out += ',';
      if (!s->epochs.empty() && !std::isnan(s->epochs[i])) appendNumber(out, s->epochs[i]);
      out += ',';
      appendNumber(out, s->wall_times[i]);
      out += '\n';
      if (out.size() > (1 << 20)) {
        file.write(out);
        out.clear();
      }
    }
  }
  file.write(out);
  if (!file.commit()) return file.errorString();
  return {};
}

}  // namespace wb::ui
