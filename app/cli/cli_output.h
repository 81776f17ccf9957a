#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/types.h"

namespace wb::cli {

nlohmann::json runToJson(const store::Run& run, const store::ParamMap& params,
                         const store::ParamMap& tags,
                         const std::vector<store::MetricSummary>& metrics, double now);

/// Prints rows as aligned columns; the first row is the header.
void printTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

void writeSeriesCsv(std::ostream& out,
                    const std::map<std::string, std::vector<store::MetricPoint>>& series);
nlohmann::json seriesToJson(const std::map<std::string, std::vector<store::MetricPoint>>& series);

}  // namespace wb::cli
