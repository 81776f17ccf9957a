#include "ui/datasets/dataset_tree_model.h"

#include <QFont>
#include <QLocale>

namespace wb::ui {

namespace {
// Internal ids: 0 for dataset rows, dataset row + 1 for version rows.
constexpr quintptr kTopLevel = 0;

bool sameContents(const DatasetSnapshot* a, const DatasetSnapshot* b) {
  if (!a || !b) return a == b;
  if (a->datasets.size() != b->datasets.size() || a->versions.size() != b->versions.size())
    return false;
  for (std::size_t i = 0; i < a->datasets.size(); ++i)
    if (a->datasets[i].id != b->datasets[i].id || a->datasets[i].name != b->datasets[i].name)
      return false;
  for (auto ia = a->versions.begin(), ib = b->versions.begin(); ia != a->versions.end();
       ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.size() != ib->second.size()) return false;
    for (std::size_t i = 0; i < ia->second.size(); ++i)
      if (ia->second[i].id != ib->second[i].id) return false;
  }
  return true;
}

QString kindName(data::DatasetKind kind) {
  switch (kind) {
    case data::DatasetKind::Images:
      return DatasetTreeModel::tr("images");
    case data::DatasetKind::Tabular:
      return DatasetTreeModel::tr("table");
    case data::DatasetKind::Text:
      return DatasetTreeModel::tr("text");
    case data::DatasetKind::Unknown:
      break;
  }
  return DatasetTreeModel::tr("unknown");
}
}  // namespace

DatasetTreeModel::DatasetTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

bool DatasetTreeModel::setSnapshot(DatasetSnapshotPtr snapshot) {
  if (sameContents(m_snapshot.get(), snapshot.get())) {
    m_snapshot = std::move(snapshot);  // same rows: fresh pointers, no reset
    return false;
  }
  beginResetModel();
  m_snapshot = std::move(snapshot);
  endResetModel();
  return true;
}

const std::vector<data::DatasetVersion>* DatasetTreeModel::versionsOf(int dataset_row) const {
  if (!m_snapshot || dataset_row < 0 ||
      dataset_row >= static_cast<int>(m_snapshot->datasets.size()))
    return nullptr;
  auto it =
      m_snapshot->versions.find(m_snapshot->datasets[static_cast<std::size_t>(dataset_row)].name);
  return it == m_snapshot->versions.end() ? nullptr : &it->second;
}

QModelIndex DatasetTreeModel::index(int row, int column, const QModelIndex& parent) const {
  if (!hasIndex(row, column, parent)) return {};
  if (!parent.isValid()) return createIndex(row, column, kTopLevel);
  return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex DatasetTreeModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == kTopLevel) return {};
  return createIndex(static_cast<int>(child.internalId() - 1), 0, kTopLevel);
}

int DatasetTreeModel::rowCount(const QModelIndex& parent) const {
  if (!m_snapshot) return 0;
  if (!parent.isValid()) return static_cast<int>(m_snapshot->datasets.size());
  if (parent.internalId() != kTopLevel || parent.column() != 0) return 0;
  const auto* versions = versionsOf(parent.row());
  return versions ? static_cast<int>(versions->size()) : 0;
}

int DatasetTreeModel::columnCount(const QModelIndex&) const { return kColumnCount; }

QModelIndex DatasetTreeModel::indexOfDataset(const QString& name) const {
  if (!m_snapshot) return {};
  const std::string key = name.toStdString();
  for (std::size_t i = 0; i < m_snapshot->datasets.size(); ++i)
    if (m_snapshot->datasets[i].name == key) return index(static_cast<int>(i), 0);
  return {};
}

QModelIndex DatasetTreeModel::indexOfRef(const QString& ref) const {
  const QModelIndex dataset = indexOfDataset(ref.section(QLatin1Char('@'), 0, 0));
  if (!dataset.isValid()) return {};
  const std::string key = ref.toStdString();
  for (int r = 0; r < rowCount(dataset); ++r) {
    const QModelIndex child = index(r, 0, dataset);
    if (const auto* v = versionAt(child); v && v->ref() == key) return child;
  }
  return {};
}

const data::DatasetVersion* DatasetTreeModel::versionAt(const QModelIndex& index) const {
  if (!index.isValid()) return nullptr;
  if (index.internalId() == kTopLevel) {
    const auto* versions = versionsOf(index.row());
    return versions && !versions->empty() ? &versions->back() : nullptr;
  }
  const auto* versions = versionsOf(static_cast<int>(index.internalId() - 1));
  if (!versions || index.row() >= static_cast<int>(versions->size())) return nullptr;
  return &(
      *versions)[versions->size() - 1 - static_cast<std::size_t>(index.row())];  // newest first
}

QVariant DatasetTreeModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const bool is_version = index.internalId() != kTopLevel;
  const data::DatasetVersion* v = versionAt(index);
  const QLocale locale;
  if (role == RefRole) return v ? QString::fromStdString(v->ref()) : QVariant();
  if (role == IsVersionRole) return is_version;
  if (role == DatasetRole) {
    const int row = is_version ? static_cast<int>(index.internalId() - 1) : index.row();
    return QString::fromStdString(m_snapshot->datasets[static_cast<std::size_t>(row)].name);
  }
  if (role == Qt::TextAlignmentRole && index.column() == kSamples)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (!is_version) {
    const auto& d = m_snapshot->datasets[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
      switch (index.column()) {
        case kName:
          return QString::fromStdString(d.name);
        case kSamples:
          return v ? locale.toString(static_cast<qlonglong>(v->sample_count)) : QVariant();
        case kCreated:
          return v ? formatTime(v->created_at) : QVariant();
      }
    }
    if (role == Qt::ToolTipRole)
      return tr("%1 · %2 · %n version(s)", nullptr, d.version_count)
          .arg(QString::fromStdString(d.name), kindName(d.kind));
    if (role == Qt::FontRole && index.column() == kName) {
      QFont f;
      f.setBold(true);
      return f;
    }
    return {};
  }
  if (!v) return {};
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case kName:
        return v->message.empty() ? QStringLiteral("@%1").arg(v->version)
                                  : QStringLiteral("@%1  %2")
                                        .arg(v->version)
                                        .arg(QString::fromStdString(v->message));
      case kSamples:
        return locale.toString(static_cast<qlonglong>(v->sample_count));
      case kCreated:
        return formatTime(v->created_at);
    }
  }
  if (role == Qt::ToolTipRole)
    return tr("%1\n%2 samples · %3 · %n problem(s)", nullptr, static_cast<int>(v->problem_count))
        .arg(QString::fromStdString(v->ref()),
             locale.toString(static_cast<qlonglong>(v->sample_count)), formatBytes(v->total_bytes));
  return {};
}

QVariant DatasetTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName:
      return tr("Dataset");
    case kSamples:
      return tr("Samples");
    case kCreated:
      return tr("Created");
  }
  return {};
}

}  // namespace wb::ui
