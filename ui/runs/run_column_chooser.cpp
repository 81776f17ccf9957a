#include "ui/runs/run_column_chooser.h"

#include <functional>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace wb::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;

QString statLabel(const RunColumnChooser::Entry& e) {
  switch (e.stat) {
    case MetricColumnStat::Best:
      return store::lowerIsBetter(e.key.toStdString()) ? RunColumnChooser::tr("best (lowest)")
                                                       : RunColumnChooser::tr("best (highest)");
    case MetricColumnStat::Min:
      return RunColumnChooser::tr("min");
    case MetricColumnStat::Max:
      return RunColumnChooser::tr("max");
    default:
      return RunColumnChooser::tr("last");
  }
}

}  // namespace

RunColumnChooser::RunColumnChooser(QWidget* parent)
    : QWidget(parent),
      m_search(new QLineEdit(this)),
      m_tree(new QTreeWidget(this)),
      m_varying(new QCheckBox(tr("Show only varying params"), this)) {
  setObjectName(QStringLiteral("RunColumnChooser"));
  m_search->setPlaceholderText(tr("Search columns…"));
  m_search->setClearButtonEnabled(true);
  m_tree->setHeaderHidden(true);
  m_tree->setUniformRowHeights(true);
  m_tree->setColumnCount(1);
  m_varying->setToolTip(tr("Hide params that have the same value in every run"));

  auto* show = new QPushButton(tr("Show matching"), this);
  auto* hide = new QPushButton(tr("Hide matching"), this);
  auto* reset = new QPushButton(tr("Defaults"), this);
  reset->setToolTip(tr("Forget the choices made here for this workspace"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(show);
  buttons->addWidget(hide);
  buttons->addStretch(1);
  buttons->addWidget(reset);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->addWidget(m_search);
  layout->addWidget(m_tree, 1);
  layout->addWidget(m_varying);
  layout->addLayout(buttons);

  connect(m_search, &QLineEdit::textChanged, this, [this] { applySearch(); });
  connect(m_varying, &QCheckBox::toggled, this, [this](bool on) {
    updateVaryingLook();
    if (!m_updating) Q_EMIT onlyVaryingParamsChanged(on);
  });
  connect(m_tree, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem* item, int) {
    if (m_updating) return;
    const QString id = item->data(0, kIdRole).toString();
    if (id.isEmpty()) return;  // a group: its children report themselves
    const bool on = item->checkState(0) == Qt::Checked;
    auto it = m_entries.find(id);
    if (it == m_entries.end() || it->checked == on) return;
    it->checked = on;
    Q_EMIT visibilityChanged({id}, on);
  });
  auto setMatching = [this](bool on) {
    QStringList changed;
    m_updating = true;
    for (const QString& id : matchingIds()) {
      auto it = m_entries.find(id);
      if (it == m_entries.end() || it->locked || it->checked == on) continue;
      it->checked = on;
      m_items.value(id)->setCheckState(0, on ? Qt::Checked : Qt::Unchecked);
      changed << id;
    }
    m_updating = false;
    if (!changed.isEmpty()) Q_EMIT visibilityChanged(changed, on);
  };
  connect(show, &QPushButton::clicked, this, [setMatching] { setMatching(true); });
  connect(hide, &QPushButton::clicked, this, [setMatching] { setMatching(false); });
  connect(reset, &QPushButton::clicked, this, &RunColumnChooser::resetRequested);
}

void RunColumnChooser::setEntries(const QList<Entry>& entries) {
  QStringList ids;
  ids.reserve(entries.size());
  for (const auto& e : entries) ids << e.id;
  if (ids != m_ids) {
    rebuild(entries);
    return;
  }
  m_updating = true;
  for (const auto& e : entries) {
    m_entries[e.id] = e;
    if (auto* item = m_items.value(e.id))
      item->setCheckState(0, e.checked ? Qt::Checked : Qt::Unchecked);
  }
  m_updating = false;
  updateVaryingLook();
}

void RunColumnChooser::rebuild(const QList<Entry>& entries) {
  m_updating = true;
  m_tree->clear();
  m_items.clear();
  m_entries.clear();
  m_ids.clear();
  auto group = [this](const QString& title) {
    auto* item = new QTreeWidgetItem(m_tree, {title});
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsAutoTristate);
    item->setCheckState(0, Qt::Unchecked);
    return item;
  };
  QTreeWidgetItem* run = nullptr;
  QTreeWidgetItem* params = nullptr;
  QTreeWidgetItem* metrics = nullptr;
  QTreeWidgetItem* tags = nullptr;
  QHash<QString, QTreeWidgetItem*> metric_items;
  int n_params = 0, n_metrics = 0, n_tags = 0;
  for (const auto& e : entries) {
    QTreeWidgetItem* parent = nullptr;
    QString text = e.title;
    switch (e.kind) {
      case ColumnKind::RunField:
        if (!run) run = group(tr("Run fields"));
        parent = run;
        break;
      case ColumnKind::Param:
        if (!params) params = group(tr("Params"));
        parent = params;
        ++n_params;
        break;
      case ColumnKind::Metric: {
        if (!metrics) metrics = group(tr("Metrics"));
        auto*& key_item = metric_items[e.key];
        if (!key_item) {
          key_item = new QTreeWidgetItem(metrics, {e.key});
          key_item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsAutoTristate);
          key_item->setCheckState(0, Qt::Unchecked);
          ++n_metrics;
        }
        parent = key_item;
        text = statLabel(e);
        break;
      }
      case ColumnKind::Tag:
        if (!tags) tags = group(tr("Tags"));
        parent = tags;
        text = e.key;
        ++n_tags;
        break;
      case ColumnKind::Unknown:
        continue;
    }
    auto* item = new QTreeWidgetItem(parent, {text});
    item->setData(0, kIdRole, e.id);
    item->setToolTip(0, e.title);
    Qt::ItemFlags flags = Qt::ItemIsUserCheckable;
    if (!e.locked) flags |= Qt::ItemIsEnabled;
    item->setFlags(flags);
    item->setCheckState(0, e.checked ? Qt::Checked : Qt::Unchecked);
    m_items.insert(e.id, item);
    m_entries.insert(e.id, e);
    m_ids << e.id;
  }
  if (params) params->setText(0, tr("Params (%1)").arg(n_params));
  if (metrics) metrics->setText(0, tr("Metrics (%1)").arg(n_metrics));
  if (tags) tags->setText(0, tr("Tags (%1)").arg(n_tags));
  if (run) run->setExpanded(true);
  if (params) params->setExpanded(true);
  if (metrics) metrics->setExpanded(n_metrics <= 8);
  m_updating = false;
  updateVaryingLook();
  applySearch();
}

void RunColumnChooser::updateVaryingLook() {
  const bool only = m_varying->isChecked();
  for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
    if (it->kind != ColumnKind::Param) continue;
    QTreeWidgetItem* item = m_items.value(it.key());
    const bool dim = only && !it->varying;
    item->setForeground(0, dim ? palette().brush(QPalette::Disabled, QPalette::Text)
                               : palette().brush(QPalette::Active, QPalette::Text));
    item->setToolTip(0, dim ? tr("%1: the same in every run, hidden while only varying params "
                                 "are shown")
                                  .arg(it->title)
                            : it->title);
  }
}

void RunColumnChooser::setOnlyVaryingParams(bool on) {
  m_updating = true;
  m_varying->setChecked(on);
  m_updating = false;
  updateVaryingLook();
}

bool RunColumnChooser::onlyVaryingParams() const { return m_varying->isChecked(); }

bool RunColumnChooser::setChecked(const QString& id, bool checked) {
  QTreeWidgetItem* item = m_items.value(id);
  if (!item) return false;
  item->setCheckState(0, checked ? Qt::Checked : Qt::Unchecked);  // itemChanged reports it
  return true;
}

bool RunColumnChooser::isChecked(const QString& id) const {
  auto it = m_entries.find(id);
  return it != m_entries.end() && it->checked;
}

QStringList RunColumnChooser::matchingIds() const {
  QStringList ids;
  for (const QString& id : m_ids)
    if (const auto* item = m_items.value(id); item && !item->isHidden()) ids << id;
  return ids;
}

void RunColumnChooser::applySearch() {
  const QString needle = m_search->text().trimmed();
  // Leaves match on their title ("val/loss.min", "tags.owner"); a parent shows when any child does.
  std::function<bool(QTreeWidgetItem*)> visit = [&](QTreeWidgetItem* item) {
    bool any = false;
    for (int i = 0; i < item->childCount(); ++i) any = visit(item->child(i)) || any;
    if (item->childCount() == 0) {
      const auto it = m_entries.find(item->data(0, kIdRole).toString());
      any = needle.isEmpty() || item->text(0).contains(needle, Qt::CaseInsensitive) ||
            (it != m_entries.end() && it->title.contains(needle, Qt::CaseInsensitive));
    }
    item->setHidden(!any);
    if (!needle.isEmpty() && any) item->setExpanded(true);
    return any;
  };
  for (int i = 0; i < m_tree->topLevelItemCount(); ++i) visit(m_tree->topLevelItem(i));
}

}  // namespace wb::ui
