// Unit tests of table parsing (CSV/TSV/JSONL), column statistics and feature pipelines.
#include <QTemporaryDir>
#include <QTest>

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/numbers.h"
#include "core/data/feature_transforms.h"
#include "core/data/table_parse.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using wb::data::ColumnInfo;
using wb::data::ColumnType;
using wb::data::Table;
using wb::data::TableParseOptions;
using wb::data::TabularPipeline;
using wb::data::Task;
using wb::data::TextPipeline;

namespace {

using Rows = std::vector<std::vector<std::string>>;

// Readable names for QCOMPARE (dataset.h's toString returns string_view, which QTest can't print).
std::string str(ColumnType type) {
  switch (type) {
    case ColumnType::Integer:
      return "Integer";
    case ColumnType::Real:
      return "Real";
    case ColumnType::Categorical:
      return "Categorical";
    case ColumnType::Text:
      return "Text";
    default:
      return "Unknown";
  }
}

std::string str(Task task) {
  switch (task) {
    case Task::Classification:
      return "Classification";
    case Task::Regression:
      return "Regression";
    default:
      return "Unknown";
  }
}

Table parseOk(const std::string& text, TableParseOptions options = {}) {
  auto table = wb::data::parseDelimited(text, options, "t.csv");
  if (!table) qFatal("parse failed: %s", table.error().text().c_str());
  return std::move(table).value();
}

const ColumnInfo* column(const Table& table, const std::string& name) {
  for (const auto& c : table.columns)
    if (c.name == name) return &c;
  return nullptr;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// 30 rows: x Integer, y Real, color Categorical, notes Text, label Categorical (a/b).
// Colors over the first 20 rows: red 10, green 5, blue 5.
std::string pipelineCsv() {
  std::string csv = "x,y,color,notes,label\n";
  for (int i = 0; i < 30; ++i) {
    const char* color = i % 4 == 0 ? "green" : (i % 4 == 3 ? "blue" : "red");
    csv += std::to_string(i) + "," + wb::formatFixed(i * i * 0.25, 6) + "," + color +
           ",this note number " + std::to_string(i) +
           " is long enough to never count as a category value at all," + (i % 3 == 0 ? "b" : "a") +
           "\n";
  }
  return csv;
}

std::vector<std::size_t> range(std::size_t begin, std::size_t end) {
  std::vector<std::size_t> out;
  for (std::size_t i = begin; i < end; ++i) out.push_back(i);
  return out;
}

// Population mean and std of feature k over rows.
std::pair<double, double> featureMoments(const std::vector<float>& features, std::size_t width,
                                         std::size_t k) {
  const std::size_t n = features.size() / width;
  double sum = 0, sq = 0;
  for (std::size_t r = 0; r < n; ++r) sum += features[r * width + k];
  const double mean = sum / static_cast<double>(n);
  for (std::size_t r = 0; r < n; ++r) {
    const double d = features[r * width + k] - mean;
    sq += d * d;
  }
  return {mean, std::sqrt(sq / static_cast<double>(n))};
}

}  // namespace

class TestTables : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // --- delimited text -----------------------------------------------------------------------

  void detectsDelimiter_data() {
    QTest::addColumn<char>("delimiter");
    QTest::newRow("comma") << ',';
    QTest::newRow("semicolon") << ';';
    QTest::newRow("tab") << '\t';
    QTest::newRow("pipe") << '|';
  }
  void detectsDelimiter() {
    QFETCH(char, delimiter);
    const std::string d(1, delimiter);
    // Other candidates appear inside quoted fields, inconsistently: detection must see past them.
    const std::string text = "name" + d + "size" + d + "note\n" + "a" + d + "1" + d +
                             "\"x, y; z\"\n" + "b" + d + "2" + d + "\"w|v\"\n" + "c" + d + "3" + d +
                             "plain\n";
    const Table table = parseOk(text);
    QCOMPARE(table.delimiter, delimiter);
    QVERIFY(table.has_header);
    QCOMPARE(table.columns.size(), std::size_t(3));
    QCOMPARE(table.columns[1].name, std::string("size"));
    QCOMPARE(table.rows.size(), std::size_t(3));
    QCOMPARE(table.rows[0][2], std::string("x, y; z"));
    QVERIFY(table.problems.empty());
  }

  void explicitDelimiterWins() {
    const Table table = parseOk("a;b,c\n1;2,3\n", {.delimiter = ','});
    QCOMPARE(table.delimiter, ',');
    QCOMPARE(table.columns[0].name, std::string("a;b"));
  }

  void detectsHeaderBothWays() {
    const Table with = parseOk("x,y\n1,2\n3,4\n");
    QVERIFY(with.has_header);
    QCOMPARE(with.columns[0].name, std::string("x"));
    QCOMPARE(with.rows.size(), std::size_t(2));

    const Table without = parseOk("1,2\n3,4\n5,6\n");
    QVERIFY(!without.has_header);
    QCOMPARE(without.columns[0].name, std::string("column_1"));
    QCOMPARE(without.columns[1].name, std::string("column_2"));
    QCOMPARE(without.rows.size(), std::size_t(3));
    QCOMPARE(without.row_lines.front(), std::size_t(1));

    // All-text: distinct names that never reappear below → header.
    const Table text_header = parseOk("name,color\nann,red\nbob,blue\n");
    QVERIFY(text_header.has_header);
    QCOMPARE(text_header.columns[1].name, std::string("color"));

    // All-text, but the first row's value repeats in its column → data.
    const Table text_data = parseOk("red,small\nblue,big\nred,big\n");
    QVERIFY(!text_data.has_header);
    QCOMPARE(text_data.rows.size(), std::size_t(3));

    // Forced either way.
    const Table forced_off = parseOk("x,y\n1,2\n", {.has_header = 0});
    QVERIFY(!forced_off.has_header);
    QCOMPARE(forced_off.rows.size(), std::size_t(2));
    const Table forced_on = parseOk("1,2\n3,4\n", {.has_header = 1});
    QCOMPARE(forced_on.columns[0].name, std::string("1"));
    QCOMPARE(forced_on.rows.size(), std::size_t(1));
  }

  void namesEmptyAndDuplicateHeaders() {
    const Table table = parseOk(",a,a\n1,2,3\n");
    QCOMPARE(table.columns[0].name, std::string("column_1"));
    QCOMPARE(table.columns[1].name, std::string("a"));
    QCOMPARE(table.columns[2].name, std::string("a_2"));
  }

  void parsesQuotedFields() {
    const Table table = parseOk(
        "id,text\n"
        "1,\"a, b\"\n"
        "2,\"say \"\"hi\"\"\"\n"
        "3,\"line1\nline2\"\n"
        "4,plain\n"
        "5,\"\"\n");
    QCOMPARE(table.rows.size(), std::size_t(5));
    QCOMPARE(table.rows[0][1], std::string("a, b"));
    QCOMPARE(table.rows[1][1], std::string("say \"hi\""));
    QCOMPARE(table.rows[2][1], std::string("line1\nline2"));
    QCOMPARE(table.rows[3][1], std::string("plain"));
    QCOMPARE(table.rows[4][1], std::string(""));
    // The quoted newline shifts the following rows' line numbers.
    QCOMPARE(table.row_lines, (std::vector<std::size_t>{2, 3, 4, 6, 7}));
    QVERIFY(table.problems.empty());
  }

  void handlesCrlfAndBom() {
    const Table crlf = parseOk("a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n");
    QCOMPARE(crlf.columns[1].name, std::string("b"));
    QCOMPARE(crlf.rows.size(), std::size_t(2));
    QCOMPARE(crlf.rows[0][1], std::string("x\r\ny"));  // inside quotes: kept as written
    QCOMPARE(crlf.rows[1][1], std::string("4"));
    QCOMPARE(crlf.row_lines, (std::vector<std::size_t>{2, 4}));

    const Table old_mac = parseOk("a,b\r1,2\r3,4\r");  // lone CR line ends
    QCOMPARE(old_mac.rows.size(), std::size_t(2));
    QCOMPARE(old_mac.row_lines, (std::vector<std::size_t>{2, 3}));

    const Table bom = parseOk("\xEF\xBB\xBFname,v\nq,1\n");
    QCOMPARE(bom.columns[0].name, std::string("name"));
    QCOMPARE(bom.rows[0][0], std::string("q"));
  }

  void skipsBlankLinesAndHonoursMaxRows() {
    const Table table = parseOk("a,b\n\n1,2\n\n3,4\n5,6\n", {.max_rows = 2});
    QCOMPARE(table.rows.size(), std::size_t(2));
    QCOMPARE(table.row_lines, (std::vector<std::size_t>{3, 5}));
    QVERIFY(table.problems.empty());
  }

  void reportsRaggedRows() {
    const Table table = parseOk("a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n");
    QCOMPARE(table.rows.size(), std::size_t(3));
    QCOMPARE(table.row_lines, (std::vector<std::size_t>{2, 4, 6}));
    QCOMPARE(table.problems.size(), std::size_t(2));
    QCOMPARE(table.problems[0].path, std::string("t.csv:3"));
    QCOMPARE(table.problems[0].reason, std::string("row has 2 fields, expected 3"));
    QCOMPARE(table.problems[1].path, std::string("t.csv:5"));
    QCOMPARE(table.problems[1].reason, std::string("row has 4 fields, expected 3"));
  }

  void reportsUnterminatedQuote() {
    const Table table = parseOk("a,b\n1,2\n3,\"open\n4,5\n");
    QCOMPARE(table.rows.size(), std::size_t(1));
    QCOMPARE(table.problems.size(), std::size_t(1));
    QCOMPARE(table.problems[0].path, std::string("t.csv:3"));
    QVERIFY(contains(table.problems[0].reason, "unterminated"));
  }

  void reportsInvalidUtf8Row() {
    // Line 3 starts at byte 8; the bad byte is at 10 (file offsets, 0-based).
    const Table table = parseOk("a,b\n1,x\n2,\xff\n3,z\n");
    QCOMPARE(table.rows.size(), std::size_t(2));
    QCOMPARE(table.rows[1][1], std::string("z"));
    QCOMPARE(table.problems.size(), std::size_t(1));
    QCOMPARE(table.problems[0].path, std::string("t.csv:3"));
    QCOMPARE(table.problems[0].reason, std::string("invalid UTF-8 at byte 10"));
  }

  void validatesUtf8() {
    std::size_t bad = 99;
    QVERIFY(wb::data::isValidUtf8("plain ascii text, long enough for the fast path"));
    QVERIFY(wb::data::isValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
    QVERIFY(!wb::data::isValidUtf8("ab\xC0\xAF", &bad));                           // overlong
    QCOMPARE(bad, std::size_t(2));
    QVERIFY(!wb::data::isValidUtf8("\xED\xA0\x80", &bad));  // surrogate
    QCOMPARE(bad, std::size_t(0));
    QVERIFY(!wb::data::isValidUtf8("0123456789\xE2\x82", &bad));  // truncated
    QCOMPARE(bad, std::size_t(10));
    QVERIFY(!wb::data::isValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  }

  void recognisesMissingCells() {
    for (const char* m : {"", "  ", "NA", "N/A", "NaN", "nan", "null", "NULL", "?", " NA "})
      QVERIFY2(wb::data::isMissingCell(m), m);
    for (const char* v : {"0", "n", "None", "NAN!", "x"}) QVERIFY2(!wb::data::isMissingCell(v), v);
  }

  void countsMissingPerColumn() {
    const Table table = parseOk("a,b\n1,\n,x\nNA,y\n4,?\n5,z\n");
    QCOMPARE(table.columns[0].missing, std::size_t(2));
    QCOMPARE(table.columns[1].missing, std::size_t(2));
    QCOMPARE(str(table.columns[0].type), str(ColumnType::Integer));
    QCOMPARE(str(table.columns[1].type), str(ColumnType::Categorical));
    QCOMPARE(table.columns[1].distinct, std::size_t(3));
  }

  void detectsColumnTypes() {
    std::string csv = "id,value,color,sentence,empty\n";
    const char* colors[] = {"red", "green", "blue"};
    for (int i = 0; i < 40; ++i)
      csv += std::to_string(i) + "," + std::to_string(i) + ".5," + colors[i % 3] +
             ",sentence number " + std::to_string(i) + ",\n";
    const Table table = parseOk(csv);
    QCOMPARE(table.rows.size(), std::size_t(40));
    QCOMPARE(str(column(table, "id")->type), str(ColumnType::Integer));
    QCOMPARE(str(column(table, "value")->type), str(ColumnType::Real));
    QCOMPARE(str(column(table, "color")->type), str(ColumnType::Categorical));
    QCOMPARE(str(column(table, "sentence")->type), str(ColumnType::Text));  // 40 distinct > 20
    QCOMPARE(str(column(table, "empty")->type), str(ColumnType::Unknown));
    QCOMPARE(column(table, "empty")->missing, std::size_t(40));

    QCOMPARE(str(wb::data::guessTask(*column(table, "id"))),
             str(Task::Classification));  // 40 <= 50
    QCOMPARE(str(wb::data::guessTask(*column(table, "value"))), str(Task::Regression));
    QCOMPARE(str(wb::data::guessTask(*column(table, "color"))), str(Task::Classification));
    QCOMPARE(str(wb::data::guessTask(*column(table, "sentence"))), str(Task::Unknown));
  }

  void longValuesAreText() {
    const std::string long_value(80, 'x');
    const Table table = parseOk("k,t\n1," + long_value + "\n2," + long_value + "\n3,short\n");
    QCOMPARE(str(table.columns[1].type), str(ColumnType::Text));
  }

  void computesNumericStats() {
    const Table table = parseOk("v,c\n1,b\n2,a\n3,b\n4,c\n10,b\nNA,a\n");
    const ColumnInfo& v = table.columns[0];
    QCOMPARE(str(v.type), str(ColumnType::Integer));
    QCOMPARE(v.missing, std::size_t(1));
    QCOMPARE(v.min, 1.0);
    QCOMPARE(v.max, 10.0);
    QVERIFY(std::abs(v.mean - 4.0) < 1e-12);
    QVERIFY(std::abs(v.stddev - std::sqrt(12.5)) < 1e-12);  // sample std (n - 1)
    QCOMPARE(v.distinct, std::size_t(5));

    const ColumnInfo& c = table.columns[1];
    QCOMPARE(c.top_values.size(), std::size_t(3));
    QCOMPARE(c.top_values[0], (std::pair<std::string, std::size_t>("b", 3)));
    QCOMPARE(c.top_values[1], (std::pair<std::string, std::size_t>("a", 2)));
    QCOMPARE(c.top_values[2], (std::pair<std::string, std::size_t>("c", 1)));
  }

  // Bug class: a cell read by strtod under de_DE ("0.5" → 0) would make every decimal column
  // text. Cells go through wb::parseDouble, whatever the process locale.
  void cellsReadPointDecimalsUnderGermanLocale() {
    QVERIFY2(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr, "de_DE.UTF-8 is not installed");
    QCOMPARE(std::strtod("0.5", nullptr), 0.0);  // the C library now stops at the '.'
    double x = 0;
    QVERIFY(wb::data::parseNumberCell("0.5", x));
    QCOMPARE(x, 0.5);
    QVERIFY(wb::data::parseNumberCell(" 0.01\t", x));
    QCOMPARE(x, 0.01);
    QVERIFY(!wb::data::parseNumberCell("0,5", x));  // never the locale's comma
    const Table table = parseOk("lr;loss\n0.01;0.5\n0.001;1.25\n");
    QCOMPARE(str(table.columns[0].type), str(ColumnType::Real));
    QCOMPARE(table.columns[0].min, 0.001);
    QCOMPARE(table.columns[1].max, 1.25);
  }

  void realStatsAndNumberParsing() {
    const Table table = parseOk("r\n0.5\n-1.5\n2e1\n+3\n");
    const ColumnInfo& r = table.columns[0];
    QCOMPARE(str(r.type), str(ColumnType::Real));
    QCOMPARE(r.min, -1.5);
    QCOMPARE(r.max, 20.0);
    QVERIFY(std::abs(r.mean - 5.5) < 1e-12);
    double x = 0;
    QVERIFY(!wb::data::parseNumberCell("inf", x));
    QVERIFY(!wb::data::parseNumberCell("0x10", x));
    QVERIFY(!wb::data::parseNumberCell("1,5", x));
    QVERIFY(wb::data::parseNumberCell(" -.5 ", x));
    QCOMPARE(x, -0.5);
  }

  void parsesIris() {
    auto table = wb::data::readDelimitedFile(WB_SOURCE_DIR "/resources/iris.csv", {});
    WB_VERIFY_OK(table);
    QCOMPARE(table->delimiter, ',');
    QVERIFY(table->has_header);
    QCOMPARE(table->rows.size(), std::size_t(150));
    QCOMPARE(table->columns.size(), std::size_t(5));
    QVERIFY(table->problems.empty());
    const ColumnInfo* species = column(*table, "species");
    QVERIFY(species);
    QCOMPARE(str(species->type), str(ColumnType::Categorical));
    QCOMPARE(species->distinct, std::size_t(3));
    QCOMPARE(str(wb::data::guessTask(*species)), str(Task::Classification));
    const ColumnInfo* sepal = column(*table, "sepal_length");
    QVERIFY(sepal);
    QCOMPARE(str(sepal->type), str(ColumnType::Real));
    QCOMPARE(sepal->min, 4.3);
    QCOMPARE(sepal->max, 7.9);
    QVERIFY(std::abs(sepal->mean - 5.843333) < 1e-5);
    QVERIFY(std::abs(sepal->stddev - 0.828066) < 1e-5);
  }

  void readsFilesAndRejectsEmpty() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeFile(root / "empty.csv", "");
    writeFile(root / "blank.csv", "\xEF\xBB\xBF\n\r\n");
    writeFile(root / "ok.tsv", "a\tb\n1\t2\n1\t2\t3\n");

    QVERIFY(!wb::data::readDelimitedFile(root / "missing.csv", {}).ok());
    QVERIFY(!wb::data::readDelimitedFile(root / "empty.csv", {}).ok());
    QVERIFY(!wb::data::readDelimitedFile(root / "blank.csv", {}).ok());
    QVERIFY(!wb::data::readDelimitedFile(root, {}).ok());  // a folder
    QVERIFY(!wb::data::parseDelimited("", {}, "x").ok());
    QVERIFY(!wb::data::readJsonLinesFile(root / "empty.csv").ok());
    QVERIFY(!wb::data::parseJsonLines("\n \n", "x").ok());

    auto ok = wb::data::readDelimitedFile(root / "ok.tsv", {});
    WB_VERIFY_OK(ok);
    QCOMPARE(ok->delimiter, '\t');
    QCOMPARE(ok->rows.size(), std::size_t(1));
    QCOMPARE(ok->problems.size(), std::size_t(1));
    QCOMPARE(ok->problems[0].path, std::string("ok.tsv:3"));
  }

  // --- JSON Lines ---------------------------------------------------------------------------

  void parsesJsonLines() {
    const std::string text =
        "{\"a\": 1, \"b\": \"x\"}\n"
        "{\"b\": \"y\", \"c\": [1, 2]}\r\n"
        "not json\n"
        "[1, 2]\n"
        "\n"
        "{\"a\": null, \"d\": {\"k\": true}, \"b\": \"\xff\"}\n"
        "{\"a\": 2.5, \"d\": {\"k\": false}}\n";
    auto parsed = wb::data::parseJsonLines(text, "t.jsonl");
    WB_VERIFY_OK(parsed);
    const Table& table = *parsed;
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    QCOMPARE(names, (std::vector<std::string>{"a", "b", "c", "d"}));
    QCOMPARE(table.rows.size(), std::size_t(3));
    QCOMPARE(table.rows[0], (std::vector<std::string>{"1", "x", "", ""}));
    QCOMPARE(table.rows[1], (std::vector<std::string>{"", "y", "[1,2]", ""}));
    QCOMPARE(table.rows[2], (std::vector<std::string>{"2.5", "", "", "{\"k\":false}"}));
    QCOMPARE(table.row_lines, (std::vector<std::size_t>{1, 2, 7}));
    QCOMPARE(table.problems.size(), std::size_t(3));
    QCOMPARE(table.problems[0].path, std::string("t.jsonl:3"));
    QVERIFY(contains(table.problems[0].reason, "invalid JSON"));
    QCOMPARE(table.problems[1].path, std::string("t.jsonl:4"));
    QCOMPARE(table.problems[1].reason, std::string("line is not a JSON object"));
    QCOMPARE(table.problems[2].path, std::string("t.jsonl:6"));
    QVERIFY(contains(table.problems[2].reason, "invalid UTF-8"));
    QCOMPARE(table.columns[0].missing, std::size_t(1));
    QCOMPARE(str(table.columns[0].type), str(ColumnType::Real));
    QCOMPARE(table.columns[2].missing, std::size_t(2));
  }

  // --- TabularPipeline ----------------------------------------------------------------------

  void tabularStandardizeAndOneHot() {
    const Table table = parseOk(pipelineCsv());
    QCOMPARE(str(column(table, "x")->type), str(ColumnType::Integer));
    QCOMPARE(str(column(table, "y")->type), str(ColumnType::Real));
    QCOMPARE(str(column(table, "color")->type), str(ColumnType::Categorical));
    QCOMPARE(str(column(table, "notes")->type), str(ColumnType::Text));

    auto pipeline = TabularPipeline::fromJson(
        json::parse(R"([{"name":"standardize"},{"name":"one_hot","max_categories":50}])"));
    WB_VERIFY_OK(pipeline);
    QVERIFY(!pipeline->fitted());
    const auto train = range(0, 20);
    WB_VERIFY_OK(pipeline->fit(table.columns, table.rows, train, "label"));
    QVERIFY(pipeline->fitted());
    QCOMPARE(str(pipeline->task()), str(Task::Classification));
    QCOMPARE(pipeline->classes(), (std::vector<std::string>{"a", "b"}));
    QCOMPARE(pipeline->featureCount(), std::size_t(5));
    QCOMPARE(pipeline->featureNames(),
             (std::vector<std::string>{"x", "y", "color=red", "color=blue", "color=green"}));

    const std::size_t width = pipeline->featureCount();
    std::vector<float> features(train.size() * width);
    WB_VERIFY_OK(pipeline->transformRows(table.rows, train, features.data()));
    for (std::size_t k : {std::size_t(0), std::size_t(1)}) {
      const auto [mean, std] = featureMoments(features, width, k);
      QVERIFY2(std::abs(mean) < 1e-5, qPrintable(QString::number(mean)));
      QVERIFY2(std::abs(std - 1.0) < 1e-5, qPrintable(QString::number(std)));
    }
    // Row 0 is green, row 1 red, row 3 blue.
    QCOMPARE(std::vector<float>(features.begin() + 2, features.begin() + 5),
             (std::vector<float>{0, 0, 1}));
    QCOMPARE(std::vector<float>(features.begin() + width + 2, features.begin() + width + 5),
             (std::vector<float>{1, 0, 0}));
    QCOMPARE(std::vector<float>(features.begin() + 3 * width + 2, features.begin() + 3 * width + 5),
             (std::vector<float>{0, 1, 0}));

    // Unseen category → zeros; missing numeric → 0 (the train mean, standardized).
    std::vector<float> out(width, 42.0f);
    WB_VERIFY_OK(pipeline->transformRow({"", "NA", "purple", "whatever", "a"}, out.data()));
    QCOMPARE(out, (std::vector<float>{0, 0, 0, 0, 0}));

    // x = 9.5 is the train mean of 0..19.
    WB_VERIFY_OK(pipeline->transformRow({"9.5", "", "red", "", ""}, out.data()));
    QCOMPARE(out[0], 0.0f);
    QCOMPARE(out[2], 1.0f);

    // Classification targets: index in sorted class order.
    auto target = pipeline->transformTarget("b");
    WB_VERIFY_OK(target);
    QCOMPARE(*target, 1.0f);
    QVERIFY(!pipeline->transformTarget("zebra").ok());
    QCOMPARE(pipeline->targetIndex(), 4);
  }

  void tabularBadNumericCellNamesColumn() {
    const Table table = parseOk(pipelineCsv());
    auto pipeline = TabularPipeline::fromJson(json::parse(R"([{"name":"standardize"}])"));
    WB_VERIFY_OK(pipeline);
    WB_VERIFY_OK(pipeline->fit(table.columns, table.rows, range(0, 20), "label"));
    std::vector<float> out(pipeline->featureCount());
    const auto status = pipeline->transformRow({"1", "abc", "red", "", "a"}, out.data());
    QVERIFY(!status.ok());
    QVERIFY2(contains(status.error().text(), "column y"), status.error().text().c_str());
    QVERIFY2(contains(status.error().text(), "abc"), status.error().text().c_str());
    QVERIFY(!pipeline->transformRow({"1", "2"}, out.data()).ok());  // wrong cell count
  }

  void tabularRoundTripAndRecords() {
    const Table table = parseOk(pipelineCsv());
    auto pipeline = TabularPipeline::fromJson(
        json::parse(R"({"steps":[{"name":"standardize"},{"name":"one_hot","max_categories":2}]})"));
    WB_VERIFY_OK(pipeline);
    WB_VERIFY_OK(pipeline->fit(table.columns, table.rows, range(0, 20), "label"));
    QCOMPARE(pipeline->featureNames(),
             (std::vector<std::string>{"x", "y", "color=red", "color=blue"}));  // capped at 2

    const json saved = pipeline->toJson();
    auto restored = TabularPipeline::fromJson(json::parse(saved.dump()));
    WB_VERIFY_OK(restored);
    QVERIFY(restored->fitted());
    QCOMPARE(restored->toJson().dump(), saved.dump());
    QCOMPARE(restored->featureNames(), pipeline->featureNames());
    QCOMPARE(restored->classes(), pipeline->classes());

    const std::size_t width = pipeline->featureCount();
    const auto all = range(0, table.rows.size());
    std::vector<float> a(all.size() * width), b(all.size() * width);
    WB_VERIFY_OK(pipeline->transformRows(table.rows, all, a.data()));
    WB_VERIFY_OK(restored->transformRows(table.rows, all, b.data()));
    QCOMPARE(a, b);

    // A record (serving JSON) gives the same features as the row; absent → missing.
    const auto& names = table.columns;
    for (std::size_t r : {std::size_t(0), std::size_t(7), std::size_t(25)}) {
      std::map<std::string, std::string> record;
      for (std::size_t j = 0; j < names.size(); ++j) record[names[j].name] = table.rows[r][j];
      record.erase("label");
      std::vector<float> from_record(width), from_row(width);
      WB_VERIFY_OK(restored->transformRecord(record, from_record.data()));
      WB_VERIFY_OK(restored->transformRow(table.rows[r], from_row.data()));
      QCOMPARE(from_record, from_row);
    }
    std::vector<float> partial(width, 7.0f);
    WB_VERIFY_OK(restored->transformRecord({{"color", "red"}}, partial.data()));
    QCOMPARE(partial, (std::vector<float>{0, 0, 1, 0}));

    // A row without the target cell is accepted too.
    std::vector<float> without_target(width);
    WB_VERIFY_OK(restored->transformRow({"3", "2.25", "blue", "n"}, without_target.data()));
    std::vector<float> with_target(width);
    WB_VERIFY_OK(restored->transformRow({"3", "2.25", "blue", "n", "a"}, with_target.data()));
    QCOMPARE(without_target, with_target);

    // The unfitted spec round-trips as a spec.
    auto spec = TabularPipeline::fromJson(json::parse(R"([{"name":"standardize"}])"));
    WB_VERIFY_OK(spec);
    auto spec_again = TabularPipeline::fromJson(spec->toJson());
    WB_VERIFY_OK(spec_again);
    QVERIFY(!spec_again->fitted());
  }

  void tabularRawAndIndexEncoding() {
    const Table table = parseOk(pipelineCsv());
    auto pipeline = TabularPipeline::fromJson(json::array());
    WB_VERIFY_OK(pipeline);
    WB_VERIFY_OK(pipeline->fit(table.columns, table.rows, range(0, 20), "label"));
    QCOMPARE(pipeline->featureNames(), (std::vector<std::string>{"x", "y", "color"}));
    std::vector<float> out(3);
    WB_VERIFY_OK(pipeline->transformRow({"12", "3.5", "blue", "", "a"}, out.data()));
    QCOMPARE(out, (std::vector<float>{12, 3.5f, 1}));  // raw numbers, blue = index 1
    WB_VERIFY_OK(pipeline->transformRow({"", "3.5", "purple", "", "a"}, out.data()));
    QCOMPARE(out[0], 9.5f);   // missing → train mean
    QCOMPARE(out[2], -1.0f);  // unseen → -1
  }

  void tabularRegressionTarget() {
    const Table table = parseOk(pipelineCsv());
    auto pipeline = TabularPipeline::fromJson(
        json::parse(R"([{"name":"standardize"},{"name":"standardize_target"}])"));
    WB_VERIFY_OK(pipeline);
    WB_VERIFY_OK(pipeline->fit(table.columns, table.rows, range(0, 20), "y"));
    QCOMPARE(str(pipeline->task()), str(Task::Regression));
    QVERIFY(pipeline->classes().empty());
    // y over train rows: i*i/4 for i < 20; standardized values average 0 and invert exactly.
    double sum = 0;
    for (int i = 0; i < 20; ++i) {
      auto t = pipeline->transformTarget(table.rows[static_cast<std::size_t>(i)][1]);
      WB_VERIFY_OK(t);
      sum += *t;
      QVERIFY(std::abs(pipeline->inverseTarget(*t) - i * i * 0.25) < 1e-3);
    }
    QVERIFY(std::abs(sum / 20) < 1e-5);
    QVERIFY(!pipeline->transformTarget("high").ok());

    auto restored = TabularPipeline::fromJson(pipeline->toJson());
    WB_VERIFY_OK(restored);
    QCOMPARE(restored->inverseTarget(1.0), pipeline->inverseTarget(1.0));
  }

  void tabularRejectsBadSpecsAndTargets() {
    QVERIFY(!TabularPipeline::fromJson(json::parse(R"([{"name":"pca"}])")).ok());
    QVERIFY(!TabularPipeline::fromJson(json::parse(R"([{"nme":"standardize"}])")).ok());
    QVERIFY(
        !TabularPipeline::fromJson(json::parse(R"([{"name":"one_hot","max_categories":0}])")).ok());
    QVERIFY(!TabularPipeline::fromJson(json::parse(R"({"kind":"text","steps":[]})")).ok());
    QVERIFY(!TabularPipeline::fromJson(json::parse(R"({"fitted":true,"steps":[]})")).ok());
    QVERIFY(!TabularPipeline::fromJson(json("standardize")).ok());

    const Table table = parseOk(pipelineCsv());
    auto pipeline = TabularPipeline::fromJson(json::array());
    WB_VERIFY_OK(pipeline);
    QVERIFY(!pipeline->fit(table.columns, table.rows, range(0, 20), "nope").ok());
    QVERIFY(!pipeline->fit(table.columns, table.rows, range(0, 20), "notes").ok());  // text
    QVERIFY(!pipeline->fit(table.columns, table.rows, {99}, "label").ok());
    std::vector<float> out(8);
    QVERIFY(!pipeline->transformRow({"1", "2", "red", "", "a"}, out.data()).ok());  // unfitted
  }

  // --- TextPipeline -------------------------------------------------------------------------

  void textLowercaseAndTokenize() {
    auto pipeline = TextPipeline::fromJson(json::parse(
        R"([{"name":"lowercase"},{"name":"tokenize"},{"name":"hashing","buckets":1000}])"));
    WB_VERIFY_OK(pipeline);
    QCOMPARE(pipeline->tokens("Hello, WORLD! it's 42 \xC3\x80\xC3\x89 Stra\xC3\x9F"
                              "e"),
             (std::vector<std::string>{"hello", "world", "it", "s", "42",
                                       "\xC3\xA0\xC3\xA9",  // àé
                                       "stra\xC3\x9F"
                                       "e"}));
    QCOMPARE(pipeline->tokens("  ...  "), std::vector<std::string>{});

    auto no_lower = TextPipeline::fromJson(
        json::parse(R"([{"name":"tokenize"},{"name":"hashing","buckets":1000}])"));
    WB_VERIFY_OK(no_lower);
    QCOMPARE(no_lower->tokens("Big-Cat"), (std::vector<std::string>{"Big", "Cat"}));

    // Without "tokenize", tokens are whitespace-separated.
    auto spaces = TextPipeline::fromJson(json::parse(R"([{"name":"hashing","buckets":10}])"));
    WB_VERIFY_OK(spaces);
    QCOMPARE(spaces->tokens(" a-b  c\td "), (std::vector<std::string>{"a-b", "c", "d"}));
  }

  void textNgrams() {
    auto pipeline = TextPipeline::fromJson(json::parse(
        R"([{"name":"tokenize"},{"name":"ngrams","n":3},{"name":"hashing","buckets":16}])"));
    WB_VERIFY_OK(pipeline);
    QCOMPARE(pipeline->tokens("a b c"),
             (std::vector<std::string>{"a", "b", "c", "a b", "b c", "a b c"}));
    QCOMPARE(pipeline->tokens("x"), (std::vector<std::string>{"x"}));
  }

  void textVocabulary() {
    auto pipeline = TextPipeline::fromJson(json::parse(
        R"([{"name":"lowercase"},{"name":"tokenize"},{"name":"vocabulary","min_freq":2}])"));
    WB_VERIFY_OK(pipeline);
    // Before fit every token is <unk>.
    QCOMPARE(pipeline->encode("a b"), (std::vector<std::int64_t>{1, 1}));
    // Counts: a 3, b 2, yy 2, zz 2, c 1, d 1 → a, b, yy, zz (ties byte-wise).
    WB_VERIFY_OK(pipeline->fit({"B a a", "c a b", "d", "zz yy", "yy ZZ"}));
    QVERIFY(pipeline->fitted());
    QCOMPARE(pipeline->vocabularySize(), std::size_t(6));
    QCOMPARE(pipeline->encode("a b yy zz c unseen"), (std::vector<std::int64_t>{2, 3, 4, 5, 1, 1}));
    QCOMPARE(pipeline->idToken(0), std::string("<pad>"));
    QCOMPARE(pipeline->idToken(1), std::string("<unk>"));
    QCOMPARE(pipeline->idToken(4), std::string("yy"));
    QCOMPARE(pipeline->encode(""), std::vector<std::int64_t>{});

    auto capped = TextPipeline::fromJson(
        json::parse(R"([{"name":"tokenize"},{"name":"vocabulary","max_size":3,"min_freq":1}])"));
    WB_VERIFY_OK(capped);
    WB_VERIFY_OK(capped->fit({"b a a", "c a b", "d", "zz yy", "yy zz"}));
    QCOMPARE(capped->vocabularySize(), std::size_t(5));
    QCOMPARE(capped->encode("a b yy zz"), (std::vector<std::int64_t>{2, 3, 4, 1}));

    const json saved = pipeline->toJson();
    auto restored = TextPipeline::fromJson(json::parse(saved.dump()));
    WB_VERIFY_OK(restored);
    QVERIFY(restored->fitted());
    QCOMPARE(restored->toJson().dump(), saved.dump());
    QCOMPARE(restored->vocabularySize(), pipeline->vocabularySize());
    for (const char* text : {"a b yy zz c", "A  B?", "nothing known here"})
      QCOMPARE(restored->encode(text), pipeline->encode(text));
  }

  void textVocabularySkipsInvalidUtf8() {
    // Regression: a token with invalid UTF-8 made toJson().dump() throw.
    auto pipeline =
        TextPipeline::fromJson(json::parse(R"([{"name":"tokenize"},{"name":"vocabulary"}])"));
    WB_VERIFY_OK(pipeline);
    WB_VERIFY_OK(pipeline->fit({"good \xff\xfe good"}));
    QCOMPARE(pipeline->vocabularySize(), std::size_t(3));
    QCOMPARE(pipeline->encode("good \xff\xfe"), (std::vector<std::int64_t>{2, 1}));
    std::string dumped;
    try {
      dumped = pipeline->toJson().dump();
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    QVERIFY(contains(dumped, "\"good\""));
  }

  void textHashingIsPinned() {
    // FNV-1a 64 reference values; pinning them keeps ids stable across platforms.
    QCOMPARE(TextPipeline::fnv1a64(""), std::uint64_t(0xcbf29ce484222325ULL));
    QCOMPARE(TextPipeline::fnv1a64("hello"), std::uint64_t(0xa430d84680aabd0bULL));

    auto pipeline = TextPipeline::fromJson(
        json::parse(R"([{"name":"lowercase"},{"name":"tokenize"},{"name":"hashing"}])"));
    WB_VERIFY_OK(pipeline);
    QCOMPARE(pipeline->vocabularySize(), std::size_t(262145));
    WB_VERIFY_OK(pipeline->fit({}));
    QVERIFY(pipeline->fitted());
    // 0xa430d84680aabd0b % 262144 + 1
    QCOMPARE(pipeline->encode("Hello hello"), (std::vector<std::int64_t>{179468, 179468}));

    auto restored = TextPipeline::fromJson(pipeline->toJson());
    WB_VERIFY_OK(restored);
    QVERIFY(restored->fitted());
    QCOMPARE(restored->encode("some text, hello"), pipeline->encode("some text, hello"));
    for (const auto id : restored->encode("many different words to hash"))
      QVERIFY(id >= 1 && id <= 262144);
  }

  void textRejectsBadSpecs() {
    QVERIFY(!TextPipeline::fromJson(json::parse(R"([{"name":"tokenize"}])")).ok());
    QVERIFY(!TextPipeline::fromJson(
                 json::parse(R"([{"name":"vocabulary"},{"name":"hashing","buckets":8}])"))
                 .ok());
    QVERIFY(
        !TextPipeline::fromJson(json::parse(R"([{"name":"stem"},{"name":"vocabulary"}])")).ok());
    QVERIFY(!TextPipeline::fromJson(json::parse(R"([{"name":"hashing","buckets":0}])")).ok());
    QVERIFY(!TextPipeline::fromJson(
                 json::parse(R"([{"name":"ngrams","n":"two"},{"name":"vocabulary"}])"))
                 .ok());
    QVERIFY(!TextPipeline::fromJson(
                 json::parse(R"({"kind":"text","fitted":true,"steps":[{"name":"vocabulary"}]})"))
                 .ok());  // fitted without a vocabulary
  }
};

QTEST_GUILESS_MAIN(TestTables)
#include "tst_tables.moc"
