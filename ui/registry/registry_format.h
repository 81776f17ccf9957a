#pragma once

#include <optional>

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include "core/registry/registry.h"

// How the Registry section shows what a version recorded: one place, so the table, the detail
// and the comparison agree.
namespace wb::ui::registry_format {

/// "iris/3": the reference the CLI takes.
QString versionRef(const registry::ModelVersion& v);
/// The metric's headline value in a version's snapshot: "last" for test metrics, else the best
/// (min for loss-like keys, max otherwise), else "last". A bare number is taken as is.
std::optional<double> metricValue(const nlohmann::json& metrics, const std::string& key);
/// Up to MAX keys worth a column: test/ metrics first, then val/, then the rest.
QStringList keyMetrics(const std::vector<const registry::ModelVersion*>& versions, int max = 4);
/// A JSON value as one line of text ("[-1, 4]", "setosa", "0.95").
QString jsonText(const nlohmann::json& value);
/// Leaves of a JSON object as "a.b.c" → text (arrays of scalars stay one leaf).
std::vector<std::pair<QString, QString>> flatten(const nlohmann::json& value);
/// The version's tags as "k=v, k=v".
QString tagsText(const registry::ModelVersion& v);

}  // namespace wb::ui::registry_format
