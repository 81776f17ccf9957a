#include "ui/registry/registry_format.h"

#include <algorithm>
#include <set>

#include "ui/common/formatting.h"

namespace wb::ui::registry_format {

QString versionRef(const registry::ModelVersion& v) {
  return QString::fromStdString(v.model) + QLatin1Char('/') + QString::number(v.version);
}

std::optional<double> metricValue(const nlohmann::json& metrics, const std::string& key) {
  if (!metrics.is_object()) return std::nullopt;
  auto it = metrics.find(key);
  if (it == metrics.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (!it->is_object()) return std::nullopt;
  auto pick = [&](const char* field) -> std::optional<double> {
    auto f = it->find(field);
    if (f == it->end() || !f->is_number()) return std::nullopt;
    return f->get<double>();
  };
  if (key.rfind("test/", 0) == 0)
    if (auto last = pick("last")) return last;
  if (auto best = pick(registry::lowerIsBetter(key) ? "min" : "max")) return best;
  return pick("last");
}

QStringList keyMetrics(const std::vector<const registry::ModelVersion*>& versions, int max) {
  std::set<std::string> keys;
  for (const auto* v : versions)
    if (v->metrics.is_object())
      for (auto it = v->metrics.begin(); it != v->metrics.end(); ++it) keys.insert(it.key());
  // Accuracy and loss on the test split, then on validation, then the other test and
  // validation metrics: the columns a reader compares versions by.
  auto rank = [](const std::string& k) {
    const bool test = k.rfind("test/", 0) == 0, val = k.rfind("val/", 0) == 0;
    const bool headline = k.find("accuracy") != std::string::npos ||
                          k.find("loss") != std::string::npos ||
                          k.find("rmse") != std::string::npos || k.find("mae") != std::string::npos;
    if (headline && test) return 0;
    if (headline && val) return 1;
    if (test) return 2;
    if (val) return 3;
    return k.rfind("train/", 0) == 0 ? 5 : 4;
  };
  std::vector<std::string> ordered(keys.begin(), keys.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  QStringList out;
  for (const auto& k : ordered) {
    if (out.size() >= max) break;
    out << QString::fromStdString(k);
  }
  return out;
}

QString jsonText(const nlohmann::json& value) {
  if (value.is_string()) return QString::fromStdString(value.get<std::string>());
  if (value.is_number_float()) return formatValue(value.get<double>());
  if (value.is_null()) return QString();
  return QString::fromStdString(
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {
void flattenInto(const nlohmann::json& value, const QString& prefix,
                 std::vector<std::pair<QString, QString>>& out) {
  if (value.is_object() && !value.empty()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      flattenInto(it.value(),
                  prefix.isEmpty() ? QString::fromStdString(it.key())
                                   : prefix + QLatin1Char('.') + QString::fromStdString(it.key()),
                  out);
    return;
  }
  const bool structured_array =
      value.is_array() && std::any_of(value.begin(), value.end(), [](const nlohmann::json& e) {
        return e.is_object() || e.is_array();
      });
  if (structured_array) {
    for (std::size_t i = 0; i < value.size(); ++i)
      flattenInto(value[i], prefix + QStringLiteral("[%1]").arg(i), out);
    return;
  }
  out.emplace_back(prefix, jsonText(value));
}
}  // namespace

std::vector<std::pair<QString, QString>> flatten(const nlohmann::json& value) {
  std::vector<std::pair<QString, QString>> out;
  flattenInto(value, QString(), out);
  return out;
}

QString tagsText(const registry::ModelVersion& v) {
  QStringList parts;
  for (const auto& [k, val] : v.tags)  // a bare label (`--tag demo`) shows as itself, not "demo="
    parts << (val.empty() ? QString::fromStdString(k)
                          : QString::fromStdString(k) + QLatin1Char('=') + QString::fromStdString(val));
  return parts.join(QStringLiteral(", "));
}

}  // namespace wb::ui::registry_format
