#include "ui/compare/params_diff_model.h"

#include <map>

#include <QFont>
#include <QIcon>

#include "ui/common/run_colors.h"

namespace wb::ui {

namespace {
const QColor kDiffRow(255, 246, 222);   // a row whose runs disagree
const QColor kDiffCell(252, 228, 170);  // a value that differs from the row's common one
const QColor kMissingText(150, 150, 150);

// The value most runs share, when at least two share one; otherwise none stands out.
std::optional<std::optional<std::string>> commonValue(const metrics::ParamDiffRow& row) {
  int best_count = 1;
  std::optional<std::optional<std::string>> best;
  for (std::size_t i = 0; i < row.values.size(); ++i) {
    int count = 0;
    for (const auto& v : row.values) count += metrics::sameParamValue(row.values[i], v);
    if (count > best_count) {
      best_count = count;
      best = row.values[i];
    }
  }
  return best;
}
}  // namespace

ParamsDiffModel::ParamsDiffModel(QObject* parent) : QAbstractTableModel(parent) {}

void ParamsDiffModel::setRuns(const std::vector<Run>& runs) {
  beginResetModel();
  m_runs = runs;
  std::vector<const store::ParamMap*> maps;
  for (const auto& r : m_runs) maps.push_back(&r.params);
  m_all = metrics::diffParams(maps);
  // Which cells differ from the value most runs share, once here rather than on every paint.
  m_stands_out.clear();
  for (const auto& row : m_all) {
    std::vector<bool> out(row.values.size(), false);
    if (row.differs) {
      const auto common = commonValue(row);
      for (std::size_t i = 0; i < row.values.size(); ++i)
        out[i] = !common || !metrics::sameParamValue(*common, row.values[i]);
    }
    m_stands_out.push_back(std::move(out));
  }
  m_differing = static_cast<int>(
      std::count_if(m_all.begin(), m_all.end(), [](const auto& r) { return r.differs; }));
  rebuildShown();
  endResetModel();
}

QString ParamsDiffModel::runIdAt(int column) const {
  const int i = column - 1;
  return i >= 0 && i < runCount() ? m_runs[static_cast<std::size_t>(i)].id : QString();
}

void ParamsDiffModel::setOnlyDifferences(bool only) {
  if (only == m_only_differences) return;
  beginResetModel();
  m_only_differences = only;
  rebuildShown();
  endResetModel();
}

void ParamsDiffModel::setFadedRuns(const QSet<QString>& run_ids) {
  if (run_ids == m_faded) return;
  m_faded = run_ids;
  if (m_runs.empty()) return;
  if (rowCount() > 0) Q_EMIT dataChanged(index(0, 1), index(rowCount() - 1, columnCount() - 1));
  Q_EMIT headerDataChanged(Qt::Horizontal, 1, columnCount() - 1);
}

void ParamsDiffModel::rebuildShown() {
  m_shown.clear();
  for (int i = 0; i < static_cast<int>(m_all.size()); ++i)
    if (!m_only_differences || m_all[static_cast<std::size_t>(i)].differs) m_shown.push_back(i);
}

QStringList ParamsDiffModel::differingKeys() const {
  QStringList keys;
  for (const auto& row : m_all)
    if (row.differs) keys << QString::fromStdString(row.key);
  return keys;
}

QStringList ParamsDiffModel::shownKeys() const {
  QStringList keys;
  for (const int i : m_shown)
    keys << QString::fromStdString(m_all[static_cast<std::size_t>(i)].key);
  return keys;
}

int ParamsDiffModel::rowOfKey(const QString& key) const {
  const std::string k = key.toStdString();
  for (int r = 0; r < static_cast<int>(m_shown.size()); ++r)
    if (m_all[static_cast<std::size_t>(m_shown[static_cast<std::size_t>(r)])].key == k) return r;
  return -1;
}

int ParamsDiffModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_shown.size());
}

int ParamsDiffModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 1 + runCount();
}

QVariant ParamsDiffModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const auto& row = m_all[static_cast<std::size_t>(m_shown[static_cast<std::size_t>(index.row())])];
  const int col = index.column();
  const std::optional<std::string>* value =
      col > 0 ? &row.values[static_cast<std::size_t>(col - 1)] : nullptr;
  switch (role) {
    case Qt::DisplayRole:
      if (col == kKeyColumn) return QString::fromStdString(row.key);
      return *value ? QString::fromStdString(**value) : QStringLiteral("—");
    case Qt::ToolTipRole:
      if (col == kKeyColumn)
        return row.differs ? tr("%1 differs between the runs").arg(QString::fromStdString(row.key))
                           : tr("%1 is the same in every run").arg(QString::fromStdString(row.key));
      return *value ? QStringLiteral("%1 = %2 (%3)")
                          .arg(QString::fromStdString(row.key), QString::fromStdString(**value),
                               m_runs[static_cast<std::size_t>(col - 1)].label)
                    : tr("%1 does not have %2")
                          .arg(m_runs[static_cast<std::size_t>(col - 1)].label,
                               QString::fromStdString(row.key));
    case Qt::FontRole:
      if (row.differs && col == kKeyColumn) {
        QFont f;
        f.setBold(true);
        return f;
      }
      return {};
    case Qt::BackgroundRole: {
      if (!row.differs) return {};
      const auto& stands_out =
          m_stands_out[static_cast<std::size_t>(m_shown[static_cast<std::size_t>(index.row())])];
      return col > 0 && stands_out[static_cast<std::size_t>(col - 1)] ? kDiffCell : kDiffRow;
    }
    case Qt::ForegroundRole:
      if (col > 0 && (!*value || m_faded.contains(m_runs[static_cast<std::size_t>(col - 1)].id)))
        return kMissingText;
      return {};
    case DiffersRole:
      return row.differs;
    case KeyRole:
      return QString::fromStdString(row.key);
    case RunIdRole:
      return runIdAt(col);
    default:
      return {};
  }
}

QVariant ParamsDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
  if (section == kKeyColumn)
    return role == Qt::DisplayRole ? QVariant(tr("Parameter")) : QVariant();
  const auto& run = m_runs[static_cast<std::size_t>(section - 1)];
  switch (role) {
    case Qt::DisplayRole:
      return run.label;
    case Qt::DecorationRole:
      return RunColors::swatchIcon(run.color);
    case Qt::ToolTipRole:
      return QStringLiteral("%1\n%2").arg(run.label, run.id);
    case Qt::ForegroundRole:
      return m_faded.contains(run.id) ? QVariant(kMissingText) : QVariant();
    case RunIdRole:
      return run.id;
    default:
      return {};
  }
}

}  // namespace wb::ui
