#include "core/data/table_parse.h"

#include "core/common/numbers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace fs = std::filesystem;

namespace wb::data {

namespace {

constexpr std::size_t kSampleRecords = 50;  // delimiter and header detection
constexpr std::size_t kMaxProblems = 1000;  // a broken file must not flood the manifest
constexpr std::size_t kTopValues = 10;
constexpr std::size_t kMaxCategoryBytes = 64;
constexpr std::size_t kMinCategoryLimit = 20;
constexpr std::size_t kMaxClassificationClasses = 50;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool isIntegerCell(std::string_view cell) { return parseInt(trimSpaces(cell)).has_value(); }

// Replaces bytes that are not valid UTF-8 by '?', so names survive JSON serialisation.
std::string sanitizedUtf8(std::string_view text) {
  std::string out;
  std::size_t bad = 0;
  while (!isValidUtf8(text, &bad)) {
    out.append(text.substr(0, bad));
    out.push_back('?');
    text.remove_prefix(bad + 1);
  }
  out.append(text);
  return out;
}

// Collects problems up to kMaxProblems, then only counts them; finish() adds the count.
class ProblemLog {
 public:
  ProblemLog(std::string_view source, std::vector<ImportProblem>& out)
      : m_source(source), m_out(out) {}

  void finish() {
    if (m_dropped > 0)
      m_out.push_back(
          {std::string(m_source), std::to_string(m_dropped) + " more problems not listed"});
    m_dropped = 0;
  }

  void add(std::size_t line, std::string reason) {
    if (m_out.size() >= kMaxProblems) {
      ++m_dropped;
      return;
    }
    m_out.push_back({std::string(m_source) + ":" + std::to_string(line), std::move(reason)});
  }

 private:
  std::string_view m_source;
  std::vector<ImportProblem>& m_out;
  std::size_t m_dropped = 0;
};

// Counts distinct values by view (cells outlive it). Open addressing with short values stored
// inline: a node-based map, or a pointer back into the rows, cost a cache miss per cell and
// dominated the parse of a 100 MB file.
class ValueCounter {
 public:
  static std::uint64_t hashOf(std::string_view value) {
    return std::hash<std::string_view>{}(value);
  }

  // Starts loading the slot `hash` probes first, so several columns' misses overlap.
  void prefetch(std::uint64_t hash) const {
    if (!m_slots.empty()) __builtin_prefetch(&m_slots[hash & m_mask]);
  }

  void add(std::string_view value, std::uint64_t hash) {
    if ((m_used + 1) * 10 > m_slots.size() * 7) grow();
    const auto size = static_cast<std::uint32_t>(value.size());
    for (std::size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
      Slot& slot = m_slots[i];
      if (slot.count == 0) {
        slot.hash = hash;
        slot.count = 1;
        slot.size = size;
        if (size <= kInline)
          std::memcpy(slot.text, value.data(), size);
        else
          slot.data = value.data();
        ++m_used;
        return;
      }
      if (slot.hash == hash && slot.size == size && slot.view() == value) {
        ++slot.count;
        return;
      }
    }
  }

  std::size_t size() const { return m_used; }

  template <class F>
  void forEach(F&& f) const {
    for (const Slot& slot : m_slots)
      if (slot.count > 0) f(slot.view(), slot.count);
  }

 private:
  static constexpr std::uint32_t kInline = 16;
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t count = 0;  // 0 = empty slot
    std::uint32_t size = 0;
    union {
      const char* data;  // size > kInline: the first cell with this value
      char text[kInline];
    };
    std::string_view view() const {
      return size <= kInline ? std::string_view(text, size) : std::string_view(data, size);
    }
  };

  void grow() {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    m_mask = m_slots.size() - 1;
    for (const Slot& slot : old) {
      if (slot.count == 0) continue;
      std::size_t i = slot.hash & m_mask;
      while (m_slots[i].count != 0) i = (i + 1) & m_mask;
      m_slots[i] = slot;
    }
  }

  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
  std::size_t m_used = 0;
};

// One record as the tokenizer saw it, before any validation.
struct RawRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;   // 1-based line where the record starts
  std::size_t begin = 0;  // byte span of the record in the tokenized text
  std::size_t end = 0;
  bool unterminated = false;  // a quoted field ran to the end of the input
  bool blank = false;         // an empty or whitespace-only line
};

// RFC 4180 record reader over an in-memory buffer. Lenient where the RFC is silent: text
// after a closing quote is appended to the field, a lone CR ends a line like CRLF and LF.
class CsvTokenizer {
 public:
  CsvTokenizer(std::string_view text, char delimiter) : m_text(text), m_delimiter(delimiter) {}

  bool next(RawRecord& record) {
    const std::size_t n = m_text.size();
    if (m_pos >= n) return false;
    const char* data = m_text.data();
    record.fields.clear();
    record.line = m_line;
    record.begin = m_pos;
    record.unterminated = false;
    bool quoted_any = false;
    std::size_t p = m_pos;
    while (true) {
      std::string& cell = record.fields.emplace_back();
      if (p < n && data[p] == '"') {
        quoted_any = true;
        ++p;
        while (true) {
          std::size_t q = p;
          while (q < n && data[q] != '"') {
            if (data[q] == '\n') ++m_line;
            ++q;
          }
          cell.append(data + p, q - p);
          if (q >= n) {
            record.unterminated = true;
            p = n;
            break;
          }
          if (q + 1 < n && data[q + 1] == '"') {  // doubled quote
            cell.push_back('"');
            p = q + 2;
            continue;
          }
          p = q + 1;
          break;
        }
        if (record.unterminated) break;
        const std::size_t q = scanUnquoted(p);
        cell.append(data + p, q - p);
        p = q;
      } else {
        const std::size_t q = scanUnquoted(p);
        cell.assign(data + p, q - p);
        p = q;
      }
      if (p >= n) break;
      if (data[p] == m_delimiter) {
        ++p;
        continue;
      }
      // Line end: CRLF, LF or a lone CR.
      if (data[p] == '\r' && p + 1 < n && data[p + 1] == '\n') ++p;
      ++p;
      ++m_line;
      break;
    }
    record.end = p;
    m_pos = p;
    record.blank = !quoted_any && record.fields.size() == 1 && isBlank(record.fields[0]);
    return true;
  }

 private:
  std::size_t scanUnquoted(std::size_t p) const {
    const char* data = m_text.data();
    const std::size_t n = m_text.size();
    while (p < n) {
      const char c = data[p];
      if (c == m_delimiter || c == '\n' || c == '\r') break;
      ++p;
    }
    return p;
  }

  std::string_view m_text;
  char m_delimiter;
  std::size_t m_pos = 0;
  std::size_t m_line = 1;
};

// The most frequent value; ties go to the larger value.
std::size_t modeOf(const std::vector<std::size_t>& values, std::size_t* frequency = nullptr) {
  std::unordered_map<std::size_t, std::size_t> counts;
  for (std::size_t v : values) ++counts[v];
  std::size_t best = 0, best_count = 0;
  for (const auto& [v, c] : counts)
    if (c > best_count || (c == best_count && v > best)) {
      best = v;
      best_count = c;
    }
  if (frequency) *frequency = best_count;
  return best;
}

// Picks the candidate giving the most consistent field count (> 1) over the first records.
// Ties keep the earlier candidate in , \t ; | order.
char detectDelimiter(std::string_view text) {
  static constexpr char kCandidates[] = {',', '\t', ';', '|'};
  char best = ',';
  double best_score = -1;
  for (const char candidate : kCandidates) {
    CsvTokenizer tokenizer(text, candidate);
    RawRecord record;
    std::vector<std::size_t> counts;
    while (counts.size() < kSampleRecords && tokenizer.next(record))
      if (!record.blank && !record.unterminated) counts.push_back(record.fields.size());
    if (counts.empty()) continue;
    std::size_t frequency = 0;
    const std::size_t mode = modeOf(counts, &frequency);
    if (mode <= 1) continue;
    const double score = static_cast<double>(frequency) / static_cast<double>(counts.size());
    if (score > best_score + 1e-9) {
      best_score = score;
      best = candidate;
    }
  }
  return best;
}

// Header when the first record has no number while some column below is numeric; or, in an
// all-text table, when the first record's values are distinct, non-empty and none of them
// reappears in its column below (a repeated value is data, not a name).
bool detectHeader(const std::vector<const RawRecord*>& sample) {
  if (sample.empty()) return false;
  const auto& first = sample[0]->fields;
  double unused = 0;
  for (const auto& cell : first)
    if (parseNumberCell(cell, unused)) return false;
  for (std::size_t j = 0; j < first.size(); ++j) {
    bool seen = false, all_numeric = true;
    for (std::size_t i = 1; i < sample.size() && all_numeric; ++i) {
      const auto& fields = sample[i]->fields;
      if (j >= fields.size() || isMissingCell(fields[j])) continue;
      seen = true;
      all_numeric = parseNumberCell(fields[j], unused);
    }
    if (seen && all_numeric) return true;
  }
  std::unordered_set<std::string_view> names;
  for (const auto& cell : first)
    if (isMissingCell(cell) || !names.insert(trimSpaces(cell)).second) return false;
  for (std::size_t i = 1; i < sample.size(); ++i) {
    const auto& fields = sample[i]->fields;
    for (std::size_t j = 0; j < first.size() && j < fields.size(); ++j)
      if (trimSpaces(fields[j]) == trimSpaces(first[j])) return false;
  }
  return true;
}

std::vector<ColumnInfo> namedColumns(const std::vector<std::string>* header, std::size_t count) {
  std::vector<ColumnInfo> columns(count);
  std::unordered_set<std::string> used;
  for (std::size_t j = 0; j < count; ++j) {
    std::string name;
    if (header && j < header->size()) name = sanitizedUtf8(trimSpaces((*header)[j]));
    if (name.empty()) name = "column_" + std::to_string(j + 1);
    // Duplicate names get a numeric suffix so columns stay addressable by name.
    if (used.count(name)) {
      std::string candidate;
      for (int k = 2;; ++k) {
        candidate = name + "_" + std::to_string(k);
        if (!used.count(candidate)) break;
      }
      name = candidate;
    }
    used.insert(name);
    columns[j].name = std::move(name);
  }
  return columns;
}

// CSV and JSON Lines files are read whole and parsed into cells (several times the file in
// memory): larger files are refused up front, naming the limit (docs/user-guide.md).
constexpr std::uintmax_t kMaxWholeFileBytes = 1ULL << 30;

Result<std::string> readWholeFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return makeError("file not found", path.string());
  if (!fs::is_regular_file(path, ec)) return makeError("not a regular file", path.string());
  const auto size = fs::file_size(path, ec);
  if (ec) return makeError("cannot read file size: " + ec.message(), path.string());
  if (size > kMaxWholeFileBytes)
    return makeError("file is larger than the 1 GiB limit for CSV and JSON Lines tables",
                     path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot open file for reading", path.string());
  std::string data(static_cast<std::size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    return makeError("read failed", path.string());
  if (data.empty()) return makeError("file is empty", path.string());
  return data;
}

std::string jsonCellText(const nlohmann::ordered_json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return value.get_ref<const std::string&>();
  return value.dump();
}

}  // namespace

bool isValidUtf8(std::string_view text, std::size_t* bad_offset) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // > U+10FFFF
    }
    bool ok = len > 0 && i + len <= n && s[i + 1] >= lo && s[i + 1] <= hi;
    for (std::size_t k = 2; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (!ok) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

bool isMissingCell(std::string_view cell) {
  cell = trimSpaces(cell);
  if (cell.size() > 4) return false;
  return cell.empty() || cell == "NA" || cell == "N/A" || cell == "NaN" || cell == "nan" ||
         cell == "null" || cell == "NULL" || cell == "?";
}

bool parseNumberCell(std::string_view cell, double& value) {
  const auto number = parseDouble(trimSpaces(cell));
  if (number) value = *number;
  return number.has_value();
}

void computeColumnStats(Table& table) {
  // Per-column running state; rows are visited once, in order, so each row's cells are read
  // while in cache (column-by-column passes were memory-bound on 100 MB tables).
  struct Accumulator {
    ValueCounter counts;
    bool all_integer = true, all_numeric = true;
    std::size_t missing = 0, present = 0, max_bytes = 0;
    double mean = 0, m2 = 0;  // Welford: stable for large, offset data
    double min = 0, max = 0;
  };
  const std::size_t column_count = table.columns.size();
  std::vector<Accumulator> acc(column_count);
  std::vector<std::uint64_t> hashes(column_count);
  std::vector<unsigned char> present(column_count);
  for (const auto& row : table.rows) {
    // Pass 1 hashes the row's cells and prefetches their slots; pass 2 counts.
    for (std::size_t j = 0; j < column_count; ++j) {
      present[j] = j < row.size() && !isMissingCell(row[j]);
      if (!present[j]) continue;
      hashes[j] = ValueCounter::hashOf(row[j]);
      acc[j].counts.prefetch(hashes[j]);
    }
    for (std::size_t j = 0; j < column_count; ++j) {
      Accumulator& a = acc[j];
      if (!present[j]) {
        ++a.missing;
        continue;
      }
      const std::string_view cell = row[j];
      a.counts.add(cell, hashes[j]);
      a.max_bytes = std::max(a.max_bytes, cell.size());
      if (!a.all_numeric) continue;
      double x = 0;
      if (!parseNumberCell(cell, x)) {
        a.all_numeric = a.all_integer = false;
        continue;
      }
      if (a.all_integer && !isIntegerCell(cell)) a.all_integer = false;
      ++a.present;
      const double delta = x - a.mean;
      a.mean += delta / static_cast<double>(a.present);
      a.m2 += delta * (x - a.mean);
      a.min = a.present == 1 ? x : std::min(a.min, x);
      a.max = a.present == 1 ? x : std::max(a.max, x);
    }
  }

  const std::size_t category_limit = std::max(
      kMinCategoryLimit, static_cast<std::size_t>(0.05 * static_cast<double>(table.rows.size())));
  const auto more_frequent = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  for (std::size_t j = 0; j < column_count; ++j) {
    const Accumulator& a = acc[j];
    ColumnInfo& column = table.columns[j];
    std::string name = std::move(column.name);
    column = ColumnInfo{};
    column.name = std::move(name);
    column.missing = a.missing;
    column.distinct = a.counts.size();

    std::vector<std::pair<std::string_view, std::size_t>> entries;
    entries.reserve(a.counts.size());
    a.counts.forEach(
        [&](std::string_view value, std::size_t n) { entries.emplace_back(value, n); });
    const std::size_t top = std::min(kTopValues, entries.size());
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(top),
                      entries.end(), more_frequent);
    for (std::size_t k = 0; k < top; ++k)
      column.top_values.emplace_back(std::string(entries[k].first), entries[k].second);

    if (a.counts.size() == 0) {
      column.type = ColumnType::Unknown;
    } else if (a.all_numeric) {
      column.type = a.all_integer ? ColumnType::Integer : ColumnType::Real;
      column.min = a.min;
      column.max = a.max;
      column.mean = a.mean;
      column.stddev = a.present > 1 ? std::sqrt(a.m2 / static_cast<double>(a.present - 1)) : 0.0;
    } else if (a.counts.size() <= category_limit && a.max_bytes <= kMaxCategoryBytes) {
      column.type = ColumnType::Categorical;
    } else {
      column.type = ColumnType::Text;
    }
  }
}

Task guessTask(const ColumnInfo& column) {
  switch (column.type) {
    case ColumnType::Integer:
      return column.distinct <= kMaxClassificationClasses ? Task::Classification : Task::Regression;
    case ColumnType::Categorical:
      return column.distinct <= kMaxClassificationClasses ? Task::Classification : Task::Unknown;
    case ColumnType::Real:
      return Task::Regression;
    default:
      return Task::Unknown;
  }
}

Result<Table> parseDelimited(std::string_view text, const TableParseOptions& options,
                             std::string_view source_name) {
  const std::string context(source_name);
  std::size_t base = 0;  // byte offset of `text` in the source, for problem messages
  if (text.substr(0, kBom.size()) == kBom) {
    text.remove_prefix(kBom.size());
    base = kBom.size();
  }
  if (isBlank(text)) return makeError("file is empty", context);
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    return makeError(std::string("unusable delimiter '") + options.delimiter + "'", context);

  Table table;
  table.delimiter = options.delimiter != 0 ? options.delimiter : detectDelimiter(text);
  const bool all_valid_utf8 = isValidUtf8(text);
  ProblemLog problems(source_name, table.problems);

  // Valid, complete records (bad ones are reported later, in order).
  const auto usable = [&](const RawRecord& record) {
    return !record.blank && !record.unterminated &&
           (all_valid_utf8 || isValidUtf8(text.substr(record.begin, record.end - record.begin)));
  };

  // Buffer the first records: they decide the header and the expected field count.
  CsvTokenizer tokenizer(text, table.delimiter);
  std::vector<RawRecord> buffered;
  {
    RawRecord record;
    std::size_t usable_count = 0;
    while (usable_count < kSampleRecords && tokenizer.next(record)) {
      if (record.blank) continue;
      if (usable(record)) ++usable_count;
      buffered.push_back(std::move(record));
    }
  }
  std::vector<const RawRecord*> sample;
  for (const auto& record : buffered)
    if (usable(record)) sample.push_back(&record);

  table.has_header = options.has_header < 0 ? detectHeader(sample) : options.has_header > 0;
  const RawRecord* header = table.has_header && !sample.empty() ? sample.front() : nullptr;

  std::size_t expected = 0;
  if (header) {
    expected = header->fields.size();
  } else {
    std::vector<std::size_t> counts;
    for (const RawRecord* record : sample) counts.push_back(record->fields.size());
    expected = counts.empty() ? 0 : modeOf(counts);
  }
  table.columns = namedColumns(header ? &header->fields : nullptr, expected);

  bool full = false;
  const auto consume = [&](RawRecord& record) {
    if (record.blank || full) return;
    if (record.unterminated) {
      problems.add(record.line, "unterminated quoted field");
      return;
    }
    std::size_t bad = 0;
    if (!all_valid_utf8 &&
        !isValidUtf8(text.substr(record.begin, record.end - record.begin), &bad)) {
      problems.add(record.line,
                   "invalid UTF-8 at byte " + std::to_string(base + record.begin + bad));
      return;
    }
    if (&record == header) return;
    if (record.fields.size() != expected) {
      problems.add(record.line, "row has " + std::to_string(record.fields.size()) +
                                    " fields, expected " + std::to_string(expected));
      return;
    }
    table.rows.push_back(std::move(record.fields));
    table.row_lines.push_back(record.line);
    record.fields = {};
    record.fields.reserve(expected);
    if (options.max_rows > 0 && table.rows.size() >= options.max_rows) full = true;
  };

  for (auto& record : buffered) consume(record);
  RawRecord record;
  record.fields.reserve(expected);
  while (!full && tokenizer.next(record)) consume(record);

  problems.finish();
  computeColumnStats(table);
  return table;
}

Result<Table> readDelimitedFile(const fs::path& path, const TableParseOptions& options) {
  auto data = readWholeFile(path);
  if (!data) return data.error();
  return parseDelimited(*data, options, path.filename().string());
}

Result<Table> parseJsonLines(std::string_view text, std::string_view source_name) {
  const std::string context(source_name);
  std::size_t base = 0;
  if (text.substr(0, kBom.size()) == kBom) {
    text.remove_prefix(kBom.size());
    base = kBom.size();
  }
  if (isBlank(text)) return makeError("file is empty", context);

  Table table;
  table.delimiter = '\0';
  table.has_header = true;
  ProblemLog problems(source_name, table.problems);
  std::unordered_map<std::string, std::size_t> column_of;

  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_number;
    const std::size_t line_begin = pos;
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (isBlank(line)) continue;

    std::size_t bad = 0;
    if (!isValidUtf8(line, &bad)) {
      problems.add(line_number, "invalid UTF-8 at byte " + std::to_string(base + line_begin + bad));
      continue;
    }
    nlohmann::ordered_json object;
    try {
      object = nlohmann::ordered_json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      // Drop the "[json.exception.parse_error.101] " tag; keep the position and reason.
      if (const auto close = what.find("] "); what.starts_with("[") && close != std::string::npos)
        what.erase(0, close + 2);
      problems.add(line_number, "invalid JSON: " + what);
      continue;
    }
    if (!object.is_object()) {
      problems.add(line_number, "line is not a JSON object");
      continue;
    }
    std::vector<std::string> row(table.columns.size());
    for (const auto& [key, value] : object.items()) {
      auto [it, inserted] = column_of.try_emplace(key, table.columns.size());
      if (inserted) {
        table.columns.emplace_back().name = key;
        row.emplace_back();
      }
      row[it->second] = jsonCellText(value);
    }
    table.rows.push_back(std::move(row));
    table.row_lines.push_back(line_number);
  }
  // Rows read before a key first appeared lack that column: it is missing there.
  for (auto& row : table.rows) row.resize(table.columns.size());
  problems.finish();
  computeColumnStats(table);
  return table;
}

Result<Table> readJsonLinesFile(const fs::path& path) {
  auto data = readWholeFile(path);
  if (!data) return data.error();
  return parseJsonLines(*data, path.filename().string());
}

}  // namespace wb::data
