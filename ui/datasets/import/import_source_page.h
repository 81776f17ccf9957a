#pragma once

#include <QWizardPage>

#include "core/data/importer.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace wb::ui {

/// The formats the import wizard offers (an image folder with a labels CSV is its own choice).
enum class ImportFormat { Unknown = 0, ImageFolder, ImageFolderWithLabels, Mnist, Table, Text };

/// Import wizard, page 1: what to import (format) and from where (source, labels file).
/// The format is guessed from the source: a folder, an IDX file, a CSV/TSV, a JSONL.
class ImportSourcePage : public QWizardPage {
  Q_OBJECT
 public:
  explicit ImportSourcePage(QWidget* parent = nullptr);

  ImportFormat format() const;
  void setFormat(ImportFormat format);
  QString sourcePath() const;
  QString labelsPath() const;
  void setSourcePath(const QString& path);
  void setLabelsPath(const QString& path);
  /// The core's view of the choice.
  data::SourceFormat sourceFormat() const;
  bool needsLabels() const;
  bool labelsRequired() const;
  bool isTabular() const {
    return format() == ImportFormat::Table || format() == ImportFormat::Text;
  }

  QComboBox* formatCombo() const { return m_format; }
  QLineEdit* sourceEdit() const { return m_source; }
  QLineEdit* labelsEdit() const { return m_labels; }

  /// The format a path suggests, given the current choice (kept when it fits the path).
  static ImportFormat guessFormat(const QString& path, ImportFormat current);

  bool isComplete() const override;
  bool validatePage() override;

 private:
  void browseSource();
  void browseLabels();
  void updateFormUi();

  QComboBox* m_format;
  QLineEdit* m_source;
  QPushButton* m_browse_source;
  QLabel* m_labels_label;
  QLineEdit* m_labels;
  QPushButton* m_browse_labels;
  QLabel* m_hint;
  QLabel* m_status;
};

}  // namespace wb::ui
