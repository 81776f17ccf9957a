#include "ui/registry/version_filter_proxy.h"

#include "ui/registry/alias_badge_delegate.h"
#include "ui/registry/version_table_model.h"

namespace wb::ui {

VersionFilterProxy::VersionFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(VersionTableModel::SortRole);
  setDynamicSortFilter(true);
}

void VersionFilterProxy::setModelName(const QString& name) {
  if (name == m_model_name) return;
  m_model_name = name;
  invalidateFilter();
}

void VersionFilterProxy::setText(const QString& text) {
  const QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  if (words == m_words) return;
  m_words = words;
  invalidateFilter();
}

void VersionFilterProxy::setShowArchived(bool show) {
  if (show == m_show_archived) return;
  m_show_archived = show;
  invalidateFilter();
}

bool VersionFilterProxy::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
  const QAbstractItemModel* src = sourceModel();
  const QModelIndex first = src->index(source_row, 0, source_parent);
  if (!m_show_archived && first.data(VersionTableModel::ArchivedRole).toBool()) return false;
  if (!m_model_name.isEmpty() &&
      first.data(VersionTableModel::ModelNameRole).toString() != m_model_name)
    return false;
  if (m_words.isEmpty()) return true;
  QString haystack;
  for (int c = 0; c < src->columnCount(source_parent); ++c) {
    const QModelIndex idx = src->index(source_row, c, source_parent);
    haystack += idx.data(Qt::DisplayRole).toString() + QLatin1Char(' ');
    haystack += idx.data(AliasBadgeDelegate::AliasesRole).toStringList().join(QLatin1Char(' '));
    haystack += QLatin1Char(' ');
  }
  for (const QString& w : m_words)
    if (!haystack.contains(w, Qt::CaseInsensitive)) return false;
  return true;
}

bool VersionFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const QVariant a = left.data(sortRole()), b = right.data(sortRole());
  // Empty cells sort last in ascending order.
  if (!a.isValid() || !b.isValid()) return a.isValid() && !b.isValid();
  if (a.typeId() == QMetaType::QString || b.typeId() == QMetaType::QString)
    return QString::localeAwareCompare(a.toString(), b.toString()) < 0;
  return QPartialOrdering::Less == QVariant::compare(a, b);
}

}  // namespace wb::ui
