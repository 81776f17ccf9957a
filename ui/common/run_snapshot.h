#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <QMetaType>

#include "core/store/types.h"

namespace wb::ui {

/// One run with everything the Runs table and detail pane show without another query.
struct RunRow {
  store::Run run;
  store::ParamMap params;
  store::ParamMap tags;
  std::map<std::string, store::MetricSummary> metrics;  // by key
};

/// An immutable picture of the workspace's runs, built off the GUI thread.
struct RunSnapshot {
  std::vector<RunRow> rows;               // newest first
  std::vector<std::string> param_keys;    // union over runs: varying ones first, each part sorted
  std::vector<std::string> metric_keys;   // union over runs, sorted
  int schema_version = 0;
  qint64 db_size_bytes = 0;
  double loaded_at = 0;  // Unix seconds
  double load_ms = 0;
};

using RunSnapshotPtr = std::shared_ptr<const RunSnapshot>;

}  // namespace wb::ui

Q_DECLARE_METATYPE(wb::ui::RunSnapshotPtr)
