#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/config/config_node.h"
#include "core/config/experiment_config.h"

namespace wb::config {

/// One command-line override.
struct Override {
  enum class Kind {
    Invalid,
    Set,       // key=value: the key must exist (in the config or the schema)
    Add,       // +key=value: the key must not exist yet
    ForceSet,  // ++key=value: set or add
    Delete,    // ~key: the key must exist
  };
  Kind kind = Kind::Invalid;
  std::string key;                 // dotted path
  std::vector<ConfigNode> values;  // parsed YAML; more than one = multirun ("a=1,2")
  std::string text;                // as typed, for messages
  Origin origin;  // where it was written when not on the command line (a sweep parameter)

  bool isMultirun() const { return values.size() > 1; }
};

/// Parses "key=value", "a.b=[1,2]", "+new.key=v", "++k=v", "~key". Values are YAML
/// ("1e-3" is a number, "'1'" a string); a comma outside brackets and quotes makes a multirun
/// override with several values ("optim.lr=0.1,0.01").
Result<Override> parseOverride(std::string_view text);

/// Applies one single-valued override to TREE; problems (missing key with "did you mean",
/// existing key for '+') are appended to ERRORS with the override as their origin.
/// Keys the schema knows count as existing even when the tree lacks them.
bool applyOverride(ConfigNode& tree, const Override& override_, std::vector<ConfigError>& errors);

/// Where configs live and how file names show in messages.
struct ComposeOptions {
  std::filesystem::path configs_dir;   // groups: configs_dir/<group>/<option>.yaml
  std::filesystem::path display_root;  // messages show paths relative to this; default
                                       // configs_dir's parent (the workspace root)
  /// The primary's text when it is not (yet) on disk, as in an editor with unsaved changes;
  /// the primary path then only names it in messages and anchors relative lookups.
  std::optional<std::string> primary_text;
};

/// A composed config tree, before schema validation.
struct ComposedConfig {
  ConfigNode tree;                   // defaults merged, single-valued overrides applied
  std::vector<Override> multirun;    // overrides with several values, not applied
  std::vector<std::string> sources;  // files loaded, in merge order (display names)
};

/// Hydra-style composition of PRIMARY: its `defaults:` list pulls group files
/// (`{model: lenet}` -> configs_dir/model/lenet.yaml into key `model`, a plain name
/// -> configs_dir/<name>.yaml at the top level, `_self_` places the primary's own values;
/// without `_self_` they come last and win). Group files may have their own defaults
/// (relative to their group folder). An override `group=option` naming a defaults group picks
/// another option. Then the single-valued OVERRIDES are applied in order.
/// All problems are collected (and appended to ERRORS when given).
Result<ComposedConfig> composeConfig(const std::filesystem::path& primary,
                                     const std::vector<std::string>& overrides,
                                     const ComposeOptions& options,
                                     std::vector<ConfigError>* errors = nullptr);

/// The same with overrides already parsed (sweep expansion passes its values this way).
Result<ComposedConfig> composeConfig(const std::filesystem::path& primary,
                                     const std::vector<Override>& overrides,
                                     const ComposeOptions& options,
                                     std::vector<ConfigError>* errors = nullptr);

/// Composes and validates one run's config. Multirun overrides are an error here (see
/// expandSweep); a `sweep:` block is ignored (the base config is returned).
Result<ExperimentConfig> loadExperimentConfig(const std::filesystem::path& primary,
                                              const std::vector<std::string>& overrides,
                                              const ComposeOptions& options,
                                              std::vector<ConfigError>* errors = nullptr);

}  // namespace wb::config
