#include "ui/experiments/run_queue_widget.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDataStream>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIODevice>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QStyleOptionProgressBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/experiments/run_launcher.h"
#include "ui/experiments/run_queue_model.h"

namespace wb::ui {

namespace {

constexpr quint32 kStateMagic = 0x57425251;  // "WBRQ"
constexpr int kCoalesceMs = 40;

// The Progress column as a bar with the model's text on it, tinted by status. Private to this
// widget: nothing else draws queue progress.
class ProgressDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    QStyleOptionViewItem item = option;
    initStyleOption(&item, index);
    const QString text = item.text;
    item.text.clear();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget);  // selection background
    const auto status = static_cast<LaunchStatus>(index.data(RunQueueModel::StatusRole).toInt());
    if (text.isEmpty() && status != LaunchStatus::Running) return;

    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(3, 3, -3, -3);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress =
        static_cast<int>(std::lround(index.data(RunQueueModel::ProgressRole).toDouble() * 1000));
    bar.text = option.fontMetrics.elidedText(text, Qt::ElideRight, bar.rect.width() - 6);
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.palette = option.palette;
    bar.palette.setColor(QPalette::Highlight, RunQueueModel::statusColor(status));
    bar.palette.setColor(QPalette::HighlightedText, Qt::white);
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
  }

  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(std::max(s.width() + 24, 170));
    return s;
  }
};

QToolButton* toolButton(QAction* action, const QString& object_name, QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setDefaultAction(action);
  b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  b->setAutoRaise(true);
  b->setObjectName(object_name);
  return b;
}

QLabel* paneTitle(const QString& text, QWidget* parent) {
  auto* l = new QLabel(text, parent);
  QFont f = l->font();
  f.setBold(true);
  l->setFont(f);
  l->setContentsMargins(2, 4, 2, 2);
  return l;
}

}  // namespace

RunQueueWidget::RunQueueWidget(RunLauncher* launcher, QWidget* parent)
    : QWidget(parent),
      m_launcher(launcher),
      m_model(new RunQueueModel(launcher, this)),
      m_view(new QTableView(this)),
      m_stack(new QStackedWidget(this)),
      m_empty(new QLabel(this)),
      m_summary(new QLabel(this)),
      m_log_title(paneTitle(tr("Log"), this)),
      m_metrics_title(paneTitle(tr("Latest metrics"), this)),
      m_log(new QPlainTextEdit(this)),
      m_metrics(new QTableWidget(0, 2, this)),
      m_vsplit(new QSplitter(Qt::Vertical, this)),
      m_hsplit(new QSplitter(Qt::Horizontal, this)),
      m_stop(new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this)),
      m_stop_all(new QAction(tr("Stop All"), this)),
      m_clear(new QAction(style()->standardIcon(QStyle::SP_DialogResetButton), tr("Clear Finished"),
                          this)),
      m_open(new QAction(style()->standardIcon(QStyle::SP_ArrowForward), tr("Open in Runs"), this)),
      m_copy_id(new QAction(tr("Copy Run ID"), this)),
      m_coalesce(new QTimer(this)),
      m_tick(new QTimer(this)) {
  setObjectName(QStringLiteral("RunQueueWidget"));
  setupActions();
  QHBoxLayout* toolbar = buildToolbar();
  setupTable();
  setupPanes();
  layoutPanes(toolbar);
  connectModel();

  updateEmptyState();
  onSelectionChanged();
}

void RunQueueWidget::setupActions() {
  // Actions. Del stops the selected job; the shortcut stays inside this widget.
  m_stop->setObjectName(QStringLiteral("stopAction"));
  m_stop->setShortcut(QKeySequence::Delete);
  m_stop->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  addAction(m_stop);
  m_stop_all->setObjectName(QStringLiteral("stopAllAction"));
  m_stop_all->setToolTip(tr("Stop every run and sweep of this queue"));
  m_clear->setObjectName(QStringLiteral("clearFinishedAction"));
  m_clear->setToolTip(
      tr("Remove ended runs and their logs from this list (the runs stay in Runs)"));
  m_open->setObjectName(QStringLiteral("openRunAction"));
  m_open->setToolTip(tr("Show the selected run in the Runs section (double-click)"));
  connect(m_stop, &QAction::triggered, this, &RunQueueWidget::stopSelected);
  connect(m_stop_all, &QAction::triggered, this, [this] { m_launcher->stopAll(); });
  connect(m_clear, &QAction::triggered, this, [this] { m_launcher->clearFinished(); });
  connect(m_open, &QAction::triggered, this, &RunQueueWidget::openSelected);
  connect(m_copy_id, &QAction::triggered, this, [this] {
    if (const RunEntry* e = selectedEntry(); e && !e->run_id.isEmpty())
      QApplication::clipboard()->setText(e->run_id);
  });
}

QHBoxLayout* RunQueueWidget::buildToolbar() {
  auto* toolbar = new QHBoxLayout;
  toolbar->setSpacing(2);
  m_stop_button = toolButton(m_stop, QStringLiteral("stopButton"), this);
  m_stop_all_button = toolButton(m_stop_all, QStringLiteral("stopAllButton"), this);
  m_clear_button = toolButton(m_clear, QStringLiteral("clearFinishedButton"), this);
  m_open_button = toolButton(m_open, QStringLiteral("openRunButton"), this);
  toolbar->addWidget(m_stop_button);
  toolbar->addWidget(m_stop_all_button);
  toolbar->addWidget(m_clear_button);
  toolbar->addSpacing(12);
  toolbar->addWidget(m_open_button);
  toolbar->addStretch(1);
  m_summary->setObjectName(QStringLiteral("runQueueSummary"));
  m_summary->setForegroundRole(QPalette::PlaceholderText);
  toolbar->addWidget(m_summary);
  return toolbar;
}

void RunQueueWidget::setupTable() {
  // The table.
  m_view->setObjectName(QStringLiteral("runQueueView"));
  m_view->setModel(m_model);
  m_view->setItemDelegateForColumn(RunQueueModel::kProgress, new ProgressDelegate(m_view));
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_view->setAlternatingRowColors(true);
  m_view->setWordWrap(false);
  m_view->setShowGrid(false);
  m_view->setTextElideMode(Qt::ElideRight);
  m_view->verticalHeader()->hide();
  m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 10);
  auto* header = m_view->horizontalHeader();
  header->setHighlightSections(false);
  header->setStretchLastSection(false);
  header->setSectionResizeMode(RunQueueModel::kMetrics, QHeaderView::Stretch);
  // Widths from sample texts, so they hold whatever the font.
  const QFontMetrics fm = m_view->fontMetrics();
  auto width = [&fm](const char* sample, int extra) {
    return fm.horizontalAdvance(QLatin1String(sample)) + extra;
  };
  const int em = fm.horizontalAdvance(QLatin1Char('M'));
  m_view->setColumnWidth(RunQueueModel::kRun, width("sweep-iris-mlp-12 (x)", 16));
  m_view->setColumnWidth(RunQueueModel::kConfig, width("iris-mlp.yaml optim.lr=0.01", 16));
  m_view->setColumnWidth(RunQueueModel::kStatus, width("queued · 12 ahead", 36));
  m_view->setColumnWidth(RunQueueModel::kProgress, width("epoch 100/100 · step 10000", 30));
  m_view->setColumnWidth(RunQueueModel::kEta, width("59m 59s", 16));
  m_view->setColumnWidth(RunQueueModel::kSamples, width("Samples/s", 20));
  m_view->setColumnWidth(RunQueueModel::kDuration, width("Duration", 20));
  header->setMinimumSectionSize(4 * em);
  m_view->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    if (!selectedEntry()) return;
    QMenu menu(this);
    menu.addAction(m_stop);
    menu.addAction(m_open);
    menu.addSeparator();
    menu.addAction(m_copy_id);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
  });
  connect(m_view, &QAbstractItemView::doubleClicked, this,
          [this](const QModelIndex&) { openSelected(); });
  connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          &RunQueueWidget::onSelectionChanged);
  connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunQueueWidget::onSelectionChanged);
}

void RunQueueWidget::setupPanes() {
  m_empty->setObjectName(QStringLiteral("runQueueEmptyState"));
  m_empty->setText(tr("No runs yet — press Run in the editor above"));
  m_empty->setAlignment(Qt::AlignCenter);
  m_empty->setForegroundRole(QPalette::PlaceholderText);
  m_empty->setWordWrap(true);
  m_stack->addWidget(m_empty);
  m_stack->addWidget(m_view);

  // Log: monospace, read-only, follows the tail unless the user scrolled up.
  m_log->setObjectName(QStringLiteral("runLogView"));
  m_log->setReadOnly(true);
  m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_log->setMaximumBlockCount(RunLauncher::kMaxLogLines);
  m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_log->setPlaceholderText(tr("Select a run to see its output"));
  m_log->setUndoRedoEnabled(false);

  m_metrics->setObjectName(QStringLiteral("runMetricsTable"));
  m_metrics->setHorizontalHeaderLabels({tr("Metric"), tr("Value")});
  m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_metrics->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_metrics->setAlternatingRowColors(true);
  m_metrics->setShowGrid(false);
  m_metrics->setWordWrap(false);
  m_metrics->verticalHeader()->hide();
  m_metrics->verticalHeader()->setDefaultSectionSize(m_metrics->fontMetrics().height() + 6);
  m_metrics->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_metrics->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  m_metrics->horizontalHeader()->setHighlightSections(false);
}

void RunQueueWidget::layoutPanes(QHBoxLayout* toolbar) {
  auto pane = [this](QLabel* title, QWidget* body) {
    auto* w = new QWidget(m_hsplit);
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(2);
    l->addWidget(title);
    l->addWidget(body, 1);
    return w;
  };
  m_hsplit->addWidget(pane(m_log_title, m_log));
  m_hsplit->addWidget(pane(m_metrics_title, m_metrics));
  m_hsplit->setStretchFactor(0, 3);
  m_hsplit->setStretchFactor(1, 1);
  m_hsplit->setChildrenCollapsible(false);

  auto* top = new QWidget(m_vsplit);
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  top_layout->setSpacing(2);
  top_layout->addLayout(toolbar);
  top_layout->addWidget(m_stack, 1);
  m_vsplit->addWidget(top);
  m_vsplit->addWidget(m_hsplit);
  m_vsplit->setStretchFactor(0, 3);
  m_vsplit->setStretchFactor(1, 2);
  m_vsplit->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_vsplit);
}

void RunQueueWidget::connectModel() {
  // Model and launcher.
  connect(m_model, &QAbstractItemModel::rowsInserted, this,
          [this](const QModelIndex&, int first, int) {
            updateEmptyState();
            // A new job's run is what the user wants to watch, unless they picked another one.
            const RunEntry* e = m_model->entryAt(first);
            if (e && e->kind != LaunchKind::SweepChild && !m_view->selectionModel()->hasSelection())
              selectRow(first);
            updateActions();
          });
  connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
    updateEmptyState();
    onSelectionChanged();
  });
  connect(m_model, &QAbstractItemModel::dataChanged, this,
          [this](const QModelIndex& tl, const QModelIndex& br) {
            const int row = m_model->rowOfKey(m_selected_key);
            if (row >= tl.row() && row <= br.row() && tl.column() == 0) {
              m_metrics_dirty = true;
              if (!m_coalesce->isActive()) m_coalesce->start();
            }
            if (tl.column() == 0) updateActions();
          });
  connect(m_launcher, &RunLauncher::logAppended, this, &RunQueueWidget::onLogAppended);
  connect(m_launcher, &RunLauncher::jobFinished, this, [this] { updateActions(); });

  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(kCoalesceMs);
  connect(m_coalesce, &QTimer::timeout, this, &RunQueueWidget::flushPending);
  m_tick->setInterval(1000);
  connect(m_tick, &QTimer::timeout, this, [this] {
    m_model->tick();
    updateActions();  // a pending stop turns into Kill after 5 s
  });
  m_tick->start();
}

const RunEntry* RunQueueWidget::selectedEntry() const {
  const QModelIndexList rows = m_view->selectionModel()->selectedRows();
  return rows.isEmpty() ? nullptr : m_model->entryAt(rows.first().row());
}

void RunQueueWidget::selectRow(int row) {
  if (row < 0 || row >= m_model->rowCount()) return;
  m_view->selectionModel()->setCurrentIndex(
      m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void RunQueueWidget::onSelectionChanged() {
  const RunEntry* e = selectedEntry();
  m_selected_key = e ? e->key : -1;
  const int job = e ? e->job : -1;
  if (job != m_log_job) {
    m_log_job = job;
    reloadLog();
  }
  QString name;
  if (e)
    name = e->name.isEmpty()
               ? m_model->index(m_model->rowOfKey(e->key), RunQueueModel::kRun).data().toString()
               : e->name;
  m_metrics_title->setText(e ? tr("Latest metrics — %1").arg(name) : tr("Latest metrics"));
  updateMetrics();
  updateActions();
}

void RunQueueWidget::reloadLog() {
  m_pending_log.clear();
  const int root = m_launcher->rootRowOfJob(m_log_job);
  const RunEntry* e = root >= 0 ? &m_launcher->entry(root) : nullptr;
  m_log_title->setText(e ? tr("Log — %1").arg(e->name.isEmpty() ? e->config : e->name) : tr("Log"));
  m_log->setPlainText(m_launcher->log(m_log_job).join(QLatin1Char('\n')));
  m_log->verticalScrollBar()->setValue(m_log->verticalScrollBar()->maximum());
}

void RunQueueWidget::onLogAppended(int job, const QString& line) {
  if (job != m_log_job) return;
  m_pending_log << line;
  if (!m_coalesce->isActive()) m_coalesce->start();
}

void RunQueueWidget::flushPending() {
  if (!m_pending_log.isEmpty()) {
    QScrollBar* bar = m_log->verticalScrollBar();
    const bool at_end = bar->value() >= bar->maximum() - 2;
    const int kept = bar->value();
    m_log->appendPlainText(m_pending_log.join(QLatin1Char('\n')));
    m_pending_log.clear();
    bar->setValue(at_end ? bar->maximum() : kept);
    // The title follows the run's name once the CLI reports it.
    const int root = m_launcher->rootRowOfJob(m_log_job);
    if (root >= 0 && !m_launcher->entry(root).name.isEmpty())
      m_log_title->setText(tr("Log — %1").arg(m_launcher->entry(root).name));
  }
  if (m_metrics_dirty) {
    m_metrics_dirty = false;
    updateMetrics();
  }
}

void RunQueueWidget::updateMetrics() {
  const RunEntry* e = selectedEntry();
  QStringList keys;
  if (e)
    for (auto it = e->metrics.begin(); it != e->metrics.end(); ++it) keys << it.key();
  // Model metrics first, the sys/ bookkeeping after: what the user reads first is on top.
  std::stable_partition(keys.begin(), keys.end(),
                        [](const QString& k) { return !k.startsWith(QLatin1String("sys/")); });
  m_metrics->setRowCount(static_cast<int>(keys.size()));
  for (int r = 0; r < keys.size(); ++r) {
    const double v = e->metrics.value(keys[r]);
    auto* key_item = m_metrics->item(r, 0);
    if (!key_item) {
      key_item = new QTableWidgetItem;
      m_metrics->setItem(r, 0, key_item);
    }
    key_item->setText(keys[r]);
    auto* value_item = m_metrics->item(r, 1);
    if (!value_item) {
      value_item = new QTableWidgetItem;
      value_item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_metrics->setItem(r, 1, value_item);
    }
    value_item->setText(std::isnan(v) ? QStringLiteral("nan") : QString::number(v, 'g', 6));
    value_item->setToolTip(QString::number(v, 'g', 17));
  }
}

void RunQueueWidget::updateActions() {
  const RunEntry* e = selectedEntry();
  const bool job_active = e && m_launcher->isJobActive(e->job);
  const bool is_sweep = e && (e->kind == LaunchKind::Sweep || e->kind == LaunchKind::SweepChild);
  // A stop already sent: the button turns into Kill once the run had 5 s to checkpoint.
  const qint64 since_stop_ms = e && job_active ? m_launcher->msSinceStop(e->job) : -1;
  if (since_stop_ms >= 0) {
    m_stop->setText(tr("Kill"));
    m_stop->setIcon(style()->standardIcon(QStyle::SP_BrowserStop));
    m_stop->setToolTip(tr("Kill the process now, without a checkpoint (Del)"));
    m_stop->setEnabled(since_stop_ms >= RunLauncher::kForceKillAfterMs);
  } else {
    m_stop->setText(is_sweep ? tr("Stop Sweep") : tr("Stop"));
    m_stop->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    m_stop->setToolTip(is_sweep
                           ? tr("Stop the sweep and all of its runs (Del)")
                           : tr("Stop the selected run: it finishes its step, saves a checkpoint "
                                "and ends killed (Del)"));
    m_stop->setEnabled(job_active);
  }
  m_stop_all->setEnabled(m_launcher->hasActiveJobs());
  bool any_ended = false;
  for (const auto& entry : m_launcher->entries())
    if (!m_launcher->isJobActive(entry.job)) any_ended = true;
  m_clear->setEnabled(any_ended);
  const bool can_open = e && !e->run_id.isEmpty() &&
                        (e->status == LaunchStatus::Finished || e->status == LaunchStatus::Failed ||
                         e->status == LaunchStatus::Killed);
  m_open->setEnabled(can_open);
  m_copy_id->setEnabled(e && !e->run_id.isEmpty());

  int running = 0, queued = 0, ended = 0;
  for (const auto& entry : m_launcher->entries()) {
    if (entry.kind == LaunchKind::Sweep) continue;  // its children are counted
    if (entry.status == LaunchStatus::Running)
      ++running;
    else if (entry.status == LaunchStatus::Queued || entry.status == LaunchStatus::Starting)
      ++queued;
    else if (isTerminal(entry.status))
      ++ended;
  }
  QStringList parts;
  if (running) parts << tr("%1 running").arg(running);
  if (queued) parts << tr("%1 waiting").arg(queued);
  if (ended) parts << tr("%1 ended").arg(ended);
  m_summary->setText(parts.join(QStringLiteral(" · ")));
}

void RunQueueWidget::updateEmptyState() {
  m_stack->setCurrentWidget(m_model->rowCount() == 0 ? static_cast<QWidget*>(m_empty) : m_view);
}

void RunQueueWidget::stopSelected() {
  const RunEntry* e = selectedEntry();
  if (!e || !m_launcher->isJobActive(e->job)) return;
  m_launcher->stop(e->job);
  updateActions();
}

void RunQueueWidget::openSelected() {
  const RunEntry* e = selectedEntry();
  if (!e || e->run_id.isEmpty() || !m_open->isEnabled()) return;
  Q_EMIT openRunRequested(e->run_id);
}

QByteArray RunQueueWidget::saveState() const {
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << m_vsplit->saveState() << m_hsplit->saveState()
    << m_view->horizontalHeader()->saveState();
  return out;
}

void RunQueueWidget::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0;
  QByteArray v, h, header;
  s >> magic >> v >> h >> header;
  if (magic != kStateMagic || s.status() != QDataStream::Ok) return;
  m_vsplit->restoreState(v);
  m_hsplit->restoreState(h);
  m_view->horizontalHeader()->restoreState(header);
}

}  // namespace wb::ui
