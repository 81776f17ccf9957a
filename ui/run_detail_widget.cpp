#include "ui/run_detail_widget.h"

#include <algorithm>
#include <cmath>

#include <QDateTime>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "ui/qcp.h"

#include "core/common/clock.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "ui/run_table_model.h"

namespace wb::ui {

namespace {

struct SeriesResult {
  QVector<double> x, y;
  QString error;
};

QTableWidget* makeTable(const QStringList& headers, QWidget* parent) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->verticalHeader()->hide();
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->horizontalHeader()->setStretchLastSection(true);
  t->setAlternatingRowColors(true);
  t->setWordWrap(false);
  return t;
}

QTableWidgetItem* item(const QString& text) {
  auto* it = new QTableWidgetItem(text);
  it->setToolTip(text);
  return it;
}

}  // namespace

RunDetailWidget::RunDetailWidget(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  m_title = new QLabel(this);
  m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.3);
  f.setBold(true);
  m_title->setFont(f);
  m_subtitle = new QLabel(this);
  m_subtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_subtitle->setWordWrap(true);
  layout->addWidget(m_title);
  layout->addWidget(m_subtitle);

  m_tabs = new QTabWidget(this);
  layout->addWidget(m_tabs, 1);

  auto* metrics_split = new QSplitter(Qt::Vertical, m_tabs);
  m_metrics = makeTable({tr("Metric"), tr("Last"), tr("Best"), tr("Min"), tr("Max"), tr("Points")},
                        metrics_split);
  m_plot = new QCustomPlot(metrics_split);
  m_plot->setMinimumHeight(180);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->xAxis->setLabel(tr("step"));
  m_plot->addGraph();
  m_plot->graph(0)->setPen(QPen(QColor(0x1e, 0x6f, 0xd9), 1.6));
  m_plot->graph(0)->setAdaptiveSampling(true);
  metrics_split->addWidget(m_metrics);
  metrics_split->addWidget(m_plot);
  metrics_split->setStretchFactor(0, 1);
  metrics_split->setStretchFactor(1, 2);
  m_tabs->addTab(metrics_split, tr("Metrics"));
  connect(m_metrics, &QTableWidget::itemSelectionChanged, this, [this] {
    const auto rows = m_metrics->selectionModel()->selectedRows();
    if (!rows.isEmpty()) chartMetric(m_metrics->item(rows.first().row(), 0)->text());
  });

  m_params = makeTable({tr("Parameter"), tr("Value")}, m_tabs);
  m_tabs->addTab(m_params, tr("Params"));

  auto* notes_page = new QWidget(m_tabs);
  auto* notes_layout = new QVBoxLayout(notes_page);
  m_tags = makeTable({tr("Tag"), tr("Value")}, notes_page);
  m_tags->setMaximumHeight(140);
  m_notes = new QPlainTextEdit(notes_page);
  m_notes->setPlaceholderText(tr("Notes about this run…"));
  m_save_notes = new QPushButton(tr("Save Notes"), notes_page);
  m_save_notes->setEnabled(false);
  notes_layout->addWidget(new QLabel(tr("Tags"), notes_page));
  notes_layout->addWidget(m_tags);
  notes_layout->addWidget(new QLabel(tr("Notes"), notes_page));
  notes_layout->addWidget(m_notes, 1);
  notes_layout->addWidget(m_save_notes, 0, Qt::AlignRight);
  m_tabs->addTab(notes_page, tr("Tags && Notes"));
  connect(m_notes, &QPlainTextEdit::textChanged, this, [this] {
    m_save_notes->setEnabled(m_run && m_notes->toPlainText().toStdString() != m_run->run.notes);
  });
  connect(m_save_notes, &QPushButton::clicked, this, [this] {
    if (!m_run) return;
    m_run->run.notes = m_notes->toPlainText().toStdString();
    m_save_notes->setEnabled(false);
    Q_EMIT notesSaveRequested(QString::fromStdString(m_run->run.id), m_notes->toPlainText());
  });

  m_config = new QPlainTextEdit(m_tabs);
  m_config->setReadOnly(true);
  m_config->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_tabs->addTab(m_config, tr("Config"));

  setRun(std::nullopt);
}

int RunDetailWidget::chartPointCount() const { return m_plot->graph(0)->dataCount(); }

void RunDetailWidget::setRun(const std::optional<RunRow>& row) {
  const bool same_run = row && m_run && row->run.id == m_run->run.id;
  const bool notes_dirty = m_save_notes->isEnabled();
  const auto old_count = [&]() -> std::int64_t {
    if (!same_run || m_chart_key.isEmpty()) return -1;
    auto it = m_run->metrics.find(m_chart_key.toStdString());
    return it == m_run->metrics.end() ? -1 : it->second.count;
  }();
  m_run = row;
  setEnabled(row.has_value());
  if (!row) {
    m_title->setText(tr("No run selected"));
    m_subtitle->setText(tr("Select a run in the table to see its metrics, params and notes."));
    m_metrics->setRowCount(0);
    m_params->setRowCount(0);
    m_tags->setRowCount(0);
    m_notes->clear();
    m_config->clear();
    m_plot->graph(0)->data()->clear();
    m_plot->replot();
    return;
  }
  const auto& run = row->run;
  m_title->setText(QString::fromStdString(run.name));
  const auto duration = run.durationSeconds(unixNow());
  QString sub = tr("%1 · %2 · experiment %3")
                    .arg(QString::fromUtf8(store::toString(run.status).data()),
                         QString::fromStdString(run.id), QString::fromStdString(run.experiment));
  if (run.started_at)
    sub += tr(" · started %1").arg(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*run.started_at * 1000))
                                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
  if (duration) sub += tr(" · %1").arg(formatDuration(*duration));
  if (!run.host.empty()) sub += tr(" · %1").arg(QString::fromStdString(run.host));
  if (!run.status_message.empty()) sub += QStringLiteral("\n") + QString::fromStdString(run.status_message);
  m_subtitle->setText(sub);

  fillTables();
  if (!same_run || !notes_dirty) {
    const QSignalBlocker block(m_notes);
    m_notes->setPlainText(QString::fromStdString(run.notes));
    m_save_notes->setEnabled(false);
  }
  if (!same_run) m_config->setPlainText(QString::fromStdString(run.config_text));

  // Keep the charted metric when switching runs; pick a sensible default otherwise.
  QString key = m_chart_key;
  if (key.isEmpty() || !row->metrics.count(key.toStdString())) {
    key.clear();
    for (const char* preferred : {"val/accuracy", "val/loss", "train/loss"})
      if (row->metrics.count(preferred)) {
        key = QString::fromLatin1(preferred);
        break;
      }
    if (key.isEmpty() && !row->metrics.empty()) key = QString::fromStdString(row->metrics.begin()->first);
  }
  // Reload the series only when it may have changed.
  std::int64_t new_count = -1;
  if (auto it = row->metrics.find(key.toStdString()); it != row->metrics.end()) new_count = it->second.count;
  if (!same_run || key != m_chart_key || new_count != old_count) chartMetric(key);
  // Reflect the charted metric in the table selection without re-triggering a load.
  for (int r = 0; r < m_metrics->rowCount(); ++r) {
    if (m_metrics->item(r, 0)->text() == key) {
      const QSignalBlocker block(m_metrics);
      m_metrics->selectRow(r);
    }
  }
}

void RunDetailWidget::fillTables() {
  const auto& row = *m_run;
  auto fmt = [](const std::optional<double>& v) { return v ? formatValue(*v) : QStringLiteral("–"); };
  {
    const QSignalBlocker block(m_metrics);
    m_metrics->setRowCount(static_cast<int>(row.metrics.size()));
    int r = 0;
    for (const auto& [key, s] : row.metrics) {
      m_metrics->setItem(r, 0, item(QString::fromStdString(key)));
      m_metrics->setItem(r, 1, item(fmt(s.last_value)));
      m_metrics->setItem(r, 2, item(fmt(s.best())));
      m_metrics->setItem(r, 3, item(fmt(s.min_value)));
      m_metrics->setItem(r, 4, item(fmt(s.max_value)));
      m_metrics->setItem(r, 5, item(QString::number(s.count)));
      ++r;
    }
    m_metrics->resizeColumnToContents(0);
  }
  m_params->setRowCount(static_cast<int>(row.params.size()));
  int r = 0;
  for (const auto& [k, v] : row.params) {
    m_params->setItem(r, 0, item(QString::fromStdString(k)));
    m_params->setItem(r, 1, item(QString::fromStdString(v)));
    ++r;
  }
  m_params->resizeColumnToContents(0);
  m_tags->setRowCount(static_cast<int>(row.tags.size()));
  r = 0;
  for (const auto& [k, v] : row.tags) {
    m_tags->setItem(r, 0, item(QString::fromStdString(k)));
    m_tags->setItem(r, 1, item(QString::fromStdString(v)));
    ++r;
  }
}

void RunDetailWidget::chartMetric(const QString& key) {
  m_chart_key = key;
  const int generation = ++m_chart_generation;
  if (!m_run || key.isEmpty() || m_db_path.isEmpty()) {
    m_plot->graph(0)->data()->clear();
    m_plot->yAxis->setLabel(QString());
    m_plot->replot();
    return;
  }
  const std::string run_id = m_run->run.id;
  const std::string db_path = m_db_path.toStdString();
  const std::string metric = key.toStdString();
  // A series can hold millions of points: read it off the GUI thread.
  auto* watcher = new QFutureWatcher<SeriesResult>(this);
  connect(watcher, &QFutureWatcher<SeriesResult>::finished, this, [this, watcher, generation, key] {
    watcher->deleteLater();
    if (generation != m_chart_generation) return;  // a newer request superseded this one
    const SeriesResult result = watcher->result();
    m_plot->graph(0)->setData(result.x, result.y, true);
    m_plot->graph(0)->setName(key);
    m_plot->yAxis->setLabel(key);
    m_plot->rescaleAxes();
    if (m_plot->yAxis->range().size() == 0)
      m_plot->yAxis->setRange(m_plot->yAxis->range().lower - 0.5, m_plot->yAxis->range().upper + 0.5);
    m_plot->replot();
    Q_EMIT chartLoaded(key, static_cast<int>(result.x.size()));
  });
  watcher->setFuture(QtConcurrent::run([db_path, run_id, metric]() {
    SeriesResult out;
    auto db = store::Database::open(db_path, store::OpenMode::ReadOnly);
    if (!db) {
      out.error = QString::fromStdString(db.error().text());
      return out;
    }
    store::MetricsReader reader(**db);
    auto points = reader.series(run_id, metric);
    if (!points) {
      out.error = QString::fromStdString(points.error().text());
      return out;
    }
    out.x.reserve(static_cast<qsizetype>(points->size()));
    out.y.reserve(static_cast<qsizetype>(points->size()));
    std::vector<std::pair<double, double>> xy;
    xy.reserve(points->size());
    for (const auto& p : *points)
      if (std::isfinite(p.value)) xy.emplace_back(static_cast<double>(p.step), p.value);
    // The plot wants keys sorted; sort here rather than on the GUI thread.
    if (!std::is_sorted(xy.begin(), xy.end(), [](auto& a, auto& b) { return a.first < b.first; }))
      std::stable_sort(xy.begin(), xy.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (const auto& [x, y] : xy) {
      out.x.push_back(x);
      out.y.push_back(y);
    }
    return out;
  }));
}

}  // namespace wb::ui
