#include "core/config/yaml_limits.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace wb::config {

namespace {

// Thrown out of the event handler to stop the parse at the first problem.
struct LimitExceeded {
  std::string message;
  YAML::Mark mark;
};

// Sizes and heights of the expanded tree, computed from parse events without building it.
class AliasScanner final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { m_pending_name = name; }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    m_last_alias = mark;
    const auto it = m_done.find(anchor);
    if (it == m_done.end()) {
      // Known to the parser but not finished: the alias is inside its own anchor.
      throw LimitExceeded{"alias *" + nameOf(anchor) + " is inside its own anchor &" +
                              nameOf(anchor) + " (a cycle); aliases must refer to a finished value",
                          mark};
    }
    add(it->second.size, it->second.height, mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Extent {
    std::size_t size = 1;    // nodes, aliases expanded
    std::size_t height = 0;  // levels below the node
  };
  struct Frame {
    YAML::anchor_t anchor = YAML::NullAnchor;
    Extent extent;
  };

  std::string nameOf(YAML::anchor_t anchor) const {
    const auto it = m_names.find(anchor);
    return it == m_names.end() ? std::string("?") : it->second;
  }
  void remember(YAML::anchor_t anchor) {
    if (anchor == YAML::NullAnchor) return;
    m_names[anchor] = m_pending_name;
    m_pending_name.clear();
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    remember(anchor);
    ++m_written;
    if (anchor != YAML::NullAnchor) m_done[anchor] = Extent{};
    add(1, 0, mark);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    remember(anchor);
    ++m_written;
    m_stack.push_back(Frame{anchor, Extent{}});
    if (m_stack.size() > kMaxYamlDepth)
      throw LimitExceeded{"nested more than " + std::to_string(kMaxYamlDepth) + " levels deep",
                          mark};
  }
  void close() {
    const Frame frame = m_stack.back();
    m_stack.pop_back();
    if (frame.anchor != YAML::NullAnchor) m_done[frame.anchor] = frame.extent;
    add(frame.extent.size, frame.extent.height, m_last_alias);
  }
  // Adds a child of SIZE nodes and HEIGHT levels to the open collection.
  void add(std::size_t size, std::size_t height, const YAML::Mark& mark) {
    if (m_stack.empty()) return;
    Extent& parent = m_stack.back().extent;
    parent.size = std::min(parent.size + size, kCap);  // saturates: never wraps
    parent.height = std::max(parent.height, height + 1);
    if (m_stack.size() + height > kMaxYamlDepth)
      throw LimitExceeded{"aliases nest the document more than " + std::to_string(kMaxYamlDepth) +
                              " levels deep",
                          mark};
    if (parent.size > m_written + kMaxYamlAliasNodes)
      throw LimitExceeded{"aliases expand the document to more than " +
                              std::to_string(m_written + kMaxYamlAliasNodes) +
                              " values (an alias chain like \"billion laughs\"); write the "
                              "values out or use fewer aliases",
                          mark};
  }

  static constexpr std::size_t kCap = static_cast<std::size_t>(1) << 60;
  std::vector<Frame> m_stack;
  std::map<YAML::anchor_t, Extent> m_done;
  std::map<YAML::anchor_t, std::string> m_names;
  std::string m_pending_name;
  std::size_t m_written = 0;
  YAML::Mark m_last_alias = YAML::Mark::null_mark();
};

}  // namespace

std::optional<ConfigError> checkYamlAliases(std::string_view text, const std::string& file) {
  std::istringstream in{std::string(text)};
  AliasScanner scanner;
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(scanner);
  } catch (const LimitExceeded& e) {
    Origin origin;
    origin.file = file;
    if (e.mark.line >= 0) origin.line = e.mark.line + 1;
    if (e.mark.column >= 0) origin.column = e.mark.column + 1;
    return ConfigError{"", e.message, origin};
  } catch (const std::exception&) {
    return std::nullopt;  // a syntax error: the real parse reports it with its position
  }
  return std::nullopt;
}

}  // namespace wb::config
