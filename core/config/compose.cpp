#include "core/config/compose.h"

#include <algorithm>
#include <map>
#include <optional>
#include <system_error>

namespace wb::config {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxDefaultsDepth = 8;  // nested defaults; also stops include cycles

// [A-Za-z0-9_\-/]+(\.[A-Za-z0-9_\-/]+)*, scanned (std::regex overflows on long text).
bool isDottedKey(std::string_view key) {
  bool part_empty = true;
  for (char c : key) {
    if (c == '.') {
      if (part_empty) return false;
      part_empty = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '/') {
      part_empty = false;
    } else {
      return false;
    }
  }
  return !part_empty;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> splitDots(std::string_view key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Splits at commas outside brackets, braces and quotes; "[1,2]" stays one value.
std::vector<std::string> splitTopLevel(std::string_view value) {
  std::vector<std::string> parts;
  int depth = 0;
  char quote = 0;
  std::string current;
  for (char c : value) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '[' || c == '{' || c == '(') {
      ++depth;
    } else if (c == ']' || c == '}' || c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  parts.push_back(trim(current));
  return parts;
}

void setOrigin(ConfigNode& node, const Origin& origin) {
  node.origin = origin;
  if (!node.key.empty()) node.key_origin = origin;
  for (auto& child : node.children) setOrigin(child, origin);
}

std::string join(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

std::string hintFor(const std::string& word, std::vector<std::string> candidates) {
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const std::string best = closestMatch(word, candidates);
  return best.empty() ? std::string() : "; did you mean '" + best + "'?";
}

// The .yaml option names in a group folder, sorted.
std::vector<std::string> optionsIn(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto ext = it->path().extension();
    if (ext == ".yaml" || ext == ".yml") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

fs::path optionFile(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  if (p.extension() == ".yaml" || p.extension() == ".yml") return p;
  fs::path yaml = p;
  yaml += ".yaml";
  fs::path yml = p;
  yml += ".yml";
  std::error_code ec;
  return !fs::exists(yaml, ec) && fs::exists(yml, ec) ? yml : yaml;
}

Origin originOf(const Override& ov) {
  if (!ov.origin.empty()) return ov.origin;
  Origin origin;
  origin.override_text = ov.text;
  return origin;
}

// A group choice from the command line: `model=resnet18` or `+optim=sgd`.
struct Choice {
  std::size_t override_index;
  std::string option;
  bool used = false;
};

class Composer {
 public:
  Composer(const ComposeOptions& options, std::vector<ConfigError>& errors)
      : m_options(options), m_errors(errors) {
    m_root =
        options.display_root.empty() ? options.configs_dir.parent_path() : options.display_root;
    std::error_code ec;
    m_root = fs::absolute(m_root, ec).lexically_normal();
  }

  std::string display(const fs::path& p) const {
    std::error_code ec;
    const fs::path abs = fs::absolute(p, ec).lexically_normal();
    const fs::path rel = abs.lexically_relative(m_root);
    if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
    return p.generic_string();
  }

  const std::vector<std::string>& sources() const { return m_sources; }

  // FILE with its defaults merged, as the tree of its own package. GROUP_DIR resolves relative
  // defaults; CHOICES (primary only) replace or add group options.
  std::optional<ConfigNode> composeFile(const fs::path& file, const fs::path& group_dir,
                                        std::map<std::string, Choice>* choices,
                                        const std::vector<Override>& overrides, int depth,
                                        const Origin& included_from) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(file, ec);
    if (depth > kMaxDefaultsDepth ||
        std::find(m_stack.begin(), m_stack.end(), canonical) != m_stack.end()) {
      m_errors.push_back({"defaults",
                          "defaults nest too deep or include themselves: " + display(file),
                          included_from});
      return std::nullopt;
    }
    auto loaded = depth == 0 && m_options.primary_text
                      ? parseYaml(*m_options.primary_text, display(file), &m_errors)
                      : loadYamlFile(file, display(file), &m_errors);
    if (!loaded) return std::nullopt;
    ConfigNode self = std::move(loaded).value();
    if (self.kind == ConfigNode::Kind::Null) self = ConfigNode::makeMap(self.origin);
    if (!self.isMap()) {
      m_errors.push_back({"", "a config file must be a map, got " + self.describe(), self.origin});
      return std::nullopt;
    }

    // Each entry: the file to load (empty = _self_) and the package (dotted key) it lands in.
    struct Entry {
      fs::path file;
      std::vector<std::string> package;
      Origin origin;
      bool optional = false;
    };
    std::vector<Entry> entries;
    bool has_self = false;
    if (const ConfigNode* defaults = self.find("defaults")) {
      if (!defaults->isSequence() && !defaults->isNull()) {
        m_errors.push_back(
            {"defaults", "expected a list, got " + defaults->describe(), defaults->origin});
      }
      for (const auto& item : defaults->children) {
        if (item.isScalar() && item.scalar == "_self_") {
          has_self = true;
          entries.push_back({{}, {}, item.origin});
        } else if (item.isScalar()) {
          entries.push_back({optionFile(group_dir, item.scalar), {}, item.origin});
        } else if (item.isMap() && item.children.size() == 1) {
          const ConfigNode& choice = item.children.front();
          std::string group = choice.key;
          bool optional = false;
          for (std::string_view prefix : {"optional ", "override "}) {
            if (group.rfind(prefix, 0) == 0) {
              optional = optional || prefix == "optional ";
              group = trim(group.substr(prefix.size()));
            }
          }
          fs::path base = group_dir;
          if (!group.empty() && group[0] == '/') {
            base = m_options.configs_dir;
            group.erase(0, 1);
          }
          std::string option = choice.isScalar() ? choice.scalar : std::string();
          Origin origin = choice.origin;
          if (choices != nullptr) {
            if (auto it = choices->find(group); it != choices->end()) {
              it->second.used = true;
              option = it->second.option;
              origin = originOf(overrides[it->second.override_index]);
            }
          }
          if (choice.isNull() && option.empty()) continue;  // `model: null` = none
          if (!choice.isScalar() && !choice.isNull()) {
            m_errors.push_back({"defaults." + group,
                                "expected an option name, got " + choice.describe(),
                                choice.origin});
            continue;
          }
          std::vector<std::string> package;
          std::string g = group;
          for (auto slash = g.find('/'); slash != std::string::npos; slash = g.find('/')) {
            package.push_back(g.substr(0, slash));
            g.erase(0, slash + 1);
          }
          package.push_back(g);
          if (!checkOption(base / group, option, "defaults." + group, origin, optional)) continue;
          entries.push_back({optionFile(base / group, option), package, origin, optional});
        } else {
          m_errors.push_back(
              {"defaults",
               "expected '_self_', a config name or {group: option}, got " + item.describe(),
               item.origin});
        }
      }
    }
    // `+group=option` adds a default the primary does not list.
    if (choices != nullptr) {
      for (auto& [group, choice] : *choices) {
        if (choice.used) continue;
        choice.used = true;
        const Origin origin = originOf(overrides[choice.override_index]);
        if (!checkOption(m_options.configs_dir / group, choice.option, group, origin, false))
          continue;
        entries.push_back(
            {optionFile(m_options.configs_dir / group, choice.option), {group}, origin});
      }
    }
    if (!has_self) entries.push_back({{}, {}, self.origin});  // self last: its values win
    self.remove("defaults");

    m_stack.push_back(canonical);
    ConfigNode result = ConfigNode::makeMap(self.origin);
    for (const auto& entry : entries) {
      if (entry.file.empty()) {
        m_sources.push_back(display(file));
        result.mergeFrom(self);
        continue;
      }
      const fs::path sub_dir = entry.package.empty() ? group_dir : entry.file.parent_path();
      auto sub = composeFile(entry.file, sub_dir, nullptr, overrides, depth + 1, entry.origin);
      if (!sub) continue;
      // Wrap into its package: {model: <file>}.
      for (auto it = entry.package.rbegin(); it != entry.package.rend(); ++it) {
        ConfigNode wrapper = ConfigNode::makeMap(entry.origin);
        sub->key = *it;
        sub->key_origin = entry.origin;
        wrapper.children.push_back(std::move(*sub));
        sub = std::move(wrapper);
      }
      result.mergeFrom(*sub);
    }
    m_stack.pop_back();
    result.origin = self.origin;
    return result;
  }

 private:
  bool checkOption(const fs::path& dir, const std::string& option, const std::string& key,
                   const Origin& origin, bool optional) {
    std::error_code ec;
    if (!option.empty() && fs::exists(optionFile(dir, option), ec)) return true;
    if (optional) return false;
    const auto available = optionsIn(dir);
    std::string message = "no config '" + option + "' in " + display(dir) + "/";
    const std::string best = closestMatch(option, available);
    if (!best.empty()) {
      message += "; did you mean '" + best + "'?";
    } else if (!available.empty()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      message += " (available: " + list + ")";
    }
    m_errors.push_back({key, std::move(message), origin});
    return false;
  }

  const ComposeOptions& m_options;
  std::vector<ConfigError>& m_errors;
  fs::path m_root;
  std::vector<fs::path> m_stack;  // files being composed, to catch cycles
  std::vector<std::string> m_sources;
};

// The top-level groups the primary's defaults list names ({model: lenet} -> "model").
std::vector<std::string> defaultsGroups(const fs::path& primary, const ComposeOptions& options) {
  std::vector<std::string> groups;
  std::vector<ConfigError> ignored;  // composition reports them
  auto tree = options.primary_text ? parseYaml(*options.primary_text, {}, &ignored)
                                   : loadYamlFile(primary, {}, &ignored);
  if (!tree) return groups;
  if (const ConfigNode* defaults = tree->find("defaults")) {
    for (const auto& item : defaults->children) {
      if (!item.isMap() || item.children.size() != 1) continue;
      std::string g = item.children.front().key;
      for (std::string_view prefix : {"optional ", "override "})
        if (g.rfind(prefix, 0) == 0) g = trim(g.substr(prefix.size()));
      if (!g.empty() && g[0] == '/') g.erase(0, 1);
      groups.push_back(g);
    }
  }
  return groups;
}

}  // namespace

Result<Override> parseOverride(std::string_view input) {
  Override out;
  out.text = trim(input);
  std::string_view text = out.text;
  Origin origin;
  origin.override_text = out.text;
  auto fail = [&](const std::string& message) {
    return toError({ConfigError{"", message, origin}});
  };
  if (text.rfind("~", 0) == 0) {
    out.kind = Override::Kind::Delete;
    text.remove_prefix(1);
  } else if (text.rfind("++", 0) == 0) {
    out.kind = Override::Kind::ForceSet;
    text.remove_prefix(2);
  } else if (text.rfind("+", 0) == 0) {
    out.kind = Override::Kind::Add;
    text.remove_prefix(1);
  } else {
    out.kind = Override::Kind::Set;
  }
  const auto eq = text.find('=');
  out.key = trim(text.substr(0, eq));
  if (!isDottedKey(out.key))
    return fail("expected key=value with a dotted key (a.b.c), got '" + out.text + "'");
  if (eq == std::string_view::npos) {
    if (out.kind == Override::Kind::Delete) return out;
    return fail("expected key=value, got '" + out.text + "'");
  }
  const std::string value = trim(text.substr(eq + 1));
  if (out.kind == Override::Kind::Delete) return out;  // Hydra's ~key=value: value ignored
  for (const auto& part : splitTopLevel(value)) {
    ConfigNode node;
    if (part.empty()) {
      node = ConfigNode::makeString("");
    } else {
      std::vector<ConfigError> errors;
      auto parsed = parseYaml(part, "", &errors);
      if (!parsed) return fail("cannot parse value '" + part + "': " + errors.front().message);
      node = std::move(parsed).value();
    }
    setOrigin(node, origin);
    out.values.push_back(std::move(node));
  }
  if (out.values.size() > 1 && out.kind == Override::Kind::Delete)
    return fail("a deletion takes no values");
  return out;
}

bool applyOverride(ConfigNode& tree, const Override& ov, std::vector<ConfigError>& errors) {
  const Origin origin = originOf(ov);
  auto fail = [&](const std::string& key, std::string message) {
    errors.push_back({key, std::move(message), origin});
    return false;
  };
  if (ov.kind == Override::Kind::Invalid) return fail(ov.key, "invalid override");
  if (ov.kind != Override::Kind::Delete && ov.values.size() != 1)
    return fail(ov.key, "several values (a multirun) cannot be applied to one config");
  if (!tree.isMap()) tree = ConfigNode::makeMap(tree.origin);

  const auto parts = splitDots(ov.key);
  ConfigNode* node = &tree;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    const std::string section = join(parts, i);
    const std::string path = join(parts, i + 1);
    if (!node->isMap()) {
      if (node->isNull() && ov.kind != Override::Kind::Delete) {
        *node = ConfigNode::makeMap(node->origin);
      } else {
        return fail(
            path, "cannot reach into '" + section + "': it is " + node->describe() + ", not a map");
      }
    }
    ConfigNode* child = node->find(parts[i]);
    bool free_form = false;
    const auto schema = schemaKeys(section, &free_form);
    const bool in_schema = std::find(schema.begin(), schema.end(), parts[i]) != schema.end();
    if (child == nullptr) {
      const bool may_create = ov.kind == Override::Kind::Add ||
                              ov.kind == Override::Kind::ForceSet ||
                              (ov.kind == Override::Kind::Set && in_schema);
      if (!may_create) {
        auto candidates = node->keys();
        candidates.insert(candidates.end(), schema.begin(), schema.end());
        std::string message = "no key '" + path + "' to " +
                              (ov.kind == Override::Kind::Delete ? "delete" : "override");
        const std::string hint = hintFor(parts[i], candidates);
        if (!hint.empty()) {
          message += hint;
        } else if (ov.kind == Override::Kind::Set) {
          message += " (use '+" + ov.key + "=...' to add a new key)";
        }
        return fail(path, std::move(message));
      }
      child = &node->getOrAdd(parts[i], origin);
      if (!last)
        *child = [&] {
          ConfigNode m = ConfigNode::makeMap(origin);
          m.key = parts[i];
          m.key_origin = origin;
          return m;
        }();
    } else if (last && ov.kind == Override::Kind::Add) {
      return fail(path, "key '" + path + "' already exists (override it with '" + ov.key +
                            "=...' or '++" + ov.key + "=...')");
    }
    if (last) {
      if (ov.kind == Override::Kind::Delete) {
        node->remove(parts[i]);
      } else {
        const std::string key = child->key;
        const Origin key_origin = child->key_origin;
        *child = ov.values.front();
        child->key = key;
        child->key_origin = key_origin;
      }
      return true;
    }
    node = child;
  }
  return true;
}

Result<ComposedConfig> composeConfig(const fs::path& primary,
                                     const std::vector<Override>& overrides,
                                     const ComposeOptions& options,
                                     std::vector<ConfigError>* errors) {
  std::vector<ConfigError> errs;
  Composer composer(options, errs);

  // Group choices: `model=resnet18` for a group the defaults list names, `+optim=sgd` for a
  // group folder it does not.
  const auto groups = defaultsGroups(primary, options);
  std::map<std::string, Choice> choices;
  std::vector<bool> consumed(overrides.size(), false);
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const Override& ov = overrides[i];
    if (ov.key.find('.') != std::string::npos || ov.values.size() != 1) continue;
    const ConfigNode& v = ov.values.front();
    if (!v.isScalar() || v.scalarType() != ConfigNode::ScalarType::String) continue;
    const bool listed = std::find(groups.begin(), groups.end(), ov.key) != groups.end();
    std::error_code ec;
    const bool folder =
        ov.kind == Override::Kind::Add && fs::is_directory(options.configs_dir / ov.key, ec);
    if ((listed && ov.kind != Override::Kind::Delete && ov.kind != Override::Kind::Add) ||
        (!listed && folder)) {
      choices[ov.key] = Choice{i, v.scalar};
      consumed[i] = true;
    }
  }

  ComposedConfig out;
  auto tree = composer.composeFile(primary, options.configs_dir, &choices, overrides, 0, Origin{});
  if (tree) out.tree = std::move(*tree);
  out.sources = composer.sources();
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (consumed[i]) continue;
    if (overrides[i].isMultirun()) {
      out.multirun.push_back(overrides[i]);
      continue;
    }
    if (tree) applyOverride(out.tree, overrides[i], errs);
  }
  if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
  if (!errs.empty()) return toError(errs);
  return out;
}

Result<ComposedConfig> composeConfig(const fs::path& primary,
                                     const std::vector<std::string>& overrides,
                                     const ComposeOptions& options,
                                     std::vector<ConfigError>* errors) {
  std::vector<Override> parsed;
  std::vector<ConfigError> errs;
  for (const auto& text : overrides) {
    auto ov = parseOverride(text);
    if (ov) {
      parsed.push_back(std::move(ov).value());
    } else {
      errs.push_back({"", ov.error().message, {}});
    }
  }
  if (!errs.empty()) {
    if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
    return toError(errs);
  }
  return composeConfig(primary, parsed, options, errors);
}

Result<ExperimentConfig> loadExperimentConfig(const fs::path& primary,
                                              const std::vector<std::string>& overrides,
                                              const ComposeOptions& options,
                                              std::vector<ConfigError>* errors) {
  auto composed = composeConfig(primary, overrides, options, errors);
  if (!composed) return composed.error();
  if (!composed->multirun.empty()) {
    std::vector<ConfigError> errs;
    for (const auto& ov : composed->multirun) {
      Origin origin;
      origin.override_text = ov.text;
      errs.push_back({ov.key, "several values make a sweep; run it as a sweep", origin});
    }
    if (errors != nullptr) errors->insert(errors->end(), errs.begin(), errs.end());
    return toError(errs);
  }
  composed->tree.remove("sweep");
  return fromNode(composed->tree, errors);
}

}  // namespace wb::config
