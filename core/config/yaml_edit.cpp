#include "core/config/yaml_edit.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "core/config/config_node.h"
#include "core/config/yaml_limits.h"

namespace wb::config {

namespace {

constexpr std::size_t kNone = std::string::npos;

// A YAML tree with what text edits need and ConfigNode drops: byte positions, flow style,
// anchors and aliases.
struct YNode {
  enum class Kind { Null, Scalar, Sequence, Map, Alias };
  Kind kind = Kind::Null;
  int pos = -1;  // byte offset of the first token; for an empty null, of the token after it
  bool flow = false;
  bool anchored = false;
  bool quoted = false;  // scalar written in quotes
  std::string scalar;
  std::vector<YNode> keys;   // Map keys, parallel to items
  std::vector<YNode> items;  // Map values or Sequence items

  // Index of KEY; -1 when absent, -2 when it appears twice.
  int find(std::string_view key) const {
    int found = -1;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].kind != Kind::Scalar || keys[i].scalar != key) continue;
      if (found >= 0) return -2;
      found = static_cast<int>(i);
    }
    return found;
  }

  bool containsAnchorOrAlias() const {
    if (anchored || kind == Kind::Alias) return true;
    for (const auto& k : keys)
      if (k.containsAnchorOrAlias()) return true;
    for (const auto& i : items)
      if (i.containsAnchorOrAlias()) return true;
    return false;
  }

  bool containsAnchor() const {
    if (anchored) return true;
    for (const auto& k : keys)
      if (k.containsAnchor()) return true;
    for (const auto& i : items)
      if (i.containsAnchor()) return true;
    return false;
  }

  std::string describe() const {
    switch (kind) {
      case Kind::Null:
        return "null";
      case Kind::Scalar:
        return "a scalar";
      case Kind::Sequence:
        return "a list";
      case Kind::Map:
        return "a map";
      case Kind::Alias:
        return "an alias";
    }
    return "?";
  }
};

// Builds a YNode tree from yaml-cpp's parse events (the node API hides styles and anchors).
class TreeBuilder final : public YAML::EventHandler {
 public:
  std::optional<YNode> root;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(leaf(YNode::Kind::Null, mark, anchor));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    add(leaf(YNode::Kind::Alias, mark, YAML::NullAnchor));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YNode n = leaf(YNode::Kind::Scalar, mark, anchor);
    n.scalar = value;
    n.quoted = tag == "!";
    add(std::move(n));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    YNode n = leaf(YNode::Kind::Sequence, mark, anchor);
    n.flow = style == YAML::EmitterStyle::Flow;
    m_stack.push_back(std::move(n));
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    YNode n = leaf(YNode::Kind::Map, mark, anchor);
    n.flow = style == YAML::EmitterStyle::Flow;
    m_stack.push_back(std::move(n));
  }
  void OnMapEnd() override { pop(); }

 private:
  static YNode leaf(YNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    YNode n;
    n.kind = kind;
    n.pos = mark.pos;
    n.anchored = anchor != YAML::NullAnchor;
    return n;
  }
  void pop() {
    YNode n = std::move(m_stack.back());
    m_stack.pop_back();
    add(std::move(n));
  }
  void add(YNode n) {
    if (m_stack.empty()) {
      root = std::move(n);
      return;
    }
    YNode& top = m_stack.back();
    if (top.kind == YNode::Kind::Map && top.keys.size() == top.items.size())
      top.keys.push_back(std::move(n));
    else
      top.items.push_back(std::move(n));
  }

  std::vector<YNode> m_stack;
};

// The first document of TEXT; an empty document is a null root.
Result<YNode> parseTree(std::string_view text, const std::string& what) {
  // Aliases stay leaves here, but the edited text is composed next: refuse what would not load.
  if (auto problem = checkYamlAliases(text, ""))
    return makeError(what + ": line " + std::to_string(problem->origin.line) + ": " +
                     problem->message);
  std::istringstream in{std::string(text)};
  TreeBuilder builder;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    return makeError(what + ": YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                     ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!builder.root) return YNode{};
  return std::move(*builder.root);
}

// Line arithmetic over the text being edited.
class Text {
 public:
  explicit Text(std::string_view text) : m_text(text) {
    m_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') m_starts.push_back(i + 1);
    m_eol = text.find("\r\n") != kNone ? "\r\n" : "\n";
  }

  std::string_view str() const { return m_text; }
  char at(std::size_t pos) const { return pos < m_text.size() ? m_text[pos] : '\0'; }
  int lineCount() const { return static_cast<int>(m_starts.size()); }
  std::size_t lineStart(int line) const { return m_starts[static_cast<std::size_t>(line)]; }
  // End of the line's content: before "\n" or "\r\n".
  std::size_t lineEnd(int line) const {
    std::size_t end =
        line + 1 < lineCount() ? m_starts[static_cast<std::size_t>(line) + 1] - 1 : m_text.size();
    if (end > lineStart(line) && m_text[end - 1] == '\r') --end;
    return end;
  }
  // Start of the next line, or the end of the text.
  std::size_t nextLineStart(int line) const {
    return line + 1 < lineCount() ? m_starts[static_cast<std::size_t>(line) + 1] : m_text.size();
  }
  int lineOf(std::size_t pos) const {
    return static_cast<int>(std::upper_bound(m_starts.begin(), m_starts.end(), pos) -
                            m_starts.begin()) -
           1;
  }
  int indent(int line) const {
    std::size_t i = lineStart(line);
    const std::size_t end = lineEnd(line);
    while (i < end && m_text[i] == ' ') ++i;
    return static_cast<int>(i - lineStart(line));
  }
  // First position in [from, to) that is not a space or tab; TO when none.
  std::size_t skipSpaces(std::size_t from, std::size_t to) const {
    while (from < to && (m_text[from] == ' ' || m_text[from] == '\t')) ++from;
    return from;
  }
  bool blank(int line) const { return skipSpaces(lineStart(line), lineEnd(line)) == lineEnd(line); }
  bool blankOrComment(int line) const {
    const std::size_t i = skipSpaces(lineStart(line), lineEnd(line));
    return i == lineEnd(line) || m_text[i] == '#';
  }
  const std::string& eol() const { return m_eol; }

 private:
  std::string_view m_text;
  std::vector<std::size_t> m_starts;
  std::string m_eol;
};

bool isBlankChar(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0'; }

// End (exclusive) of the quoted scalar starting at S; kNone when unterminated.
std::size_t quotedEnd(std::string_view t, std::size_t s) {
  const char q = t[s];
  for (std::size_t i = s + 1; i < t.size(); ++i) {
    if (q == '"' && t[i] == '\\') {
      ++i;
    } else if (t[i] == q) {
      if (q == '\'' && i + 1 < t.size() && t[i + 1] == '\'') {
        ++i;  // '' is an escaped quote
        continue;
      }
      return i + 1;
    }
  }
  return kNone;
}

// End (exclusive) of the flow collection opening at S; kNone when unbalanced.
std::size_t flowEnd(std::string_view t, std::size_t s) {
  int depth = 0;
  for (std::size_t i = s; i < t.size(); ++i) {
    const char c = t[i];
    const char prev = i > s ? t[i - 1] : ' ';
    if ((c == '"' || c == '\'') &&
        (isBlankChar(prev) || prev == '[' || prev == '{' || prev == ',' || prev == ':')) {
      const std::size_t end = quotedEnd(t, i);
      if (end == kNone) return kNone;
      i = end - 1;
    } else if (c == '#' && isBlankChar(prev)) {
      while (i < t.size() && t[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return kNone;
}

// End (exclusive) of the value token at S: a quoted scalar, a flow collection, or a plain
// scalar up to a comment or the end of its line (trailing blanks excluded).
std::size_t tokenEnd(const Text& tx, std::size_t s) {
  const char c = tx.at(s);
  if (c == '"' || c == '\'') return quotedEnd(tx.str(), s);
  if (c == '[' || c == '{') return flowEnd(tx.str(), s);
  const std::size_t line_end = tx.lineEnd(tx.lineOf(s));
  std::size_t i = s;
  while (i < line_end && !(tx.at(i) == '#' && i > s && isBlankChar(tx.at(i - 1)))) ++i;
  while (i > s && (tx.at(i - 1) == ' ' || tx.at(i - 1) == '\t')) --i;
  return i;
}

// Where a block map entry lives in the text.
struct Entry {
  int key_line = 0;
  int key_column = 0;
  std::size_t after_colon = 0;  // just past the ':' that ends the key
  std::size_t value_start = 0;  // first token after the colon on the key line; kNone if none
  int last_line = 0;            // last line holding the entry's value (comments after excluded)
};

Result<Entry> locateEntry(const Text& tx, const YNode& key, const YNode& value,
                          const std::string& name) {
  Entry e;
  const auto key_pos = static_cast<std::size_t>(key.pos);
  e.key_line = tx.lineOf(key_pos);
  e.key_column = static_cast<int>(key_pos - tx.lineStart(e.key_line));
  if (e.key_column != tx.indent(e.key_line))
    return makeError("the key does not start its line (a complex key or a list item?)", name);
  const std::size_t line_end = tx.lineEnd(e.key_line);
  std::size_t i = key_pos;
  if (tx.at(i) == '"' || tx.at(i) == '\'') {
    i = quotedEnd(tx.str(), i);
    if (i == kNone) return makeError("unterminated quoted key", name);
    i = tx.skipSpaces(i, line_end);
  } else {
    while (i < line_end && !(tx.at(i) == ':' && isBlankChar(tx.at(i + 1)))) ++i;
  }
  if (i >= line_end || tx.at(i) != ':')
    return makeError("no ':' after the key on its line (an explicit '?' key?)", name);
  e.after_colon = i + 1;
  const std::size_t s = tx.skipSpaces(e.after_colon, line_end);
  e.value_start = s < line_end && tx.at(s) != '#' ? s : kNone;

  // The value runs until the next non-comment line indented no deeper than the key; a block
  // list may sit at the key's own indentation.
  const bool block_list = value.kind == YNode::Kind::Sequence && !value.flow;
  const bool block_scalar =
      e.value_start != kNone && (tx.at(e.value_start) == '|' || tx.at(e.value_start) == '>');
  int boundary = e.key_line + 1;
  for (; boundary < tx.lineCount(); ++boundary) {
    if (tx.blankOrComment(boundary)) continue;
    const int ind = tx.indent(boundary);
    if (ind > e.key_column) continue;
    const std::size_t first = tx.lineStart(boundary) + static_cast<std::size_t>(ind);
    if (block_list && ind == e.key_column && tx.at(first) == '-' && isBlankChar(tx.at(first + 1)))
      continue;
    break;
  }
  e.last_line = e.key_line;
  for (int l = e.key_line + 1; l < boundary; ++l)
    if (block_scalar ? !tx.blank(l) : !tx.blankOrComment(l)) e.last_line = l;
  // A flow collection or quoted scalar may close at a shallower indentation than YAML wants.
  if (e.value_start != kNone && !block_scalar) {
    const std::size_t end = tokenEnd(tx, e.value_start);
    if (end != kNone && end > 0) e.last_line = std::max(e.last_line, tx.lineOf(end - 1));
  }
  return e;
}

// Re-indents the lines of a block value to COLUMN.
std::string indentBlock(std::string_view block, int column, const std::string& eol) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (start <= block.size()) {
    std::size_t end = block.find('\n', start);
    if (end == kNone) end = block.size();
    std::string_view line = block.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!first) out += eol;
    first = false;
    if (!line.empty())
      out += std::string(static_cast<std::size_t>(column), ' ') + std::string(line);
    start = end + 1;
  }
  return out;
}

// A value to write: its text, whether it spans lines, and its parsed form for the final check.
struct NewValue {
  std::string text;
  bool block = false;
  YNode tree;
};

Result<NewValue> prepareValue(std::string_view value_yaml, const std::string& name) {
  // Dedent and trim blank lines at both ends.
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= value_yaml.size()) {
    std::size_t end = value_yaml.find('\n', start);
    if (end == kNone) end = value_yaml.size();
    std::string line(value_yaml.substr(start, end - start));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  if (lines.empty()) return makeError("empty value (write null for no value)", name);
  std::size_t common = kNone;
  for (const auto& line : lines)
    if (!line.empty()) common = std::min(common, line.find_first_not_of(' '));
  NewValue v;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) v.text += '\n';
    if (!lines[i].empty()) v.text += lines[i].substr(common);
  }
  v.block = lines.size() > 1;
  auto tree = parseTree(v.text, "value");
  if (!tree) return makeError(tree.error().message, name);
  if (tree->containsAnchorOrAlias())
    return makeError("anchors and aliases cannot be written through the editor", name);
  v.tree = std::move(tree).value();
  return v;
}

// "key: value" lines for KEYS (the last one holding VALUE), starting at COLUMN.
std::string buildEntries(const std::vector<std::string>& keys, const NewValue& value, int column,
                         int step, const std::string& eol) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += eol;
    out += std::string(static_cast<std::size_t>(column), ' ') + quoteYamlString(keys[i]) + ":";
    column += step;
  }
  if (value.block)
    out += eol + indentBlock(value.text, column, eol);
  else
    out += " " + value.text;
  return out;
}

// The indentation step the document uses: the first nested block map's offset, else 2.
int detectStep(const Text& tx, const YNode& node) {
  if (node.kind != YNode::Kind::Map || node.flow) return 0;
  for (std::size_t i = 0; i < node.items.size(); ++i) {
    const YNode& child = node.items[i];
    if (child.kind == YNode::Kind::Map && !child.flow && !child.keys.empty()) {
      const int key_col = static_cast<int>(static_cast<std::size_t>(node.keys[i].pos) -
                                           tx.lineStart(tx.lineOf(node.keys[i].pos)));
      const int child_col = static_cast<int>(static_cast<std::size_t>(child.keys[0].pos) -
                                             tx.lineStart(tx.lineOf(child.keys[0].pos)));
      if (child_col > key_col) return child_col - key_col;
    }
    if (int step = detectStep(tx, child); step > 0) return step;
  }
  return 0;
}

// Replaces the value of a located entry, keeping the key line's comment when there is one.
std::string replaceValue(const Text& tx, const Entry& e, const NewValue& value, int step) {
  const std::string_view t = tx.str();
  const std::string& eol = tx.eol();
  const std::size_t key_line_end = tx.lineEnd(e.key_line);
  const std::size_t region_end = tx.lineEnd(e.last_line);
  const int child_column = e.key_column + step;
  const bool inline_old = e.value_start != kNone && e.last_line == e.key_line &&
                          tx.at(e.value_start) != '|' && tx.at(e.value_start) != '>';
  std::string out(t.substr(0, e.after_colon));
  if (inline_old) {
    // `key:   old  # note` -> `key:   new  # note`
    const std::size_t end = tokenEnd(tx, e.value_start);
    const std::string_view rest = t.substr(end, key_line_end - end);
    if (value.block) {
      if (rest.find('#') != kNone) out += std::string(rest);
      out += eol + indentBlock(value.text, child_column, eol);
    } else {
      out += std::string(t.substr(e.after_colon, e.value_start - e.after_colon)) + value.text;
      out += std::string(rest);
    }
  } else {
    // The value is empty, a block on the following lines, or spans lines from the key line.
    std::string comment;
    if (e.value_start == kNone) {
      const std::string_view rest = t.substr(e.after_colon, key_line_end - e.after_colon);
      if (rest.find('#') != kNone) comment = std::string(rest);
    }
    if (!value.block) out += " " + value.text;
    out += comment;
    if (value.block) out += eol + indentBlock(value.text, child_column, eol);
  }
  out += std::string(t.substr(region_end));
  return out;
}

// Canonical flow text of a node: compares values and rewrites flow collections.
void emitFlow(const YNode& n, std::string& out) {
  switch (n.kind) {
    case YNode::Kind::Null:
    case YNode::Kind::Alias:
      out += "null";
      return;
    case YNode::Kind::Scalar: {
      // A plain scalar keeps its text (and so its type); quoting only changes how it is written.
      const std::string quoted = quoteYamlString(n.scalar);
      if (n.quoted || quoted == n.scalar) {
        out += quoted;
      } else if (n.scalar.find_first_of(",[]{}#") == kNone && n.scalar.find(": ") == kNone) {
        out += n.scalar;  // a plain number, bool or null
      } else {
        out += quoted;
      }
      return;
    }
    case YNode::Kind::Sequence:
      out += '[';
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out += ", ";
        emitFlow(n.items[i], out);
      }
      out += ']';
      return;
    case YNode::Kind::Map:
      out += '{';
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out += ", ";
        emitFlow(n.keys[i], out);
        out += ": ";
        emitFlow(n.items[i], out);
      }
      out += '}';
      return;
  }
}

std::string flowText(const YNode& n) {
  std::string out;
  emitFlow(n, out);
  return out;
}

std::string joinKeys(const std::vector<std::string>& path, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < path.size(); ++i) out += (i > 0 ? "." : "") + path[i];
  return out;
}

YNode scalarNode(const std::string& text) {
  YNode n;
  n.kind = YNode::Kind::Scalar;
  n.scalar = text;
  return n;
}

// Rewrites the flow collection FLOW (the value at PATH[0..depth)) with PATH[depth..] set to
// VALUE, or removed when VALUE is null.
Result<std::string> editFlow(const Text& tx, const YNode& flow,
                             const std::vector<std::string>& path, std::size_t depth,
                             const NewValue* value) {
  const std::string name = joinKeys(path, path.size());
  const std::string where = depth == 0 ? "the document" : "'" + joinKeys(path, depth) + "'";
  if (flow.containsAnchorOrAlias())
    return makeError(where + " uses anchors or aliases; edit it in the YAML text", name);
  const auto start = static_cast<std::size_t>(flow.pos);
  const std::size_t end = flowEnd(tx.str(), start);
  if (end == kNone) return makeError(where + ": unbalanced flow collection", name);
  YNode copy = flow;
  YNode* cur = &copy;
  for (std::size_t i = depth; i < path.size(); ++i) {
    if (cur->kind == YNode::Kind::Null && value != nullptr) {
      cur->kind = YNode::Kind::Map;
      cur->flow = true;
    }
    if (cur->kind != YNode::Kind::Map) {
      if (value == nullptr) return std::string(tx.str());
      return makeError("'" + joinKeys(path, i) + "' is " + cur->describe() + ", not a map", name);
    }
    const int idx = cur->find(path[i]);
    if (idx == -2) return makeError("duplicate key '" + joinKeys(path, i + 1) + "'", name);
    const bool last = i + 1 == path.size();
    if (idx < 0) {
      if (value == nullptr) return std::string(tx.str());
      cur->keys.push_back(scalarNode(path[i]));
      cur->items.push_back(last ? value->tree : YNode{});
      cur = &cur->items.back();
      continue;
    }
    const auto u = static_cast<std::size_t>(idx);
    if (last) {
      if (value != nullptr) {
        cur->items[u] = value->tree;
      } else {
        cur->keys.erase(cur->keys.begin() + idx);
        cur->items.erase(cur->items.begin() + idx);
      }
      break;
    }
    cur = &cur->items[u];
  }
  std::string out(tx.str().substr(0, start));
  out += flowText(copy);
  out += tx.str().substr(end);
  return out;
}

// Checks that EDITED reads back with PATH set to VALUE (or gone when VALUE is null).
Status verifyEdit(std::string_view edited, const std::vector<std::string>& path,
                  const NewValue* value) {
  const std::string name = joinKeys(path, path.size());
  auto tree = parseTree(edited, "edited text");
  if (!tree) return makeError("the edit would break the YAML (" + tree.error().message + ")", name);
  const YNode* node = &tree.value();
  for (const auto& key : path) {
    const int idx = node->kind == YNode::Kind::Map ? node->find(key) : -1;
    if (idx < 0) {
      node = nullptr;
      break;
    }
    node = &node->items[static_cast<std::size_t>(idx)];
  }
  const bool ok = value == nullptr ? node == nullptr
                                   : node != nullptr && flowText(*node) == flowText(value->tree);
  if (!ok)
    return makeError("cannot edit this key safely in the text; edit the YAML directly", name);
  return {};
}

Result<std::string> edit(std::string_view text, const std::vector<std::string>& path,
                         std::optional<std::string_view> value_yaml) {
  const std::string name = joinKeys(path, path.size());
  if (path.empty()) return makeError("empty key");
  for (const auto& part : path)
    if (part.empty()) return makeError("empty part in key", name);

  std::optional<NewValue> value;
  if (value_yaml) {
    auto prepared = prepareValue(*value_yaml, name);
    if (!prepared) return prepared.error();
    value = std::move(prepared).value();
  }
  const NewValue* new_value = value ? &*value : nullptr;
  auto parsed = parseTree(text, "config");
  if (!parsed) return makeError(parsed.error().message, name);
  const YNode& root = parsed.value();
  const Text tx(text);
  int step = detectStep(tx, root);
  if (step <= 0) step = 2;

  auto finish = [&](Result<std::string> edited) -> Result<std::string> {
    if (!edited) return edited;
    if (auto ok = verifyEdit(*edited, path, new_value); !ok) return ok.error();
    return edited;
  };

  const YNode* node = &root;
  const YNode* entry_key = nullptr;  // the entry holding NODE (null for the root)
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string here = i == 0 ? "the document" : "'" + joinKeys(path, i) + "'";
    if (node->kind == YNode::Kind::Alias)
      return makeError(here + " is an alias; edit the anchored value instead", name);
    if (node->anchored)
      return makeError(here + " has an anchor, so other places share it; edit the YAML directly",
                       name);
    if (node->flow) return finish(editFlow(tx, *node, path, i, new_value));

    if (node->kind == YNode::Kind::Null) {
      if (!new_value) return std::string(text);
      const std::vector<std::string> rest(path.begin() + static_cast<long>(i), path.end());
      if (entry_key == nullptr) {
        // Empty document (or only comments): append at the end.
        std::string out(text);
        if (!out.empty() && out.back() != '\n') out += tx.eol();
        out += buildEntries(rest, *new_value, 0, step, tx.eol()) + tx.eol();
        return finish(out);
      }
      // `section:` with no value: give it a block map.
      auto entry = locateEntry(tx, *entry_key, *node, joinKeys(path, i));
      if (!entry) return entry.error();
      NewValue block;
      block.block = true;
      block.text = buildEntries(rest, *new_value, 0, step, "\n");
      return finish(replaceValue(tx, *entry, block, step));
    }
    if (node->kind != YNode::Kind::Map)
      return makeError(here + " is " + node->describe() + ", not a map", name);
    if (node->find("<<") >= 0)
      return makeError(here + " uses a merge key (<<); edit the YAML directly", name);
    const int idx = node->find(path[i]);
    if (idx == -2) return makeError("duplicate key '" + joinKeys(path, i + 1) + "'", name);

    if (idx < 0) {
      if (!new_value) return std::string(text);
      // Add after the map's last entry, at the indentation of its first key.
      const std::size_t last = node->keys.size() - 1;
      auto entry = locateEntry(tx, node->keys[last], node->items[last], joinKeys(path, i));
      if (!entry) return entry.error();
      const int column = static_cast<int>(static_cast<std::size_t>(node->keys[0].pos) -
                                          tx.lineStart(tx.lineOf(node->keys[0].pos)));
      const std::vector<std::string> rest(path.begin() + static_cast<long>(i), path.end());
      const std::size_t at = tx.lineEnd(entry->last_line);
      std::string out(text.substr(0, at));
      out += tx.eol() + buildEntries(rest, *new_value, column, step, tx.eol());
      out += text.substr(at);
      return finish(out);
    }

    const auto u = static_cast<std::size_t>(idx);
    if (i + 1 < path.size()) {
      entry_key = &node->keys[u];
      node = &node->items[u];
      continue;
    }
    // The key itself.
    const YNode& old = node->items[u];
    // Aliases inside the old value vanish harmlessly; an anchor would leave aliases dangling.
    if (old.containsAnchor())
      return makeError("the value defines an anchor used elsewhere; edit the YAML directly", name);
    auto entry = locateEntry(tx, node->keys[u], old, name);
    if (!entry) return entry.error();
    if (new_value) return finish(replaceValue(tx, *entry, *new_value, step));
    // Remove the entry's lines whole.
    std::string out(text.substr(0, tx.lineStart(entry->key_line)));
    out += text.substr(tx.nextLineStart(entry->last_line));
    return finish(out);
  }
  return std::string(text);  // not reached: the loop returns at the last part
}

bool plainSafe(std::string_view s) {
  if (s.empty() || plainScalarType(s) != ConfigNode::ScalarType::String) return false;
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // YAML 1.1 booleans: other tools still read them as such.
  for (const char* word : {"yes", "no", "on", "off", "y", "n"})
    if (lower == word) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` \t").find(s.front()) != kNone) return false;
  if (s.back() == ' ' || s.back() == '\t' || s.back() == ':') return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ',' || c == '[' || c == ']' || c == '{' || c == '}')
      return false;
  }
  return s.find(": ") == kNone && s.find(" #") == kNone && s.find("\t#") == kNone;
}

}  // namespace

std::string quoteYamlString(std::string_view text) {
  if (plainSafe(text)) return std::string(text);
  const bool control = std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  std::string out;
  if (!control) {
    out = "'";
    for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
      }
    }
  }
  return out + "\"";
}

std::string flowYaml(const ConfigNode& node) {
  switch (node.kind) {
    case ConfigNode::Kind::Null:
      return "null";
    case ConfigNode::Kind::Scalar:
      if (node.quoted) return quoteYamlString(node.scalar);
      // A plain scalar from a block context may hold flow indicators.
      return node.scalar.find_first_of(",[]{}") == kNone ? node.scalar
                                                         : quoteYamlString(node.scalar);
    case ConfigNode::Kind::Sequence: {
      std::string out = "[";
      for (std::size_t i = 0; i < node.children.size(); ++i)
        out += (i > 0 ? ", " : "") + flowYaml(node.children[i]);
      return out + "]";
    }
    case ConfigNode::Kind::Map: {
      std::string out = "{";
      for (std::size_t i = 0; i < node.children.size(); ++i)
        out += (i > 0 ? ", " : "") + quoteYamlString(node.children[i].key) + ": " +
               flowYaml(node.children[i]);
      return out + "}";
    }
  }
  return {};
}

std::vector<std::string> splitDottedKey(std::string_view dotted_key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted_key.find('.', start);
    parts.emplace_back(dotted_key.substr(start, dot == kNone ? kNone : dot - start));
    if (dot == kNone) break;
    start = dot + 1;
  }
  return parts;
}

Result<std::string> setYamlValue(std::string_view text, std::string_view dotted_key,
                                 std::string_view value_yaml) {
  return setYamlValue(text, splitDottedKey(dotted_key), value_yaml);
}

Result<std::string> setYamlValue(std::string_view text, const std::vector<std::string>& path,
                                 std::string_view value_yaml) {
  return edit(text, path, value_yaml);
}

Result<std::string> removeYamlKey(std::string_view text, std::string_view dotted_key) {
  return removeYamlKey(text, splitDottedKey(dotted_key));
}

Result<std::string> removeYamlKey(std::string_view text, const std::vector<std::string>& path) {
  return edit(text, path, std::nullopt);
}

}  // namespace wb::config
