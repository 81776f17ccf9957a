#pragma once

#include <memory>

#include <QAbstractTableModel>

#include "core/data/dataset.h"

namespace wb::ui {

/// The rows of a text dataset: label, split and the first ~120 characters of the input text
/// (the text columns joined). FullTextRole gives the whole text of a row.
class DatasetTextModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { kLabel = 0, kSplit, kText, kColumnCount };
  enum Role { FullTextRole = Qt::UserRole + 1, SampleIndexRole };
  static constexpr int kSnippetChars = 120;

  explicit DatasetTextModel(QObject* parent = nullptr);

  void setManifest(std::shared_ptr<const data::Manifest> manifest);
  std::shared_ptr<const data::Manifest> manifest() const { return m_manifest; }
  /// Each text column of a row, as "column: text" paragraphs.
  QString fullText(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const data::Manifest> m_manifest;
  std::vector<int> m_text_columns;
};

}  // namespace wb::ui
