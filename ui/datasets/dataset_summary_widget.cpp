#include "ui/datasets/dataset_summary_widget.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextDocument>
#include <QVBoxLayout>

#include "ui/common/qcp.h"

#include "ui/datasets/dataset_column_stats_model.h"
#include "ui/datasets/dataset_tree_model.h"

namespace wb::ui {

namespace {

const QColor kSplitColors[4] = {QColor(0x1e, 0x6f, 0xd9), QColor(0xf2, 0x9c, 0x1f),
                                QColor(0x2c, 0xa2, 0x5f), QColor(0x9e, 0x9e, 0x9e)};

QString splitName(int split) {
  return QString::fromUtf8(data::toString(static_cast<data::Split>(split)).data());
}

QCPTextElement* setUpPlot(QCustomPlot* plot) {
  plot->setMinimumHeight(180);
  plot->plotLayout()->insertRow(0);
  QFont title_font = plot->font();
  title_font.setBold(true);
  auto* title = new QCPTextElement(plot, QString(), title_font);
  plot->plotLayout()->addElement(0, 0, title);
  plot->legend->setVisible(false);
  plot->legend->setBrush(QColor(255, 255, 255, 230));
  plot->legend->setBorderPen(QPen(QColor(0xc8, 0xc8, 0xc8)));
  // One row (■ train ■ val ■ test) in the corner: short enough to stay above the bars.
  plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot->legend->setWrap(0);
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  plot->xAxis->grid()->setVisible(false);
  plot->yAxis->setLabel(DatasetSummaryWidget::tr("samples"));
  return title;
}

void clearPlot(QCustomPlot* plot, QCPTextElement* title, const QString& text) {
  plot->clearPlottables();
  plot->legend->setVisible(false);
  plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  plot->xAxis->setTickLabelRotation(0);
  plot->xAxis->setLabel(QString());
  title->setText(text);
  plot->replot();
}

struct Histogram {
  double lo = 0, width = 1;
  std::vector<std::array<double, 4>> bins;  // per split
};

// Equal-width bins over [min, max] of finite values, counted per split.
Histogram histogram(const std::vector<double>& values, const std::vector<data::Sample>& samples,
                    int bin_count) {
  Histogram h;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) return h;
  if (hi <= lo) hi = lo + 1;
  h.lo = lo;
  h.width = (hi - lo) / bin_count;
  h.bins.assign(static_cast<std::size_t>(bin_count), {0, 0, 0, 0});
  for (std::size_t i = 0; i < values.size() && i < samples.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    const int b = std::clamp(static_cast<int>((values[i] - lo) / h.width), 0, bin_count - 1);
    h.bins[static_cast<std::size_t>(b)][static_cast<std::size_t>(samples[i].split) & 3] += 1;
  }
  return h;
}

// Stacked bars (one series per split that has samples) at the given keys.
void plotStacked(QCustomPlot* plot, const QVector<double>& keys,
                 const std::vector<std::array<double, 4>>& values, double width) {
  QCPBars* below = nullptr;
  double top = 0;
  std::vector<double> totals(values.size(), 0);
  for (int split = 0; split < 4; ++split) {
    QVector<double> ys;
    bool any = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      ys.push_back(values[i][static_cast<std::size_t>(split)]);
      totals[i] += ys.back();
      any = any || ys.back() > 0;
    }
    if (!any) continue;
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName(splitName(split));
    bars->setPen(Qt::NoPen);
    bars->setBrush(kSplitColors[split]);
    bars->setWidth(width);
    bars->setStackingGap(0);
    bars->setData(keys, ys, true);
    if (below) bars->moveAbove(below);
    below = bars;
  }
  for (double t : totals) top = std::max(top, t);
  plot->yAxis->setRange(0, std::max(1.0, top * 1.3));  // headroom for the legend
  plot->legend->setVisible(plot->plottableCount() > 1);
}

}  // namespace

DatasetSummaryWidget::DatasetSummaryWidget(QWidget* parent)
    : QWidget(parent),
      m_title(new QLabel(this)),
      m_facts(new QLabel(this)),
      m_note(new QLabel(this)),
      m_odd_shapes(new QTableWidget(0, 2, this)),
      m_splitter(new QSplitter(Qt::Vertical, this)),
      m_class_plot(new QCustomPlot(m_splitter)),
      m_detail_stack(new QStackedWidget(m_splitter)),
      m_detail_plot(new QCustomPlot(m_detail_stack)),
      m_stats_page(new QWidget(m_detail_stack)),
      m_stats_caption(new QLabel(m_stats_page)),
      m_stats_view(new QTableView(m_stats_page)),
      m_stats_model(new DatasetColumnStatsModel(this)) {
  setObjectName(QStringLiteral("datasetSummary"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.3);
  f.setBold(true);
  m_title->setFont(f);
  m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_facts->setObjectName(QStringLiteral("summaryFacts"));
  m_facts->setTextFormat(Qt::RichText);
  m_facts->setWordWrap(true);
  m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse |
                                   Qt::LinksAccessibleByKeyboard);
  connect(m_facts, &QLabel::linkActivated, this, [this](const QString& link) {
    if (link == QStringLiteral("#problems")) Q_EMIT problemsRequested();
    if (link == QStringLiteral("#odd-shapes")) setOddShapesVisible(!m_show_odd_shapes);
  });
  m_note->setWordWrap(true);
  m_note->setVisible(false);
  layout->addWidget(m_title);
  layout->addWidget(m_facts);
  layout->addWidget(m_note);
  m_odd_shapes->setObjectName(QStringLiteral("oddShapes"));
  m_odd_shapes->setHorizontalHeaderLabels({tr("Sample"), tr("Shape")});
  m_odd_shapes->verticalHeader()->hide();
  m_odd_shapes->horizontalHeader()->setStretchLastSection(true);
  m_odd_shapes->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_odd_shapes->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_odd_shapes->setMaximumHeight(140);
  m_odd_shapes->setVisible(false);
  layout->addWidget(m_odd_shapes);
  layout->addWidget(m_splitter, 1);

  m_class_title = setUpPlot(m_class_plot);
  m_detail_title = setUpPlot(m_detail_plot);
  m_class_plot->setObjectName(QStringLiteral("classChart"));
  m_detail_plot->setObjectName(QStringLiteral("detailChart"));

  auto* stats_layout = new QVBoxLayout(m_stats_page);
  stats_layout->setContentsMargins(0, 0, 0, 0);
  QFont bold = m_stats_caption->font();
  bold.setBold(true);
  m_stats_caption->setFont(bold);
  m_stats_caption->setText(tr("Columns"));
  m_stats_view->setObjectName(QStringLiteral("summaryColumnStats"));
  m_stats_view->setModel(m_stats_model);
  m_stats_view->verticalHeader()->hide();
  m_stats_view->setAlternatingRowColors(true);
  m_stats_view->setWordWrap(false);
  m_stats_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_stats_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_stats_view->horizontalHeader()->setStretchLastSection(true);
  stats_layout->addWidget(m_stats_caption);
  stats_layout->addWidget(m_stats_view, 1);
  m_detail_stack->addWidget(m_detail_plot);
  m_detail_stack->addWidget(m_stats_page);

  m_splitter->addWidget(m_class_plot);
  m_splitter->addWidget(m_detail_stack);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setSizes({600, 400});
  m_splitter->setChildrenCollapsible(false);
  setVersion(nullptr);
}

QString DatasetSummaryWidget::headerText() const {
  QTextDocument doc;
  doc.setHtml(m_facts->text());
  return m_title->text() + QLatin1Char('\n') + doc.toPlainText();
}

void DatasetSummaryWidget::setVersion(const data::DatasetVersion* version) {
  m_charted.clear();
  m_stats_model->setColumns({}, {});
  m_note->setVisible(false);
  fillOddShapes({});
  setOddShapesVisible(false);
  if (!version) {
    m_version.reset();
    m_title->setText(tr("No dataset selected"));
    m_facts->setText(
        tr("Import a dataset (File ▸ Import Dataset…, Ctrl+I) or pick one on the left."));
    clearPlots(QString());
    return;
  }
  m_version = *version;
  const auto& v = *version;
  const QLocale locale;
  m_title->setText(QString::fromStdString(v.ref()));
  const QString storage =
      v.storage == data::Storage::InPlace ? tr("tracked in place") : tr("stored in the workspace");
  QString facts = tr("%1 · %2").arg(QString::fromUtf8(data::toString(v.kind).data()), storage);
  facts += QStringLiteral(" · <span id=task>%1</span>").arg(QStringLiteral("…"));
  facts +=
      QStringLiteral("<br>") + tr("<b>%1</b> samples · %2 · created %3")
                                   .arg(locale.toString(static_cast<qlonglong>(v.sample_count)),
                                        formatBytes(v.total_bytes), formatTime(v.created_at));
  if (v.parent_version) facts += tr(" · from @%1").arg(*v.parent_version);
  facts += QStringLiteral(" · ") +
           (v.problem_count > 0
                ? (v.problem_count == 1
                       ? tr("<a href=\"#problems\">1 problem</a>")
                       : tr("<a href=\"#problems\">%1 problems</a>")
                             .arg(locale.toString(static_cast<qlonglong>(v.problem_count))))
                : tr("no problems"));
  facts += shapeFacts(v);
  if (!v.message.empty())
    facts += QStringLiteral("<br>") +
             tr("Message: %1").arg(QString::fromStdString(v.message).toHtmlEscaped());
  if (!v.source.empty())
    facts += QStringLiteral("<br>") +
             tr("Source: %1").arg(QString::fromStdString(v.source).toHtmlEscaped());
  m_facts->setText(facts);
  clearPlots(tr("Loading the manifest…"));
}

// Images: "Dominant 28×28 gray · 1 sample of another size/channels" (a link), from the
// version's stats, so it shows before the manifest is loaded.
QString DatasetSummaryWidget::shapeFacts(const data::DatasetVersion& v) const {
  const auto stats = nlohmann::json::parse(v.stats_json, nullptr, false);
  if (!stats.is_object() || !stats.contains("dominant_shape")) return {};
  const auto& d = stats["dominant_shape"];
  const int w = d.value("width", 0), h = d.value("height", 0), c = d.value("channels", 0);
  const QString shape = c == 1   ? tr("%1×%2 gray").arg(w).arg(h)
                        : c == 3 ? tr("%1×%2 RGB").arg(w).arg(h)
                                 : tr("%1×%2, %3 channels").arg(w).arg(h).arg(c);
  const auto odd = stats.value("shape_warnings", std::size_t{0});
  QString text = QStringLiteral("<br>") + tr("Dominant %1").arg(shape) + QStringLiteral(" · ");
  if (odd == 0) return text + tr("every image has this shape");
  return text + QStringLiteral("<a href=\"#odd-shapes\">%1</a>")
                    .arg(odd == 1 ? tr("1 sample of another size/channels")
                                  : tr("%1 samples of another size/channels")
                                        .arg(QLocale().toString(static_cast<qulonglong>(odd))));
}

void DatasetSummaryWidget::fillOddShapes(const std::vector<data::ImportProblem>& warnings) {
  m_odd_shapes->setRowCount(static_cast<int>(warnings.size()));
  for (int r = 0; r < static_cast<int>(warnings.size()); ++r) {
    const auto& w = warnings[static_cast<std::size_t>(r)];
    m_odd_shapes->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(w.path)));
    m_odd_shapes->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(w.reason)));
  }
  m_odd_shapes->resizeColumnToContents(0);
  m_odd_shapes->setVisible(m_show_odd_shapes && !warnings.empty());
}

void DatasetSummaryWidget::setOddShapesVisible(bool visible) {
  m_show_odd_shapes = visible;
  m_odd_shapes->setVisible(visible && m_odd_shapes->rowCount() > 0);
}

void DatasetSummaryWidget::setLoadError(const QString& message) {
  m_note->setText(tr("<b>Cannot load this version:</b> %1").arg(message.toHtmlEscaped()));
  m_note->setVisible(true);
  clearPlots(QString());
}

void DatasetSummaryWidget::clearPlots(const QString& message) {
  clearPlot(m_class_plot, m_class_title, message);
  clearPlot(m_detail_plot, m_detail_title, QString());
  m_detail_stack->setCurrentWidget(m_detail_plot);
}

void DatasetSummaryWidget::setLoaded(LoadedVersionPtr loaded) {
  if (!loaded) return;
  const auto& m = loaded->manifest;
  // The task is only in the manifest: fill it in now.
  QString facts = m_facts->text();
  facts.replace(QStringLiteral("<span id=task>…</span>"),
                QString::fromUtf8(data::toString(m.task).data()));
  m_facts->setText(facts);
  fillOddShapes(loaded->stats.shape_warnings);

  if (m.task == data::Task::Regression)
    plotTargetHistogram(*loaded);
  else
    plotClasses(*loaded);

  switch (m.kind) {
    case data::DatasetKind::Images:
      m_detail_stack->setCurrentWidget(m_detail_plot);
      plotImageSizes(*loaded);
      break;
    case data::DatasetKind::Text:
      m_detail_stack->setCurrentWidget(m_detail_plot);
      plotTextLengths(*loaded);
      break;
    case data::DatasetKind::Tabular:
    case data::DatasetKind::Unknown:
      m_stats_model->setColumns(m.columns, m.target_column, m.text_columns);
      m_stats_caption->setText(tr("Columns (%1) · target: %2")
                                   .arg(m.columns.size())
                                   .arg(QString::fromStdString(m.target_column)));
      m_stats_view->resizeColumnsToContents();
      for (int c = 0; c < m_stats_model->columnCount(); ++c)
        m_stats_view->setColumnWidth(c, std::min(m_stats_view->columnWidth(c), 260));
      m_detail_stack->setCurrentWidget(m_stats_page);
      break;
  }
}

void DatasetSummaryWidget::plotClasses(const LoadedVersion& loaded) {
  auto* plot = m_class_plot;
  plot->clearPlottables();
  m_charted.assign(loaded.stats.class_split_counts.begin(), loaded.stats.class_split_counts.end());
  const std::size_t all_classes = m_charted.size();
  if (m_charted.size() > static_cast<std::size_t>(kMaxChartClasses)) {
    // Keep the largest classes, shown in name order.
    auto total = [](const auto& e) {
      return e.second[0] + e.second[1] + e.second[2] + e.second[3];
    };
    std::stable_sort(m_charted.begin(), m_charted.end(),
                     [&](const auto& a, const auto& b) { return total(a) > total(b); });
    m_charted.resize(static_cast<std::size_t>(kMaxChartClasses));
    std::sort(m_charted.begin(), m_charted.end());
  }
  QVector<double> keys;
  QVector<QString> labels;
  std::vector<std::array<double, 4>> values;
  for (std::size_t i = 0; i < m_charted.size(); ++i) {
    keys.push_back(static_cast<double>(i + 1));
    QString label = QString::fromStdString(m_charted[i].first);
    if (label.size() > 18) label = label.left(17) + QChar(0x2026);
    labels.push_back(label.isEmpty() ? tr("(none)") : label);
    const auto& c = m_charted[i].second;
    values.push_back({double(c[0]), double(c[1]), double(c[2]), double(c[3])});
  }
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  ticker->addTicks(keys, labels);
  plot->xAxis->setTicker(ticker);
  plot->xAxis->setTickLabelRotation(m_charted.size() > 10 ? 60 : 0);
  plot->xAxis->setLabel(QString());
  plotStacked(plot, keys, values, 0.7);
  // At least eight slots wide, centred: two classes are two bars, not two walls.
  const double n = static_cast<double>(m_charted.size()), half = std::max(n, 8.0) / 2;
  plot->xAxis->setRange((n + 1) / 2 - half, (n + 1) / 2 + half);
  m_class_title->setText(
      all_classes > m_charted.size() ? tr("Samples per class and split (largest %1 of %2 classes)")
                                           .arg(m_charted.size())
                                           .arg(all_classes)
      : all_classes == 1 ? tr("Samples per class and split (1 class)")
                         : tr("Samples per class and split (%1 classes)").arg(all_classes));
  plot->replot();
}

void DatasetSummaryWidget::plotTargetHistogram(const LoadedVersion& loaded) {
  auto* plot = m_class_plot;
  plot->clearPlottables();
  m_charted.clear();
  constexpr int kBins = 30;
  const Histogram h = histogram(loaded.targets, loaded.manifest.samples, kBins);
  QVector<double> keys;
  for (int i = 0; i < static_cast<int>(h.bins.size()); ++i)
    keys.push_back(h.lo + (i + 0.5) * h.width);
  plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  plot->xAxis->setTickLabelRotation(0);
  plot->xAxis->setLabel(QString::fromStdString(loaded.manifest.target_column));
  plotStacked(plot, keys, h.bins, h.width * 0.92);
  plot->xAxis->setRange(h.lo, h.lo + h.width * kBins);
  m_class_title->setText(tr("Target distribution per split (regression)"));
  plot->replot();
}

void DatasetSummaryWidget::plotImageSizes(const LoadedVersion& loaded) {
  auto* plot = m_detail_plot;
  plot->clearPlottables();
  const auto& sizes = loaded.stats.image_sizes;
  auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
  bars->setName(tr("images"));
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(0x5b, 0x6b, 0x7f));
  QVector<double> keys, counts;
  double top = 1;
  constexpr std::size_t kMaxSizeBars = 20;
  if (sizes.size() <= kMaxSizeBars) {
    // Few distinct sizes: one bar each, most common first.
    std::vector<std::pair<std::pair<int, int>, std::size_t>> list(sizes.begin(), sizes.end());
    std::stable_sort(list.begin(), list.end(),
                     [](auto& a, auto& b) { return a.second > b.second; });
    QVector<QString> labels;
    for (std::size_t i = 0; i < list.size(); ++i) {
      keys.push_back(static_cast<double>(i + 1));
      counts.push_back(static_cast<double>(list[i].second));
      labels.push_back(QStringLiteral("%1×%2").arg(list[i].first.first).arg(list[i].first.second));
      top = std::max(top, counts.back());
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTicks(keys, labels);
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setLabel(tr("width × height (px)"));
    plot->xAxis->setTickLabelRotation(list.size() > 8 ? 45 : 0);
    bars->setWidth(0.6);
    // At least eight slots wide, centred: one size is a bar, not a wall.
    const double n = static_cast<double>(list.size()), half = std::max(n, 8.0) / 2;
    plot->xAxis->setRange((n + 1) / 2 - half, (n + 1) / 2 + half);
  } else {
    // Many sizes: a histogram of the geometric mean side, √(w·h).
    constexpr int kBins = 30;
    double lo = INFINITY, hi = 0;
    for (const auto& [wh, n] : sizes) {
      const double side = std::sqrt(double(wh.first) * wh.second);
      lo = std::min(lo, side);
      hi = std::max(hi, side);
    }
    if (hi <= lo) hi = lo + 1;
    const double width = (hi - lo) / kBins;
    std::vector<double> bins(kBins, 0);
    for (const auto& [wh, n] : sizes) {
      const double side = std::sqrt(double(wh.first) * wh.second);
      bins[static_cast<std::size_t>(std::clamp(static_cast<int>((side - lo) / width), 0,
                                               kBins - 1))] += static_cast<double>(n);
    }
    for (int i = 0; i < kBins; ++i) {
      keys.push_back(lo + (i + 0.5) * width);
      counts.push_back(bins[static_cast<std::size_t>(i)]);
      top = std::max(top, counts.back());
    }
    plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    plot->xAxis->setTickLabelRotation(0);
    plot->xAxis->setLabel(tr("√(width·height) px"));
    bars->setWidth(width * 0.92);
    plot->xAxis->setRange(lo, hi);
  }
  bars->setData(keys, counts, true);
  plot->yAxis->setRange(0, top * 1.12);
  plot->legend->setVisible(false);
  m_detail_title->setText(sizes.size() == 1 ? tr("Image size (all the same)")
                                            : tr("Image sizes (%1 distinct)").arg(sizes.size()));
  plot->replot();
}

void DatasetSummaryWidget::plotTextLengths(const LoadedVersion& loaded) {
  auto* plot = m_detail_plot;
  plot->clearPlottables();
  constexpr int kBins = 30;
  std::vector<double> lengths(loaded.text_chars.begin(), loaded.text_chars.end());
  const Histogram h = histogram(lengths, loaded.manifest.samples, kBins);
  QVector<double> keys;
  for (int i = 0; i < static_cast<int>(h.bins.size()); ++i)
    keys.push_back(h.lo + (i + 0.5) * h.width);
  plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  plot->xAxis->setTickLabelRotation(0);
  plot->xAxis->setLabel(tr("characters of input text"));
  plotStacked(plot, keys, h.bins, h.width * 0.92);
  plot->xAxis->setRange(h.lo, h.lo + h.width * kBins);
  std::size_t min_chars = 0, max_chars = 0;
  double mean = 0;
  if (!loaded.text_chars.empty()) {
    auto [lo, hi] = std::minmax_element(loaded.text_chars.begin(), loaded.text_chars.end());
    min_chars = *lo;
    max_chars = *hi;
    for (auto n : loaded.text_chars) mean += static_cast<double>(n);
    mean /= static_cast<double>(loaded.text_chars.size());
  }
  m_detail_title->setText(tr("Text length: min %1 · mean %2 · max %3 characters")
                              .arg(min_chars)
                              .arg(mean, 0, 'f', 1)
                              .arg(max_chars));
  plot->replot();
}

}  // namespace wb::ui
