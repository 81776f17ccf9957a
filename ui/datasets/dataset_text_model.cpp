#include "ui/datasets/dataset_text_model.h"

namespace wb::ui {

DatasetTextModel::DatasetTextModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetTextModel::setManifest(std::shared_ptr<const data::Manifest> manifest) {
  beginResetModel();
  m_manifest = std::move(manifest);
  m_text_columns.clear();
  if (m_manifest)
    for (const auto& name : m_manifest->text_columns)
      if (int i = m_manifest->columnIndex(name); i >= 0) m_text_columns.push_back(i);
  endResetModel();
}

int DatasetTextModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_manifest ? 0 : static_cast<int>(m_manifest->samples.size());
}

int DatasetTextModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QString DatasetTextModel::fullText(int row) const {
  if (!m_manifest || row < 0 || row >= rowCount()) return {};
  const auto& s = m_manifest->samples[static_cast<std::size_t>(row)];
  QStringList parts;
  for (int c : m_text_columns) {
    if (static_cast<std::size_t>(c) >= s.values.size()) continue;
    const QString text = QString::fromStdString(s.values[static_cast<std::size_t>(c)]);
    parts << (m_text_columns.size() > 1
                  ? QStringLiteral("%1:\n%2").arg(
                        QString::fromStdString(
                            m_manifest->columns[static_cast<std::size_t>(c)].name),
                        text)
                  : text);
  }
  return parts.join(QStringLiteral("\n\n"));
}

QVariant DatasetTextModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const auto& s = m_manifest->samples[static_cast<std::size_t>(index.row())];
  if (role == FullTextRole) return fullText(index.row());
  if (role == SampleIndexRole) return index.row();
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kLabel:
      return QString::fromStdString(s.label);
    case kSplit:
      return QString::fromUtf8(data::toString(s.split).data());
    case kText: {
      // Enough bytes for kSnippetChars characters of UTF-8, then cut by characters.
      std::string joined;
      for (int c : m_text_columns) {
        if (static_cast<std::size_t>(c) >= s.values.size()) continue;
        if (!joined.empty()) joined += " · ";
        joined += s.values[static_cast<std::size_t>(c)].substr(0, kSnippetChars * 4);
        if (joined.size() > kSnippetChars * 4) break;
      }
      QString text = QString::fromStdString(joined).simplified();
      if (text.size() > kSnippetChars) text = text.left(kSnippetChars - 1) + QChar(0x2026);
      return text;
    }
  }
  return {};
}

QVariant DatasetTextModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kLabel:
      return tr("Label");
    case kSplit:
      return tr("Split");
    case kText:
      return tr("Text");
  }
  return {};
}

}  // namespace wb::ui
