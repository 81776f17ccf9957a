#pragma once

#include <QSortFilterProxyModel>

namespace wb::ui {

/// Filters the versions table by model (the list's selection), by text (every word must
/// appear in some column: "iris production" finds iris versions aliased production) and hides
/// archived versions unless asked; sorts by VersionTableModel::SortRole (numbers as numbers).
class VersionFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit VersionFilterProxy(QObject* parent = nullptr);

  void setModelName(const QString& name);  // "" = every model
  QString modelName() const { return m_model_name; }
  void setText(const QString& text);
  QString text() const { return m_words.join(QLatin1Char(' ')); }
  void setShowArchived(bool show);
  bool showArchived() const { return m_show_archived; }

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  QString m_model_name;
  QStringList m_words;
  bool m_show_archived = false;
};

}  // namespace wb::ui
