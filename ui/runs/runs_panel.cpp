#include "ui/runs/runs_panel.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIODevice>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "ui/runs/run_column_chooser.h"
#include "ui/runs/run_detail_widget.h"
#include "ui/runs/run_table_model.h"
#include "ui/shell/workspace_session.h"

namespace wb::ui {

namespace {

constexpr quint32 kStateMagic = 0x57425250;  // "WBRP"
constexpr int kIndentPx = 16;
constexpr int kArrowPx = 14;
constexpr int kMaxAutoWidthPx = 220;
constexpr int kWidthSampleRows = 64;  // auto widths look at this many rows, not all of them
constexpr int kMaxOverlaidRuns = 20;  // the detail pane overlays up to this many selected runs

const QString kFilterHelp = QStringLiteral(
    "Plain words search names, statuses, experiments, params and metric values.\n"
    "Expressions filter by value, e.g.\n"
    "  val/accuracy > 0.9 and optim.lr < 0.01 and status = finished\n"
    "  val/loss.min < 0.2 or tags.owner = ana\n"
    "  name ~ resnet and not status = failed\n"
    "Operators: = != < <= > >= ~ (contains) !~; and, or, not, parentheses, has(field).");

QString groupByName(GroupBy by) {
  switch (by) {
    case GroupBy::Sweep:
      return QStringLiteral("sweep");
    case GroupBy::Experiment:
      return QStringLiteral("experiment");
    case GroupBy::Tag:
      return QStringLiteral("tag");
    default:
      return QStringLiteral("none");
  }
}

GroupBy groupByFromName(const QString& name) {
  if (name == QLatin1String("sweep")) return GroupBy::Sweep;
  if (name == QLatin1String("experiment")) return GroupBy::Experiment;
  if (name == QLatin1String("tag")) return GroupBy::Tag;
  return GroupBy::None;
}

bool isGrouped(const QModelIndex& index) {
  const auto* proxy = qobject_cast<const RunFilterProxy*>(index.model());
  return proxy && proxy->grouping() != GroupBy::None;
}

/// The name column in grouped views: members indented, headers with a fold arrow.
class RunNameDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

  static int textOffset(const QModelIndex& index) {
    if (!isGrouped(index)) return 0;
    return kArrowPx + kIndentPx * index.data(RunFilterProxy::DepthRole).toInt();
  }

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    const int offset = textOffset(index);
    if (offset == 0) {
      QStyledItemDelegate::paint(painter, option, index);
      return;
    }
    // Background over the whole cell, then the text shifted right.
    QStyleOptionViewItem background(option);
    initStyleOption(&background, index);
    background.text.clear();
    background.icon = {};
    const QStyle* style = option.widget ? option.widget->style() : nullptr;
    if (style) style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);
    if (index.data(RunFilterProxy::GroupHeaderRole).toBool() && style) {
      QStyleOption arrow;
      arrow.rect =
          QRect(option.rect.left() + 2, option.rect.top(), kArrowPx - 4, option.rect.height());
      arrow.palette = option.palette;
      arrow.state = option.state;
      const bool expanded = index.data(RunFilterProxy::ExpandedRole).toBool();
      style->drawPrimitive(
          expanded ? QStyle::PE_IndicatorArrowDown : QStyle::PE_IndicatorArrowRight, &arrow,
          painter, option.widget);
    }
    QStyleOptionViewItem text(option);
    text.rect.setLeft(option.rect.left() + offset);
    text.showDecorationSelected = false;
    QStyledItemDelegate::paint(painter, text, index);
  }
};

}  // namespace

RunsPanel::RunsPanel(WorkspaceSession* session, QWidget* parent)
    : QWidget(parent),
      m_session(session),
      m_model(new RunTableModel(this)),
      m_proxy(new RunFilterProxy(this)),
      m_view(new QTableView(this)),
      m_filter(new QLineEdit(this)),
      m_filter_error(new QLabel(this)),
      m_group(new QComboBox(this)),
      m_columns_button(new QToolButton(this)),
      m_chooser(new RunColumnChooser(this)),
      m_count(new QLabel(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_detail(new RunDetailWidget(this)),
      m_delete(new QAction(tr("Delete Run…"), this)),
      m_tick(new QTimer(this)),
      m_filter_timer(new QTimer(this)),
      m_save_timer(new QTimer(this)) {
  setObjectName(QStringLiteral("RunsPanel"));
  m_settings_group = settingsGroupFor(session->rootPath());
  loadPrefs();
  m_proxy->setSourceModel(m_model);

  setupFilter();
  setupGroupingAndColumns();
  setupTable();
  setupDeleteAction();
  setupRegisterAction();
  buildLayout();
  setupDetail();

  m_save_timer->setSingleShot(true);
  m_save_timer->setInterval(500);
  connect(m_save_timer, &QTimer::timeout, this, [this] { savePrefs(); });

  m_proxy->setGrouping(m_prefs.group_by, m_prefs.group_tag);
  updateGroupBox();
  connect(m_model, &RunTableModel::snapshotApplied, this, &RunsPanel::onApplied);
  connect(session, &WorkspaceSession::snapshotReady, m_model, &RunTableModel::setSnapshot);
  if (session->lastSnapshot()) m_model->setSnapshot(session->lastSnapshot());

  m_tick->setInterval(1000);
  connect(m_tick, &QTimer::timeout, m_model, &RunTableModel::tickRunning);
  m_tick->start();
}

void RunsPanel::setupFilter() {
  m_filter->setPlaceholderText(
      tr("Filter: words, or an expression like val/accuracy > 0.9 and status = finished"));
  m_filter->setToolTip(kFilterHelp);
  m_filter->setClearButtonEnabled(true);
  m_filter_error->setObjectName(QStringLiteral("filterError"));
  m_filter_error->setStyleSheet(QStringLiteral("color: #c62828;"));
  m_filter_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_filter_error->hide();
  m_filter_timer->setSingleShot(true);
  m_filter_timer->setInterval(kFilterDebounceMs);
  connect(m_filter_timer, &QTimer::timeout, this, &RunsPanel::applyFilterNow);
  connect(m_filter, &QLineEdit::returnPressed, this, &RunsPanel::applyFilterNow);
  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    if (text.trimmed().isEmpty())
      applyFilterNow();  // clearing is instant: showRun() relies on it
    else
      m_filter_timer->start();
  });
}

void RunsPanel::setupGroupingAndColumns() {
  m_group->setToolTip(tr("Group runs by sweep (parent run), experiment or a tag"));
  connect(m_group, &QComboBox::activated, this, [this](int i) {
    setGrouping(static_cast<GroupBy>(m_group->itemData(i).toInt()),
                m_group->itemData(i, Qt::UserRole + 1).toString());
  });

  m_columns_button->setText(tr("Columns"));
  m_columns_button->setToolTip(tr("Choose the params, metric stats and tags shown as columns"));
  m_chooser->setWindowFlags(Qt::Popup);
  m_chooser->resize(340, 440);
  m_chooser->setOnlyVaryingParams(m_prefs.only_varying);
  connect(m_columns_button, &QToolButton::clicked, this, [this] {
    updateChooser();
    m_chooser->move(m_columns_button->mapToGlobal(QPoint(0, m_columns_button->height())));
    m_chooser->show();
    m_chooser->searchEdit()->setFocus();
  });
  connect(m_chooser, &RunColumnChooser::visibilityChanged, this,
          [this](const QStringList& ids, bool visible) {
            for (const auto& id : ids) m_prefs.columns.insert(id, visible);
            applyColumnVisibility();
            schedulePrefsSave();
          });
  connect(m_chooser, &RunColumnChooser::onlyVaryingParamsChanged, this,
          &RunsPanel::setOnlyVaryingParams);
  connect(m_chooser, &RunColumnChooser::resetRequested, this, &RunsPanel::resetColumns);
}

void RunsPanel::setupTable() {
  m_view->setModel(m_proxy);
  m_view->setItemDelegateForColumn(RunTableModel::kName, new RunNameDelegate(m_view));
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_view->setAlternatingRowColors(true);
  m_view->setWordWrap(false);
  m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
  auto* vertical = m_view->verticalHeader();
  vertical->hide();
  vertical->setSectionResizeMode(QHeaderView::Fixed);  // uniform rows: cheap with 10,000
  vertical->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
  auto* header = m_view->horizontalHeader();
  header->setSectionsMovable(true);
  header->setHighlightSections(false);
  header->setResizeContentsPrecision(kWidthSampleRows);
  header->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(header, &QWidget::customContextMenuRequested, this, &RunsPanel::showHeaderMenu);
  connect(header, &QHeaderView::sectionResized, this, [this](int section, int, int size) {
    if (m_resizing || size <= 0) return;
    m_prefs.widths.insert(m_model->column(section).id, size);
    schedulePrefsSave();
  });
  applySortPref();
  m_view->setSortingEnabled(true);
  connect(header, &QHeaderView::sortIndicatorChanged, this,
          [this](int section, Qt::SortOrder order) {
            if (m_applying_sort || section < 0 || section >= m_model->columnCount()) return;
            m_prefs.sort_id = m_model->column(section).id;
            m_prefs.sort_order = order;
            m_sort_pending = false;
            schedulePrefsSave();
          });
  // New columns (a metric logged for the first time) appear shown or hidden as chosen.
  connect(m_proxy, &QAbstractItemModel::columnsInserted, this, [this] {
    applyColumnVisibility();
    m_columns_added = true;
  });
  m_view->viewport()->installEventFilter(this);
  m_view->installEventFilter(this);
  connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
    if (index.data(RunFilterProxy::GroupHeaderRole).toBool()) toggleGroupAt(index.row());
  });
  m_view->setContextMenuPolicy(Qt::CustomContextMenu);
}

void RunsPanel::setupDeleteAction() {
  m_delete->setShortcut(QKeySequence::Delete);
  m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  m_delete->setEnabled(false);
  m_view->addAction(m_delete);
  connect(m_delete, &QAction::triggered, this, &RunsPanel::deleteSelected);
  connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    if (selectedRunIds().isEmpty()) return;
    QMenu menu(this);
    // Whatever the window adds to the view (Compare Selected Runs) belongs here too.
    for (QAction* action : m_view->actions())
      if (action != m_delete) menu.addAction(action);
    if (!menu.isEmpty()) menu.addSeparator();
    menu.addAction(m_delete);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
  });
  connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    m_delete->setEnabled(!selectedRunIds().isEmpty());
    updateDetail();
  });
  connect(m_proxy, &RunFilterProxy::rowsRearranged, this, &RunsPanel::updateCount);
}

void RunsPanel::setupRegisterAction() {
  // On the view: the context menu lists the view's actions above Delete.
  m_register = new QAction(tr("Register Model…"), this);
  m_register->setToolTip(tr("Register the run's checkpoint as a version of a named model"));
  m_register->setEnabled(false);
  m_view->addAction(m_register);
  connect(m_register, &QAction::triggered, this, [this] {
    const QStringList ids = selectedRunIds();
    if (ids.size() == 1) Q_EMIT registerModelRequested(ids.front());
  });
  connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          [this] { m_register->setEnabled(selectedRunIds().size() == 1); });
  connect(m_detail, &RunDetailWidget::registerModelRequested, this,
          &RunsPanel::registerModelRequested);
}

void RunsPanel::buildLayout() {
  auto* toolbar = new QHBoxLayout;
  toolbar->addWidget(m_filter, 1);
  toolbar->addWidget(m_group);
  toolbar->addWidget(m_columns_button);
  toolbar->addWidget(m_count);
  auto* del_button = new QToolButton(this);
  del_button->setDefaultAction(m_delete);
  toolbar->addWidget(del_button);

  auto* left = new QWidget(m_splitter);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addLayout(toolbar);
  left_layout->addWidget(m_filter_error);
  left_layout->addWidget(m_view, 1);
  m_splitter->addWidget(left);
  m_splitter->addWidget(m_detail);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_splitter);
}

void RunsPanel::setupDetail() {
  m_detail->setDatabasePath(m_session->dbPath());
  connect(
      m_detail, &RunDetailWidget::notesSaveRequested, this,
      [this](const QString& run_id, const QString& notes) {
        const std::string id = run_id.toStdString(), text = notes.toStdString();
        m_session->runWrite(
            [id, text](store::Database& db) { return store::RunRepository(db).setNotes(id, text); },
            this,
            [this](const QString& error) {
              if (!error.isEmpty())
                QMessageBox::warning(this, tr("Notes not saved"), error);
              else
                Q_EMIT statusMessage(tr("Notes saved"), 3000);
            });
      });
}

RunsPanel::~RunsPanel() { savePrefs(); }

QString RunsPanel::settingsGroupFor(const QString& workspace_root) {
  // The canonical path: the same folder reached by a symlink shares its settings.
  QString path = QDir(workspace_root).canonicalPath();
  if (path.isEmpty()) path = QDir(workspace_root).absolutePath();
  const QByteArray hash = QCryptographicHash::hash(path.toUtf8(), QCryptographicHash::Sha1).toHex();
  return QStringLiteral("runsTable/") + QString::fromLatin1(hash.left(16));
}

// ---------------------------------------------------------------------------------------------
// Snapshots

void RunsPanel::onApplied() {
  const bool first = !m_applied_once;
  m_applied_once = true;
  if (std::exchange(m_columns_added, false)) {
    // Row selections do not grow into inserted columns by themselves.
    auto* selection = m_view->selectionModel();
    QItemSelection rows;
    const int last = m_proxy->columnCount() - 1;
    for (const auto& range : selection->selection())
      rows.select(m_proxy->index(range.top(), 0), m_proxy->index(range.bottom(), last));
    if (!rows.isEmpty()) selection->select(rows, QItemSelectionModel::Select);
  }
  applyColumnVisibility();
  updateGroupBox();
  if (m_sort_pending) applySortPref();
  if (m_chooser->isVisible()) updateChooser();
  if (first && m_view->selectionModel()->selectedRows().isEmpty() && m_pending_show.isEmpty()) {
    // Open on something to look at: the first run shown (the newest by default).
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
      if (m_proxy->mapToSource(m_proxy->index(r, 0)).isValid()) {
        m_view->selectRow(r);
        break;
      }
    }
  }
  if (!m_pending_show.isEmpty() && m_model->rowOfRun(m_pending_show) >= 0) showRun(m_pending_show);
  updateDetail();
  updateCount();
}

void RunsPanel::updateCount() {
  const int total = m_model->rowCount();
  const int shown = m_proxy->matchingRunCount();  // folded groups still count
  m_count->setText(shown == total ? tr("%n run(s)", nullptr, total)
                                  : tr("%1 of %n run(s)", nullptr, total).arg(shown));
}

// ---------------------------------------------------------------------------------------------
// Filter

void RunsPanel::applyFilterNow() {
  m_filter_timer->stop();
  showFilterStatus(m_proxy->setFilterText(m_filter->text()));
  updateCount();
}

void RunsPanel::showFilterStatus(const RunFilterProxy::FilterStatus& status) {
  if (status.ok) {
    if (m_filter_error->isHidden()) return;
    m_filter->setStyleSheet(QString());
    m_filter->setToolTip(kFilterHelp);
    m_filter_error->clear();
    m_filter_error->hide();
    return;
  }
  // Red border and the message with its column; typing goes on, the old filter stays.
  m_filter->setStyleSheet(
      QStringLiteral("QLineEdit { border: 1px solid #d32f2f; border-radius: 3px; }"));
  m_filter->setToolTip(status.error + QStringLiteral("\n\n") + kFilterHelp);
  QString message = status.error;
  const QString prefix = QStringLiteral("column %1: ").arg(status.column);
  if (message.startsWith(prefix)) message = message.mid(prefix.size());
  m_filter_error->setText(tr("Filter error at column %1: %2 (showing the last valid filter)")
                              .arg(status.column)
                              .arg(message));
  m_filter_error->show();
}

// ---------------------------------------------------------------------------------------------
// Columns

bool RunsPanel::columnShown(int column) const {
  if (column == RunTableModel::kName) return true;
  const RunColumn& c = m_model->column(column);
  auto it = m_prefs.columns.find(c.id);
  bool shown = it != m_prefs.columns.end() ? *it : c.default_visible;
  if (shown && m_prefs.only_varying && c.kind == ColumnKind::Param && !c.varying) shown = false;
  return shown;
}

bool RunsPanel::isColumnShown(const QString& column_id) const {
  const int c = m_model->columnOfId(column_id);
  return c >= 0 && !m_view->horizontalHeader()->isSectionHidden(c);
}

void RunsPanel::setColumnShown(const QString& column_id, bool shown) {
  m_prefs.columns.insert(column_id, shown);
  applyColumnVisibility();
  updateChooser();
  schedulePrefsSave();
}

void RunsPanel::setOnlyVaryingParams(bool on) {
  m_prefs.only_varying = on;
  m_chooser->setOnlyVaryingParams(on);
  applyColumnVisibility();
  schedulePrefsSave();
}

void RunsPanel::resetColumns() {
  m_prefs.columns.clear();
  m_prefs.only_varying = false;
  m_chooser->setOnlyVaryingParams(false);
  applyColumnVisibility();
  updateChooser();
  schedulePrefsSave();
}

void RunsPanel::applyColumnVisibility() {
  auto* header = m_view->horizontalHeader();
  const int n = m_model->columnCount();
  for (int c = 0; c < n; ++c) {
    const bool hide = !columnShown(c);
    if (header->isSectionHidden(c) != hide) {
      m_resizing = true;  // showing a section "resizes" it to its old width
      header->setSectionHidden(c, hide);
      m_resizing = false;
    }
    // Widths come from rows: before the first ones arrive there is nothing to measure.
    if (!hide && m_applied_once && !m_sized.contains(m_model->column(c).id)) sizeColumn(c);
  }
}

void RunsPanel::sizeColumn(int column) {
  const RunColumn& c = m_model->column(column);
  if (m_proxy->rowCount() > 0) m_sized.insert(c.id);  // else again when runs arrive
  int width = m_prefs.widths.value(c.id, 0);
  if (width <= 0) {
    // A sample of rows, not all 10,000: resizeColumnToContents() would visit every one.
    const QFontMetrics fm = m_view->fontMetrics();
    const QFontMetrics header_fm = m_view->horizontalHeader()->fontMetrics();
    width = header_fm.horizontalAdvance(c.title) + 28;  // room for the sort arrow
    const int rows = std::min(m_proxy->rowCount(), kWidthSampleRows);
    const int extra = column == RunTableModel::kName && m_proxy->grouping() != GroupBy::None
                          ? kArrowPx + kIndentPx
                          : 0;
    for (int r = 0; r < rows; ++r)
      width = std::max(
          width, fm.horizontalAdvance(m_proxy->index(r, column).data().toString()) + 16 + extra);
    width =
        std::min(width, column == RunTableModel::kName ? kMaxAutoWidthPx + 60 : kMaxAutoWidthPx);
  }
  m_resizing = true;
  m_view->setColumnWidth(column, width);
  m_resizing = false;
}

void RunsPanel::updateChooser() {
  QList<RunColumnChooser::Entry> entries;
  const int n = m_model->columnCount();
  entries.reserve(n);
  for (int c = 0; c < n; ++c) {
    const RunColumn& col = m_model->column(c);
    RunColumnChooser::Entry e;
    e.id = col.id;
    e.kind = col.kind;
    e.key = col.key;
    e.stat = col.stat;
    e.title = col.title;
    e.varying = col.varying;
    e.locked = c == RunTableModel::kName;
    auto it = m_prefs.columns.find(col.id);
    e.checked = e.locked || (it != m_prefs.columns.end() ? *it : col.default_visible);
    entries << e;
  }
  m_chooser->setEntries(entries);
}

void RunsPanel::showHeaderMenu(const QPoint& pos) {
  auto* header = m_view->horizontalHeader();
  const int section = header->logicalIndexAt(pos);
  QMenu menu(this);
  if (section >= 0 && section != RunTableModel::kName) {
    const RunColumn col = m_model->column(section);
    menu.addAction(tr("Hide \"%1\"").arg(col.title), this,
                   [this, id = col.id] { setColumnShown(id, false); });
    if (col.kind == ColumnKind::Metric) {
      auto* stats = menu.addMenu(tr("Show stat of %1").arg(col.key));
      for (const auto stat : {MetricColumnStat::Last, MetricColumnStat::Best, MetricColumnStat::Min,
                              MetricColumnStat::Max}) {
        const int c = m_model->columnOfMetric(col.key, stat);
        if (c < 0) continue;
        const QString id = m_model->column(c).id;
        auto* action = stats->addAction(m_model->column(c).title);
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(c));
        connect(action, &QAction::toggled, this, [this, id](bool on) { setColumnShown(id, on); });
      }
    }
    if (col.kind == ColumnKind::Tag)
      menu.addAction(tr("Group by %1").arg(col.title), this,
                     [this, key = col.key] { setGrouping(GroupBy::Tag, key); });
    menu.addSeparator();
  }
  menu.addAction(tr("Choose Columns…"), this, [this] { m_columns_button->click(); });
  menu.addAction(m_prefs.only_varying ? tr("Show Constant Params") : tr("Show Only Varying Params"),
                 this, [this] { setOnlyVaryingParams(!m_prefs.only_varying); });
  menu.exec(header->mapToGlobal(pos));
}

void RunsPanel::applySortPref() {
  int column = RunTableModel::kStarted;
  Qt::SortOrder order = Qt::DescendingOrder;
  if (m_prefs.sort_id.isEmpty()) {
    m_sort_pending = false;
  } else if (const int c = m_model->columnOfId(m_prefs.sort_id); c >= 0) {
    column = c;
    order = m_prefs.sort_order;
    m_sort_pending = false;
  } else if (m_applied_once) {
    return;  // keep the stand-in order until the saved column appears
  }
  m_applying_sort = true;
  m_view->sortByColumn(column, order);
  m_applying_sort = false;
}

// ---------------------------------------------------------------------------------------------
// Grouping

void RunsPanel::setGrouping(GroupBy by, const QString& tag_key) {
  m_proxy->setGrouping(by, tag_key);
  m_prefs.group_by = m_proxy->grouping();
  m_prefs.group_tag = m_proxy->groupTagKey();
  updateGroupBox();
  // Group labels and indents need a wider name column, unless the user chose its width.
  if (m_applied_once && !m_prefs.widths.contains(m_model->column(RunTableModel::kName).id))
    sizeColumn(RunTableModel::kName);
  m_view->viewport()->update();
  schedulePrefsSave();
  updateCount();
}

void RunsPanel::updateGroupBox() {
  QStringList tags;
  for (int c = 0; c < m_model->columnCount(); ++c)
    if (m_model->column(c).kind == ColumnKind::Tag) tags << m_model->column(c).key;
  if (!m_proxy->groupTagKey().isEmpty() && !tags.contains(m_proxy->groupTagKey()))
    tags << m_proxy->groupTagKey();
  if (m_group->count() != 3 + tags.size() || [&] {
        for (int i = 0; i < tags.size(); ++i)
          if (m_group->itemData(3 + i, Qt::UserRole + 1).toString() != tags[i]) return true;
        return false;
      }()) {
    m_group->clear();
    m_group->addItem(tr("No grouping"), static_cast<int>(GroupBy::None));
    m_group->addItem(tr("Group by sweep"), static_cast<int>(GroupBy::Sweep));
    m_group->addItem(tr("Group by experiment"), static_cast<int>(GroupBy::Experiment));
    for (const auto& tag : tags) {
      m_group->addItem(tr("Group by tag %1").arg(tag), static_cast<int>(GroupBy::Tag));
      m_group->setItemData(m_group->count() - 1, tag, Qt::UserRole + 1);
    }
  }
  int current = 0;
  for (int i = 0; i < m_group->count(); ++i) {
    if (m_group->itemData(i).toInt() == static_cast<int>(m_proxy->grouping()) &&
        m_group->itemData(i, Qt::UserRole + 1).toString() == m_proxy->groupTagKey())
      current = i;
  }
  m_group->setCurrentIndex(current);
}

void RunsPanel::toggleGroupAt(int row) {
  const QString key = m_proxy->groupKeyAt(row);
  if (!key.isEmpty()) m_proxy->setGroupExpanded(key, !m_proxy->isGroupExpanded(key));
  updateCount();
}

bool RunsPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_view->viewport() && event->type() == QEvent::MouseButtonPress) {
    // A click on a header's fold arrow folds it (and does not select).
    const auto* mouse = static_cast<QMouseEvent*>(event);
    const QModelIndex index = m_view->indexAt(mouse->position().toPoint());
    if (mouse->button() == Qt::LeftButton && index.column() == RunTableModel::kName &&
        index.data(RunFilterProxy::GroupHeaderRole).toBool()) {
      const QRect rect = m_view->visualRect(index);
      if (mouse->position().x() < rect.left() + kArrowPx + 2) {
        toggleGroupAt(index.row());
        return true;
      }
    }
  }
  if (watched == m_view && event->type() == QEvent::KeyPress) {
    // Left/Right on a header's name fold and unfold it, as in a tree.
    const auto* key = static_cast<QKeyEvent*>(event);
    const QModelIndex current = m_view->currentIndex();
    if ((key->key() == Qt::Key_Left || key->key() == Qt::Key_Right) && current.isValid() &&
        current.column() == RunTableModel::kName &&
        current.data(RunFilterProxy::GroupHeaderRole).toBool()) {
      const QString group = m_proxy->groupKeyAt(current.row());
      m_proxy->setGroupExpanded(group, key->key() == Qt::Key_Right);
      updateCount();
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

// ---------------------------------------------------------------------------------------------
// Selection

QStringList RunsPanel::selectedRunIds() const {
  // By the selection's row ranges: selectedRows() would miss rows whose selection predates an
  // inserted column, and selectedIndexes() builds one index per cell.
  std::vector<int> rows;
  for (const auto& range : m_view->selectionModel()->selection())
    for (int r = range.top(); r <= range.bottom(); ++r) rows.push_back(r);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  QStringList ids;
  for (const int r : rows) {
    const QString id = m_proxy->index(r, 0).data(RunTableModel::RunIdRole).toString();
    if (!id.isEmpty()) ids << id;  // group header rows have none
  }
  return ids;
}

void RunsPanel::selectRun(const QString& run_id) {
  const int row = m_model->rowOfRun(run_id);
  if (row < 0) return;
  QModelIndex idx = m_proxy->mapFromSource(m_model->index(row, 0));
  if (!idx.isValid() && m_proxy->reveal(row)) idx = m_proxy->mapFromSource(m_model->index(row, 0));
  if (!idx.isValid()) return;
  m_view->selectionModel()->select(idx, QItemSelectionModel::Select | QItemSelectionModel::Rows);
  m_view->scrollTo(idx);
}

void RunsPanel::showRun(QString run_id) {  // a copy: callers pass m_pending_show
  if (m_model->rowOfRun(run_id) < 0) {
    m_pending_show = run_id;
    return;
  }
  m_pending_show.clear();
  m_filter->clear();  // a filter could hide it
  m_view->selectionModel()->clearSelection();
  selectRun(run_id);
  const int row = m_model->rowOfRun(run_id);
  const QModelIndex idx = m_proxy->mapFromSource(m_model->index(row, 0));
  if (idx.isValid()) m_view->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::NoUpdate);
  updateDetail();
  m_view->setFocus();
}

void RunsPanel::updateDetail() {
  const QStringList ids = selectedRunIds();
  if (ids.size() == 1) {
    const RunRow* row = m_model->rowAt(m_model->rowOfRun(ids.first()));
    m_detail->setRun(row ? std::optional<RunRow>(*row) : std::nullopt);
    return;
  }
  if (ids.size() < 2 || ids.size() > kMaxOverlaidRuns) {
    m_detail->setRun(std::nullopt);
    return;
  }
  std::vector<RunRow> rows;
  for (const auto& id : ids)
    if (const RunRow* row = m_model->rowAt(m_model->rowOfRun(id))) rows.push_back(*row);
  m_detail->setRuns(rows);
}

void RunsPanel::deleteSelected() {
  const QStringList ids = selectedRunIds();
  if (ids.isEmpty()) return;
  QStringList names;
  bool running = false;
  for (const auto& id : ids) {
    const RunRow* row = m_model->rowAt(m_model->rowOfRun(id));
    if (!row) continue;
    names << QString::fromStdString(row->run.name);
    running = running || row->run.status == store::RunStatus::Running;
  }
  QString text =
      ids.size() == 1
          ? tr("Delete run \"%1\" with its params, metrics and tags?").arg(names.value(0))
          : tr("Delete %n runs with their params, metrics and tags?", nullptr,
               static_cast<int>(ids.size()));
  if (running) text += QStringLiteral("\n\n") + tr("Some of them are still running.");
  QMessageBox box(QMessageBox::Warning, tr("Delete Runs"), text, QMessageBox::Cancel, this);
  box.setInformativeText(tr("This cannot be undone."));
  auto* del = box.addButton(tr("Delete"), QMessageBox::DestructiveRole);
  box.setDefaultButton(QMessageBox::Cancel);
  box.setObjectName(QStringLiteral("confirmDelete"));
  box.exec();
  if (box.clickedButton() != static_cast<QAbstractButton*>(del)) return;

  std::vector<std::string> run_ids;
  for (const auto& id : ids) run_ids.push_back(id.toStdString());
  Q_EMIT statusMessage(tr("Deleting %n run(s)…", nullptr, static_cast<int>(ids.size())), 0);
  m_session->runWrite(
      [run_ids](store::Database& db) { return store::RunRepository(db).remove(run_ids); }, this,
      [this, n = ids.size()](const QString& error) {
        if (!error.isEmpty()) {
          QMessageBox::warning(this, tr("Delete failed"), error);
          return;
        }
        Q_EMIT statusMessage(tr("Deleted %n run(s)", nullptr, static_cast<int>(n)), 4000);
      });
}

// ---------------------------------------------------------------------------------------------
// State

void RunsPanel::loadPrefs() {
  QSettings settings;
  settings.beginGroup(m_settings_group);
  const QVariantMap columns = settings.value(QStringLiteral("columns")).toMap();
  for (auto it = columns.cbegin(); it != columns.cend(); ++it)
    m_prefs.columns.insert(it.key(), it.value().toBool());
  const QVariantMap widths = settings.value(QStringLiteral("widths")).toMap();
  for (auto it = widths.cbegin(); it != widths.cend(); ++it)
    m_prefs.widths.insert(it.key(), it.value().toInt());
  m_prefs.only_varying = settings.value(QStringLiteral("onlyVaryingParams"), false).toBool();
  m_prefs.sort_id = settings.value(QStringLiteral("sortColumn")).toString();
  m_prefs.sort_order = settings.value(QStringLiteral("sortOrder"), 1).toInt() == 0
                           ? Qt::AscendingOrder
                           : Qt::DescendingOrder;
  m_prefs.group_by = groupByFromName(settings.value(QStringLiteral("groupBy")).toString());
  m_prefs.group_tag = settings.value(QStringLiteral("groupTag")).toString();
}

void RunsPanel::savePrefs() const {
  QSettings settings;
  settings.beginGroup(m_settings_group);
  QVariantMap columns, widths;
  for (auto it = m_prefs.columns.cbegin(); it != m_prefs.columns.cend(); ++it)
    columns.insert(it.key(), it.value());
  for (auto it = m_prefs.widths.cbegin(); it != m_prefs.widths.cend(); ++it)
    widths.insert(it.key(), it.value());
  settings.setValue(QStringLiteral("columns"), columns);
  settings.setValue(QStringLiteral("widths"), widths);
  settings.setValue(QStringLiteral("onlyVaryingParams"), m_prefs.only_varying);
  settings.setValue(QStringLiteral("sortColumn"), m_prefs.sort_id);
  settings.setValue(QStringLiteral("sortOrder"), m_prefs.sort_order == Qt::AscendingOrder ? 0 : 1);
  settings.setValue(QStringLiteral("groupBy"), groupByName(m_prefs.group_by));
  settings.setValue(QStringLiteral("groupTag"), m_prefs.group_tag);
  settings.setValue(QStringLiteral("root"), m_session->rootPath());  // for whoever reads the file
}

void RunsPanel::schedulePrefsSave() { m_save_timer->start(); }

QByteArray RunsPanel::saveState() const {
  savePrefs();
  QByteArray out;
  QDataStream s(&out, QIODevice::WriteOnly);
  s << kStateMagic << m_splitter->saveState() << m_view->horizontalHeader()->saveState();
  return out;
}

void RunsPanel::restoreState(const QByteArray& state) {
  QDataStream s(state);
  quint32 magic = 0;
  QByteArray splitter, header;
  s >> magic >> splitter >> header;
  if (magic != kStateMagic || s.status() != QDataStream::Ok) return;
  m_splitter->restoreState(splitter);
  // The header's sections differ per workspace: columns, widths and sort are restored from
  // settingsGroup() by column id instead.
  Q_UNUSED(header);
}

}  // namespace wb::ui
