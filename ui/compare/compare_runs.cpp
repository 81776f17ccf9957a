#include "ui/compare/compare_runs.h"

#include <algorithm>
#include <set>

#include <QSet>

#include "core/metrics/run_comparison.h"

namespace wb::ui {

namespace {

// Validation metrics say most about a run: listed first, as `wb runs compare` does.
int keyRank(const QString& key) {
  if (key.startsWith(QLatin1String("val"))) return 0;
  if (key.startsWith(QLatin1String("test"))) return 1;
  if (key.startsWith(QLatin1String("train"))) return 2;
  if (key.startsWith(QLatin1String("sys"))) return 4;
  return 3;
}

bool isNumericParam(const std::vector<std::optional<std::string>>& values) {
  bool any = false;
  for (const auto& v : values) {
    if (!v) continue;
    if (!metrics::parseNumber(*v)) return false;
    any = true;
  }
  return any;
}

std::vector<metrics::ParamDiffRow> diffRows(const std::vector<RunRow>& rows) {
  std::vector<const store::ParamMap*> maps;
  for (const auto& r : rows) maps.push_back(&r.params);
  return metrics::diffParams(maps);
}

}  // namespace

void CompareRuns::setRows(std::vector<RunRow> rows) {
  m_rows = std::move(rows);
  m_labels.clear();
  for (const auto& r : m_rows) {
    const auto same_name = std::count_if(m_rows.begin(), m_rows.end(),
                                         [&](const RunRow& o) { return o.run.name == r.run.name; });
    const QString id = QString::fromStdString(r.run.id);
    const QString name = QString::fromStdString(r.run.name);
    m_labels.insert(id, same_name > 1 || name.isEmpty()
                            ? name + QStringLiteral(" (") + id.left(8) + QLatin1Char(')')
                            : name);
  }
}

QStringList CompareRuns::ids() const {
  QStringList ids;
  for (const auto& r : m_rows) ids << QString::fromStdString(r.run.id);
  return ids;
}

const RunRow* CompareRuns::row(const QString& run_id) const {
  const std::string id = run_id.toStdString();
  for (const auto& r : m_rows)
    if (r.run.id == id) return &r;
  return nullptr;
}

const store::MetricSummary* CompareRuns::summary(const QString& run_id, const QString& key) const {
  const RunRow* r = row(run_id);
  if (!r) return nullptr;
  const auto it = r->metrics.find(key.toStdString());
  return it == r->metrics.end() ? nullptr : &it->second;
}

QStringList CompareRuns::metricKeys() const {
  QSet<QString> keys;
  for (const auto& r : m_rows)
    for (const auto& [k, s] : r.metrics) keys.insert(QString::fromStdString(k));
  QStringList out(keys.begin(), keys.end());
  std::sort(out.begin(), out.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const QString& a, const QString& b) { return keyRank(a) < keyRank(b); });
  return out;
}

QStringList CompareRuns::paramKeys() const {
  std::set<std::string> keys;
  for (const auto& r : m_rows)
    for (const auto& [k, v] : r.params) keys.insert(k);
  QStringList out;
  for (const auto& k : keys) out << QString::fromStdString(k);
  return out;
}

QStringList CompareRuns::differingParamKeys() const {
  QStringList keys;
  for (const auto& row : diffRows(m_rows))
    if (row.differs) keys << QString::fromStdString(row.key);
  return keys;
}

QStringList CompareRuns::axisParamCandidates(int max_count) const {
  // Params that differ, but not text unique to each run (paths, names): as categories they
  // would only draw a fan.
  QStringList out;
  for (const auto& row : diffRows(m_rows)) {
    if (!row.differs) continue;
    if (!isNumericParam(row.values)) {
      std::set<std::string> distinct;
      for (const auto& v : row.values)
        if (v) distinct.insert(*v);
      if (distinct.size() == row.values.size() && row.values.size() > 3) continue;
    }
    out << QString::fromStdString(row.key);
    if (out.size() >= max_count) break;
  }
  return out;
}

QString CompareRuns::scatterParamCandidate() const {
  // Learning rates first: they are what people sweep.
  QString any;
  QString numeric;
  for (const auto& row : diffRows(m_rows)) {
    if (!row.differs) continue;
    const QString key = QString::fromStdString(row.key);
    if (any.isEmpty()) any = key;
    if (!isNumericParam(row.values)) continue;
    if (key.contains(QLatin1String("lr")) || key.contains(QLatin1String("learning_rate")))
      return key;
    if (numeric.isEmpty()) numeric = key;
  }
  return numeric.isEmpty() ? any : numeric;
}

QString CompareRuns::defaultTargetMetric() const {
  // The first key every run logged, val/ first (as `wb runs compare` picks it).
  const QStringList keys = metricKeys();
  for (const auto& k : keys) {
    if (k.endsWith(QLatin1String("_step"))) continue;  // per-step noise, not a result
    if (std::all_of(m_rows.begin(), m_rows.end(),
                    [&](const RunRow& r) { return r.metrics.count(k.toStdString()) > 0; }))
      return k;
  }
  return keys.value(0);
}

QString CompareRuns::targetMetric() const {
  if (!m_target.isEmpty() && metricKeys().contains(m_target)) return m_target;
  return defaultTargetMetric();
}

metrics::Goal CompareRuns::goalOf(const QString& key) const {
  if (key == targetMetric() && m_goal_override != metrics::Goal::Unknown) return m_goal_override;
  return metrics::goalForMetric(key.toStdString());
}

}  // namespace wb::ui
