#include "ui/datasets/dataset_history_widget.h"

#include <algorithm>

#include <QFutureWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QShowEvent>
#include <QSplitter>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/data/importer.h"
#include "ui/common/formatting.h"

namespace wb::ui {

namespace {

enum Column { kVersion = 0, kCreated, kParent, kSamples, kProblems, kMessage, kColumnCount };

struct DiffResult {
  std::optional<data::ManifestDiff> diff;
  QString error;
};

QTableWidgetItem* cell(const QString& text,
                       Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
  auto* item = new QTableWidgetItem(text);
  item->setTextAlignment(align);
  item->setToolTip(text);
  return item;
}

}  // namespace

DatasetHistoryWidget::DatasetHistoryWidget(QWidget* parent)
    : QWidget(parent),
      m_table(new QTableWidget(0, kColumnCount, this)),
      m_summary(new QLabel(this)),
      m_diff_view(new QTreeWidget(this)) {
  setObjectName(QStringLiteral("datasetHistory"));
  m_table->setObjectName(QStringLiteral("versionsTable"));
  m_table->setHorizontalHeaderLabels(
      {tr("Version"), tr("Created"), tr("Parent"), tr("Samples"), tr("Problems"), tr("Message")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setAlternatingRowColors(true);
  m_table->setWordWrap(false);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->horizontalHeader()->setHighlightSections(false);

  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_diff_view->setObjectName(QStringLiteral("diffTree"));
  m_diff_view->setHeaderLabels({tr("Change / key"), tr("From → to")});
  m_diff_view->setUniformRowHeights(true);
  m_diff_view->header()->setStretchLastSection(true);
  m_diff_view->setColumnWidth(0, 320);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  auto* diff_pane = new QWidget(splitter);
  auto* diff_layout = new QVBoxLayout(diff_pane);
  diff_layout->setContentsMargins(0, 4, 0, 0);
  diff_layout->addWidget(m_summary);
  diff_layout->addWidget(m_diff_view, 1);
  splitter->addWidget(diff_pane);
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 4, 0, 0);
  layout->addWidget(splitter);

  connect(m_table, &QTableWidget::itemSelectionChanged, this,
          &DatasetHistoryWidget::onSelectionChanged);
  onSelectionChanged();
}

void DatasetHistoryWidget::setVersions(const Workspace& workspace,
                                       std::vector<data::DatasetVersion> versions,
                                       int current_version) {
  const bool same_dataset = workspace.root() == m_workspace.root() && !versions.empty() &&
                            !m_versions.empty() &&
                            versions.front().dataset_id == m_versions.front().dataset_id;
  bool same = same_dataset && versions.size() == m_versions.size();
  for (std::size_t i = 0; same && i < versions.size(); ++i)
    same = versions[i].id == m_versions[i].id;
  m_workspace = workspace;
  m_versions = std::move(versions);
  // The version shown elsewhere changed: select it here (compared with its parent).
  const bool follow = current_version > 0 && current_version != m_current_version;
  m_current_version = current_version;
  if (same && !follow) return;
  if (same) {
    selectVersions({current_version});
    return;
  }

  std::vector<int> selected;
  if (same_dataset)
    for (const auto& idx : m_table->selectionModel()->selectedRows())
      selected.push_back(m_table->item(idx.row(), kVersion)->data(Qt::UserRole).toInt());
  const QSignalBlocker block(m_table);
  m_table->clearSelection();
  m_table->setRowCount(static_cast<int>(m_versions.size()));
  const QLocale locale;
  const Qt::Alignment right = Qt::AlignRight | Qt::AlignVCenter;
  for (std::size_t i = 0; i < m_versions.size(); ++i) {
    const auto& v = m_versions[m_versions.size() - 1 - i];  // newest first
    const int row = static_cast<int>(i);
    auto* version = cell(QStringLiteral("@%1").arg(v.version));
    version->setData(Qt::UserRole, v.version);
    m_table->setItem(row, kVersion, version);
    m_table->setItem(row, kCreated, cell(formatTime(v.created_at)));
    m_table->setItem(
        row, kParent,
        cell(v.parent_version ? QStringLiteral("@%1").arg(*v.parent_version) : QString()));
    m_table->setItem(row, kSamples,
                     cell(locale.toString(static_cast<qlonglong>(v.sample_count)), right));
    m_table->setItem(row, kProblems,
                     cell(locale.toString(static_cast<qlonglong>(v.problem_count)), right));
    m_table->setItem(row, kMessage, cell(QString::fromStdString(v.message)));
  }
  // The last column stretches; size the others to their contents.
  for (int c = 0; c < kMessage; ++c) m_table->resizeColumnToContents(c);
  selectVersions(follow || selected.empty() ? std::vector<int>{current_version} : selected);
}

void DatasetHistoryWidget::compare(int version_a, int version_b) {
  selectVersions({version_a, version_b});
}

void DatasetHistoryWidget::selectVersions(const std::vector<int>& versions) {
  {
    const QSignalBlocker block(m_table);
    m_table->clearSelection();
    for (int row = 0; row < m_table->rowCount(); ++row) {
      const int v = m_table->item(row, kVersion)->data(Qt::UserRole).toInt();
      if (std::find(versions.begin(), versions.end(), v) != versions.end())
        m_table->selectionModel()->select(m_table->model()->index(row, 0),
                                          QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
  }
  onSelectionChanged();
}

void DatasetHistoryWidget::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_diff_pending) onSelectionChanged();
}

void DatasetHistoryWidget::onSelectionChanged() {
  // Diffs load two manifests: only while the page is on screen.
  m_diff_pending = !isVisible();
  if (m_diff_pending) {
    ++m_generation;
    m_diff.reset();
    m_diff_view->clear();
    return;
  }
  std::vector<const data::DatasetVersion*> chosen;
  for (const auto& idx : m_table->selectionModel()->selectedRows()) {
    const int number = m_table->item(idx.row(), kVersion)->data(Qt::UserRole).toInt();
    for (const auto& v : m_versions)
      if (v.version == number) chosen.push_back(&v);
  }
  std::sort(chosen.begin(), chosen.end(), [](auto* a, auto* b) { return a->version < b->version; });
  if (chosen.size() == 1) {
    // One version: compare it with its parent, or the version before it.
    const data::DatasetVersion* base = nullptr;
    for (const auto& v : m_versions) {
      if (chosen[0]->parent_version ? v.version == *chosen[0]->parent_version
                                    : v.version < chosen[0]->version)
        base = &v;
    }
    if (base) chosen.insert(chosen.begin(), base);
  }
  if (chosen.size() != 2) {
    ++m_generation;
    m_diff.reset();
    m_diff_view->clear();
    m_summary->setText(m_versions.size() < 2
                           ? tr("This dataset has one version.")
                           : tr("Select two versions to see what changed between them "
                                "(or one to compare it with its parent)."));
    return;
  }
  startDiff(*chosen[0], *chosen[1]);
}

void DatasetHistoryWidget::startDiff(const data::DatasetVersion& from,
                                     const data::DatasetVersion& to) {
  const int generation = ++m_generation;
  const QString from_ref = QString::fromStdString(from.ref()),
                to_ref = QString::fromStdString(to.ref());
  m_summary->setText(tr("Comparing %1 with %2…").arg(from_ref, to_ref));
  m_diff_view->clear();
  auto* watcher = new QFutureWatcher<DiffResult>(this);
  connect(watcher, &QFutureWatcher<DiffResult>::finished, this,
          [this, watcher, generation, from_ref, to_ref] {
            watcher->deleteLater();
            if (generation != m_generation) return;
            const DiffResult r = watcher->result();
            if (!r.diff) {
              m_diff.reset();
              m_summary->setText(tr("Cannot compare: %1").arg(r.error));
              Q_EMIT diffFailed(r.error);
              return;
            }
            m_diff = r.diff;
            showDiff(*m_diff);
            m_summary->setText(tr("<b>%1 → %2</b>: %3").arg(from_ref, to_ref, diffSummary()));
            Q_EMIT diffReady(from_ref, to_ref);
          });
  watcher->setFuture(QtConcurrent::run([ws = m_workspace, from, to]() -> DiffResult {
    auto a = data::loadManifest(ws, from);
    if (!a) return {std::nullopt, QString::fromStdString(a.error().text())};
    auto b = data::loadManifest(ws, to);
    if (!b) return {std::nullopt, QString::fromStdString(b.error().text())};
    return {data::diffManifests(*a, *b), {}};
  }));
}

QString DatasetHistoryWidget::diffSummary() const {
  if (!m_diff) return {};
  const QLocale l;
  const auto& d = *m_diff;
  auto n = [&](std::size_t v) { return l.toString(static_cast<qulonglong>(v)); };
  return tr("%1 added · %2 removed · %3 modified · %4 relabelled · %5 split changes · %6 unchanged")
      .arg(n(d.added.size()), n(d.removed.size()), n(d.modified.size()), n(d.relabelled.size()),
           n(d.split_changed.size()), n(d.unchanged));
}

void DatasetHistoryWidget::showDiff(const data::ManifestDiff& diff) {
  m_diff_view->clear();
  const QLocale l;
  auto group = [&](const QString& name, std::size_t count) {
    auto* item = new QTreeWidgetItem(
        m_diff_view,
        {QStringLiteral("%1 (%2)").arg(name, l.toString(static_cast<qulonglong>(count)))});
    QFont f = item->font(0);
    f.setBold(true);
    item->setFont(0, f);
    item->setDisabled(count == 0);
    return item;
  };
  auto more = [&](QTreeWidgetItem* parent, std::size_t count) {
    if (count > static_cast<std::size_t>(kMaxListedKeys))
      new QTreeWidgetItem(
          parent,
          {tr("… and %1 more").arg(l.toString(static_cast<qulonglong>(count - kMaxListedKeys)))});
  };
  auto keys = [&](const QString& name, const std::vector<std::string>& list) {
    auto* parent = group(name, list.size());
    QList<QTreeWidgetItem*> children;
    for (std::size_t i = 0; i < list.size() && i < static_cast<std::size_t>(kMaxListedKeys); ++i)
      children << new QTreeWidgetItem({QString::fromStdString(list[i])});
    parent->addChildren(children);
    more(parent, list.size());
  };
  auto changes = [&](const QString& name, const std::vector<data::ManifestDiff::Change>& list) {
    auto* parent = group(name, list.size());
    QList<QTreeWidgetItem*> children;
    for (std::size_t i = 0; i < list.size() && i < static_cast<std::size_t>(kMaxListedKeys); ++i)
      children << new QTreeWidgetItem(
          {QString::fromStdString(list[i].key),
           QStringLiteral("%1 → %2").arg(QString::fromStdString(list[i].from),
                                         QString::fromStdString(list[i].to))});
    parent->addChildren(children);
    more(parent, list.size());
  };
  keys(tr("Added"), diff.added);
  keys(tr("Removed"), diff.removed);
  keys(tr("Modified"), diff.modified);
  changes(tr("Relabelled"), diff.relabelled);
  changes(tr("Split changed"), diff.split_changed);
}

}  // namespace wb::ui
