#include "ui/compare/compare_panel.h"

#include <algorithm>
#include <map>
#include <set>

#include <QCheckBox>
#include <QCryptographicHash>
#include <QDataStream>
#include <QHBoxLayout>
#include <QIODevice>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/charts/metric_series_store.h"
#include "ui/common/run_colors.h"
#include "ui/compare/compare_charts_tab.h"
#include "ui/compare/compare_confusion_tab.h"
#include "ui/compare/compare_metrics_table.h"
#include "ui/compare/compare_parallel_section.h"
#include "ui/compare/compare_params_section.h"
#include "ui/compare/compare_scatter_section.h"
#include "ui/compare/compare_style.h"
#include "ui/compare/compare_summary_bar.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {
constexpr quint32 kStateMagic = 0x57424350;  // "WBCP"
constexpr quint32 kStateVersion = 1;

QString digest(const QString& text) {
  return QString::fromLatin1(
      QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
}
}  // namespace

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
  m_empty = buildEmptyState();
  m_stack->addWidget(m_empty);
  m_content = buildContent();
  m_stack->addWidget(m_content);
  connectParts();
  m_stack->setCurrentWidget(m_empty);
  if (session->lastSnapshot()) onSnapshot(session->lastSnapshot());
}

ComparePanel::~ComparePanel() {
  // The grid releases its runs from the (maybe shared) store: it goes before anything else.
  delete m_charts;
  m_charts = nullptr;
}

QWidget* ComparePanel::buildEmptyState() {
  // What to do to get a comparison.
  m_empty = new QWidget(m_stack);
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
  return m_empty;
}

QWidget* ComparePanel::buildContent() {
  m_content = new QWidget(m_stack);
  auto* content = new QVBoxLayout(m_content);
  content->setContentsMargins(0, 0, 0, 0);
  content->setSpacing(6);
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
  m_register_best = new QPushButton(tr("Register Best Run…"), m_content);
  m_register_best->setToolTip(tr("Register the best run on the ranking metric as a model version"));
  connect(m_register_best, &QPushButton::clicked, this, [this] {
    if (!bestRunId().isEmpty()) Q_EMIT registerModelRequested(bestRunId());
  });
  head->addWidget(m_register_best, 0, Qt::AlignTop);
  content->addLayout(head);
  m_summary = new CompareSummaryBar(&m_runs, m_content);
  content->addWidget(m_summary);
  content->addWidget(buildTabs(m_content), 1);
  return m_content;
}

QTabWidget* ComparePanel::buildTabs(QWidget* parent) {
  m_tabs = new QTabWidget(parent);
  m_tabs->setDocumentMode(true);
  // Overview: parallel coordinates over params diff and scatter.
  m_overview_split = new QSplitter(Qt::Vertical, m_tabs);
  m_overview_split->setChildrenCollapsible(false);
  m_parallel = new CompareParallelSection(&m_runs, m_overview_split);
  m_bottom_split = new QSplitter(Qt::Horizontal, m_overview_split);
  m_bottom_split->setChildrenCollapsible(false);
  m_params = new CompareParamsSection(&m_runs, m_bottom_split);
  m_scatter = new CompareScatterSection(&m_runs, m_bottom_split);
  m_bottom_split->setStretchFactor(0, 5);
  m_bottom_split->setStretchFactor(1, 4);
  m_overview_split->setStretchFactor(0, 1);
  m_overview_split->setStretchFactor(1, 1);
  m_overview_split->setSizes({520, 420});  // scaled to the real height when first laid out
  m_tabs->addTab(m_overview_split, tr("Overview"));
  m_charts =
      new CompareChartsTab(&m_runs, m_store, m_colors,
                           QStringLiteral("compareGrid/") + digest(m_session->dbPath()), m_tabs);
  m_tabs->addTab(m_charts, tr("Charts"));
  m_metrics_table = new CompareMetricsTable(&m_runs, m_tabs);
  m_tabs->addTab(m_metrics_table, tr("Metrics"));
  m_confusion = new CompareConfusionTab(&m_runs, m_tabs);
  m_tabs->addTab(m_confusion, tr("Confusion Matrices"));
  return m_tabs;
}

void ComparePanel::connectParts() {
  connect(m_summary, &CompareSummaryBar::targetChosen, this, &ComparePanel::setTargetMetric);
  connect(m_summary, &CompareSummaryBar::goalChosen, this, &ComparePanel::setGoalOverride);
  connect(m_parallel, &CompareParallelSection::runsBrushed, this, [this](const QStringList& ids) {
    const QSet<QString> faded = m_parallel->fadedRuns();
    m_params->setFadedRuns(faded);
    m_scatter->setFadedRuns(faded);
    Q_EMIT runsBrushed(ids);
  });
  connect(m_parallel, &CompareParallelSection::compareRequested, this, &ComparePanel::setRuns);
  connect(m_parallel, &CompareParallelSection::selectInRunsRequested, this,
          &ComparePanel::selectInRunsRequested);
  connect(m_confusion, &CompareConfusionTab::loaded, this, &ComparePanel::artifactsLoaded);
  connect(m_colors, &RunColors::changed, this, [this] {
    if (runIds().size() >= 2) refreshAll();
  });
  connect(m_session, &WorkspaceSession::snapshotReady, this, &ComparePanel::onSnapshot);
}

// ---- runs --------------------------------------------------------------------------------

void ComparePanel::setRuns(const QStringList& run_ids) {
  QStringList unique;
  for (const auto& id : run_ids)
    if (!id.isEmpty() && !unique.contains(id)) unique << id;
  m_requested = unique;
  rebuildRuns();
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

std::vector<RunRow> ComparePanel::requestedRows() {
  std::vector<RunRow> rows;
  if (!m_snapshot) return rows;
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
  return rows;
}

void ComparePanel::rebuildRuns() {
  std::vector<RunRow> rows = requestedRows();
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
      const RunRow* before = m_runs.row(id);
      if (before && !store::isTerminal(before->run.status) && store::isTerminal(r.run.status))
        finished_now << id;
    }
  }
  if (!changed) return;
  m_runs.setRows(std::move(rows));
  m_signatures = signatures;

  if (!same_runs) {
    QStringList to_load = m_confusion->keepOnly(new_ids);
    for (const auto& id : finished_now)
      if (!to_load.contains(id)) to_load << id;
    refreshAll();
    if (!to_load.isEmpty()) m_confusion->load(m_session->workspace(), to_load);
    Q_EMIT runsChanged(new_ids);
    return;
  }
  // Same runs, new values (training goes on): the grid's series follow by themselves.
  refreshSections();
  m_charts->refreshLabels();
  if (!finished_now.isEmpty()) m_confusion->load(m_session->workspace(), finished_now);
  m_confusion->refreshLayout();
}

void ComparePanel::updateRegisterBest() {
  const RunRow* best = bestRunId().isEmpty() ? nullptr : m_runs.row(bestRunId());
  m_register_best->setEnabled(best && store::isTerminal(best->run.status));
}

void ComparePanel::refreshSections() {
  refreshChips();
  m_summary->refresh();
  updateRegisterBest();
  m_scatter->refreshPickers();
  m_params->refresh();
  m_parallel->refresh();
  m_scatter->refresh();
  m_metrics_table->refresh();
}

void ComparePanel::refreshAll() {
  const QStringList ids = runIds();
  QHash<QString, QColor> colors = m_colors->assign(ids);
  for (const auto& id : ids)
    if (!colors.contains(id)) colors.insert(id, RunColors::defaultColor(id));
  m_runs.setColors(colors);
  m_stack->setCurrentWidget(ids.size() >= 2 ? m_content : m_empty);
  refreshSections();
  m_charts->refresh();
  m_confusion->refreshLayout();
}

void ComparePanel::refreshRanking() {
  m_summary->refresh();
  updateRegisterBest();
  m_scatter->refreshPickers();
  m_parallel->refresh();
  m_scatter->refresh();
  m_metrics_table->refresh();
}

void ComparePanel::refreshChips() {
  const QStringList ids = runIds();
  m_title->setText(tr("Comparing %n run(s)", nullptr, static_cast<int>(ids.size())));
  QString html;
  const bool removable = ids.size() > 2;
  for (const auto& id : ids) {
    const RunRow* r = m_runs.row(id);
    QString status;
    if (r && r->run.status != store::RunStatus::Finished)
      status = QStringLiteral(" <span style=\"color:#888\">(%1)</span>")
                   .arg(QString::fromUtf8(
                       store::toString(r->run.status).data(),
                       static_cast<qsizetype>(store::toString(r->run.status).size())));
    html += QStringLiteral(
                "<span style=\"white-space:nowrap\">%1&nbsp;%2%3%4</span>&nbsp;&nbsp;&nbsp; ")
                .arg(compare_style::swatchHtml(m_runs.color(id)), m_runs.label(id).toHtmlEscaped(),
                     status,
                     removable ? QStringLiteral("&nbsp;<a href=\"remove:%1\" style=\"color:#999; "
                                                "text-decoration:none\">&#x2715;</a>")
                                     .arg(id.toHtmlEscaped())
                               : QString());
  }
  m_chips->setText(html);
}

// ---- the parts' choices ------------------------------------------------------------------

void ComparePanel::setTargetMetric(const QString& key) {
  if (key == m_runs.chosenTarget()) return;
  m_runs.setChosenTarget(key);
  refreshRanking();
}

void ComparePanel::setGoalOverride(metrics::Goal goal) {
  if (goal == m_runs.goalOverride()) return;
  m_runs.setGoalOverride(goal);
  refreshRanking();
}

QString ComparePanel::bestRunId() const { return m_summary->bestRunId(); }
QString ComparePanel::runnerUpRunId() const { return m_summary->runnerUpRunId(); }
QString ComparePanel::summaryText() const { return m_summary->summaryText(); }
void ComparePanel::setAxisParams(const QStringList& keys) { m_parallel->setAxisParams(keys); }
QStringList ComparePanel::axisParams() const { return m_parallel->axisParams(); }
void ComparePanel::setScatterParam(const QString& key) { m_scatter->setParam(key); }
QString ComparePanel::scatterParam() const { return m_scatter->param(); }
void ComparePanel::setScatterMetric(const QString& key) { m_scatter->setMetric(key); }
QString ComparePanel::scatterMetric() const { return m_scatter->metric(); }
void ComparePanel::setChartMetrics(const QStringList& keys) { m_charts->setChartMetrics(keys); }
QStringList ComparePanel::chartMetrics() const { return m_charts->chartMetrics(); }
QStringList ComparePanel::brushedRuns() const { return m_parallel->brushedRuns(); }
ParamsDiffModel* ComparePanel::paramsModel() const { return m_params->model(); }
QTableView* ComparePanel::paramsView() const { return m_params->view(); }
QCheckBox* ComparePanel::onlyDifferencesBox() const { return m_params->onlyDifferencesBox(); }
QLabel* ComparePanel::paramsCountLabel() const { return m_params->countLabel(); }
ParallelCoordsWidget* ComparePanel::parallelCoords() const { return m_parallel->plot(); }
ScatterPlotWidget* ComparePanel::scatterPlot() const { return m_scatter->plot(); }
MetricPanelGrid* ComparePanel::chartGrid() const { return m_charts->grid(); }
QTableWidget* ComparePanel::metricsTable() const { return m_metrics_table; }
QComboBox* ComparePanel::targetMetricCombo() const { return m_summary->targetCombo(); }
QComboBox* ComparePanel::goalCombo() const { return m_summary->goalCombo(); }
QPushButton* ComparePanel::compareBrushedButton() const {
  return m_parallel->compareBrushedButton();
}
QPushButton* ComparePanel::selectBrushedButton() const { return m_parallel->selectBrushedButton(); }
bool ComparePanel::isLoadingArtifacts() const { return m_confusion->isLoading(); }

ConfusionMatrixWidget* ComparePanel::confusionMatrix(const QString& run_id) const {
  return m_confusion->matrix(run_id);
}

QList<ConfusionMatrixWidget*> ComparePanel::confusionMatrices() const {
  return m_confusion->matrices();
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
    << m_bottom_split->saveState() << m_params->onlyDifferencesBox()->isChecked()
    << m_runs.chosenTarget() << static_cast<int>(m_runs.goalOverride())
    << m_parallel->axisParamsChosen() << m_parallel->axisParams() << m_scatter->param()
    << m_scatter->metric() << m_charts->chartMetrics() << m_confusion->percentBox()->isChecked();
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
  m_params->onlyDifferencesBox()->setChecked(only_diff);
  m_confusion->percentBox()->setChecked(percent);
  m_runs.setChosenTarget(target);
  m_runs.setGoalOverride(goal == static_cast<int>(metrics::Goal::Min) ||
                                 goal == static_cast<int>(metrics::Goal::Max)
                             ? static_cast<metrics::Goal>(goal)
                             : metrics::Goal::Unknown);
  m_parallel->restoreAxisParams(axes, axes_chosen);
  m_scatter->restoreChoices(scatter_param, scatter_metric);
  m_charts->setChartMetrics(chart_metrics);
  if (runIds().size() >= 2) refreshAll();
}

}  // namespace wb::ui
