#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <QMetaType>

#include "core/data/dataset.h"
#include "core/data/dataset_repository.h"

namespace wb::ui {

/// The workspace's datasets and all their versions, read off the GUI thread in one go.
struct DatasetSnapshot {
  std::vector<data::DatasetInfo> datasets;                            // by name
  std::map<std::string, std::vector<data::DatasetVersion>> versions;  // name → oldest first
};

using DatasetSnapshotPtr = std::shared_ptr<const DatasetSnapshot>;

/// A version with its manifest and what the pages derive from it, built off the GUI thread.
struct LoadedVersion {
  data::DatasetVersion version;
  data::Manifest manifest;
  data::ManifestStats stats;
  std::vector<std::size_t> text_chars;  // text: characters of each sample's input text
  std::vector<double> targets;          // regression: each sample's target (NaN if not a number)
};

using LoadedVersionPtr = std::shared_ptr<const LoadedVersion>;

}  // namespace wb::ui

Q_DECLARE_METATYPE(wb::ui::DatasetSnapshotPtr)
Q_DECLARE_METATYPE(wb::ui::LoadedVersionPtr)
