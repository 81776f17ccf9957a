#pragma once

#include "core/common/result.h"
#include "core/data/dataset.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace wb::data {

/// How to read a delimited text table. Zero/negative values ask for detection.
struct TableParseOptions {
  char delimiter = 0;        // 0 = detect among , ; \t |
  int has_header = -1;       // -1 detect, 0 no, 1 yes
  std::size_t max_rows = 0;  // 0 = all
};

/// A parsed table: well-formed rows only, plus what was skipped and why.
struct Table {
  char delimiter = ',';  // '\0' for JSON Lines
  bool has_header = true;
  /// Names ("column_1".. when there is no header), detected type and statistics.
  std::vector<ColumnInfo> columns;
  /// Well-formed rows, each with columns.size() cells, unquoted.
  std::vector<std::vector<std::string>> rows;
  /// 1-based source line where each kept row starts.
  std::vector<std::size_t> row_lines;
  /// Skipped rows: path "source:line", reason such as "row has 3 fields, expected 5".
  std::vector<ImportProblem> problems;
};

/// Parses RFC 4180 delimited text: quoted fields, doubled quotes, newlines inside quotes, CRLF
/// or LF line ends, an optional UTF-8 BOM. Ragged rows, rows with invalid UTF-8 and an
/// unterminated quote are reported in Table::problems and skipped; blank lines are ignored.
/// Empty input (or only a BOM / blank lines) is an Error. Column statistics are computed.
/// `source_name` prefixes problem paths ("source:line").
Result<Table> parseDelimited(std::string_view text, const TableParseOptions& options,
                             std::string_view source_name);

/// Reads a file and parses it with parseDelimited(); problem paths use the file name.
/// A missing, unreadable or empty file is an Error.
Result<Table> readDelimitedFile(const std::filesystem::path& path,
                                const TableParseOptions& options);

/// Parses JSON Lines: one JSON object per line. Columns are the union of keys in first-seen
/// order. Strings are kept as-is, numbers and booleans as their JSON text, nested objects and
/// arrays as their compact JSON text, null and absent keys as "" (missing). Lines that are not
/// valid JSON, not objects or not valid UTF-8 are reported with their line number and skipped.
/// Empty input is an Error. Table::delimiter is '\0' and has_header true.
Result<Table> parseJsonLines(std::string_view text, std::string_view source_name);

/// Reads a file and parses it with parseJsonLines().
Result<Table> readJsonLinesFile(const std::filesystem::path& path);

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
/// Otherwise, when `bad_offset` is given, it receives the offset of the first bad byte.
bool isValidUtf8(std::string_view text, std::size_t* bad_offset = nullptr);

/// True for "", "NA", "N/A", "NaN", "nan", "null", "NULL", "?" after trimming spaces and tabs.
bool isMissingCell(std::string_view cell);

/// A cell as a finite number: spaces and tabs trimmed, then wb::parseDouble ("3", "-2.5",
/// "1e-3", "+4"; never the process locale). False for anything else, "inf", "nan", "1,5" and hex.
bool parseNumberCell(std::string_view cell, double& value);

/// Recomputes every ColumnInfo of `table` (name kept) from its rows: missing count, distinct
/// non-missing values, top 10 values (most frequent first, ties by value), type, and for
/// numeric columns min/max/mean and sample standard deviation (n - 1).
/// Type: all non-missing cells integers → Integer; all numbers → Real; otherwise at most
/// max(20, 5% of rows) distinct values of at most 64 bytes → Categorical; otherwise Text.
/// A column with no non-missing cell is Unknown.
void computeColumnStats(Table& table);

/// The learning task a column suggests as a target: Integer or Categorical with <= 50 distinct
/// values → Classification; Real, or Integer with more values → Regression; else Unknown.
Task guessTask(const ColumnInfo& column);

}  // namespace wb::data
