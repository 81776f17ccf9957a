#include "core/config/config_node.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "core/config/yaml_limits.h"

namespace wb::config {

namespace {

Origin originAt(const std::string& file, const YAML::Mark& mark) {
  Origin origin;
  origin.file = file;
  // yaml-cpp marks are 0-based; -1 marks a node built in memory.
  if (mark.line >= 0) origin.line = mark.line + 1;
  if (mark.column >= 0) origin.column = mark.column + 1;
  return origin;
}

ConfigNode convert(const YAML::Node& node, const std::string& file,
                   std::vector<ConfigError>& errors, const std::string& path) {
  ConfigNode out;
  out.origin = originAt(file, node.Mark());
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.kind = ConfigNode::Kind::Null;
      break;
    case YAML::NodeType::Scalar: {
      out.kind = ConfigNode::Kind::Scalar;
      out.scalar = node.Scalar();
      const std::string& tag = node.Tag();
      // "?" = plain, "!" = quoted; an explicit !!str also makes a string.
      out.quoted = tag == "!" || (tag.size() >= 4 && tag.compare(tag.size() - 4, 4, ":str") == 0);
      break;
    }
    case YAML::NodeType::Sequence: {
      out.kind = ConfigNode::Kind::Sequence;
      int i = 0;
      for (const auto& item : node) {
        out.children.push_back(convert(item, file, errors, path + "[" + std::to_string(i++) + "]"));
      }
      break;
    }
    case YAML::NodeType::Map: {
      out.kind = ConfigNode::Kind::Map;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const Origin key_origin = originAt(file, it->first.Mark());
        if (!it->first.IsScalar()) {
          errors.push_back({path, "map keys must be plain strings", key_origin});
          continue;
        }
        const std::string key = it->first.Scalar();
        const std::string child_path = path.empty() ? key : path + "." + key;
        if (out.find(key) != nullptr) {
          errors.push_back({child_path, "duplicate key '" + key + "'", key_origin});
          continue;
        }
        ConfigNode child = convert(it->second, file, errors, child_path);
        child.key = key;
        child.key_origin = key_origin;
        // A null value has no position of its own in yaml-cpp: point at its key.
        if (child.origin.line == 0) child.origin = key_origin;
        out.children.push_back(std::move(child));
      }
      break;
    }
  }
  return out;
}

bool allOf(std::string_view text, int (*pred)(int)) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

int isOctal(int c) { return c >= '0' && c <= '7'; }

std::string_view withoutSign(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  return text;
}

std::size_t skipDigits(std::string_view text, std::size_t i) {
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ (scanned: std::regex recurses per character and
// overflows the stack on a long scalar).
bool isYamlInt(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && text[1] == 'o') return allOf(text.substr(2), isOctal);
  if (text.size() > 2 && text[0] == '0' && text[1] == 'x') return allOf(text.substr(2), isxdigit);
  return allOf(withoutSign(text), isdigit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
bool isYamlFloat(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  const std::string_view s = withoutSign(text);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  std::size_t i = skipDigits(s, 0);
  const bool whole = i > 0;
  bool fraction = false;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    i = skipDigits(s, i);
    fraction = i > start;
  }
  if (!whole && !fraction) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t start = i;
    i = skipDigits(s, i);
    if (i == start) return false;
  }
  return i == s.size();
}

bool needsQuotes(const ConfigNode& node) {
  return node.scalar.empty() || plainScalarType(node.scalar) != ConfigNode::ScalarType::String;
}

void emit(YAML::Emitter& out, const ConfigNode& node) {
  switch (node.kind) {
    case ConfigNode::Kind::Null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      if (node.quoted && needsQuotes(node)) out << YAML::DoubleQuoted;
      out << node.scalar;
      break;
    case ConfigNode::Kind::Sequence: {
      const bool flat =
          std::all_of(node.children.begin(), node.children.end(),
                      [](const ConfigNode& c) { return !c.isMap() && !c.isSequence(); });
      if (flat || node.children.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& child : node.children) emit(out, child);
      out << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::Map:
      if (node.children.empty()) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& child : node.children) {
        out << YAML::Key << child.key << YAML::Value;
        emit(out, child);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

std::string Origin::text() const {
  if (!override_text.empty()) return "override '" + override_text + "'";
  if (file.empty()) return {};
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (line > 0 && column > 0) out += ":" + std::to_string(column);
  return out;
}

std::string ConfigError::text() const {
  std::string out = key.empty() ? message : key + ": " + message;
  const std::string where = origin.text();
  if (!where.empty()) out += " (" + where + ")";
  return out;
}

Error toError(const std::vector<ConfigError>& errors) {
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) message += '\n';
    message += e.text();
  }
  if (message.empty()) message = "invalid config";
  return makeError(std::move(message));
}

ConfigNode ConfigNode::makeMap(Origin origin) {
  ConfigNode node;
  node.kind = Kind::Map;
  node.origin = std::move(origin);
  return node;
}

ConfigNode ConfigNode::makeSequence(Origin origin) {
  ConfigNode node;
  node.kind = Kind::Sequence;
  node.origin = std::move(origin);
  return node;
}

ConfigNode ConfigNode::makeString(std::string text, Origin origin) {
  ConfigNode node;
  node.kind = Kind::Scalar;
  node.scalar = std::move(text);
  node.quoted = true;
  node.origin = std::move(origin);
  return node;
}

ConfigNode ConfigNode::makePlain(std::string text, Origin origin) {
  ConfigNode node;
  node.kind = Kind::Scalar;
  node.scalar = std::move(text);
  node.origin = std::move(origin);
  return node;
}

ConfigNode::ScalarType ConfigNode::scalarType() const {
  if (kind == Kind::Null) return ScalarType::Null;
  if (kind != Kind::Scalar) return ScalarType::String;
  if (quoted) return ScalarType::String;
  return plainScalarType(scalar);
}

std::optional<double> ConfigNode::asDouble() const {
  const auto type = scalarType();
  if (type == ScalarType::Int) {
    if (auto i = asInt()) return static_cast<double>(*i);
  }
  if (type != ScalarType::Float) return std::nullopt;
  std::string_view text = scalar;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  double value = 0;
  if (!text.empty() && text[0] == '.' && text.size() > 1 && std::isalpha(text[1])) {
    value = (text[1] == 'n' || text[1] == 'N') ? std::nan("") : HUGE_VAL;
  } else {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> ConfigNode::asInt() const {
  if (scalarType() != ScalarType::Int) return std::nullopt;
  std::string_view text = scalar;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'o')) {
    base = text[1] == 'x' ? 16 : 8;
    text.remove_prefix(2);
  }
  std::uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
  if (negative) return static_cast<std::int64_t>(0 - magnitude);
  return static_cast<std::int64_t>(magnitude);
}

std::optional<bool> ConfigNode::asBool() const {
  if (scalarType() != ScalarType::Bool) return std::nullopt;
  return scalar[0] == 't' || scalar[0] == 'T';
}

const ConfigNode* ConfigNode::find(std::string_view name) const {
  if (kind != Kind::Map) return nullptr;
  for (const auto& child : children)
    if (child.key == name) return &child;
  return nullptr;
}

ConfigNode* ConfigNode::find(std::string_view name) {
  return const_cast<ConfigNode*>(std::as_const(*this).find(name));
}

const ConfigNode* ConfigNode::findPath(std::string_view dotted) const {
  const ConfigNode* node = this;
  while (node != nullptr) {
    const auto dot = dotted.find('.');
    node = node->find(dotted.substr(0, dot));
    if (dot == std::string_view::npos) return node;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

ConfigNode& ConfigNode::getOrAdd(std::string_view name, const Origin& key_origin) {
  if (kind != Kind::Map) *this = makeMap(origin);
  if (ConfigNode* existing = find(name)) return *existing;
  ConfigNode child;
  child.key = std::string(name);
  child.key_origin = key_origin;
  child.origin = key_origin;
  children.push_back(std::move(child));
  return children.back();
}

bool ConfigNode::remove(std::string_view name) {
  if (kind != Kind::Map) return false;
  auto it = std::find_if(children.begin(), children.end(),
                         [&](const ConfigNode& c) { return c.key == name; });
  if (it == children.end()) return false;
  children.erase(it);
  return true;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (kind == Kind::Map)
    for (const auto& child : children) out.push_back(child.key);
  return out;
}

void ConfigNode::mergeFrom(const ConfigNode& other) {
  if (kind == Kind::Map && other.kind == Kind::Map) {
    for (const auto& theirs : other.children) {
      if (ConfigNode* mine = find(theirs.key)) {
        mine->mergeFrom(theirs);
        mine->key_origin = theirs.key_origin;
      } else {
        children.push_back(theirs);
      }
    }
    origin = other.origin;
    return;
  }
  // Keep our key: OTHER may be a root or an entry with another name.
  std::string my_key = std::move(key);
  Origin my_key_origin = std::move(key_origin);
  *this = other;
  key = std::move(my_key);
  key_origin = std::move(my_key_origin);
}

std::string ConfigNode::describe() const {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Scalar:
      return "'" + scalar + "'";
    case Kind::Sequence:
      return "a list";
    case Kind::Map:
      return "a map";
  }
  return {};
}

nlohmann::json ConfigNode::toJson() const {
  switch (kind) {
    case Kind::Null:
      return nullptr;
    case Kind::Scalar:
      switch (scalarType()) {
        case ScalarType::Null:
          return nullptr;
        case ScalarType::Bool:
          return *asBool();
        case ScalarType::Int:
          if (auto i = asInt()) return *i;
          return scalar;
        case ScalarType::Float:
          if (auto d = asDouble()) return *d;
          return scalar;
        case ScalarType::String:
          return scalar;
      }
      return scalar;
    case Kind::Sequence: {
      auto out = nlohmann::json::array();
      for (const auto& child : children) out.push_back(child.toJson());
      return out;
    }
    case Kind::Map: {
      auto out = nlohmann::json::object();
      for (const auto& child : children) out[child.key] = child.toJson();
      return out;
    }
  }
  return nullptr;
}

ConfigNode ConfigNode::fromJson(const nlohmann::json& value, const Origin& origin) {
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::object: {
      ConfigNode node = makeMap(origin);
      for (const auto& [k, v] : value.items()) {
        ConfigNode child = fromJson(v, origin);
        child.key = k;
        child.key_origin = origin;
        node.children.push_back(std::move(child));
      }
      return node;
    }
    case json::value_t::array: {
      ConfigNode node = makeSequence(origin);
      for (const auto& v : value) node.children.push_back(fromJson(v, origin));
      return node;
    }
    case json::value_t::string:
      return makeString(value.get<std::string>(), origin);
    case json::value_t::boolean:
      return makePlain(value.get<bool>() ? "true" : "false", origin);
    case json::value_t::number_integer:
      return makePlain(std::to_string(value.get<std::int64_t>()), origin);
    case json::value_t::number_unsigned:
      return makePlain(std::to_string(value.get<std::uint64_t>()), origin);
    case json::value_t::number_float:
      return makePlain(formatDouble(value.get<double>()), origin);
    default: {
      ConfigNode node;
      node.origin = origin;
      return node;
    }
  }
}

Result<ConfigNode> parseYaml(std::string_view text, const std::string& file,
                             std::vector<ConfigError>* errors) {
  std::vector<ConfigError> local;
  std::vector<ConfigError>& errs = errors != nullptr ? *errors : local;
  const std::size_t first_new = errs.size();
  // yaml-cpp links aliases to their anchor; convert() copies them out, which a cycle or an
  // alias chain would turn into a crash or millions of nodes.
  if (auto problem = checkYamlAliases(text, file)) {
    errs.push_back(std::move(*problem));
    return toError({errs.begin() + first_new, errs.end()});
  }
  ConfigNode root;
  try {
    const YAML::Node doc = YAML::Load(std::string(text));
    root = convert(doc, file, errs, "");
  } catch (const YAML::Exception& e) {
    errs.push_back({"", "YAML syntax error: " + e.msg, originAt(file, e.mark)});
  } catch (const std::exception& e) {
    errs.push_back({"", std::string("cannot parse YAML: ") + e.what(), Origin{file, 0, 0, {}}});
  }
  if (errs.size() > first_new) return toError({errs.begin() + first_new, errs.end()});
  return root;
}

Result<ConfigNode> loadYamlFile(const std::filesystem::path& path, const std::string& display_name,
                                std::vector<ConfigError>* errors) {
  const std::string shown = display_name.empty() ? path.generic_string() : display_name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigError e{"", "cannot read config file", Origin{shown, 0, 0, {}}};
    if (errors != nullptr) errors->push_back(e);
    return toError({e});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseYaml(text.str(), shown, errors);
}

std::string toYaml(const ConfigNode& node) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, node);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string formatDouble(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  std::string text(buf, ec == std::errc{} ? ptr : buf);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

ConfigNode::ScalarType plainScalarType(std::string_view text) {
  using T = ConfigNode::ScalarType;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    return T::Null;
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE")
    return T::Bool;
  // YAML 1.2 core schema (so "1e-3" is a number, unlike YAML 1.1).
  if (isYamlInt(text)) return T::Int;
  if (isYamlFloat(text)) return T::Float;
  return T::String;
}

int editDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  int best_distance = 3;  // suggest only within distance 2
  for (const auto& c : candidates) {
    const int dist = editDistance(word, c);
    // A one-letter key is "close" to every other short key: require a real resemblance.
    if (dist >= static_cast<int>(std::max(word.size(), c.size()))) continue;
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

}  // namespace wb::config
