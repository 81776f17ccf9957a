#include "core/metrics/confusion_artifact.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/objects/object_store.h"
#include "core/store/run_repository.h"

namespace wb::metrics {

namespace {

using Json = nlohmann::json;

const Json kNull;

const Json& member(const Json& o, const char* key) {
  if (!o.is_object()) return kNull;
  const auto it = o.find(key);
  return it == o.end() ? kNull : *it;
}

// A JSON value as a number, or `fallback` when it is not one.
double numberOr(const Json& v, double fallback) {
  return v.is_number() ? v.get<double>() : fallback;
}

std::vector<double> perClass(const Json& given, const ConfusionArtifact& m, bool by_row) {
  std::vector<double> out;
  const bool use_given = given.is_array() && given.size() == static_cast<std::size_t>(m.classes);
  for (int c = 0; c < m.classes; ++c) {
    if (use_given) {
      out.push_back(numberOr(given[static_cast<std::size_t>(c)], 0.0));
      continue;
    }
    const auto denom = by_row ? m.rowTotal(c) : m.columnTotal(c);
    out.push_back(denom ? static_cast<double>(m.at(c, c)) / static_cast<double>(denom) : 0.0);
  }
  return out;
}

// "matrix": classes rows of classes non-negative counts.
Status readCounts(const Json& rows, ConfusionArtifact& m) {
  const std::string n = std::to_string(m.classes);
  if (m.classes <= 0 || !rows.is_array() || rows.size() != static_cast<std::size_t>(m.classes))
    return makeError("expected a " + n + " × " + n + " \"matrix\"");
  m.counts.reserve(static_cast<std::size_t>(m.classes) * static_cast<std::size_t>(m.classes));
  for (const auto& row : rows) {
    const std::size_t cells = row.is_array() ? row.size() : 0;
    if (cells != static_cast<std::size_t>(m.classes))
      return makeError("a row of \"matrix\" has " + std::to_string(cells) + " cells, not " + n);
    for (const auto& cell : row) {
      const double v = numberOr(cell, -1);
      if (!(v >= 0)) return makeError("\"matrix\" holds a negative or non-numeric count");
      m.counts.push_back(static_cast<std::int64_t>(std::llround(v)));
    }
  }
  return {};
}

}  // namespace

std::int64_t ConfusionArtifact::rowTotal(int true_class) const {
  std::int64_t sum = 0;
  for (int p = 0; p < classes; ++p) sum += at(true_class, p);
  return sum;
}

std::int64_t ConfusionArtifact::columnTotal(int predicted) const {
  std::int64_t sum = 0;
  for (int t = 0; t < classes; ++t) sum += at(t, predicted);
  return sum;
}

Result<ConfusionArtifact> parseConfusionArtifact(std::string_view json) {
  Json o;
  try {
    o = Json::parse(json);
  } catch (const Json::exception& e) {
    return makeError(std::string("not JSON: ") + e.what());
  }
  const Json& rows = member(o, "matrix");
  ConfusionArtifact m;
  if (o.is_object() && o.contains("classes")) {
    // A whole number, or 0 (which no matrix matches).
    const double n = numberOr(o["classes"], 0);
    m.classes = n == std::floor(n) && std::fabs(n) < 1e9 ? static_cast<int>(n) : 0;
  } else {
    m.classes = rows.is_array() ? static_cast<int>(rows.size()) : 0;
  }
  if (auto counts = readCounts(rows, m); !counts) return counts.error();
  const Json& labels = member(o, "labels");
  for (int c = 0; c < m.classes; ++c) {
    const auto i = static_cast<std::size_t>(c);
    const bool named = labels.is_array() && i < labels.size() && labels[i].is_string() &&
                       !labels[i].get<std::string>().empty();
    m.labels.push_back(named ? labels[i].get<std::string>() : std::to_string(c));
  }
  std::int64_t correct = 0;
  for (const auto v : m.counts) m.total += v;
  for (int c = 0; c < m.classes; ++c) correct += m.at(c, c);
  m.precision = perClass(member(o, "precision"), m, false);
  m.recall = perClass(member(o, "recall"), m, true);
  const Json& accuracy = member(o, "accuracy");
  m.accuracy = o.is_object() && o.contains("accuracy")
                   ? numberOr(accuracy, 0.0)
                   : (m.total ? static_cast<double>(correct) / static_cast<double>(m.total) : 0.0);
  return m;
}

Result<std::optional<ConfusionArtifact>> readConfusionArtifact(store::Database& db,
                                                               const objects::ObjectStore& objects,
                                                               const std::string& run_id) {
  const auto artifacts = store::RunRepository(db).artifacts(run_id);
  if (!artifacts) return artifacts.error();
  for (const std::string_view name : ConfusionArtifact::kNames) {
    const auto it = std::find_if(artifacts->begin(), artifacts->end(),
                                 [&](const store::Artifact& a) { return a.path == name; });
    if (it == artifacts->end()) continue;
    const auto bytes = objects.read(it->object_id);
    if (!bytes) return bytes.error();
    auto matrix = parseConfusionArtifact(*bytes);
    if (!matrix) return makeError(matrix.error().message, std::string(name));
    matrix->split = name.find("_test") != std::string_view::npos ? "test" : "val";
    return std::optional<ConfusionArtifact>(std::move(*matrix));
  }
  return std::optional<ConfusionArtifact>();
}

}  // namespace wb::metrics
