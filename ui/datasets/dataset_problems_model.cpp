#include "ui/datasets/dataset_problems_model.h"

#include <QHeaderView>
#include <QTableView>

namespace wb::ui {

void setUpProblemsView(QTableView* view, QAbstractItemModel* model, int path_width) {
  view->setModel(model);
  view->verticalHeader()->hide();
  view->setAlternatingRowColors(true);
  view->setWordWrap(false);
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->horizontalHeader()->setStretchLastSection(true);
  view->setColumnWidth(DatasetProblemsModel::kPath, path_width);
}

DatasetProblemsModel::DatasetProblemsModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetProblemsModel::setProblems(std::vector<data::ImportProblem> problems) {
  beginResetModel();
  m_problems = std::move(problems);
  endResetModel();
}

int DatasetProblemsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_problems.size());
}

int DatasetProblemsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant DatasetProblemsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const auto& p = m_problems[static_cast<std::size_t>(index.row())];
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
    return QString::fromStdString(index.column() == kPath ? p.path : p.reason);
  return {};
}

QVariant DatasetProblemsModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section == kPath ? tr("Path") : tr("Reason");
}

}  // namespace wb::ui
