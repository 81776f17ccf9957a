#include "core/query/run_filter.h"

#include "core/common/numbers.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>

namespace wb::query {

using detail::CompareOp;
using detail::FilterNode;
using detail::NodeKind;

namespace {

constexpr int kMaxDepth = 200;  // keeps a pathological "((((…" from exhausting the stack

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lowerAscii(c);
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lowerAscii(x) == y; });
}

// Filter values are numbers by wb::parseDouble's rules (never the process locale); "inf" too.
std::optional<double> parseNumber(std::string_view text) {
  return parseDouble(text, NonFinite::Accept);
}

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// YYYY-MM-DD, optionally followed by T or a space and HH:MM[:SS]; local time, as the CLI and
// the GUI show times.
std::optional<double> parseDate(std::string_view s) {
  if (s.size() != 10 && s.size() != 16 && s.size() != 19) return std::nullopt;
  if (!isDigits(s.substr(0, 4)) || s[4] != '-' || !isDigits(s.substr(5, 2)) || s[7] != '-' ||
      !isDigits(s.substr(8, 2)))
    return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) {
    return static_cast<int>(parseInt(s.substr(at, n)).value_or(0));  // digits, checked above
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != ' ') || !isDigits(s.substr(11, 2)) || s[13] != ':' ||
        !isDigits(s.substr(14, 2)))
      return std::nullopt;
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    if (s.size() == 19) {
      if (s[16] != ':' || !isDigits(s.substr(17, 2))) return std::nullopt;
      tm.tm_sec = num(17, 2);
    }
  }
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t);
}

bool containsIgnoreCase(std::string_view haystack, std::string_view needle_lower) {
  if (needle_lower.empty()) return true;
  return std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                     [](char h, char n) { return lowerAscii(h) == n; }) != haystack.end();
}

template <class T>
bool applyOp(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::Eq:
      return a == b;
    case CompareOp::Ne:
      return a != b;
    case CompareOp::Lt:
      return a < b;
    case CompareOp::Le:
      return a <= b;
    case CompareOp::Gt:
      return a > b;
    case CompareOp::Ge:
      return a >= b;
    default:
      return false;
  }
}

bool compareValue(const FilterNode& node, const FieldValue& value) {
  if (value.isMissing()) return false;
  const bool contains = node.op == CompareOp::Contains || node.op == CompareOp::NotContains;
  if (value.isNumber() && node.is_number && !contains)
    return applyOp(node.op, value.number(), node.number);
  std::array<char, 32> buf{};
  std::string_view text;
  if (value.isNumber()) {
    // Text comparisons see a number's shortest round-trip spelling.
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value.number());
    text = std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  } else {
    text = value.text();
    if (node.is_number && !contains)
      if (const auto x = parseNumber(text)) return applyOp(node.op, *x, node.number);
  }
  if (contains) return containsIgnoreCase(text, node.lower) == (node.op == CompareOp::Contains);
  return applyOp(node.op, text.compare(node.text), 0);
}

// Metric name suffixes: "val/loss.min" → ("val/loss", Min); ".best" follows the key's goal.
std::pair<std::string, MetricStat> splitMetricStat(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, MetricStat>, 4> kSuffixes = {{
      {".last", MetricStat::Last},
      {".min", MetricStat::Min},
      {".max", MetricStat::Max},
      {".best", MetricStat::Unknown},
  }};
  for (const auto& [suffix, stat] : kSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string key(name.substr(0, name.size() - suffix.size()));
      if (stat != MetricStat::Unknown) return {key, stat};
      return {key, store::lowerIsBetter(key) ? MetricStat::Min : MetricStat::Max};
    }
  }
  return {std::string(name), MetricStat::Last};
}

// ---------------------------------------------------------------------------------------------
// Tokens

enum class TokenKind { End, LParen, RParen, And, Or, Not, Op, Word, Quoted, Backtick, Invalid };

struct Token {
  TokenKind kind = TokenKind::End;
  std::size_t offset = 0;  // byte offset in the input
  std::string raw;         // as written, for messages
  std::string text;        // Word/Quoted/Backtick: the content; Invalid: the error message
  CompareOp op = CompareOp::Unknown;
};

bool isWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-' || c == ':' || c >= 0x80;
}

bool isOpChar(char c) { return c == '=' || c == '!' || c == '<' || c == '>' || c == '~'; }

CompareOp opFromText(std::string_view s) {
  if (s == "=" || s == "==") return CompareOp::Eq;
  if (s == "!=") return CompareOp::Ne;
  if (s == "<") return CompareOp::Lt;
  if (s == "<=") return CompareOp::Le;
  if (s == ">") return CompareOp::Gt;
  if (s == ">=") return CompareOp::Ge;
  if (s == "~") return CompareOp::Contains;
  if (s == "!~") return CompareOp::NotContains;
  return CompareOp::Unknown;
}

std::string_view opText(CompareOp op) {
  switch (op) {
    case CompareOp::Eq:
      return "=";
    case CompareOp::Ne:
      return "!=";
    case CompareOp::Lt:
      return "<";
    case CompareOp::Le:
      return "<=";
    case CompareOp::Gt:
      return ">";
    case CompareOp::Ge:
      return ">=";
    case CompareOp::Contains:
      return "~";
    case CompareOp::NotContains:
      return "!~";
    case CompareOp::Unknown:
      break;
  }
  return "?";
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto add = [&](TokenKind kind, std::size_t start, std::string text = {}) {
    Token t;
    t.kind = kind;
    t.offset = start;
    t.raw = std::string(s.substr(start, i - start));
    t.text = std::move(text);
    tokens.push_back(std::move(t));
  };
  while (i < s.size()) {
    const char c = s[i];
    const std::size_t start = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '(' || c == ')') {
      ++i;
      add(c == '(' ? TokenKind::LParen : TokenKind::RParen, start);
    } else if ((c == '&' || c == '|') && i + 1 < s.size() && s[i + 1] == c) {
      i += 2;
      add(c == '&' ? TokenKind::And : TokenKind::Or, start);
    } else if (c == '!' && (i + 1 == s.size() || (s[i + 1] != '=' && s[i + 1] != '~'))) {
      ++i;
      add(TokenKind::Not, start);
    } else if (isOpChar(c)) {
      while (i < s.size() && isOpChar(s[i])) ++i;
      const auto op = opFromText(s.substr(start, i - start));
      if (op == CompareOp::Unknown) {
        add(TokenKind::Invalid, start,
            "unknown operator '" + std::string(s.substr(start, i - start)) +
                "' (use =, !=, <, <=, >, >=, ~ or !~)");
        return tokens;
      }
      add(TokenKind::Op, start);
      tokens.back().op = op;
    } else if (c == '"' || c == '\'' || c == '`') {
      std::string text;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        const char d = s[i++];
        if (d == c) {
          closed = true;
          break;
        }
        // Backslash escapes the quote and itself in strings; field names take no escapes.
        if (d == '\\' && c != '`' && i < s.size() && (s[i] == c || s[i] == '\\')) {
          text += s[i++];
          continue;
        }
        text += d;
      }
      if (!closed) {
        i = start + 1;
        add(TokenKind::Invalid, start,
            c == '`' ? "unterminated field name (missing closing `)"
                     : std::string("unterminated string (missing closing ") + c + ")");
        return tokens;
      }
      if (c == '`' && text.empty()) {
        add(TokenKind::Invalid, start, "empty field name");
        return tokens;
      }
      add(c == '`' ? TokenKind::Backtick : TokenKind::Quoted, start, std::move(text));
    } else if (isWordChar(static_cast<unsigned char>(c)) || c == '+') {
      ++i;
      // '+' only inside exponents (1e+3) or leading (+5).
      while (i < s.size() && (isWordChar(static_cast<unsigned char>(s[i])) ||
                              (s[i] == '+' && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
        ++i;
      const std::string_view word = s.substr(start, i - start);
      TokenKind kind = TokenKind::Word;
      if (equalsIgnoreCase(word, "and")) kind = TokenKind::And;
      if (equalsIgnoreCase(word, "or")) kind = TokenKind::Or;
      if (equalsIgnoreCase(word, "not")) kind = TokenKind::Not;
      add(kind, start, std::string(word));
    } else {
      // One whole UTF-8 sequence, so the message shows the character.
      ++i;
      while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      add(TokenKind::Invalid, start,
          "unexpected character '" + std::string(s.substr(start, i - start)) + "'");
      return tokens;
    }
  }
  Token end;
  end.offset = s.size();
  tokens.push_back(end);
  return tokens;
}

struct SyntaxError {
  std::size_t offset;
  std::string message;
};

// Characters, not bytes: a GUI puts its caret there.
int columnOf(std::string_view text, std::size_t offset) {
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  return column;
}

std::string quoteForMessage(std::string_view raw) {
  constexpr std::size_t kMax = 24;
  if (raw.size() <= kMax) return "'" + std::string(raw) + "'";
  return "'" + std::string(raw.substr(0, kMax)) + "…'";
}

bool isPlainWord(std::string_view s) {
  if (s.empty()) return false;
  if (!std::all_of(s.begin(), s.end(),
                   [](char c) { return isWordChar(static_cast<unsigned char>(c)); }))
    return false;
  return !equalsIgnoreCase(s, "and") && !equalsIgnoreCase(s, "or") && !equalsIgnoreCase(s, "not");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Field resolution

FieldRef resolveField(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kRunFields = {
      "status", "name", "id", "experiment", "created", "started", "ended", "duration", "notes"};
  struct Prefix {
    std::string_view text;
    FieldKind kind;
  };
  static constexpr std::array<Prefix, 8> kPrefixes = {{
      {"run.", FieldKind::RunField},
      {"attributes.", FieldKind::RunField},
      {"tags.", FieldKind::Tag},
      {"tag.", FieldKind::Tag},
      {"params.", FieldKind::Param},
      {"param.", FieldKind::Param},
      {"metrics.", FieldKind::Metric},
      {"metric.", FieldKind::Metric},
  }};
  FieldRef f;
  f.name = std::string(name);
  for (const auto& p : kPrefixes) {
    if (name.size() > p.text.size() && name.starts_with(p.text)) {
      f.kind = p.kind;
      f.key = std::string(name.substr(p.text.size()));
      if (f.kind == FieldKind::Metric) {
        std::tie(f.metric_key, f.stat) = splitMetricStat(f.key);
        f.key = f.metric_key;
      }
      return f;
    }
  }
  if (std::find(kRunFields.begin(), kRunFields.end(), name) != kRunFields.end()) {
    f.kind = FieldKind::RunField;
    f.key = f.name;
    return f;
  }
  std::tie(f.metric_key, f.stat) = splitMetricStat(name);
  if (name.find('/') != std::string_view::npos) {
    f.kind = FieldKind::Metric;
    f.key = f.metric_key;
  } else {
    f.kind = FieldKind::ParamOrMetric;
    f.key = f.name;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Parser

namespace detail {

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text), m_tokens(tokenize(text)) {}

  Filter parse() {
    if (m_tokens.front().kind == TokenKind::End) return m_filter;  // blank: match everything
    m_filter.m_root = parseOr(0);
    const Token& t = peek();
    if (t.kind == TokenKind::Invalid) throw SyntaxError{t.offset, t.text};
    if (t.kind == TokenKind::RParen)
      throw SyntaxError{t.offset, "unexpected ')' without a matching '('"};
    if (t.kind != TokenKind::End)
      throw SyntaxError{t.offset, "expected 'and', 'or' or the end of the expression, found " +
                                      quoteForMessage(t.raw)};
    return std::move(m_filter);
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)];
  }
  const Token& take() {
    const Token& t = peek();
    if (m_pos + 1 < m_tokens.size()) ++m_pos;
    return t;
  }

  // "expected X after 'prev'[, found 'tok']", at the offending token (or the end).
  [[noreturn]] void fail(const std::string& expected, const std::string& after) {
    const Token& t = peek();
    if (t.kind == TokenKind::Invalid) throw SyntaxError{t.offset, t.text};
    std::string message = "expected " + expected;
    if (!after.empty()) message += " after " + quoteForMessage(after);
    if (t.kind != TokenKind::End) message += ", found " + quoteForMessage(t.raw);
    throw SyntaxError{t.offset, message};
  }

  int add(FilterNode node) {
    m_filter.m_nodes.push_back(std::move(node));
    return static_cast<int>(m_filter.m_nodes.size()) - 1;
  }

  int binary(NodeKind kind, int left, int right) {
    FilterNode n;
    n.kind = kind;
    n.left = left;
    n.right = right;
    return add(std::move(n));
  }

  int parseOr(int depth) {
    int left = parseAnd(depth);
    while (peek().kind == TokenKind::Or) {
      m_after = take().raw;
      left = binary(NodeKind::Or, left, parseAnd(depth));
    }
    return left;
  }

  int parseAnd(int depth) {
    int left = parseNot(depth);
    while (peek().kind == TokenKind::And) {
      m_after = take().raw;
      left = binary(NodeKind::And, left, parseNot(depth));
    }
    return left;
  }

  int parseNot(int depth) {
    if (depth > kMaxDepth) throw SyntaxError{peek().offset, "expression nested too deeply"};
    if (peek().kind == TokenKind::Not) {
      m_after = take().raw;
      FilterNode n;
      n.kind = NodeKind::Not;
      n.left = parseNot(depth + 1);
      return add(std::move(n));
    }
    return parsePrimary(depth);
  }

  int parsePrimary(int depth) {
    const Token& t = peek();
    if (t.kind == TokenKind::LParen) {
      const std::size_t open = t.offset;
      m_after = take().raw;
      const int inner = parseOr(depth + 1);
      if (peek().kind != TokenKind::RParen)
        fail("')' to close the '(' at column " + std::to_string(columnOf(m_text, open)), "");
      take();
      return inner;
    }
    if (t.kind == TokenKind::Word && equalsIgnoreCase(t.text, "has") &&
        peek(1).kind == TokenKind::LParen) {
      take();
      take();
      const int field = parseField("has(");
      if (peek().kind != TokenKind::RParen) fail("')'", "has(" + m_filter.m_fields[field].name);
      take();
      FilterNode n;
      n.kind = NodeKind::Exists;
      n.field = field;
      return add(std::move(n));
    }
    const int field = parseField(m_after);
    const std::string& name = m_filter.m_fields[field].name;
    if (peek().kind == TokenKind::Word && equalsIgnoreCase(peek().text, "exists")) {
      take();
      FilterNode n;
      n.kind = NodeKind::Exists;
      n.field = field;
      return add(std::move(n));
    }
    if (peek().kind != TokenKind::Op)
      fail("an operator (=, !=, <, <=, >, >=, ~, !~ or exists)", name);
    FilterNode n;
    n.kind = NodeKind::Compare;
    n.field = field;
    n.op = peek().op;
    const std::string op_raw = take().raw;
    const Token& v = peek();
    if (v.kind != TokenKind::Word && v.kind != TokenKind::Quoted) fail("a value", op_raw);
    n.text = v.text;
    n.lower = lowerAscii(v.text);
    if (const auto number = parseNumber(n.text)) {
      n.is_number = true;
      n.number = *number;
    } else if (const auto date = parseDate(n.text)) {
      n.is_number = true;
      n.number = *date;
    }
    m_after = take().raw;
    return add(std::move(n));
  }

  // A field name: a bare word or a `quoted` one. Returns its index in m_fields.
  int parseField(const std::string& after) {
    const Token& t = peek();
    if (t.kind == TokenKind::Quoted)
      throw SyntaxError{t.offset, "expected a field name, found the string " +
                                      quoteForMessage(t.raw) +
                                      " (quote field names with backticks: `name`)"};
    if (t.kind == TokenKind::Word && parseNumber(t.text))
      throw SyntaxError{t.offset, "expected a field name, found the number " +
                                      quoteForMessage(t.raw) + " (write the field first: x > 1)"};
    if (t.kind != TokenKind::Word && t.kind != TokenKind::Backtick) {
      if (after.empty() && t.kind == TokenKind::End) fail("a condition", "");
      fail(after == "has(" ? "a field name" : "a condition", after);
    }
    const std::string name = take().text;
    const auto it = m_field_index.find(name);
    if (it != m_field_index.end()) return it->second;
    FieldRef ref = resolveField(name);
    ref.index = static_cast<int>(m_filter.m_fields.size());
    m_filter.m_fields.push_back(std::move(ref));
    m_field_index.emplace(name, m_filter.m_fields.back().index);
    return m_filter.m_fields.back().index;
  }

  std::string_view m_text;
  std::vector<Token> m_tokens;
  std::size_t m_pos = 0;
  std::string m_after;  // the last token taken, for "after '…'" in messages
  Filter m_filter;
  std::map<std::string, int> m_field_index;
};

}  // namespace detail

Result<Filter> parseFilter(std::string_view text, int* error_column) {
  if (error_column) *error_column = 0;
  try {
    return detail::Parser(text).parse();
  } catch (const SyntaxError& e) {
    const int column = columnOf(text, e.offset);
    if (error_column) *error_column = column;
    return makeError(e.message, "column " + std::to_string(column));
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

template <class Lookup>
bool Filter::eval(int index, const Lookup& lookup) const {
  const FilterNode& n = m_nodes[static_cast<std::size_t>(index)];
  switch (n.kind) {
    case NodeKind::And:
      return eval(n.left, lookup) && eval(n.right, lookup);
    case NodeKind::Or:
      return eval(n.left, lookup) || eval(n.right, lookup);
    case NodeKind::Not:
      return !eval(n.left, lookup);
    case NodeKind::Exists:
      return !lookup(m_fields[static_cast<std::size_t>(n.field)]).isMissing();
    case NodeKind::Compare:
      return compareValue(n, lookup(m_fields[static_cast<std::size_t>(n.field)]));
    case NodeKind::Unknown:
      break;
  }
  return false;
}

bool Filter::matches(const FieldLookup& lookup) const { return m_root < 0 || eval(m_root, lookup); }

bool Filter::matches(const RunValues& run) const {
  return m_root < 0 ||
         eval(m_root, [&run](const FieldRef& field) { return lookupField(run, field); });
}

std::vector<std::string> Filter::identifiers() const {
  std::vector<std::string> out;
  out.reserve(m_fields.size());
  for (const auto& f : m_fields) out.push_back(f.name);
  return out;
}

std::string Filter::nodeText(int index) const {
  const FilterNode& n = m_nodes[static_cast<std::size_t>(index)];
  auto field = [&] {
    const std::string& name = m_fields[static_cast<std::size_t>(n.field)].name;
    return isPlainWord(name) && !parseNumber(name) ? name : "`" + name + "`";
  };
  switch (n.kind) {
    case NodeKind::And:
      return "(" + nodeText(n.left) + " and " + nodeText(n.right) + ")";
    case NodeKind::Or:
      return "(" + nodeText(n.left) + " or " + nodeText(n.right) + ")";
    case NodeKind::Not:
      return "(not " + nodeText(n.left) + ")";
    case NodeKind::Exists:
      return "has(" + field() + ")";
    case NodeKind::Compare: {
      std::string value = n.text;
      if (!isPlainWord(value)) {
        value = "\"";
        for (const char c : n.text) {
          if (c == '"' || c == '\\') value += '\\';
          value += c;
        }
        value += '"';
      }
      return field() + " " + std::string(opText(n.op)) + " " + value;
    }
    case NodeKind::Unknown:
      break;
  }
  return "?";
}

std::string Filter::toString() const { return m_root < 0 ? std::string() : nodeText(m_root); }

// ---------------------------------------------------------------------------------------------
// Plain maps

namespace {

FieldValue fromMap(const TextMap& map, const std::string& key) {
  const auto it = map.find(key);
  if (it == map.end()) return {};
  return std::string_view(it->second);
}

FieldValue metricValue(const RunValues& run, const FieldRef& field) {
  const auto it = run.metrics.find(field.metric_key);
  if (it == run.metrics.end()) return {};
  std::optional<double> v;
  switch (field.stat) {
    case MetricStat::Min:
      v = it->second.min;
      break;
    case MetricStat::Max:
      v = it->second.max;
      break;
    default:
      v = it->second.last;
      break;
  }
  if (!v || !std::isfinite(*v)) return {};
  return *v;
}

}  // namespace

FieldValue lookupField(const RunValues& run, const FieldRef& field) {
  switch (field.kind) {
    case FieldKind::RunField:
      return fromMap(run.run, field.key);
    case FieldKind::Param:
      return fromMap(run.params, field.key);
    case FieldKind::Tag:
      return fromMap(run.tags, field.key);
    case FieldKind::Metric:
      return metricValue(run, field);
    case FieldKind::ParamOrMetric: {
      FieldValue param = fromMap(run.params, field.key);
      return param.isMissing() ? metricValue(run, field) : param;
    }
    case FieldKind::Unknown:
      break;
  }
  return {};
}

FieldLookup makeLookup(const RunValues& run) {
  return [&run](const FieldRef& field) { return lookupField(run, field); };
}

RunValues makeRunValues(const store::Run& run, const store::ParamMap& params,
                        const store::ParamMap& tags,
                        const std::vector<store::MetricSummary>& metrics, double now) {
  RunValues v;
  v.run["id"] = run.id;
  v.run["name"] = run.name;
  v.run["experiment"] = run.experiment;
  v.run["status"] = std::string(store::toString(run.status));
  v.run["created"] = formatDouble(run.created_at);
  if (run.started_at) v.run["started"] = formatDouble(*run.started_at);
  if (run.ended_at) v.run["ended"] = formatDouble(*run.ended_at);
  if (const auto d = run.durationSeconds(now)) v.run["duration"] = formatDouble(*d);
  v.run["notes"] = run.notes;
  v.params.insert(params.begin(), params.end());
  v.tags.insert(tags.begin(), tags.end());
  for (const auto& m : metrics) {
    if (!m.run_id.empty() && m.run_id != run.id) continue;
    MetricValues mv;
    mv.last = m.last_value;
    mv.min = m.min_value;
    mv.max = m.max_value;
    v.metrics[m.key] = mv;
  }
  return v;
}

}  // namespace wb::query
