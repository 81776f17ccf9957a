#include "core/data/dataset.h"

#include "core/objects/object_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace wb::data {

using nlohmann::json;

namespace {

template <class E, std::size_t N>
std::string_view nameOf(E value, const std::array<std::string_view, N>& names) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : names[0];
}

template <class E, std::size_t N>
E valueOf(std::string_view text, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 1; i < N; ++i)
    if (names[i] == text) return static_cast<E>(i);
  return static_cast<E>(0);
}

constexpr std::array<std::string_view, 4> kKindNames = {"unknown", "images", "tabular", "text"};
constexpr std::array<std::string_view, 3> kTaskNames = {"unknown", "classification",
                                                         "regression"};
constexpr std::array<std::string_view, 3> kStorageNames = {"unknown", "objects", "in_place"};
constexpr std::array<std::string_view, 5> kColumnTypeNames = {"unknown", "integer", "real",
                                                               "categorical", "text"};
constexpr std::array<std::string_view, 4> kSplitNames = {"train", "val", "test", "unassigned"};

}  // namespace

std::string_view toString(DatasetKind kind) { return nameOf(kind, kKindNames); }
std::string_view toString(Task task) { return nameOf(task, kTaskNames); }
std::string_view toString(Storage storage) { return nameOf(storage, kStorageNames); }
std::string_view toString(ColumnType type) { return nameOf(type, kColumnTypeNames); }
std::string_view toString(Split split) {
  const auto i = static_cast<std::size_t>(split);
  return i < kSplitNames.size() ? kSplitNames[i] : "unassigned";
}
DatasetKind datasetKindFromString(std::string_view text) {
  return valueOf<DatasetKind>(text, kKindNames);
}
Task taskFromString(std::string_view text) { return valueOf<Task>(text, kTaskNames); }
Storage storageFromString(std::string_view text) {
  return valueOf<Storage>(text, kStorageNames);
}
ColumnType columnTypeFromString(std::string_view text) {
  return valueOf<ColumnType>(text, kColumnTypeNames);
}
std::optional<Split> splitFromString(std::string_view text) {
  for (std::size_t i = 0; i < kSplitNames.size(); ++i)
    if (kSplitNames[i] == text) return static_cast<Split>(i);
  if (text == "validation" || text == "valid") return Split::Val;
  return std::nullopt;
}

bool isSafeSampleKey(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t end = std::min(key.find('/', start), key.size());
    if (key.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

namespace {

// A manifest may come from someone else's workspace: nothing in it may later become a path
// outside the object store or the checkout folder.
Status checkSample(const Sample& s, DatasetKind kind, std::size_t index) {
  const std::string where = "manifest sample " + std::to_string(index + 1);
  if (!objects::ObjectStore::isValidId(s.hash))
    return makeError("not a SHA-256 hash (64 lowercase hex characters): " + s.hash.substr(0, 80),
                     where);
  if (kind == DatasetKind::Images && !isSafeSampleKey(s.key))
    return makeError("unsafe sample key (absolute, empty or with ..): " + s.key.substr(0, 200),
                     where);
  return {};
}

}  // namespace

int Manifest::columnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

// Samples are arrays, not objects: a 100k-image manifest stays a few MB and parses fast.
std::string Manifest::toJson() const {
  json j;
  j["format"] = kFormat;
  j["kind"] = toString(kind);
  j["task"] = toString(task);
  j["storage"] = toString(storage);
  if (!source_root.empty()) j["source_root"] = source_root;
  j["classes"] = classes;
  if (!columns.empty()) {
    json cols = json::array();
    for (const auto& c : columns) {
      json top = json::array();
      for (const auto& [v, n] : c.top_values) top.push_back({v, n});
      cols.push_back({{"name", c.name},
                      {"type", toString(c.type)},
                      {"missing", c.missing},
                      {"distinct", c.distinct},
                      {"min", c.min},
                      {"max", c.max},
                      {"mean", c.mean},
                      {"stddev", c.stddev},
                      {"top", top}});
    }
    j["columns"] = std::move(cols);
  }
  if (!target_column.empty()) j["target_column"] = target_column;
  if (!text_columns.empty()) j["text_columns"] = text_columns;
  j["split"] = {{"train", split.train},
                {"val", split.val},
                {"test", split.test},
                {"seed", split.seed},
                {"stratify", split.stratify}};
  json samples_json = json::array();
  for (const auto& s : samples) {
    json row = {s.key, s.hash, s.label, static_cast<int>(s.split), s.size_bytes};
    if (kind == DatasetKind::Images) {
      row.push_back(s.width);
      row.push_back(s.height);
      row.push_back(s.channels);
    } else {
      row.push_back(s.values);
    }
    samples_json.push_back(std::move(row));
  }
  j["samples"] = std::move(samples_json);
  json problems_json = json::array();
  for (const auto& p : problems) problems_json.push_back({p.path, p.reason});
  j["problems"] = std::move(problems_json);
  // Invalid UTF-8 never reaches here (importers skip such rows), but replace rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Manifest> Manifest::fromJson(std::string_view text) {
  try {
    const json j = json::parse(text);
    Manifest m;
    if (j.value("format", 0) != kFormat)
      return makeError("unsupported manifest format " + std::to_string(j.value("format", 0)));
    m.kind = datasetKindFromString(j.at("kind").get<std::string>());
    m.task = taskFromString(j.value("task", std::string()));
    m.storage = storageFromString(j.value("storage", std::string("objects")));
    m.source_root = j.value("source_root", std::string());
    m.classes = j.value("classes", std::vector<std::string>());
    if (auto it = j.find("columns"); it != j.end()) {
      for (const auto& c : *it) {
        ColumnInfo info;
        info.name = c.at("name").get<std::string>();
        info.type = columnTypeFromString(c.value("type", std::string()));
        info.missing = c.value("missing", std::size_t{0});
        info.distinct = c.value("distinct", std::size_t{0});
        info.min = c.value("min", 0.0);
        info.max = c.value("max", 0.0);
        info.mean = c.value("mean", 0.0);
        info.stddev = c.value("stddev", 0.0);
        for (const auto& t : c.value("top", json::array()))
          info.top_values.emplace_back(t.at(0).get<std::string>(), t.at(1).get<std::size_t>());
        m.columns.push_back(std::move(info));
      }
    }
    m.target_column = j.value("target_column", std::string());
    m.text_columns = j.value("text_columns", std::vector<std::string>());
    if (auto it = j.find("split"); it != j.end()) {
      m.split.train = it->value("train", 0.8);
      m.split.val = it->value("val", 0.1);
      m.split.test = it->value("test", 0.1);
      m.split.seed = it->value("seed", std::uint64_t{42});
      m.split.stratify = it->value("stratify", true);
    }
    const auto& samples = j.at("samples");
    m.samples.reserve(samples.size());
    for (const auto& row : samples) {
      Sample s;
      s.key = row.at(0).get<std::string>();
      s.hash = row.at(1).get<std::string>();
      s.label = row.at(2).get<std::string>();
      const int split = row.at(3).get<int>();
      s.split = split >= 0 && split <= 3 ? static_cast<Split>(split) : Split::Unassigned;
      s.size_bytes = row.at(4).get<std::uint64_t>();
      if (m.kind == DatasetKind::Images) {
        s.width = row.at(5).get<int>();
        s.height = row.at(6).get<int>();
        s.channels = row.at(7).get<int>();
      } else {
        s.values = row.at(5).get<std::vector<std::string>>();
      }
      if (auto st = checkSample(s, m.kind, m.samples.size()); !st)
        return makeError("corrupt manifest: " + st.error().text());
      m.samples.push_back(std::move(s));
    }
    for (const auto& p : j.value("problems", json::array()))
      m.problems.push_back({p.at(0).get<std::string>(), p.at(1).get<std::string>()});
    return m;
  } catch (const std::exception& e) {
    return makeError(std::string("corrupt manifest: ") + e.what());
  }
}

std::string toString(const ImageShape& shape) {
  return std::to_string(shape.width) + "x" + std::to_string(shape.height) +
         (shape.channels == 1 ? " gray" : shape.channels == 3 ? " RGB" : " " + std::to_string(shape.channels) + "-channel");
}

namespace {

// The mode of the image samples' shapes, and every sample of another shape as a warning.
void addShapeStats(const Manifest& m, ManifestStats& st) {
  std::map<ImageShape, std::size_t> counts;
  for (const auto& s : m.samples)
    if (s.width > 0) counts[{s.width, s.height, s.channels}]++;
  if (counts.empty()) return;
  auto pixels = [](const ImageShape& a) { return std::int64_t(a.width) * a.height * a.channels; };
  auto best = counts.begin();
  for (auto it = counts.begin(); it != counts.end(); ++it)
    if (it->second > best->second || (it->second == best->second && pixels(it->first) < pixels(best->first)))
      best = it;
  st.dominant_shape = best->first;
  const std::string dominant = toString(best->first);
  for (const auto& s : m.samples) {
    const ImageShape shape{s.width, s.height, s.channels};
    if (s.width > 0 && shape != best->first)
      st.shape_warnings.push_back({s.key, toString(shape) + ", not the dataset's " + dominant});
  }
}

}  // namespace

ManifestStats ManifestStats::of(const Manifest& m) {
  ManifestStats st;
  if (m.kind == DatasetKind::Images) addShapeStats(m, st);
  st.samples = m.samples.size();
  st.problems = m.problems.size();
  std::vector<int> text_cols;
  for (const auto& name : m.text_columns)
    if (int i = m.columnIndex(name); i >= 0) text_cols.push_back(i);
  std::size_t text_total = 0;
  bool first_text = true;
  for (const auto& s : m.samples) {
    st.total_bytes += s.size_bytes;
    const auto split = static_cast<std::size_t>(s.split);
    st.split_counts[split]++;
    if (m.task != Task::Regression) st.class_split_counts[s.label][split]++;
    if (m.kind == DatasetKind::Images) st.image_sizes[{s.width, s.height}]++;
    if (!text_cols.empty()) {
      std::size_t chars = 0;
      for (int c : text_cols)
        if (static_cast<std::size_t>(c) < s.values.size())
          for (unsigned char ch : s.values[c]) chars += (ch & 0xC0) != 0x80;  // code points
      text_total += chars;
      st.min_text_chars = first_text ? chars : std::min(st.min_text_chars, chars);
      st.max_text_chars = std::max(st.max_text_chars, chars);
      first_text = false;
    }
  }
  if (!text_cols.empty() && st.samples > 0)
    st.mean_text_chars = static_cast<double>(text_total) / static_cast<double>(st.samples);
  return st;
}

std::string ManifestStats::toJson() const {
  json j;
  j["samples"] = samples;
  j["problems"] = problems;
  j["total_bytes"] = total_bytes;
  j["splits"] = {{"train", split_counts[0]},
                 {"val", split_counts[1]},
                 {"test", split_counts[2]},
                 {"unassigned", split_counts[3]}};
  json classes = json::object();
  for (const auto& [label, counts] : class_split_counts)
    classes[label] = {counts[0], counts[1], counts[2], counts[3]};
  j["classes"] = std::move(classes);
  if (!image_sizes.empty()) {
    json sizes = json::array();
    for (const auto& [wh, n] : image_sizes) sizes.push_back({wh.first, wh.second, n});
    j["image_sizes"] = std::move(sizes);
  }
  if (dominant_shape) {
    j["dominant_shape"] = {{"width", dominant_shape->width},
                           {"height", dominant_shape->height},
                           {"channels", dominant_shape->channels}};
    j["shape_warnings"] = shape_warnings.size();
    // The first few by name: the full list is derived from the manifest when wanted.
    json odd = json::array();
    for (std::size_t i = 0; i < shape_warnings.size() && i < kMaxStoredShapeWarnings; ++i)
      odd.push_back({shape_warnings[i].path, shape_warnings[i].reason});
    j["shape_warning_list"] = std::move(odd);
  }
  if (max_text_chars > 0)
    j["text_chars"] = {{"min", min_text_chars}, {"max", max_text_chars}, {"mean", mean_text_chars}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wb::data
