#include "app/cli/cli_output.h"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "core/common/numbers.h"

namespace wb::cli {

namespace {
nlohmann::json optional(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json runToJson(const store::Run& run, const store::ParamMap& params,
                         const store::ParamMap& tags,
                         const std::vector<store::MetricSummary>& metrics, double now) {
  nlohmann::json j;
  j["id"] = run.id;
  j["name"] = run.name;
  j["experiment"] = run.experiment;
  j["status"] = std::string(store::toString(run.status));
  j["status_message"] = run.status_message;
  j["created_at"] = run.created_at;
  j["started_at"] = optional(run.started_at);
  j["ended_at"] = optional(run.ended_at);
  j["duration_s"] = optional(run.durationSeconds(now));
  j["pid"] = run.pid;
  j["host"] = run.host;
  j["parent_run_id"] = run.parent_run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.parent_run_id);
  j["config_hash"] = run.config_hash;
  j["notes"] = run.notes;
  j["params"] = params;
  j["tags"] = tags;
  nlohmann::json m = nlohmann::json::object();
  for (const auto& s : metrics) {
    m[s.key] = {{"last", optional(s.last_value)}, {"last_step", s.last_step},
                {"min", optional(s.min_value)},   {"max", optional(s.max_value)},
                {"best", optional(s.best())},     {"count", s.count}};
  }
  j["metrics"] = m;
  return j;
}

namespace {
// Columns on a terminal: UTF-8 code points, not bytes ("—", "→" are one column each).
std::size_t displayWidth(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

void printTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], displayWidth(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - displayWidth(row[i]) + 2, ' ');
    }
    out << line << '\n';
  }
}

void writeSeriesCsv(std::ostream& out,
                    const std::map<std::string, std::vector<store::MetricPoint>>& series) {
  out << "key,step,epoch,wall_time,value\n";
  for (const auto& [key, points] : series) {
    for (const auto& p : points) {
      out << key << ',' << p.step << ',' << (std::isnan(p.epoch) ? "" : wb::formatDouble(p.epoch))
          << ',' << wb::formatDouble(p.wall_time) << ',' << wb::formatDouble(p.value) << '\n';
    }
  }
}

nlohmann::json seriesToJson(const std::map<std::string, std::vector<store::MetricPoint>>& series) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, points] : series) {
    nlohmann::json steps = nlohmann::json::array(), epochs = nlohmann::json::array(),
                   walls = nlohmann::json::array(), values = nlohmann::json::array();
    for (const auto& p : points) {
      steps.push_back(p.step);
      epochs.push_back(std::isnan(p.epoch) ? nlohmann::json(nullptr) : nlohmann::json(p.epoch));
      walls.push_back(p.wall_time);
      values.push_back(std::isfinite(p.value) ? nlohmann::json(p.value) : nlohmann::json(nullptr));
    }
    j[key] = {{"step", steps}, {"epoch", epochs}, {"wall_time", walls}, {"value", values}};
  }
  return j;
}

}  // namespace wb::cli
