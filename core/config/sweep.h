#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/config/compose.h"
#include "core/config/config_node.h"
#include "core/config/experiment_config.h"

namespace wb::config {

/// `sweep.method`. Bayes proposes each run from the results so far (a Tree-structured Parzen
/// Estimator, as Hyperopt and Optuna use), after a few random start-up runs.
enum class SweepMethod { Unknown, Grid, Random, Bayes };
/// `sweep.parameters.<key>.distribution`.
enum class Distribution { Unknown, Categorical, Uniform, LogUniform, IntUniform };
/// `sweep.metric.goal`.
enum class MetricGoal { Unknown, Minimize, Maximize };

/// One swept key: a list of values (or one constant), or a distribution over [min, max].
struct SweepParameter {
  std::string key;                 // dotted config key ("optim.lr") or a defaults group ("model")
  std::vector<ConfigNode> values;  // Categorical: `values:`, or `value:` as one value
  Distribution distribution = Distribution::Categorical;
  double min = 0;  // Uniform/LogUniform/IntUniform; LogUniform takes the values themselves
  double max = 0;  // (W&B's log_uniform_values), 0 < min < max
  Origin origin;
};

/// A `sweep:` block in W&B's shape.
struct SweepSpec {
  SweepMethod method = SweepMethod::Unknown;
  std::string metric_name;  // empty when absent
  MetricGoal goal = MetricGoal::Minimize;
  std::vector<SweepParameter> parameters;  // in file order
  int run_cap = 0;                         // 0 = no cap (grid only)
  std::optional<std::uint64_t> seed;       // default: trainer.seed
};

/// Validates a `sweep:` block (unknown keys with "did you mean", distributions, ranges).
Result<SweepSpec> parseSweep(const ConfigNode& block, std::vector<ConfigError>* errors = nullptr);

/// One run of a sweep: its validated config and the values that make it differ.
struct SweepChild {
  int index = 0;  // 0-based position in the sweep
  ExperimentConfig config;
  std::map<std::string, std::string> params;  // swept key -> value text ("optim.lr" -> "0.01")
  std::vector<std::string> overrides;         // the same as override strings ("optim.lr=0.01")
};

/// The sweep a config describes: the `sweep:` block (if any) plus multirun overrides
/// ("optim.lr=0.1,0.01", which add grid dimensions, or categorical choices under random).
/// Grid: the cartesian product, the first parameter varying slowest, cut at run_cap. Random:
/// run_cap samples from a seeded, platform-independent generator (sweep.seed, else
/// trainer.seed). Bayes: the same random samples, of which only the start-up runs are final
/// (proposeSweepChild chooses the rest from results). Each child is the base config with its values applied and re-validated;
/// errors from all children are collected. A config without sweep or multirun gives one child.
Result<std::vector<SweepChild>> expandSweep(const std::filesystem::path& primary,
                                            const std::vector<std::string>& overrides,
                                            const ComposeOptions& options,
                                            std::vector<ConfigError>* errors = nullptr);

/// A finished child of a bayes sweep: its swept values (as in SweepChild::params, or the
/// run's params) and its value of the sweep's metric (NaN when it has none).
struct SweepObservation {
  std::map<std::string, std::string> params;
  double value = 0;
};

/// How many of a bayes sweep's first runs are random start-up runs: run_cap / 3, at least
/// 2 (or run_cap, if smaller) and at most 10.
std::size_t bayesStartupRuns(std::size_t run_cap);

/// The child at `index` (0-based). Bayes: a start-up run (or any run while fewer than two
/// results are in) is the one expandSweep lists at that index; later runs take, per swept
/// key, the candidate with the best ratio of the good runs' density (the best quarter on the
/// sweep's metric and goal) to the others', seeded from the sweep's seed and the index.
/// Grid and random: expandSweep's child at `index`.
Result<SweepChild> proposeSweepChild(const std::filesystem::path& primary,
                                     const std::vector<std::string>& overrides,
                                     const ComposeOptions& options, std::size_t index,
                                     const std::vector<SweepObservation>& observations,
                                     std::vector<ConfigError>* errors = nullptr);

/// How many children expandSweep would make, without composing them.
Result<std::size_t> countSweep(const std::filesystem::path& primary,
                               const std::vector<std::string>& overrides,
                               const ComposeOptions& options,
                               std::vector<ConfigError>* errors = nullptr);

/// SplitMix64: the same 64-bit stream on every platform and compiler.
class SweepRng {
 public:
  explicit SweepRng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform01();
  /// Uniform integer in [lo, hi], unbiased (rejection sampling).
  std::int64_t uniformInt(std::int64_t lo, std::int64_t hi);

 private:
  std::uint64_t m_state;
};

}  // namespace wb::config
