#include "core/data/feature_transforms.h"

#include "core/data/table_parse.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

using nlohmann::json;

namespace wb::data {

namespace {

constexpr int kFormat = 1;
constexpr std::size_t kDefaultMaxCategories = 50;
constexpr std::uint64_t kDefaultBuckets = 262144;
constexpr int kMaxNgram = 8;
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr const char* kPadToken = "<pad>";
constexpr const char* kUnkToken = "<unk>";

std::string_view taskName(Task task) {
  switch (task) {
    case Task::Classification:
      return "classification";
    case Task::Regression:
      return "regression";
    default:
      return "unknown";
  }
}

Task taskFromName(std::string_view name) {
  if (name == "classification") return Task::Classification;
  if (name == "regression") return Task::Regression;
  return Task::Unknown;
}

// A std that would blow values up (constant column, rounding noise) counts as 1.
double usableScale(double stddev, double mean) {
  if (!std::isfinite(stddev) || stddev <= 1e-12 * std::max(1.0, std::abs(mean))) return 1.0;
  return stddev;
}

// Population mean and std (ddof 0), so standardized train data has std exactly 1.
struct Moments {
  std::size_t count = 0;
  double mean = 0, m2 = 0;
  void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }
  double stddev() const { return count > 0 ? std::sqrt(m2 / static_cast<double>(count)) : 0.0; }
};

// Steps are objects with a string "name"; the spec may be wrapped as {"steps": [...]}.
Result<json> stepsOf(const json& spec_or_fitted, std::string_view kind) {
  if (spec_or_fitted.is_array()) return spec_or_fitted;
  if (!spec_or_fitted.is_object())
    return makeError("expected an array of steps or a pipeline object", std::string(kind));
  if (const auto it = spec_or_fitted.find("kind");
      it != spec_or_fitted.end() && *it != json(std::string(kind)))
    return makeError("pipeline kind is " + it->dump() + ", expected \"" + std::string(kind) + "\"",
                     std::string(kind));
  if (const auto it = spec_or_fitted.find("format");
      it != spec_or_fitted.end() && (!it->is_number_integer() || it->get<int>() > kFormat))
    return makeError("unsupported pipeline format " + it->dump(), std::string(kind));
  const auto it = spec_or_fitted.find("steps");
  if (it == spec_or_fitted.end()) return json::array();
  if (!it->is_array()) return makeError("\"steps\" must be an array", std::string(kind));
  return *it;
}

Result<std::string> stepName(const json& step, std::string_view kind) {
  if (!step.is_object() || !step.contains("name") || !step["name"].is_string())
    return makeError("each step must be an object with a string \"name\": " + step.dump(),
                     std::string(kind));
  return step["name"].get<std::string>();
}

// Reads an optional integer parameter of a step within [lo, hi].
Result<std::int64_t> intParam(const json& step, const char* key, std::int64_t fallback,
                              std::int64_t lo, std::int64_t hi) {
  const auto it = step.find(key);
  if (it == step.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi)
    return makeError(std::string("\"") + key + "\" must be an integer in [" + std::to_string(lo) +
                         ", " + std::to_string(hi) + "], got " + it->dump(),
                     step.value("name", std::string()));
  return it->get<std::int64_t>();
}

bool isWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Lowercase of a two-byte-encoded code point whose lowercase is also two bytes; else itself.
std::uint32_t lowerTwoByte(std::uint32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1
  if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
    return (cp % 2 == 0) ? cp + 1 : cp;  // Latin Extended-A, upper case on even
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
    return (cp % 2 == 1) ? cp + 1 : cp;  // upper case on odd
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;  // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                 // Cyrillic
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}

void lowercaseUtf8(std::string& text) {
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      text[i] = static_cast<char>(c + 32);
    } else if (c >= 0xC2 && c <= 0xDF && i + 1 < n &&
               (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      const std::uint32_t cp =
          ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      const std::uint32_t lower = lowerTwoByte(cp);
      text[i] = static_cast<char>(0xC0 | (lower >> 6));
      text[i + 1] = static_cast<char>(0x80 | (lower & 0x3F));
      ++i;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TabularPipeline

Status TabularPipeline::readSteps(const json& steps) {
  m_standardize = m_one_hot = m_standardize_target = false;
  m_max_categories = kDefaultMaxCategories;
  for (const auto& step : steps) {
    auto name = stepName(step, "tabular");
    if (!name) return name.error();
    if (*name == "standardize") {
      m_standardize = true;
    } else if (*name == "one_hot") {
      auto max = intParam(step, "max_categories", kDefaultMaxCategories, 1, 1 << 20);
      if (!max) return max.error();
      m_one_hot = true;
      m_max_categories = static_cast<std::size_t>(*max);
    } else if (*name == "standardize_target") {
      m_standardize_target = true;
    } else {
      return makeError("unknown step \"" + *name + "\"", "tabular pipeline");
    }
  }
  m_steps = steps;
  return {};
}

Result<TabularPipeline> TabularPipeline::fromJson(const json& spec_or_fitted) {
  try {
    auto steps = stepsOf(spec_or_fitted, "tabular");
    if (!steps) return steps.error();
    TabularPipeline pipeline;
    if (auto status = pipeline.readSteps(*steps); !status) return status.error();
    if (!spec_or_fitted.is_object() || !spec_or_fitted.value("fitted", false)) return pipeline;

    pipeline.m_target = spec_or_fitted.at("target").get<std::string>();
    pipeline.m_task = taskFromName(spec_or_fitted.at("task").get<std::string>());
    if (pipeline.m_task == Task::Unknown)
      return makeError("unknown task " + spec_or_fitted.at("task").dump(), "tabular pipeline");
    pipeline.m_classes = spec_or_fitted.value("classes", std::vector<std::string>{});
    pipeline.m_target_mean = spec_or_fitted.value("target_mean", 0.0);
    pipeline.m_target_scale = spec_or_fitted.value("target_scale", 1.0);
    int targets = 0;
    for (const auto& item : spec_or_fitted.at("columns")) {
      Column column;
      column.name = item.at("name").get<std::string>();
      const std::string role = item.at("role").get<std::string>();
      if (role == "numeric") {
        column.role = Role::Numeric;
        column.mean = item.at("mean").get<double>();
        column.scale = item.at("scale").get<double>();
      } else if (role == "categorical") {
        column.role = Role::Categorical;
        column.categories = item.at("categories").get<std::vector<std::string>>();
      } else if (role == "skipped") {
        column.role = Role::Skipped;
      } else if (role == "target") {
        column.role = Role::Target;
        ++targets;
      } else {
        return makeError("unknown column role \"" + role + "\"", "tabular pipeline");
      }
      pipeline.m_columns.push_back(std::move(column));
    }
    if (targets != 1 || pipeline.m_columns[static_cast<std::size_t>(pipeline.targetIndex())].name !=
                            pipeline.m_target)
      return makeError(
          "fitted pipeline needs exactly one target column named \"" + pipeline.m_target + "\"",
          "tabular pipeline");
    pipeline.finishFit();
    return pipeline;
  } catch (const json::exception& e) {
    return makeError(std::string("invalid pipeline JSON: ") + e.what(), "tabular pipeline");
  }
}

void TabularPipeline::finishFit() {
  m_feature_count = 0;
  for (auto& column : m_columns) {
    column.index.clear();
    for (std::size_t k = 0; k < column.categories.size(); ++k)
      column.index.emplace(column.categories[k], k);
    if (column.role == Role::Numeric) m_feature_count += 1;
    if (column.role == Role::Categorical)
      m_feature_count += m_one_hot ? column.categories.size() : 1;
  }
  m_class_index.clear();
  for (std::size_t k = 0; k < m_classes.size(); ++k) m_class_index.emplace(m_classes[k], k);
  m_fitted = true;
}

Status TabularPipeline::fit(const std::vector<ColumnInfo>& columns,
                            const std::vector<std::vector<std::string>>& rows,
                            const std::vector<std::size_t>& train_rows,
                            const std::string& target_column, Task task) {
  m_fitted = false;
  m_columns.clear();
  m_classes.clear();
  m_feature_count = 0;
  m_target_mean = 0;
  m_target_scale = 1;

  const auto target_it = std::find_if(columns.begin(), columns.end(),
                                      [&](const ColumnInfo& c) { return c.name == target_column; });
  if (target_it == columns.end())
    return makeError("target column \"" + target_column + "\" not found", "tabular pipeline");
  const auto target = static_cast<std::size_t>(target_it - columns.begin());
  for (const std::size_t r : train_rows)
    if (r >= rows.size())
      return makeError("train row index " + std::to_string(r) + " out of range",
                       "tabular pipeline");
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (rows[r].size() != columns.size())
      return makeError("row " + std::to_string(r) + " has " + std::to_string(rows[r].size()) +
                           " cells, expected " + std::to_string(columns.size()),
                       "tabular pipeline");

  for (const auto& column : columns)
    if (!isValidUtf8(column.name))
      return makeError("column name is not valid UTF-8", "tabular pipeline");
  if (task == Task::Unknown) task = guessTask(*target_it);
  if (task == Task::Unknown)
    return makeError(
        "cannot tell whether \"" + target_column + "\" is a classification or a regression target",
        "tabular pipeline");

  for (std::size_t j = 0; j < columns.size(); ++j) {
    Column column;
    column.name = columns[j].name;
    const ColumnType type = columns[j].type;
    if (j == target) {
      column.role = Role::Target;
    } else if (type == ColumnType::Integer || type == ColumnType::Real) {
      column.role = Role::Numeric;
      Moments moments;
      for (const std::size_t r : train_rows) {
        const std::string& cell = rows[r][j];
        if (isMissingCell(cell)) continue;
        double x = 0;
        if (!parseNumberCell(cell, x))
          return makeError("value \"" + cell + "\" is not a number", "column " + column.name);
        moments.add(x);
      }
      column.mean = moments.mean;
      column.scale = usableScale(moments.stddev(), moments.mean);
    } else if (type == ColumnType::Categorical) {
      column.role = Role::Categorical;
      std::unordered_map<std::string_view, std::size_t> counts;
      for (const std::size_t r : train_rows)
        if (!isMissingCell(rows[r][j])) ++counts[rows[r][j]];
      std::vector<std::pair<std::string_view, std::size_t>> sorted(counts.begin(), counts.end());
      std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      // Fitted state is stored as JSON, which holds only valid UTF-8: such values stay unseen.
      std::erase_if(sorted, [](const auto& entry) { return !isValidUtf8(entry.first); });
      if (m_one_hot && sorted.size() > m_max_categories) sorted.resize(m_max_categories);
      for (const auto& [value, count] : sorted) column.categories.emplace_back(value);
    } else {
      column.role = Role::Skipped;  // free text is not a tabular feature
    }
    m_columns.push_back(std::move(column));
  }

  m_target = target_column;
  m_task = task;
  if (task == Task::Classification) {
    std::unordered_set<std::string_view> labels;
    for (const auto& row : rows)
      if (!isMissingCell(row[target])) labels.insert(row[target]);
    m_classes.assign(labels.begin(), labels.end());
    std::sort(m_classes.begin(), m_classes.end());
    for (const auto& label : m_classes)
      if (!isValidUtf8(label))
        return makeError("class label is not valid UTF-8", "column " + target_column);
    if (m_classes.empty())
      return makeError("target column \"" + target_column + "\" has no labels", "tabular pipeline");
  } else if (m_standardize_target) {
    Moments moments;
    for (const std::size_t r : train_rows) {
      const std::string& cell = rows[r][target];
      if (isMissingCell(cell)) continue;
      double y = 0;
      if (!parseNumberCell(cell, y))
        return makeError("value \"" + cell + "\" is not a number", "column " + target_column);
      moments.add(y);
    }
    m_target_mean = moments.mean;
    m_target_scale = usableScale(moments.stddev(), moments.mean);
  }
  finishFit();
  return {};
}

json TabularPipeline::toJson() const {
  json out = {{"kind", "tabular"}, {"format", kFormat}, {"steps", m_steps}, {"fitted", m_fitted}};
  if (!m_fitted) return out;
  out["target"] = m_target;
  out["task"] = taskName(m_task);
  out["classes"] = m_classes;
  out["target_mean"] = m_target_mean;
  out["target_scale"] = m_target_scale;
  json columns = json::array();
  for (const auto& column : m_columns) {
    json item = {{"name", column.name}};
    switch (column.role) {
      case Role::Numeric:
        item["role"] = "numeric";
        item["mean"] = column.mean;
        item["scale"] = column.scale;
        break;
      case Role::Categorical:
        item["role"] = "categorical";
        item["categories"] = column.categories;
        break;
      case Role::Target:
        item["role"] = "target";
        break;
      default:
        item["role"] = "skipped";
        break;
    }
    columns.push_back(std::move(item));
  }
  out["columns"] = std::move(columns);
  return out;
}

std::vector<std::string> TabularPipeline::featureNames() const {
  std::vector<std::string> names;
  names.reserve(m_feature_count);
  for (const auto& column : m_columns) {
    if (column.role == Role::Numeric || (column.role == Role::Categorical && !m_one_hot)) {
      names.push_back(column.name);
    } else if (column.role == Role::Categorical) {
      for (const auto& category : column.categories) names.push_back(column.name + "=" + category);
    }
  }
  return names;
}

int TabularPipeline::targetIndex() const {
  for (std::size_t j = 0; j < m_columns.size(); ++j)
    if (m_columns[j].role == Role::Target) return static_cast<int>(j);
  return -1;
}

Status TabularPipeline::encodeCell(const Column& column, const std::string* cell,
                                   float*& out) const {
  const bool missing = cell == nullptr || isMissingCell(*cell);
  if (column.role == Role::Numeric) {
    double x = column.mean;
    if (!missing && !parseNumberCell(*cell, x))
      return makeError("value \"" + *cell + "\" is not a number", "column " + column.name);
    *out++ = static_cast<float>(m_standardize ? (x - column.mean) / column.scale : x);
  } else if (column.role == Role::Categorical) {
    const auto it = missing ? column.index.end() : column.index.find(*cell);
    if (m_one_hot) {
      std::fill(out, out + column.categories.size(), 0.0f);
      if (it != column.index.end()) out[it->second] = 1.0f;
      out += column.categories.size();
    } else {
      *out++ = it != column.index.end() ? static_cast<float>(it->second) : -1.0f;
    }
  }
  return {};
}

Status TabularPipeline::transformRow(const std::vector<std::string>& cells, float* out) const {
  if (!m_fitted) return makeError("pipeline is not fitted", "tabular pipeline");
  // Rows may omit the target cell (serving input); then cells after it shift by one.
  const int target = targetIndex();
  const bool without_target = cells.size() + 1 == m_columns.size();
  if (cells.size() != m_columns.size() && !without_target)
    return makeError("row has " + std::to_string(cells.size()) + " cells, expected " +
                         std::to_string(m_columns.size()),
                     "tabular pipeline");
  std::size_t k = 0;
  for (std::size_t j = 0; j < m_columns.size(); ++j) {
    if (without_target && static_cast<int>(j) == target) continue;
    if (auto status = encodeCell(m_columns[j], &cells[k++], out); !status) return status;
  }
  return {};
}

Status TabularPipeline::transformRecord(const std::map<std::string, std::string>& record,
                                        float* out) const {
  if (!m_fitted) return makeError("pipeline is not fitted", "tabular pipeline");
  for (const auto& column : m_columns) {
    const auto it = record.find(column.name);
    const std::string* cell = it == record.end() ? nullptr : &it->second;
    if (auto status = encodeCell(column, cell, out); !status) return status;
  }
  return {};
}

Status TabularPipeline::transformRows(const std::vector<std::vector<std::string>>& rows,
                                      const std::vector<std::size_t>& indices, float* out) const {
  for (const std::size_t r : indices) {
    if (r >= rows.size())
      return makeError("row index " + std::to_string(r) + " out of range", "tabular pipeline");
    if (auto status = transformRow(rows[r], out); !status)
      return makeError(status.error().message,
                       status.error().context + ", row " + std::to_string(r));
    out += m_feature_count;
  }
  return {};
}

Result<float> TabularPipeline::transformTarget(std::string_view label) const {
  if (!m_fitted) return makeError("pipeline is not fitted", "tabular pipeline");
  if (m_task == Task::Classification) {
    const auto it = m_class_index.find(std::string(label));
    if (it == m_class_index.end())
      return makeError("unknown class label \"" + std::string(label) + "\"", "column " + m_target);
    return static_cast<float>(it->second);
  }
  double y = 0;
  if (!parseNumberCell(label, y))
    return makeError("value \"" + std::string(label) + "\" is not a number", "column " + m_target);
  return static_cast<float>(m_standardize_target ? (y - m_target_mean) / m_target_scale : y);
}

double TabularPipeline::inverseTarget(double value) const {
  if (m_task == Task::Regression && m_standardize_target)
    return value * m_target_scale + m_target_mean;
  return value;
}

// ---------------------------------------------------------------------------------------------
// TextPipeline

std::uint64_t TextPipeline::fnv1a64(std::string_view bytes) {
  std::uint64_t hash = kFnvOffset;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnvPrime;
  }
  return hash;
}

Status TextPipeline::readSteps(const json& steps) {
  m_lowercase = m_tokenize = m_hashing = false;
  m_ngrams = 1;
  m_buckets = 0;
  m_max_size = 0;
  m_min_freq = 1;
  bool vocabulary = false;
  for (const auto& step : steps) {
    auto name = stepName(step, "text");
    if (!name) return name.error();
    if (*name == "lowercase") {
      m_lowercase = true;
    } else if (*name == "tokenize") {
      m_tokenize = true;
    } else if (*name == "ngrams") {
      auto n = intParam(step, "n", 2, 1, kMaxNgram);
      if (!n) return n.error();
      m_ngrams = static_cast<int>(*n);
    } else if (*name == "vocabulary") {
      auto max_size = intParam(step, "max_size", 0, 0, std::int64_t{1} << 40);
      if (!max_size) return max_size.error();
      auto min_freq = intParam(step, "min_freq", 1, 1, std::int64_t{1} << 40);
      if (!min_freq) return min_freq.error();
      vocabulary = true;
      m_max_size = static_cast<std::size_t>(*max_size);
      m_min_freq = static_cast<std::size_t>(*min_freq);
    } else if (*name == "hashing") {
      auto buckets =
          intParam(step, "buckets", static_cast<std::int64_t>(kDefaultBuckets), 1, 1LL << 40);
      if (!buckets) return buckets.error();
      m_hashing = true;
      m_buckets = static_cast<std::uint64_t>(*buckets);
    } else {
      return makeError("unknown step \"" + *name + "\"", "text pipeline");
    }
  }
  if (vocabulary == m_hashing)
    return makeError("needs exactly one of the steps \"vocabulary\" and \"hashing\"",
                     "text pipeline");
  m_steps = steps;
  return {};
}

Result<TextPipeline> TextPipeline::fromJson(const json& spec_or_fitted) {
  try {
    auto steps = stepsOf(spec_or_fitted, "text");
    if (!steps) return steps.error();
    TextPipeline pipeline;
    if (auto status = pipeline.readSteps(*steps); !status) return status.error();
    if (!spec_or_fitted.is_object() || !spec_or_fitted.value("fitted", false)) return pipeline;
    if (!pipeline.m_hashing) {
      pipeline.m_vocabulary = spec_or_fitted.at("vocabulary").get<std::vector<std::string>>();
      for (std::size_t k = 0; k < pipeline.m_vocabulary.size(); ++k)
        if (!pipeline.m_ids.emplace(pipeline.m_vocabulary[k], static_cast<std::int64_t>(k) + 2)
                 .second)
          return makeError("duplicate vocabulary token \"" + pipeline.m_vocabulary[k] + "\"",
                           "text pipeline");
    }
    pipeline.m_fitted = true;
    return pipeline;
  } catch (const json::exception& e) {
    return makeError(std::string("invalid pipeline JSON: ") + e.what(), "text pipeline");
  }
}

Status TextPipeline::fit(const std::vector<std::string>& train_texts) {
  m_vocabulary.clear();
  m_ids.clear();
  if (!m_hashing) {
    std::unordered_map<std::string, std::size_t> counts;
    for (const auto& text : train_texts)
      for (auto& token : tokens(text)) ++counts[std::move(token)];
    std::vector<std::pair<std::string, std::size_t>> sorted;
    // Tokens that are not valid UTF-8 cannot be stored in the JSON state: they stay <unk>.
    for (auto& [token, count] : counts)
      if (count >= m_min_freq && isValidUtf8(token)) sorted.emplace_back(token, count);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (m_max_size > 0 && sorted.size() > m_max_size) sorted.resize(m_max_size);
    m_vocabulary.reserve(sorted.size());
    for (auto& [token, count] : sorted) {
      m_ids.emplace(token, static_cast<std::int64_t>(m_vocabulary.size()) + 2);
      m_vocabulary.push_back(std::move(token));
    }
  }
  m_fitted = true;
  return {};
}

json TextPipeline::toJson() const {
  json out = {{"kind", "text"}, {"format", kFormat}, {"steps", m_steps}, {"fitted", m_fitted}};
  if (m_fitted && !m_hashing) out["vocabulary"] = m_vocabulary;
  return out;
}

std::vector<std::string> TextPipeline::tokens(std::string_view text) const {
  std::string buffer;
  if (m_lowercase) {
    buffer.assign(text);
    lowercaseUtf8(buffer);
    text = buffer;
  }
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto in_token = [&](char c) {
      return m_tokenize ? isWordByte(static_cast<unsigned char>(c)) : !isAsciiSpace(c);
    };
    while (i < n && !in_token(text[i])) ++i;
    const std::size_t start = i;
    while (i < n && in_token(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  const std::size_t unigrams = out.size();
  for (std::size_t k = 2; k <= static_cast<std::size_t>(m_ngrams) && k <= unigrams; ++k) {
    for (std::size_t s = 0; s + k <= unigrams; ++s) {
      std::string gram = out[s];
      for (std::size_t t = 1; t < k; ++t) {
        gram.push_back(' ');
        gram.append(out[s + t]);
      }
      out.push_back(std::move(gram));
    }
  }
  return out;
}

std::vector<std::int64_t> TextPipeline::encode(std::string_view text) const {
  const auto words = tokens(text);
  std::vector<std::int64_t> ids;
  ids.reserve(words.size());
  for (const auto& word : words) {
    if (m_hashing) {
      ids.push_back(static_cast<std::int64_t>(fnv1a64(word) % m_buckets) + 1);
    } else {
      const auto it = m_ids.find(word);
      ids.push_back(it != m_ids.end() ? it->second : kUnkId);
    }
  }
  return ids;
}

std::size_t TextPipeline::vocabularySize() const {
  return m_hashing ? static_cast<std::size_t>(m_buckets) + 1 : m_vocabulary.size() + 2;
}

std::string TextPipeline::idToken(std::int64_t id) const {
  if (m_hashing) return {};
  if (id == kPadId) return kPadToken;
  if (id == kUnkId) return kUnkToken;
  if (id < 2 || static_cast<std::size_t>(id - 2) >= m_vocabulary.size()) return {};
  return m_vocabulary[static_cast<std::size_t>(id - 2)];
}

}  // namespace wb::data
