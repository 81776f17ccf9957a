#include "ui/runs_panel.h"

#include <QAbstractButton>
#include <QAction>
#include <QPushButton>
#include <QDataStream>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIODevice>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "ui/run_detail_widget.h"
#include "ui/run_table_model.h"
#include "ui/workspace_session.h"

namespace wb::ui {

namespace {
constexpr quint32 kStateMagic = 0x57425250;  // "WBRP"
}

RunsPanel::RunsPanel(WorkspaceSession* session, QWidget* parent)
    : QWidget(parent),
      m_session(session),
      m_model(new RunTableModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)),
      m_filter(new QLineEdit(this)),
      m_count(new QLabel(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_detail(new RunDetailWidget(this)),
      m_delete(new QAction(tr("Delete Run…"), this)),
      m_tick(new QTimer(this)) {
  setObjectName(QStringLiteral("RunsPanel"));
  m_proxy->setSourceModel(m_model);
  m_proxy->setSortRole(RunTableModel::SortRole);
  m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
  m_proxy->setFilterKeyColumn(-1);
  m_proxy->setDynamicSortFilter(true);

  m_filter->setPlaceholderText(tr("Filter runs by name, status, experiment, param or metric value…"));
  m_filter->setClearButtonEnabled(true);
  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    m_proxy->setFilterFixedString(text);
    updateCount();
  });

  m_view->setModel(m_proxy);
  m_view->setSortingEnabled(true);
  m_view->sortByColumn(RunTableModel::kStarted, Qt::DescendingOrder);
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_view->setAlternatingRowColors(true);
  m_view->setWordWrap(false);
  m_view->verticalHeader()->hide();
  m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
  m_view->horizontalHeader()->setSectionsMovable(true);
  m_view->horizontalHeader()->setHighlightSections(false);
  m_view->setContextMenuPolicy(Qt::CustomContextMenu);

  m_delete->setShortcut(QKeySequence::Delete);
  m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  m_delete->setEnabled(false);
  m_view->addAction(m_delete);
  connect(m_delete, &QAction::triggered, this, &RunsPanel::deleteSelected);
  connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    if (selectedRunIds().isEmpty()) return;
    QMenu menu(this);
    menu.addAction(m_delete);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
  });
  connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    m_delete->setEnabled(!selectedRunIds().isEmpty());
    updateDetail();
  });

  auto* toolbar = new QHBoxLayout;
  toolbar->addWidget(m_filter, 1);
  toolbar->addWidget(m_count);
  auto* del_button = new QToolButton(this);
  del_button->setDefaultAction(m_delete);
  toolbar->addWidget(del_button);

  auto* left = new QWidget(m_splitter);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addLayout(toolbar);
  left_layout->addWidget(m_view, 1);
  m_splitter->addWidget(left);
  m_splitter->addWidget(m_detail);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_splitter);

  m_detail->setDatabasePath(session->dbPath());
  connect(m_detail, &RunDetailWidget::notesSaveRequested, this,
          [this](const QString& run_id, const QString& notes) {
            const std::string id = run_id.toStdString(), text = notes.toStdString();
            m_session->runWrite(
                [id, text](store::Database& db) { return store::RunRepository(db).setNotes(id, text); },
                this, [this](const QString& error) {
                  if (!error.isEmpty())
                    QMessageBox::warning(this, tr("Notes not saved"), error);
                  else
                    Q_EMIT statusMessage(tr("Notes saved"), 3000);
                });
          });

  connect(session, &WorkspaceSession::snapshotReady, this, &RunsPanel::onSnapshot);
  if (session->lastSnapshot()) onSnapshot(session->lastSnapshot());

  m_tick->setInterval(1000);
  connect(m_tick, &QTimer::timeout, m_model, &RunTableModel::tickRunning);
  m_tick->start();
}

void RunsPanel::onSnapshot(RunSnapshotPtr snapshot) {
  const bool first = !m_model->snapshot();
  const QStringList selected = selectedRunIds();
  m_model->setSnapshot(std::move(snapshot));
  if (first) {
    m_view->resizeColumnsToContents();
    for (int c = 0; c < m_model->columnCount(); ++c)
      m_view->setColumnWidth(c, std::min(m_view->columnWidth(c), 220));
    // Open on something to look at: the newest run.
    if (selected.isEmpty() && m_proxy->rowCount() > 0) m_view->selectRow(0);
  }
  // A model reset (new columns) drops the selection: put it back.
  if (selectedRunIds().isEmpty() && !selected.isEmpty()) {
    for (const auto& id : selected) selectRun(id);
  }
  if (!m_pending_show.isEmpty() && m_model->rowOfRun(m_pending_show) >= 0) showRun(m_pending_show);
  updateDetail();
  updateCount();
}

void RunsPanel::updateCount() {
  const int total = m_model->rowCount();
  const int shown = m_proxy->rowCount();
  m_count->setText(shown == total ? tr("%n run(s)", nullptr, total)
                                  : tr("%1 of %n run(s)", nullptr, total).arg(shown));
}

QStringList RunsPanel::selectedRunIds() const {
  QStringList ids;
  for (const auto& idx : m_view->selectionModel()->selectedRows())
    ids << idx.data(RunTableModel::RunIdRole).toString();
  return ids;
}

void RunsPanel::selectRun(const QString& run_id) {
  const int row = m_model->rowOfRun(run_id);
  if (row < 0) return;
  const auto idx = m_proxy->mapFromSource(m_model->index(row, 0));
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
  updateDetail();
  m_view->setFocus();
}

void RunsPanel::updateDetail() {
  const auto rows = m_view->selectionModel()->selectedRows();
  if (rows.size() != 1) {
    m_detail->setRun(std::nullopt);
    return;
  }
  const int source_row = m_proxy->mapToSource(rows.first()).row();
  const RunRow* row = m_model->rowAt(source_row);
  m_detail->setRun(row ? std::optional<RunRow>(*row) : std::nullopt);
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
  QString text = ids.size() == 1 ? tr("Delete run \"%1\" with its params, metrics and tags?").arg(names.value(0))
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
  m_session->runWrite([run_ids](store::Database& db) { return store::RunRepository(db).remove(run_ids); },
                      this, [this, n = ids.size()](const QString& error) {
                        if (!error.isEmpty()) {
                          QMessageBox::warning(this, tr("Delete failed"), error);
                          return;
                        }
                        Q_EMIT statusMessage(tr("Deleted %n run(s)", nullptr, static_cast<int>(n)), 4000);
                      });
}

QByteArray RunsPanel::saveState() const {
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
  Q_UNUSED(header);  // columns depend on the workspace; only the splitter is restored
}

}  // namespace wb::ui
