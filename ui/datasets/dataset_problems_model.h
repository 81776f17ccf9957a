#pragma once

#include <vector>

#include <QAbstractTableModel>

class QTableView;

#include "core/data/dataset.h"

namespace wb::ui {

/// Shows MODEL in VIEW as the Problems tab and the import wizard both list problems.
void setUpProblemsView(QTableView* view, QAbstractItemModel* model, int path_width);

/// What an import skipped: one row per problem (path or file:line, reason).
class DatasetProblemsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { kPath = 0, kReason, kColumnCount };
  explicit DatasetProblemsModel(QObject* parent = nullptr);

  void setProblems(std::vector<data::ImportProblem> problems);
  const std::vector<data::ImportProblem>& problems() const { return m_problems; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::vector<data::ImportProblem> m_problems;
};

}  // namespace wb::ui
