#pragma once

#include <vector>

#include <QAbstractTableModel>
#include <QColor>
#include <QSet>
#include <QStringList>

#include "core/metrics/run_comparison.h"

namespace wb::ui {

/// Params of the compared runs: one row per param key (sorted), column 0 the key, then one
/// column per run. Rows where the runs disagree (or some lack the key) are marked and
/// highlighted; "only differences" hides the others.
class ParamsDiffModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Role { DiffersRole = Qt::UserRole + 1, RunIdRole, KeyRole };
  static constexpr int kKeyColumn = 0;

  struct Run {
    QString id;
    QString label;
    QColor color;
    store::ParamMap params;
  };

  explicit ParamsDiffModel(QObject* parent = nullptr);

  void setRuns(const std::vector<Run>& runs);
  int runCount() const { return static_cast<int>(m_runs.size()); }
  QString runIdAt(int column) const;

  void setOnlyDifferences(bool only);
  bool onlyDifferences() const { return m_only_differences; }
  /// Runs outside the brush (parallel coordinates) are drawn faded; empty = none faded.
  void setFadedRuns(const QSet<QString>& run_ids);

  /// Counts over all keys, shown or not.
  int differingCount() const { return m_differing; }
  int equalCount() const { return static_cast<int>(m_all.size()) - m_differing; }
  QStringList differingKeys() const;
  /// Keys of the rows shown, in row order.
  QStringList shownKeys() const;
  /// Row of a key among the rows shown; -1 if hidden or absent.
  int rowOfKey(const QString& key) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  void rebuildShown();

  std::vector<Run> m_runs;
  std::vector<metrics::ParamDiffRow> m_all;
  std::vector<std::vector<bool>>
      m_stands_out;          // per row of m_all, per run: differs from the common value
  std::vector<int> m_shown;  // indices into m_all
  int m_differing = 0;
  bool m_only_differences = true;
  QSet<QString> m_faded;
};

}  // namespace wb::ui
