#include "ui/compare/compare_panel.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDataStream>
#include <QEvent>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIODevice>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/common/numbers.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "ui/charts/metric_panel_grid.h"
#include "ui/charts/metric_series_store.h"
#include "ui/compare/parallel_coords_widget.h"
#include "ui/compare/params_diff_model.h"
#include "ui/common/run_colors.h"
#include "core/metrics/run_comparison.h"
#include "ui/runs/run_table_model.h"
#include "ui/compare/scatter_plot_widget.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {
constexpr quint32 kStateMagic = 0x57424350;  // "WBCP"
constexpr quint32 kStateVersion = 1;
constexpr int kMaxAutoAxes = 8;
const QColor kBestColor(27, 122, 62);

// Test-set artifact first: it is what the final model was measured on.
const char* const kMatrixArtifacts[] = {"confusion_matrix_test.json", "confusion_matrix_val.json"};

QString digest(const QString& text) {
  return QString::fromLatin1(
      QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
}

// Validation metrics say most about a run: listed first, as `wb runs compare` does.
int keyRank(const QString& key) {
  if (key.startsWith(QLatin1String("val"))) return 0;
  if (key.startsWith(QLatin1String("test"))) return 1;
  if (key.startsWith(QLatin1String("train"))) return 2;
  if (key.startsWith(QLatin1String("sys"))) return 4;
  return 3;
}

QString swatchHtml(const QColor& c) {
  return QStringLiteral("<span style=\"color:%1; font-size:large\">&#9632;</span>").arg(c.name());
}

QString value(double v) { return formatValue(v); }

QLabel* sectionTitle(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  return label;
}

bool isNumericParam(const std::vector<std::optional<std::string>>& values) {
  bool any = false;
  for (const auto& v : values) {
    if (!v) continue;
    if (!metrics::parseNumber(*v)) return false;
    any = true;
  }
  return any;
}
}  // namespace

struct ComparePanel::ArtifactResult {
  QString run_id;
  std::optional<ConfusionMatrix> matrix;
  QString error;  // empty with no matrix: the run has none
};

ComparePanel::ComparePanel(WorkspaceSession* session, MetricSeriesStore* store, RunColors* colors,
                           QWidget* parent)
    : QWidget(parent), m_session(session), m_store(store), m_colors(colors) {
  setObjectName(QStringLiteral("ComparePanel"));
  if (!m_store) m_store = new MetricSeriesStore(session->dbPath(), this);
  if (!m_colors) {
    m_colors = new RunColors(this);
    m_colors->setWorkspace(session->rootPath());
  }

  auto* root = new QVBoxLayout(this);
  root->setContentsMargins(8, 6, 8, 6);
  m_stack = new QStackedWidget(this);
  root->addWidget(m_stack);

  // Empty state: what to do to get a comparison.
  m_empty = new QWidget(m_stack);
  {
    auto* l = new QVBoxLayout(m_empty);
    l->addStretch(2);
    auto* big = new QLabel(tr("Compare runs"), m_empty);
    QFont f = big->font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    f.setBold(true);
    big->setFont(f);
    big->setAlignment(Qt::AlignCenter);
    auto* hint = new QLabel(
        tr("Select two or more runs in <b>Runs</b> and press <b>Compare</b> (Ctrl+K) to see "
           "which is best, how their params differ, their charts overlaid and their "
           "confusion matrices side by side."),
        m_empty);
    hint->setWordWrap(true);
    hint->setAlignment(Qt::AlignCenter);
    hint->setMaximumWidth(520);
    hint->setStyleSheet(QStringLiteral("color: #666;"));
    l->addWidget(big);
    l->addWidget(hint, 0, Qt::AlignHCenter);
    l->addStretch(3);
  }
  m_stack->addWidget(m_empty);

  m_content = new QWidget(m_stack);
  auto* content = new QVBoxLayout(m_content);
  content->setContentsMargins(0, 0, 0, 0);
  content->setSpacing(6);
  m_stack->addWidget(m_content);

  // Header: how many runs, which, and the verdict.
  auto* head = new QHBoxLayout;
  m_title = new QLabel(m_content);
  QFont tf = m_title->font();
  tf.setPointSizeF(tf.pointSizeF() * 1.25);
  tf.setBold(true);
  m_title->setFont(tf);
  m_chips = new QLabel(m_content);
  m_chips->setTextFormat(Qt::RichText);
  m_chips->setWordWrap(true);
  m_chips->setToolTip(tr("Click ✕ to leave a run out of the comparison"));
  connect(m_chips, &QLabel::linkActivated, this, [this](const QString& link) {
    if (!link.startsWith(QLatin1String("remove:"))) return;
    QStringList ids = runIds();
    ids.removeAll(link.mid(7));
    setRuns(ids);
  });
  head->addWidget(m_title);
  head->addSpacing(12);
  head->addWidget(m_chips, 1);
  content->addLayout(head);

  auto* summary_frame = new QFrame(m_content);
  summary_frame->setObjectName(QStringLiteral("compareSummary"));
  summary_frame->setStyleSheet(QStringLiteral(
      "#compareSummary { background: #f2f8f3; border: 1px solid #cfe5d4; border-radius: 6px; }"));
  auto* summary_row = new QHBoxLayout(summary_frame);
  summary_row->setContentsMargins(10, 6, 10, 6);
  auto* rank_label = new QLabel(tr("Rank by"), summary_frame);
  m_target_combo = new QComboBox(summary_frame);
  m_target_combo->setObjectName(QStringLiteral("targetMetric"));
  m_target_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_target_combo->setToolTip(tr("The metric runs are ranked by (each run's best value)"));
  m_goal_combo = new QComboBox(summary_frame);
  m_goal_combo->setObjectName(QStringLiteral("goal"));
  m_goal_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_goal_combo->addItem(tr("Auto"), static_cast<int>(metrics::Goal::Unknown));
  m_goal_combo->addItem(tr("Higher is better"), static_cast<int>(metrics::Goal::Max));
  m_goal_combo->addItem(tr("Lower is better"), static_cast<int>(metrics::Goal::Min));
  m_goal_combo->setToolTip(
      tr("Auto: lower is better for loss, error, RMSE, MAE…; higher otherwise"));
  m_summary = new QLabel(summary_frame);
  m_summary->setObjectName(QStringLiteral("compareSummaryText"));
  m_summary->setTextFormat(Qt::RichText);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_summary->setWordWrap(true);
  summary_row->addWidget(rank_label);
  summary_row->addWidget(m_target_combo);
  summary_row->addWidget(m_goal_combo);
  summary_row->addSpacing(14);
  summary_row->addWidget(m_summary, 1);
  content->addWidget(summary_frame);
  connect(m_target_combo, &QComboBox::activated, this,
          [this](int index) { setTargetMetric(m_target_combo->itemData(index).toString()); });
  connect(m_goal_combo, &QComboBox::activated, this, [this](int index) {
    setGoalOverride(static_cast<metrics::Goal>(m_goal_combo->itemData(index).toInt()));
  });

  m_tabs = new QTabWidget(m_content);
  m_tabs->setDocumentMode(true);
  content->addWidget(m_tabs, 1);

  // ---- Overview: parallel coordinates over params diff and scatter.
  m_overview_split = new QSplitter(Qt::Vertical, m_tabs);
  m_overview_split->setChildrenCollapsible(false);
  {
    auto* top = new QWidget(m_overview_split);
    auto* l = new QVBoxLayout(top);
    l->setContentsMargins(0, 6, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(sectionTitle(tr("Parallel coordinates"), top));
    m_axes_button = new QPushButton(tr("Axes"), top);
    m_axes_button->setToolTip(
        tr("Params drawn as axes; the ranking metric is always the last axis"));
    auto* axes_menu = new QMenu(m_axes_button);
    m_axes_button->setMenu(axes_menu);
    connect(axes_menu, &QMenu::aboutToShow, this, &ComparePanel::fillAxesMenu);
    bar->addWidget(m_axes_button);
    auto* hint = new QLabel(tr("drag along an axis to select a range"), top);
    hint->setStyleSheet(QStringLiteral("color: #888;"));
    bar->addWidget(hint);
    bar->addStretch(1);
    m_brush_label = new QLabel(top);
    bar->addWidget(m_brush_label);
    m_clear_brushes = new QPushButton(tr("Clear"), top);
    m_clear_brushes->setToolTip(tr("Clear every brush (or double-click the plot)"));
    m_compare_brushed = new QPushButton(tr("Compare These"), top);
    m_compare_brushed->setToolTip(tr("Narrow the comparison to the runs inside the brushes"));
    m_select_brushed = new QPushButton(tr("Select in Runs"), top);
    m_select_brushed->setToolTip(tr("Make the runs inside the brushes the Runs table's selection"));
    bar->addWidget(m_clear_brushes);
    bar->addWidget(m_compare_brushed);
    bar->addWidget(m_select_brushed);
    l->addLayout(bar);
    m_parallel = new ParallelCoordsWidget(top);
    m_parallel->setObjectName(QStringLiteral("parallelCoords"));
    l->addWidget(m_parallel, 1);
    connect(m_parallel, &ParallelCoordsWidget::runsBrushed, this, &ComparePanel::onBrushed);
    connect(m_clear_brushes, &QPushButton::clicked, m_parallel,
            &ParallelCoordsWidget::clearBrushes);
    connect(m_compare_brushed, &QPushButton::clicked, this, [this] {
      const QStringList ids = m_brushed;
      m_parallel->clearBrushes();
      setRuns(ids);
    });
    connect(m_select_brushed, &QPushButton::clicked, this,
            [this] { Q_EMIT selectInRunsRequested(m_brushed); });
  }
  m_bottom_split = new QSplitter(Qt::Horizontal, m_overview_split);
  m_bottom_split->setChildrenCollapsible(false);
  {
    auto* left = new QWidget(m_bottom_split);
    auto* l = new QVBoxLayout(left);
    l->setContentsMargins(0, 4, 4, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(sectionTitle(tr("Parameters"), left));
    bar->addStretch(1);
    m_params_count = new QLabel(left);
    m_params_count->setStyleSheet(QStringLiteral("color: #666;"));
    bar->addWidget(m_params_count);
    m_only_diff = new QCheckBox(tr("Show only differences"), left);
    m_only_diff->setChecked(true);
    bar->addWidget(m_only_diff);
    l->addLayout(bar);
    m_params_model = new ParamsDiffModel(this);
    m_params_view = new QTableView(left);
    m_params_view->setObjectName(QStringLiteral("paramsDiff"));
    m_params_view->setModel(m_params_model);
    m_params_view->verticalHeader()->hide();
    m_params_view->verticalHeader()->setDefaultSectionSize(m_params_view->fontMetrics().height() +
                                                           8);
    m_params_view->horizontalHeader()->setHighlightSections(false);
    m_params_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_params_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_params_view->setWordWrap(false);
    m_params_view->setShowGrid(false);
    m_params_view->setStyleSheet(QStringLiteral("QTableView { border: 1px solid #ddd; }"));
    l->addWidget(m_params_view, 1);
    connect(m_only_diff, &QCheckBox::toggled, this, [this](bool on) {
      m_params_model->setOnlyDifferences(on);
      refreshParams();
    });

    auto* right = new QWidget(m_bottom_split);
    auto* r = new QVBoxLayout(right);
    r->setContentsMargins(4, 4, 0, 0);
    auto* sbar = new QHBoxLayout;
    sbar->addWidget(sectionTitle(tr("Scatter"), right));
    m_scatter_param_combo = new QComboBox(right);
    m_scatter_param_combo->setObjectName(QStringLiteral("scatterParam"));
    m_scatter_param_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_scatter_metric_combo = new QComboBox(right);
    m_scatter_metric_combo->setObjectName(QStringLiteral("scatterMetric"));
    m_scatter_metric_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    sbar->addWidget(m_scatter_metric_combo);
    sbar->addWidget(new QLabel(tr("against"), right));
    sbar->addWidget(m_scatter_param_combo);
    sbar->addStretch(1);
    r->addLayout(sbar);
    m_scatter = new ScatterPlotWidget(right);
    m_scatter->setObjectName(QStringLiteral("scatterPlot"));
    r->addWidget(m_scatter, 1);
    connect(m_scatter_param_combo, &QComboBox::activated, this,
            [this](int i) { setScatterParam(m_scatter_param_combo->itemData(i).toString()); });
    connect(m_scatter_metric_combo, &QComboBox::activated, this,
            [this](int i) { setScatterMetric(m_scatter_metric_combo->itemData(i).toString()); });
    m_bottom_split->setStretchFactor(0, 5);
    m_bottom_split->setStretchFactor(1, 4);
  }
  m_overview_split->setStretchFactor(0, 1);
  m_overview_split->setStretchFactor(1, 1);
  m_overview_split->setSizes({520, 420});  // scaled to the real height when first laid out
  m_tabs->addTab(m_overview_split, tr("Overview"));

  // ---- Charts: the metric grid over the compared runs.
  m_charts_page = new QWidget(m_tabs);
  {
    auto* l = new QVBoxLayout(m_charts_page);
    l->setContentsMargins(0, 6, 0, 0);
    auto* bar = new QHBoxLayout;
    m_chart_metrics_button = new QPushButton(m_charts_page);
    m_chart_metrics_button->setToolTip(tr("Which metrics to chart"));
    auto* menu = new QMenu(m_chart_metrics_button);
    m_chart_metrics_button->setMenu(menu);
    connect(menu, &QMenu::aboutToShow, this, &ComparePanel::fillChartMetricsMenu);
    bar->addWidget(m_chart_metrics_button);
    bar->addStretch(1);
    l->addLayout(bar);
    m_grid = new MetricPanelGrid(m_store, m_colors, m_charts_page);
    m_grid->setSettingsGroup(QStringLiteral("compareGrid/") + digest(session->dbPath()));
    l->addWidget(m_grid, 1);
  }
  m_tabs->addTab(m_charts_page, tr("Charts"));

  // ---- Metrics: every metric's best value per run, the best run marked.
  m_metrics_table = new QTableWidget(m_tabs);
  m_metrics_table->setObjectName(QStringLiteral("metricsTable"));
  m_metrics_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_metrics_table->verticalHeader()->hide();
  m_metrics_table->verticalHeader()->setDefaultSectionSize(m_metrics_table->fontMetrics().height() +
                                                           8);
  m_metrics_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  m_metrics_table->horizontalHeader()->setHighlightSections(false);
  m_metrics_table->setShowGrid(false);
  m_metrics_table->setAlternatingRowColors(true);
  m_tabs->addTab(m_metrics_table, tr("Metrics"));

  // ---- Confusion matrices, wrapped to the width.
  {
    auto* page = new QWidget(m_tabs);
    auto* l = new QVBoxLayout(page);
    l->setContentsMargins(0, 6, 0, 0);
    auto* bar = new QHBoxLayout;
    m_matrix_percent = new QCheckBox(tr("Percent of true class"), page);
    m_matrix_percent->setToolTip(
        tr("Cells show their share of the true class's samples instead of counts"));
    bar->addWidget(m_matrix_percent);
    bar->addSpacing(12);
    m_matrices_note = new QLabel(page);
    m_matrices_note->setStyleSheet(QStringLiteral("color: #666;"));
    bar->addWidget(m_matrices_note, 1);
    l->addLayout(bar);
    m_matrices_scroll = new QScrollArea(page);
    m_matrices_scroll->setWidgetResizable(true);
    m_matrices_scroll->setFrameShape(QFrame::NoFrame);
    m_matrices_host = new QWidget(m_matrices_scroll);
    m_matrices_host->setObjectName(QStringLiteral("confusionMatrices"));
    m_matrices_layout = new QGridLayout(m_matrices_host);
    m_matrices_layout->setSpacing(12);
    m_matrices_layout->setContentsMargins(2, 2, 2, 2);
    m_matrices_scroll->setWidget(m_matrices_host);
    m_matrices_scroll->viewport()->installEventFilter(this);
    l->addWidget(m_matrices_scroll, 1);
    connect(m_matrix_percent, &QCheckBox::toggled, this, [this](bool on) {
      for (auto& [id, w] : m_matrix_widgets)
        w->setCellText(on ? ConfusionMatrixWidget::CellText::RowPercent
                          : ConfusionMatrixWidget::CellText::Counts);
    });
    m_tabs->addTab(page, tr("Confusion Matrices"));
  }

  connect(m_colors, &RunColors::changed, this, [this] {
    if (runIds().size() >= 2) refreshAll();
  });
  connect(session, &WorkspaceSession::snapshotReady, this, &ComparePanel::onSnapshot);
  onBrushed({});
  m_stack->setCurrentWidget(m_empty);
  if (session->lastSnapshot()) onSnapshot(session->lastSnapshot());
}

ComparePanel::~ComparePanel() {
  // The grid releases its runs from the (maybe shared) store: it goes before anything else.
  delete m_grid;
  m_grid = nullptr;
}

// ---- runs --------------------------------------------------------------------------------

void ComparePanel::setRuns(const QStringList& run_ids) {
  QStringList unique;
  for (const auto& id : run_ids)
    if (!id.isEmpty() && !unique.contains(id)) unique << id;
  m_requested = unique;
  rebuildRuns();
}

QStringList ComparePanel::runIds() const {
  QStringList ids;
  for (const auto& r : m_rows) ids << QString::fromStdString(r.run.id);
  return ids;
}

QString ComparePanel::runLabel(const QString& run_id) const {
  return m_labels.value(run_id, run_id);
}

const RunRow* ComparePanel::row(const QString& run_id) const {
  const std::string id = run_id.toStdString();
  for (const auto& r : m_rows)
    if (r.run.id == id) return &r;
  return nullptr;
}

const store::MetricSummary* ComparePanel::summary(const QString& run_id, const QString& key) const {
  const RunRow* r = row(run_id);
  if (!r) return nullptr;
  const auto it = r->metrics.find(key.toStdString());
  return it == r->metrics.end() ? nullptr : &it->second;
}

QString ComparePanel::runSignature(const RunRow& row) const {
  QString s = QString::number(static_cast<int>(row.run.status)) + QLatin1Char('|') +
              QString::fromStdString(row.run.name);
  for (const auto& [key, v] : row.params)
    s += QLatin1Char('|') + QString::fromStdString(key) + QLatin1Char('=') +
         QString::fromStdString(v);
  for (const auto& [key, m] : row.metrics)
    s += QLatin1Char('|') + QString::number(m.count) + QLatin1Char(':') +
         QString::number(m.last_step);
  return s;
}

void ComparePanel::onSnapshot(const RunSnapshotPtr& snapshot) {
  m_snapshot = snapshot;
  rebuildRuns();
}

void ComparePanel::rebuildRuns() {
  std::vector<RunRow> rows;
  if (m_snapshot) {
    // One pass over the snapshot (it may hold thousands of runs), then the requested order.
    std::map<std::string, const RunRow*> found;
    std::set<std::string> wanted;
    for (const auto& id : m_requested) wanted.insert(id.toStdString());
    for (const auto& r : m_snapshot->rows)
      if (wanted.count(r.run.id)) found[r.run.id] = &r;
    QStringList kept;
    for (const auto& id : m_requested) {
      const auto it = found.find(id.toStdString());
      if (it == found.end()) continue;
      rows.push_back(*it->second);
      kept << id;
    }
    m_requested = kept;  // deleted runs (or another workspace's) leave the comparison
  }

  const QStringList old_ids = runIds();
  QStringList new_ids;
  for (const auto& r : rows) new_ids << QString::fromStdString(r.run.id);
  const bool same_runs = old_ids == new_ids;
  bool changed = !same_runs;
  QHash<QString, QString> signatures;
  QStringList finished_now;
  for (const auto& r : rows) {
    const QString id = QString::fromStdString(r.run.id);
    const QString sig = runSignature(r);
    signatures.insert(id, sig);
    if (m_signatures.value(id) != sig) {
      changed = true;
      // A run that just ended may have written its confusion matrix.
      const RunRow* before = row(id);
      if (before && !store::isTerminal(before->run.status) && store::isTerminal(r.run.status))
        finished_now << id;
    }
  }
  if (!changed) return;
  m_rows = std::move(rows);
  m_signatures = signatures;

  // Labels: the name, with the id's start when names repeat.
  m_labels.clear();
  for (const auto& r : m_rows) {
    const auto same_name = std::count_if(m_rows.begin(), m_rows.end(),
                                         [&](const RunRow& o) { return o.run.name == r.run.name; });
    const QString id = QString::fromStdString(r.run.id);
    const QString name = QString::fromStdString(r.run.name);
    m_labels.insert(id, same_name > 1 || name.isEmpty()
                            ? name + QStringLiteral(" (") + id.left(8) + QLatin1Char(')')
                            : name);
  }

  if (!same_runs) {
    for (auto it = m_matrices.begin(); it != m_matrices.end();)
      it = new_ids.contains(it->first) ? std::next(it) : m_matrices.erase(it);
    QStringList to_load;
    for (const auto& id : new_ids)
      if (!m_matrices.count(id) && !m_loading.contains(id)) to_load << id;
    for (const auto& id : finished_now)
      if (!to_load.contains(id)) to_load << id;
    refreshAll();
    if (!to_load.isEmpty()) loadArtifacts(to_load);
    Q_EMIT runsChanged(new_ids);
    return;
  }
  // Same runs, new values (training goes on): the grid's series follow by themselves.
  refreshChips();
  refreshPickers();
  refreshSummary();
  refreshParams();
  refreshParallel();
  refreshScatter();
  refreshMetricsTable();
  m_grid->setRunLabels(m_labels);
  if (!finished_now.isEmpty()) loadArtifacts(finished_now);
  refreshConfusionLayout();
}

void ComparePanel::refreshAll() {
  const QStringList ids = runIds();
  m_run_colors = m_colors->assign(ids);
  for (const auto& id : ids)
    if (!m_run_colors.contains(id)) m_run_colors.insert(id, RunColors::defaultColor(id));
  m_stack->setCurrentWidget(ids.size() >= 2 ? m_content : m_empty);
  refreshChips();
  refreshPickers();
  refreshSummary();
  refreshParams();
  refreshParallel();
  refreshScatter();
  refreshMetricsTable();
  refreshCharts();
  refreshConfusionLayout();
}

void ComparePanel::refreshChips() {
  const QStringList ids = runIds();
  m_title->setText(tr("Comparing %n run(s)", nullptr, static_cast<int>(ids.size())));
  QString html;
  const bool removable = ids.size() > 2;
  for (const auto& id : ids) {
    const RunRow* r = row(id);
    QString status;
    if (r && r->run.status != store::RunStatus::Finished)
      status = QStringLiteral(" <span style=\"color:#888\">(%1)</span>")
                   .arg(QString::fromUtf8(
                       store::toString(r->run.status).data(),
                       static_cast<qsizetype>(store::toString(r->run.status).size())));
    html += QStringLiteral(
                "<span style=\"white-space:nowrap\">%1&nbsp;%2%3%4</span>&nbsp;&nbsp;&nbsp; ")
                .arg(swatchHtml(m_run_colors.value(id)), runLabel(id).toHtmlEscaped(), status,
                     removable ? QStringLiteral("&nbsp;<a href=\"remove:%1\" style=\"color:#999; "
                                                "text-decoration:none\">&#x2715;</a>")
                                     .arg(id.toHtmlEscaped())
                               : QString());
  }
  m_chips->setText(html);
}

// ---- metrics and goals -------------------------------------------------------------------

QStringList ComparePanel::metricKeys() const {
  QSet<QString> keys;
  for (const auto& r : m_rows)
    for (const auto& [k, s] : r.metrics) keys.insert(QString::fromStdString(k));
  QStringList out(keys.begin(), keys.end());
  std::sort(out.begin(), out.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const QString& a, const QString& b) { return keyRank(a) < keyRank(b); });
  return out;
}

QStringList ComparePanel::paramKeys() const {
  std::set<std::string> keys;
  for (const auto& r : m_rows)
    for (const auto& [k, v] : r.params) keys.insert(k);
  QStringList out;
  for (const auto& k : keys) out << QString::fromStdString(k);
  return out;
}

QString ComparePanel::defaultTargetMetric() const {
  // The first key every run logged, val/ first (as `wb runs compare` picks it).
  const QStringList keys = metricKeys();
  for (const auto& k : keys) {
    if (k.endsWith(QLatin1String("_step"))) continue;  // per-step noise, not a result
    if (std::all_of(m_rows.begin(), m_rows.end(),
                    [&](const RunRow& r) { return r.metrics.count(k.toStdString()) > 0; }))
      return k;
  }
  return keys.value(0);
}

QString ComparePanel::targetMetric() const {
  if (!m_target.isEmpty() && metricKeys().contains(m_target)) return m_target;
  return defaultTargetMetric();
}

void ComparePanel::setTargetMetric(const QString& key) {
  if (key == m_target) return;
  m_target = key;
  refreshPickers();
  refreshSummary();
  refreshParallel();
  refreshScatter();
  refreshMetricsTable();
}

metrics::Goal ComparePanel::goalOf(const QString& key) const {
  if (key == targetMetric() && m_goal_override != metrics::Goal::Unknown) return m_goal_override;
  return metrics::goalForMetric(key.toStdString());
}

metrics::Goal ComparePanel::effectiveGoal() const { return goalOf(targetMetric()); }

void ComparePanel::setGoalOverride(metrics::Goal goal) {
  if (goal == m_goal_override) return;
  m_goal_override = goal;
  refreshPickers();
  refreshSummary();
  refreshParallel();
  refreshScatter();
  refreshMetricsTable();
}

void ComparePanel::refreshPickers() {
  const QStringList keys = metricKeys();
  const QString target = targetMetric();
  {
    const QSignalBlocker block(m_target_combo);
    m_target_combo->clear();
    for (const auto& k : keys) m_target_combo->addItem(k, k);
    m_target_combo->setCurrentIndex(static_cast<int>(keys.indexOf(target)));
  }
  {
    const QSignalBlocker block(m_goal_combo);
    const bool inferred_min = metrics::goalForMetric(target.toStdString()) == metrics::Goal::Min;
    m_goal_combo->setItemText(
        0, inferred_min ? tr("Auto: lower is better") : tr("Auto: higher is better"));
    m_goal_combo->setCurrentIndex(m_goal_combo->findData(static_cast<int>(m_goal_override)));
  }
  {
    const QSignalBlocker block(m_scatter_metric_combo);
    m_scatter_metric_combo->clear();
    for (const auto& k : keys) m_scatter_metric_combo->addItem(k, k);
    const QString metric =
        m_scatter_metric.isEmpty() || !keys.contains(m_scatter_metric) ? target : m_scatter_metric;
    m_scatter_metric_combo->setCurrentIndex(static_cast<int>(keys.indexOf(metric)));
  }
  {
    const QSignalBlocker block(m_scatter_param_combo);
    m_scatter_param_combo->clear();
    const QStringList differing = m_params_model->differingKeys();
    const QStringList params = paramKeys();
    // Differing params first: the only ones a scatter can say something about.
    for (const auto& k : differing) m_scatter_param_combo->addItem(k, k);
    if (!differing.isEmpty() && differing.size() < params.size())
      m_scatter_param_combo->insertSeparator(m_scatter_param_combo->count());
    for (const auto& k : params)
      if (!differing.contains(k)) m_scatter_param_combo->addItem(k, k);
    const QString param = m_scatter_param.isEmpty() || !params.contains(m_scatter_param)
                              ? autoScatterParam()
                              : m_scatter_param;
    m_scatter_param_combo->setCurrentIndex(m_scatter_param_combo->findData(param));
  }
}

void ComparePanel::refreshSummary() {
  m_best_run.clear();
  m_runner_up.clear();
  const QString metric = targetMetric();
  if (metric.isEmpty()) {
    m_summary_plain = tr("No run logged a metric yet.");
    m_summary->setText(m_summary_plain.toHtmlEscaped());
    return;
  }
  const metrics::Goal goal = effectiveGoal();
  std::vector<const store::MetricSummary*> summaries;
  const QStringList ids = runIds();
  for (const auto& id : ids) summaries.push_back(summary(id, metric));
  const auto ranked = metrics::rankRuns(summaries, goal);
  const QString goal_text =
      goal == metrics::Goal::Min ? tr("lower is better") : tr("higher is better");
  if (ranked.empty()) {
    m_summary_plain = tr("No run has a value of %1 yet.").arg(metric);
    m_summary->setText(m_summary_plain.toHtmlEscaped());
    return;
  }
  const auto& first = ranked[0];
  const QString best_id = ids[static_cast<int>(first.index)];
  m_best_run = best_id;
  const QString best_label = runLabel(best_id);
  QString html =
      tr("<span style=\"color:%1\">&#9733;</span> Best on <b>%2</b>: %3&nbsp;<b>%4</b> with "
         "<b>%5</b>")
          .arg(kBestColor.name(), metric.toHtmlEscaped(), swatchHtml(m_run_colors.value(best_id)),
               best_label.toHtmlEscaped(), value(first.best));
  QString plain =
      tr("Best on %1 (%2): %3 (%4)").arg(metric, goal_text, best_label, value(first.best));
  if (ranked.size() < 2) {
    html += tr(" — no other run logged it");
    plain += tr("; no other run logged it");
  } else {
    const auto& second = ranked[1];
    const QString second_id = ids[static_cast<int>(second.index)];
    m_runner_up = second_id;
    const QString second_label = runLabel(second_id);
    const double delta = first.best - second.best;
    if (delta == 0) {
      html += tr(", tied with %1&nbsp;%2")
                  .arg(swatchHtml(m_run_colors.value(second_id)), second_label.toHtmlEscaped());
      plain += tr(", tied with %1").arg(second_label);
      if (first.last && second.last && *first.last != *second.last) {
        html +=
            tr(" (ahead on the last value: %1 vs %2)").arg(value(*first.last), value(*second.last));
        plain +=
            tr("; ahead on the last value (%1 vs %2)").arg(value(*first.last), value(*second.last));
      }
    } else {
      // Said as a margin: "+0.03 over" when higher wins, "0.08 lower than" when lower does.
      const bool lower = goal == metrics::Goal::Min;
      const double margin = std::abs(delta);
      const QString amount = (lower ? QString() : QStringLiteral("+")) + value(margin);
      QString rel;
      if (second.best != 0) {
        // Locale-free, as value() is: one decimal point throughout the line.
        const double percent = 100 * margin / std::abs(second.best);
        rel = (lower ? QString() : QStringLiteral("+")) +
              QString::fromStdString(wb::formatFixed(percent, 1)) + QLatin1Char('%');
      }
      const QString better = lower ? tr("lower than") : tr("over");
      html += tr(", <b style=\"color:%1\">%2</b>%3 %4 the runner-up %5&nbsp;%6 (%7)")
                  .arg(kBestColor.name(), amount,
                       rel.isEmpty() ? QString() : QStringLiteral(" (") + rel + QLatin1Char(')'),
                       better, swatchHtml(m_run_colors.value(second_id)),
                       second_label.toHtmlEscaped(), value(second.best));
      plain += tr(", %1 %2 %3 (%4)").arg(amount, better, second_label, value(second.best));
      if (!rel.isEmpty()) plain += QStringLiteral(", ") + rel;
    }
  }
  const int missing = static_cast<int>(ids.size() - ranked.size());
  if (missing > 0)
    html += tr(" <span style=\"color:#888\">· %n run(s) without it</span>", nullptr, missing);
  html += QStringLiteral(" <span style=\"color:#888\">· %1</span>").arg(goal_text);
  m_summary_plain = plain;
  m_summary->setText(html);
}

QString ComparePanel::summaryText() const { return m_summary_plain; }

// ---- params diff -------------------------------------------------------------------------

void ComparePanel::refreshParams() {
  std::vector<ParamsDiffModel::Run> runs;
  for (const auto& r : m_rows) {
    const QString id = QString::fromStdString(r.run.id);
    runs.push_back({id, runLabel(id), m_run_colors.value(id), r.params});
  }
  // Keep the view's column widths when only values change.
  const bool same_columns = m_params_model->runCount() == static_cast<int>(runs.size());
  m_params_model->setRuns(runs);
  if (!same_columns || m_params_view->horizontalHeader()->sectionSize(0) <= 0) {
    m_params_view->resizeColumnsToContents();
    for (int c = 0; c < m_params_model->columnCount(); ++c)
      m_params_view->setColumnWidth(c, std::clamp(m_params_view->columnWidth(c) + 12, 70, 240));
  }
  const int equal = m_params_model->equalCount(), differing = m_params_model->differingCount();
  if (differing + equal == 0)
    m_params_count->setText(tr("no params logged"));
  else if (m_only_diff->isChecked())
    m_params_count->setText(tr("%1 differ · %2 equal hidden").arg(differing).arg(equal));
  else
    m_params_count->setText(tr("%1 differ · %2 equal").arg(differing).arg(equal));
}

// ---- parallel coordinates ----------------------------------------------------------------

QStringList ComparePanel::autoAxisParams() const {
  // Params that differ, but not text unique to each run (paths, names): as categories they
  // would only draw a fan.
  QStringList out;
  std::vector<const store::ParamMap*> maps;
  for (const auto& r : m_rows) maps.push_back(&r.params);
  for (const auto& row : metrics::diffParams(maps)) {
    if (!row.differs) continue;
    if (!isNumericParam(row.values)) {
      std::set<std::string> distinct;
      for (const auto& v : row.values)
        if (v) distinct.insert(*v);
      if (distinct.size() == row.values.size() && row.values.size() > 3) continue;
    }
    out << QString::fromStdString(row.key);
    if (out.size() >= kMaxAutoAxes) break;
  }
  return out;
}

void ComparePanel::setAxisParams(const QStringList& keys) {
  m_axis_params = keys;
  m_axis_params_chosen = true;
  refreshParallel();
}

void ComparePanel::fillAxesMenu() {
  auto* menu = m_axes_button->menu();
  menu->clear();
  const QStringList shown = m_axis_params_chosen ? m_axis_params : autoAxisParams();
  auto* auto_action = menu->addAction(tr("Params that differ"));
  auto_action->setCheckable(true);
  auto_action->setChecked(!m_axis_params_chosen);
  connect(auto_action, &QAction::triggered, this, [this] {
    m_axis_params_chosen = false;
    refreshParallel();
  });
  menu->addSeparator();
  const QStringList differing = m_params_model->differingKeys();
  auto add = [&](const QString& key, QMenu* into) {
    auto* a = into->addAction(key);
    a->setCheckable(true);
    a->setChecked(shown.contains(key));
    connect(a, &QAction::toggled, this, [this, key](bool on) {
      QStringList keys = m_axis_params_chosen ? m_axis_params : autoAxisParams();
      if (on && !keys.contains(key)) keys << key;
      if (!on) keys.removeAll(key);
      setAxisParams(keys);
    });
  };
  for (const auto& k : differing) add(k, menu);
  const QStringList params = paramKeys();
  if (params.size() > differing.size()) {
    auto* same = menu->addMenu(tr("Equal in every run"));
    for (const auto& k : params)
      if (!differing.contains(k)) add(k, same);
  }
}

void ComparePanel::refreshParallel() {
  if (!m_axis_params_chosen) m_axis_params = autoAxisParams();
  QList<ParallelCoordsWidget::Run> runs;
  const QStringList ids = runIds();
  for (const auto& id : ids) runs.push_back({id, runLabel(id), m_run_colors.value(id)});
  QList<ParallelCoordsWidget::Axis> axes;
  for (const auto& key : m_axis_params) {
    ParallelCoordsWidget::Axis a;
    a.key = key;
    for (const auto& r : m_rows) {
      const auto it = r.params.find(key.toStdString());
      a.values << (it == r.params.end() ? QVariant()
                                        : QVariant(QString::fromStdString(it->second)));
    }
    axes << a;
  }
  const QString metric = targetMetric();
  if (!metric.isEmpty()) {
    ParallelCoordsWidget::Axis a;
    a.key = metric;
    a.is_target = true;
    a.allow_log = false;
    const auto goal = effectiveGoal();
    a.subtitle =
        goal == metrics::Goal::Min ? tr("best · lower is better") : tr("best · higher is better");
    for (const auto& id : ids) {
      const auto* s = summary(id, metric);
      const auto v = s ? metrics::bestValue(*s, goal) : std::nullopt;
      a.values << (v ? QVariant(*v) : QVariant());
    }
    axes << a;
  }
  m_parallel->setData(runs, axes);
  m_axes_button->setText(tr("Axes: %n param(s)", nullptr, static_cast<int>(m_axis_params.size())));
}

void ComparePanel::onBrushed(const QStringList& run_ids) {
  m_brushed = run_ids;
  QSet<QString> faded;
  if (m_parallel->hasBrushes())
    for (const auto& id : runIds())
      if (!run_ids.contains(id)) faded.insert(id);
  m_params_model->setFadedRuns(faded);
  m_scatter->setFadedRuns(faded);
  updateBrushControls();
  Q_EMIT runsBrushed(run_ids);
}

void ComparePanel::updateBrushControls() {
  const bool brushing = m_parallel->hasBrushes();
  m_brush_label->setText(
      brushing ? tr("%1 of %n run(s) selected", nullptr, static_cast<int>(runIds().size()))
                     .arg(m_brushed.size())
               : QString());
  m_clear_brushes->setVisible(brushing);
  m_compare_brushed->setEnabled(brushing && m_brushed.size() >= 2);
  m_select_brushed->setEnabled(brushing && !m_brushed.isEmpty());
}

// ---- scatter -----------------------------------------------------------------------------

QString ComparePanel::autoScatterParam() const {
  // A numeric param that differs (learning rates first: they are what people sweep), else
  // any that differs.
  std::vector<const store::ParamMap*> maps;
  for (const auto& r : m_rows) maps.push_back(&r.params);
  QString any;
  QString numeric;
  for (const auto& row : metrics::diffParams(maps)) {
    if (!row.differs) continue;
    const QString key = QString::fromStdString(row.key);
    if (any.isEmpty()) any = key;
    if (!isNumericParam(row.values)) continue;
    if (key.contains(QLatin1String("lr")) || key.contains(QLatin1String("learning_rate")))
      return key;
    if (numeric.isEmpty()) numeric = key;
  }
  return numeric.isEmpty() ? any : numeric;
}

void ComparePanel::setScatterParam(const QString& key) {
  m_scatter_param = key;
  refreshScatter();
}

void ComparePanel::setScatterMetric(const QString& key) {
  m_scatter_metric = key;
  refreshScatter();
}

void ComparePanel::refreshScatter() {
  const QStringList params = paramKeys(), metrics_keys = metricKeys();
  const QString param = m_scatter_param.isEmpty() || !params.contains(m_scatter_param)
                            ? autoScatterParam()
                            : m_scatter_param;
  const QString metric = m_scatter_metric.isEmpty() || !metrics_keys.contains(m_scatter_metric)
                             ? targetMetric()
                             : m_scatter_metric;
  {
    const QSignalBlocker a(m_scatter_param_combo), b(m_scatter_metric_combo);
    m_scatter_param_combo->setCurrentIndex(m_scatter_param_combo->findData(param));
    m_scatter_metric_combo->setCurrentIndex(m_scatter_metric_combo->findData(metric));
  }
  QList<ScatterPlotWidget::Point> points;
  const auto goal = goalOf(metric);
  for (const auto& r : m_rows) {
    const QString id = QString::fromStdString(r.run.id);
    ScatterPlotWidget::Point p{id, runLabel(id), m_run_colors.value(id), {}, std::nullopt};
    const auto it = r.params.find(param.toStdString());
    if (it != r.params.end()) p.x = QString::fromStdString(it->second);
    if (const auto* s = summary(id, metric)) p.y = metrics::bestValue(*s, goal);
    points << p;
  }
  m_scatter->setData(param, metric.isEmpty() ? QString() : tr("%1 (best)").arg(metric), points);
}

// ---- metrics table -----------------------------------------------------------------------

void ComparePanel::refreshMetricsTable() {
  const QStringList ids = runIds();
  QStringList keys = metricKeys();
  const QString target = targetMetric();
  if (keys.removeAll(target)) keys.prepend(target);
  m_metrics_table->clear();
  m_metrics_table->setColumnCount(2 + static_cast<int>(ids.size()));
  m_metrics_table->setRowCount(static_cast<int>(keys.size()));
  m_metrics_table->setHorizontalHeaderItem(0, new QTableWidgetItem(tr("Metric")));
  m_metrics_table->setHorizontalHeaderItem(1, new QTableWidgetItem(tr("Goal")));
  for (int c = 0; c < ids.size(); ++c) {
    auto* h = new QTableWidgetItem(RunColors::swatchIcon(m_run_colors.value(ids[c])), runLabel(ids[c]));
    h->setToolTip(ids[c]);
    m_metrics_table->setHorizontalHeaderItem(2 + c, h);
  }
  for (int r = 0; r < keys.size(); ++r) {
    const QString& key = keys[r];
    const auto goal = goalOf(key);
    auto* key_item = new QTableWidgetItem(key);
    if (key == target) {
      QFont f = key_item->font();
      f.setBold(true);
      key_item->setFont(f);
      key_item->setToolTip(tr("The metric runs are ranked by"));
    }
    const bool system = MetricPanelGrid::sectionOf(key) == QLatin1String("sys");
    if (system) key_item->setForeground(QColor(120, 120, 120));
    m_metrics_table->setItem(r, 0, key_item);
    m_metrics_table->setItem(r, 1,
                             new QTableWidgetItem(system ? QStringLiteral("—")
                                                  : goal == metrics::Goal::Min ? tr("min")
                                                                               : tr("max")));
    std::vector<const store::MetricSummary*> summaries;
    for (const auto& id : ids) summaries.push_back(summary(id, key));
    const auto ranked = metrics::rankRuns(summaries, goal);
    for (int c = 0; c < ids.size(); ++c) {
      const auto* s = summaries[static_cast<std::size_t>(c)];
      auto* item = new QTableWidgetItem;
      if (!s) {
        item->setText(QStringLiteral("—"));
        item->setForeground(QColor(150, 150, 150));
      } else {
        const auto best = metrics::bestValue(*s, goal);
        item->setText(best ? value(*best) : QStringLiteral("—"));
        item->setData(Qt::UserRole, best ? QVariant(*best) : QVariant());
        item->setToolTip(tr("%1 of %2\nbest %3 · last %4 · min %5 · max %6 · %7 points")
                             .arg(key, runLabel(ids[c]), best ? value(*best) : QStringLiteral("—"),
                                  s->last_value ? value(*s->last_value) : QStringLiteral("—"),
                                  s->min_value ? value(*s->min_value) : QStringLiteral("—"),
                                  s->max_value ? value(*s->max_value) : QStringLiteral("—"))
                             .arg(s->count));
        // Every run tied for best is marked, when there is a comparison to make. System
        // metrics (memory, CPU, timings) describe the machine, not the model: no winner.
        if (ranked.size() > 1 && best && *best == ranked[0].best && !system) {
          QFont f = item->font();
          f.setBold(true);
          item->setFont(f);
          item->setForeground(kBestColor);
          item->setBackground(QColor(226, 242, 230));
          item->setText(QStringLiteral("★ ") + item->text());
        }
      }
      m_metrics_table->setItem(r, 2 + c, item);
    }
  }
  m_metrics_table->resizeColumnsToContents();
  for (int c = 0; c < m_metrics_table->columnCount(); ++c)
    m_metrics_table->setColumnWidth(c, std::clamp(m_metrics_table->columnWidth(c) + 16, 60, 260));
}

// ---- charts ------------------------------------------------------------------------------

void ComparePanel::refreshCharts() {
  m_grid->setRunLabels(m_labels);
  m_grid->setRuns(runIds());
  setChartMetrics(m_chart_metrics);
}

void ComparePanel::setChartMetrics(const QStringList& keys) {
  m_chart_metrics = keys;
  // The grid's search takes a regular expression: an exact alternation shows just these.
  QStringList escaped;
  for (const auto& k : keys) escaped << QRegularExpression::escape(k);
  m_grid->setFilterText(keys.isEmpty() ? QString()
                                       : QStringLiteral("^(?:") + escaped.join(QLatin1Char('|')) +
                                             QStringLiteral(")$"));
  m_chart_metrics_button->setText(
      keys.isEmpty() ? tr("Metrics: all")
                     : tr("Metrics: %n chosen", nullptr, static_cast<int>(keys.size())));
}

void ComparePanel::fillChartMetricsMenu() {
  auto* menu = m_chart_metrics_button->menu();
  menu->clear();
  auto* all = menu->addAction(tr("All metrics"));
  all->setCheckable(true);
  all->setChecked(m_chart_metrics.isEmpty());
  connect(all, &QAction::triggered, this, [this] { setChartMetrics({}); });
  menu->addSeparator();
  QString last_section;
  for (const auto& key : metricKeys()) {
    const QString section = MetricPanelGrid::sectionOf(key);
    if (!last_section.isEmpty() && section != last_section) menu->addSeparator();
    last_section = section;
    auto* a = menu->addAction(key);
    a->setCheckable(true);
    a->setChecked(m_chart_metrics.contains(key));
    connect(a, &QAction::toggled, this, [this, key](bool on) {
      QStringList keys = m_chart_metrics;
      if (on && !keys.contains(key)) keys << key;
      if (!on) keys.removeAll(key);
      setChartMetrics(keys);
    });
  }
}

// ---- confusion matrices ------------------------------------------------------------------

void ComparePanel::loadArtifacts(const QStringList& run_ids) {
  for (const auto& id : run_ids) m_loading.insert(id);
  ++m_artifact_jobs;
  const Workspace workspace = m_session->workspace();
  std::vector<std::string> ids;
  for (const auto& id : run_ids) ids.push_back(id.toStdString());
  // Parented to the panel: a result never reaches a destroyed one.
  auto* watcher = new QFutureWatcher<std::vector<ArtifactResult>>(this);
  connect(watcher, &QFutureWatcher<std::vector<ArtifactResult>>::finished, this, [this, watcher] {
    watcher->deleteLater();
    --m_artifact_jobs;
    applyArtifacts(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run([workspace, ids]() {
    std::vector<ArtifactResult> out;
    auto db = workspace.connect();
    if (!db) {
      for (const auto& id : ids)
        out.push_back(
            {QString::fromStdString(id), std::nullopt, QString::fromStdString(db.error().text())});
      return out;
    }
    store::RunRepository repo(**db);
    const objects::ObjectStore objects(workspace.objectsDir());
    for (const auto& id : ids) {
      ArtifactResult r{QString::fromStdString(id), std::nullopt, {}};
      const auto artifacts = repo.artifacts(id);
      if (!artifacts) {
        r.error = QString::fromStdString(artifacts.error().text());
        out.push_back(std::move(r));
        continue;
      }
      for (const char* name : kMatrixArtifacts) {
        const auto it = std::find_if(artifacts->begin(), artifacts->end(),
                                     [&](const store::Artifact& a) { return a.path == name; });
        if (it == artifacts->end()) continue;
        const auto bytes = objects.read(it->object_id);
        if (!bytes) {
          r.error = QString::fromStdString(bytes.error().text());
          break;
        }
        QString error;
        r.matrix = ConfusionMatrix::fromJson(QByteArray::fromStdString(*bytes), &error);
        if (r.matrix)
          r.matrix->split = std::string_view(name).find("_test") != std::string_view::npos
                                ? QStringLiteral("test")
                                : QStringLiteral("val");
        else
          r.error = QStringLiteral("%1: %2").arg(QString::fromLatin1(name), error);
        break;
      }
      out.push_back(std::move(r));
    }
    return out;
  }));
}

void ComparePanel::applyArtifacts(const std::vector<ArtifactResult>& results) {
  const QStringList ids = runIds();
  for (const auto& r : results) {
    m_loading.remove(r.run_id);
    if (!ids.contains(r.run_id)) continue;
    m_matrices[r.run_id] = r.matrix;
    if (r.error.isEmpty())
      m_matrix_errors.erase(r.run_id);
    else
      m_matrix_errors[r.run_id] = r.error;
  }
  refreshConfusionLayout();
  if (m_artifact_jobs == 0) Q_EMIT artifactsLoaded();
}

ConfusionMatrixWidget* ComparePanel::confusionMatrix(const QString& run_id) const {
  const auto it = m_matrix_widgets.find(run_id);
  return it == m_matrix_widgets.end() ? nullptr : it->second;
}

QList<ConfusionMatrixWidget*> ComparePanel::confusionMatrices() const {
  QList<ConfusionMatrixWidget*> out;
  for (const auto& id : runIds())
    if (auto* w = confusionMatrix(id)) out << w;
  return out;
}

void ComparePanel::refreshConfusionLayout() {
  const QStringList ids = runIds();
  for (auto it = m_matrix_widgets.begin(); it != m_matrix_widgets.end();) {
    if (ids.contains(it->first)) {
      ++it;
      continue;
    }
    delete it->second;
    it = m_matrix_widgets.erase(it);
  }
  int with = 0, without = 0, failed = 0;
  for (const auto& id : ids) {
    auto*& w = m_matrix_widgets[id];
    if (!w) {
      w = new ConfusionMatrixWidget(m_matrices_host);
      w->setCellText(m_matrix_percent->isChecked() ? ConfusionMatrixWidget::CellText::RowPercent
                                                   : ConfusionMatrixWidget::CellText::Counts);
    }
    w->setRun(id, runLabel(id), m_run_colors.value(id));
    const auto m = m_matrices.find(id);
    if (m == m_matrices.end() || (m_loading.contains(id) && !m->second)) {
      if (!w->hasMatrix()) w->setMessage(tr("Loading…"));
    } else if (m->second) {
      w->setMatrix(*m->second);
      ++with;
    } else if (const auto e = m_matrix_errors.find(id); e != m_matrix_errors.end()) {
      w->setMessage(tr("Could not read the confusion matrix:\n%1").arg(e->second));
      ++failed;
    } else {
      const RunRow* r = row(id);
      w->setMessage(r && !store::isTerminal(r->run.status)
                        ? tr("The confusion matrix is stored when the run finishes.")
                        : tr("No confusion matrix: not a classification run, or trained without an "
                             "evaluation split."));
      ++without;
    }
  }
  QString note;
  if (with > 0)
    note = tr("Rows: true class · columns: predicted · shaded by share of the true class");
  if (without + failed > 0)
    note += (note.isEmpty() ? QString() : QStringLiteral("   ·   ")) +
            tr("%n run(s) without a confusion matrix", nullptr, without + failed);
  m_matrices_note->setText(note);
  m_matrix_columns = -1;  // force a re-layout
  layoutMatrices();
}

void ComparePanel::layoutMatrices() {
  const QList<ConfusionMatrixWidget*> widgets = confusionMatrices();
  int widest = 1;
  for (auto* w : widgets) widest = std::max(widest, w->sizeHint().width());
  const int spacing = m_matrices_layout->horizontalSpacing();
  const int available = m_matrices_scroll->viewport()->width() - 8;
  const int columns = std::max(
      1, std::min(static_cast<int>(widgets.size()), (available + spacing) / (widest + spacing)));
  if (columns == m_matrix_columns && m_matrices_layout->count() == widgets.size()) return;
  m_matrix_columns = columns;
  while (m_matrices_layout->count() > 0) delete m_matrices_layout->takeAt(0);
  for (int i = 0; i < widgets.size(); ++i)
    m_matrices_layout->addWidget(widgets[i], i / columns, i % columns,
                                 Qt::AlignLeft | Qt::AlignTop);
  // Spare room goes right and below, not between the matrices.
  for (int c = 0; c <= columns; ++c) m_matrices_layout->setColumnStretch(c, c == columns ? 1 : 0);
  const int rows = (static_cast<int>(widgets.size()) + columns - 1) / columns;
  for (int r = 0; r <= rows; ++r) m_matrices_layout->setRowStretch(r, r == rows ? 1 : 0);
}

bool ComparePanel::eventFilter(QObject* watched, QEvent* event) {
  if (m_matrices_scroll && watched == m_matrices_scroll->viewport() &&
      event->type() == QEvent::Resize)
    layoutMatrices();
  return QWidget::eventFilter(watched, event);
}

// ---- tabs and state ----------------------------------------------------------------------

void ComparePanel::showTab(Tab tab) {
  const int i = static_cast<int>(tab);
  if (i >= 0 && i < m_tabs->count()) m_tabs->setCurrentIndex(i);
}

ComparePanel::Tab ComparePanel::currentTab() const {
  const int i = m_tabs->currentIndex();
  return i < 0 ? Tab::Unknown : static_cast<Tab>(i);
}

QByteArray ComparePanel::saveState() const {
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << kStateVersion << m_tabs->currentIndex() << m_overview_split->saveState()
    << m_bottom_split->saveState() << m_only_diff->isChecked() << m_target
    << static_cast<int>(m_goal_override) << m_axis_params_chosen << m_axis_params << m_scatter_param
    << m_scatter_metric << m_chart_metrics << m_matrix_percent->isChecked();
  return out;
}

void ComparePanel::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0, version = 0;
  int tab = 0, goal = 0;
  QByteArray overview, bottom;
  bool only_diff = true, axes_chosen = false, percent = false;
  QString target, scatter_param, scatter_metric;
  QStringList axes, chart_metrics;
  s >> magic >> version >> tab >> overview >> bottom >> only_diff >> target >> goal >>
      axes_chosen >> axes >> scatter_param >> scatter_metric >> chart_metrics >> percent;
  if (magic != kStateMagic || version != kStateVersion || s.status() != QDataStream::Ok) return;
  m_tabs->setCurrentIndex(std::clamp(tab, 0, m_tabs->count() - 1));
  m_overview_split->restoreState(overview);
  m_bottom_split->restoreState(bottom);
  m_only_diff->setChecked(only_diff);
  m_matrix_percent->setChecked(percent);
  m_target = target;
  m_goal_override =
      goal == static_cast<int>(metrics::Goal::Min) || goal == static_cast<int>(metrics::Goal::Max)
          ? static_cast<metrics::Goal>(goal)
          : metrics::Goal::Unknown;
  m_axis_params_chosen = axes_chosen;
  m_axis_params = axes;
  m_scatter_param = scatter_param;
  m_scatter_metric = scatter_metric;
  m_chart_metrics = chart_metrics;
  if (runIds().size() >= 2)
    refreshAll();
  else
    setChartMetrics(m_chart_metrics);
}

}  // namespace wb::ui
