#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/result.h"
#include "core/store/types.h"

/// Filter expressions for the runs table, e.g.
///   val/accuracy > 0.9 and optim.lr < 0.01 and status = finished
///
/// Grammar (keywords in any case):
///   expr       := or
///   or         := and (("or" | "||") and)*
///   and        := not (("and" | "&&") not)*
///   not        := ("not" | "!") not | primary
///   primary    := "(" expr ")" | "has" "(" field ")" | field "exists" | field op value
///   op         := "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
///   field      := bare word of letters, digits, _ . / - : (UTF-8 allowed) | `back-quoted`
///   value      := bare word (numbers like 1e-3 and -2 are bare words) | 'text' | "text"
/// Precedence: not > and > or. Empty (or blank) input is valid and matches every run.
///
/// Comparison: numeric when both the run's value and the written value parse as numbers
/// (quoted or not: `lr = "0.01"` equals a param "1e-2"); a value written as a date,
/// 2024-05-01 or 2024-05-01T12:30[:00] (local time), is a number of Unix seconds, for
/// `created`/`started`/`ended`. Otherwise strings compare byte-wise and case-sensitively.
/// `~` (contains) and `!~` (does not contain) compare text, ignoring ASCII case.
/// A run that lacks the field fails every comparison, `!=` and `!~` included: `x != 1`
/// means "has x, and it is not 1"; write `not x = 1` to also keep runs without x.
///
/// Field resolution (see resolveField()):
///   status name id experiment created started ended duration notes   run fields
///   run.X, attributes.X                                              run field X
///   tags.X, tag.X                                                    tag X
///   params.X, param.X                                                param X
///   metrics.X, metric.X, any name with a '/'                         metric X
///   anything else (model.hidden, lr, loss.min)                       param X if the run
///                                                                    has it, else metric X
/// A metric name may end in .last (the default), .min, .max or .best (min for loss-like keys,
/// max otherwise): `val/loss.min < 0.2`. A metric's value is a number; NaN/inf is missing.
namespace wb::query {

enum class FieldKind { Unknown, RunField, Param, Metric, Tag, ParamOrMetric };
/// Which summary of a metric series: `.best` resolves at parse time to Min or Max.
enum class MetricStat { Unknown, Last, Min, Max };

/// One identifier of an expression, resolved once at parse time.
struct FieldRef {
  std::string name;  // as written, e.g. "val/loss.min"
  FieldKind kind = FieldKind::Unknown;
  std::string key;         // run field, param or tag key; ParamOrMetric: the param key
  std::string metric_key;  // Metric (also in key), ParamOrMetric: the metric key, no suffix
  MetricStat stat = MetricStat::Last;
  int index = -1;  // position in Filter::fields(), for callers that cache by column
};

/// How an identifier maps onto a run (the table in this header's comment).
FieldRef resolveField(std::string_view name);

/// A run's value for one field: missing, a number, or text (borrowed or owned).
class FieldValue {
 public:
  FieldValue() = default;                         // missing
  FieldValue(double number) : m_value(number) {}  // NOLINT: implicit by design
  /// Borrowed: must stay valid until matches() returns.
  FieldValue(std::string_view text) : m_value(text) {}               // NOLINT
  FieldValue(const char* text) : m_value(std::string_view(text)) {}  // NOLINT
  FieldValue(std::string text) : m_value(std::move(text)) {}         // NOLINT

  bool isMissing() const { return m_value.index() == 0; }
  bool isNumber() const { return m_value.index() == 1; }
  bool isText() const { return m_value.index() >= 2; }
  double number() const { return std::get<1>(m_value); }
  std::string_view text() const {
    return m_value.index() == 2 ? std::get<2>(m_value) : std::string_view(std::get<3>(m_value));
  }

 private:
  std::variant<std::monostate, double, std::string_view, std::string> m_value;
};

/// Supplies a run's values during one matches() call.
using FieldLookup = std::function<FieldValue(const FieldRef&)>;

/// A run's values in plain maps, for callers without their own storage.
struct MetricValues {
  MetricValues() = default;
  MetricValues(double last_value) : last(last_value) {}  // NOLINT: a bare last value
  std::optional<double> last;
  std::optional<double> min;
  std::optional<double> max;
};

/// Hash maps: with tens of params per run, std::map lookups over 10,000 runs measured ~10×
/// slower (cache misses down the tree).
using TextMap = std::unordered_map<std::string, std::string>;

struct RunValues {
  TextMap run;  // status, name, id, experiment, created, started, ended, duration, notes
  TextMap params;
  TextMap tags;
  std::unordered_map<std::string, MetricValues> metrics;
};

/// The value of `field` in `run`, borrowing from its maps.
FieldValue lookupField(const RunValues& run, const FieldRef& field);
/// A FieldLookup over `run`, which must outlive it.
FieldLookup makeLookup(const RunValues& run);
/// RunValues for a stored run. Times are Unix seconds, duration is seconds (missing if the
/// run never started); metrics carry last/min/max from the summaries of this run.
RunValues makeRunValues(const store::Run& run, const store::ParamMap& params,
                        const store::ParamMap& tags,
                        const std::vector<store::MetricSummary>& metrics, double now);

namespace detail {
enum class NodeKind { Unknown, And, Or, Not, Compare, Exists };
enum class CompareOp { Unknown, Eq, Ne, Lt, Le, Gt, Ge, Contains, NotContains };
struct FilterNode {
  NodeKind kind = NodeKind::Unknown;
  int left = -1;   // And, Or, Not
  int right = -1;  // And, Or
  int field = -1;  // Compare, Exists
  CompareOp op = CompareOp::Unknown;
  std::string text;   // the value as written, unquoted
  std::string lower;  // text in ASCII lower case, for ~ and !~
  bool is_number = false;
  double number = 0;
};
class Parser;
}  // namespace detail

/// A parsed expression: parse once, evaluate per run. Immutable, so matches() may run on
/// several threads at once.
class Filter {
 public:
  /// Matches everything.
  Filter() = default;

  bool matchesEverything() const { return m_root < 0; }
  bool matches(const FieldLookup& lookup) const;
  /// Same as matches(makeLookup(run)) without the std::function.
  bool matches(const RunValues& run) const;

  /// The distinct fields used, in order of first use; FieldRef::index is the position here.
  const std::vector<FieldRef>& fields() const { return m_fields; }
  /// The identifiers as written, for fetching only those columns.
  std::vector<std::string> identifiers() const;
  /// Canonical text with every group in parentheses: "(a = 1 or (b > 2 and c ~ x))".
  std::string toString() const;

 private:
  friend class detail::Parser;
  template <class Lookup>
  bool eval(int node, const Lookup& lookup) const;
  std::string nodeText(int node) const;

  std::vector<detail::FilterNode> m_nodes;
  std::vector<FieldRef> m_fields;
  int m_root = -1;
};

/// Parses an expression. Errors name a 1-based column (in characters) and what was expected:
/// Error::context is "column 17", Error::text() "column 17: expected a value after '>'".
/// `error_column`, when given, receives that column on error (0 on success).
Result<Filter> parseFilter(std::string_view text, int* error_column = nullptr);

}  // namespace wb::query
