#include "ui/runs/run_detail_widget.h"

#include <algorithm>
#include <cmath>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "core/common/clock.h"
#include "ui/charts/metric_panel_grid.h"
#include "ui/charts/metric_series_store.h"
#include "ui/common/formatting.h"
#include "ui/common/run_colors.h"
#include "ui/runs/run_table_model.h"

namespace wb::ui {

namespace {

QString digest(const QString& text) {
  return QString::fromLatin1(
      QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

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
  m_register = new QPushButton(tr("Register Model…"), this);
  m_register->setToolTip(tr("Register this run's checkpoint as a version of a named model"));
  connect(m_register, &QPushButton::clicked, this, [this] {
    if (m_run) Q_EMIT registerModelRequested(QString::fromStdString(m_run->run.id));
  });
  auto* head = new QHBoxLayout;
  head->addWidget(m_title, 1);
  head->addWidget(m_register, 0, Qt::AlignTop);
  layout->addLayout(head);
  layout->addWidget(m_subtitle);

  m_tabs = new QTabWidget(this);
  layout->addWidget(m_tabs, 1);

  // Charts first: a live grid of every metric (MetricPanelGrid over a MetricSeriesStore).
  m_charts_page = new QWidget(m_tabs);
  auto* charts_layout = new QVBoxLayout(m_charts_page);
  charts_layout->setContentsMargins(4, 6, 0, 0);
  m_tabs->addTab(m_charts_page, tr("Charts"));
  m_store = new MetricSeriesStore(this);
  m_owns_store = true;
  m_colors = new RunColors(this);
  buildGrid();

  m_metrics =
      makeTable({tr("Metric"), tr("Last"), tr("Best"), tr("Min"), tr("Max"), tr("Points")}, m_tabs);
  m_metrics->setToolTip(tr("Double-click a metric to see its chart"));
  m_tabs->addTab(m_metrics, tr("Metrics"));
  connect(m_metrics, &QTableWidget::itemSelectionChanged, this, [this] {
    const auto rows = m_metrics->selectionModel()->selectedRows();
    if (!rows.isEmpty()) chartMetric(m_metrics->item(rows.first().row(), 0)->text());
  });
  connect(m_metrics, &QTableWidget::itemActivated, this, [this](QTableWidgetItem* it) {
    const QString key = m_metrics->item(it->row(), 0)->text();
    chartMetric(key);
    m_tabs->setCurrentWidget(m_charts_page);
    m_grid->scrollToPanel(key);
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

RunDetailWidget::~RunDetailWidget() {
  // The grid releases its runs from the store: it must go first.
  delete m_grid;
  m_grid = nullptr;
}

void RunDetailWidget::buildGrid() {
  QStringList runs;
  if (m_grid) {
    runs = m_grid->runs();
    delete m_grid;
  }
  m_grid = new MetricPanelGrid(m_store, m_colors, m_charts_page);
  m_charts_page->layout()->addWidget(m_grid);
  if (!m_db_path.isEmpty())
    m_grid->setSettingsGroup(QStringLiteral("metricGrid/") + digest(m_db_path));
  m_grid->setRuns(runs);
  connect(m_store, &MetricSeriesStore::seriesChanged, m_grid,
          [this](const QString& run_id, const QString& key) {
            if (!m_run || key != m_chart_key || run_id.toStdString() != m_run->run.id) return;
            const auto* s = m_store->series(run_id, key);
            if (s && (s->loaded || m_store->databasePath().isEmpty()))
              Q_EMIT chartLoaded(key, static_cast<int>(s->size()));
          });
}

void RunDetailWidget::setDatabasePath(const QString& path) {
  if (path == m_db_path) return;
  m_db_path = path;
  if (m_owns_store) m_store->setDatabasePath(path);
  // The workspace is the database's grandparent folder (…/ws/.workbench/workbench.db).
  if (m_colors && m_colors->parent() == this)
    m_colors->setWorkspace(
        path.isEmpty() ? QString() : QFileInfo(path).dir().absoluteFilePath(QStringLiteral("..")));
  if (m_grid && !path.isEmpty())
    m_grid->setSettingsGroup(QStringLiteral("metricGrid/") + digest(path));
}

void RunDetailWidget::setSeriesStore(MetricSeriesStore* store, RunColors* colors) {
  if (!store || store == m_store) return;
  MetricSeriesStore* old = m_store;
  const bool owned = m_owns_store;
  m_store = store;
  m_owns_store = false;
  if (colors) m_colors = colors;
  buildGrid();
  if (owned) delete old;
  if (m_run) chartMetric(m_chart_key);
}

int RunDetailWidget::chartPointCount() const {
  if (!m_run || m_chart_key.isEmpty()) return 0;
  const auto* s = m_store->series(QString::fromStdString(m_run->run.id), m_chart_key);
  return s ? static_cast<int>(s->size()) : 0;
}

void RunDetailWidget::showRunsInGrid(const std::vector<const RunRow*>& rows) {
  QStringList ids;
  QHash<QString, QString> labels;
  for (const RunRow* row : rows) {
    const QString id = QString::fromStdString(row->run.id);
    ids << id;
    labels.insert(id, QString::fromStdString(row->run.name.empty() ? row->run.id : row->run.name));
  }
  m_grid->setRunLabels(labels);
  m_grid->setRuns(ids);
}

void RunDetailWidget::setRuns(const std::vector<RunRow>& rows) {
  if (rows.size() == 1) return setRun(rows.front());
  if (rows.empty()) return setRun(std::nullopt);
  m_run.reset();
  setEnabled(true);
  m_register->setEnabled(false);
  std::vector<const RunRow*> ptrs;
  QStringList names;
  int running = 0;
  for (const auto& row : rows) {
    ptrs.push_back(&row);
    names << QString::fromStdString(row.run.name);
    running += row.run.status == store::RunStatus::Running;
  }
  m_title->setText(tr("%n runs", nullptr, static_cast<int>(rows.size())));
  QString sub = names.join(QStringLiteral(" · "));
  if (running) sub += tr(" — %n running", nullptr, running);
  m_subtitle->setText(sub);
  m_metrics->setRowCount(0);
  m_params->setRowCount(0);
  m_tags->setRowCount(0);
  m_config->clear();
  for (int i = 1; i < m_tabs->count(); ++i) m_tabs->setTabEnabled(i, false);
  m_tabs->setCurrentWidget(m_charts_page);
  showRunsInGrid(ptrs);
}

void RunDetailWidget::setRun(const std::optional<RunRow>& row) {
  const bool same_run = row && m_run && row->run.id == m_run->run.id;
  const bool notes_dirty = m_save_notes->isEnabled();
  m_run = row;
  setEnabled(row.has_value());
  for (int i = 1; i < m_tabs->count(); ++i) m_tabs->setTabEnabled(i, true);
  m_register->setEnabled(row && store::isTerminal(row->run.status));
  if (!row) {
    m_title->setText(tr("No run selected"));
    m_subtitle->setText(
        tr("Select a run in the table to see its charts, metrics, params and notes."));
    m_metrics->setRowCount(0);
    m_params->setRowCount(0);
    m_tags->setRowCount(0);
    m_notes->clear();
    m_config->clear();
    m_grid->setRuns({});
    return;
  }
  const auto& run = row->run;
  m_title->setText(QString::fromStdString(run.name));
  const auto duration = run.durationSeconds(unixNow());
  QString sub = tr("%1 · %2 · experiment %3")
                    .arg(QString::fromUtf8(store::toString(run.status).data()),
                         QString::fromStdString(run.id), QString::fromStdString(run.experiment));
  if (run.started_at)
    sub += tr(" · started %1")
               .arg(formatTime(*run.started_at, TimePrecision::Seconds));
  if (duration) sub += tr(" · %1").arg(formatDuration(*duration));
  if (!run.host.empty()) sub += tr(" · %1").arg(QString::fromStdString(run.host));
  if (!run.status_message.empty())
    sub += QStringLiteral("\n") + QString::fromStdString(run.status_message);
  m_subtitle->setText(sub);

  fillTables();
  if (!same_run || !notes_dirty) {
    const QSignalBlocker block(m_notes);
    m_notes->setPlainText(QString::fromStdString(run.notes));
    m_save_notes->setEnabled(false);
  }
  if (!same_run) m_config->setPlainText(QString::fromStdString(run.config_text));
  showRunsInGrid({&*m_run});

  // Keep the charted metric when switching runs; pick a sensible default otherwise.
  QString key = m_chart_key;
  if (key.isEmpty() || !row->metrics.count(key.toStdString())) {
    key.clear();
    for (const char* preferred : {"val/accuracy", "val/loss", "train/loss"})
      if (row->metrics.count(preferred)) {
        key = QString::fromLatin1(preferred);
        break;
      }
    if (key.isEmpty() && !row->metrics.empty())
      key = QString::fromStdString(row->metrics.begin()->first);
  }
  if (!same_run || key != m_chart_key) chartMetric(key);
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
  auto fmt = [](const std::optional<double>& v) {
    return v ? formatValue(*v) : QStringLiteral("–");
  };
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
  if (!m_run || key.isEmpty()) return;
  const QString run_id = QString::fromStdString(m_run->run.id);
  // The grid loads panels as they scroll into view; the charted one is wanted now.
  m_store->request(run_id, key);
  const auto* s = m_store->series(run_id, key);
  if (s && s->loaded) {
    // Already in memory (seen before): report it as a fresh load would, after this returns.
    QTimer::singleShot(0, this, [this, run_id, key] {
      const auto* s = m_store->series(run_id, key);
      if (s && m_run && run_id.toStdString() == m_run->run.id && key == m_chart_key)
        Q_EMIT chartLoaded(key, static_cast<int>(s->size()));
    });
  }
}

}  // namespace wb::ui
