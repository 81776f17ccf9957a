#pragma once

#include <memory>
#include <vector>

#include <QMetaType>

#include "core/registry/registry.h"

namespace wb::ui {

/// The registry as one read transaction saw it: every model and every version (newest
/// first within a model). Built on the registry watcher's thread, shared read-only.
struct RegistrySnapshot {
  std::vector<registry::RegisteredModel> models;
  std::vector<registry::ModelVersion> versions;
  double loaded_at = 0;  // Unix seconds
  double load_ms = 0;

  const registry::RegisteredModel* findModel(const std::string& name) const {
    for (const auto& m : models)
      if (m.name == name) return &m;
    return nullptr;
  }
  const registry::ModelVersion* findVersion(const std::string& name, int version) const {
    for (const auto& v : versions)
      if (v.model == name && v.version == version) return &v;
    return nullptr;
  }
};

using RegistrySnapshotPtr = std::shared_ptr<const RegistrySnapshot>;

}  // namespace wb::ui

Q_DECLARE_METATYPE(wb::ui::RegistrySnapshotPtr)
