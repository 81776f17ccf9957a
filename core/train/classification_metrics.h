#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace wb::train {

/// Accumulates predictions of a classifier over an epoch and derives the usual metrics.
/// Pure C++ (no LibTorch): the trainer feeds it argmax/top-k results and probabilities.
class ClassificationMetrics {
 public:
  explicit ClassificationMetrics(int classes, int top_k = 5);

  /// One sample: its true class, the predicted classes in descending score order (at least
  /// one), and for binary tasks the positive-class probability (for ROC-AUC; NaN = none).
  void add(int target, const int* ranked, int ranked_count, double positive_score = -1);
  void reset();

  int classes() const { return m_classes; }
  std::int64_t count() const { return m_count; }
  double accuracy() const;
  double topK() const;  // fraction whose target is within the first top_k ranked
  int topKValue() const { return m_top_k; }
  /// Per class: NaN-free (0 when undefined, as scikit-learn's zero_division=0).
  std::vector<double> precision() const;
  std::vector<double> recall() const;
  std::vector<double> f1() const;
  double macroPrecision() const;
  double macroRecall() const;
  double macroF1() const;
  /// Row = true class, column = predicted class.
  const std::vector<std::int64_t>& confusion() const { return m_confusion; }
  std::int64_t confusionAt(int target, int predicted) const;
  /// Binary only, with scores given; ties handled by average ranks. Error when undefined
  /// (one class absent, or not binary).
  Result<double> rocAuc() const;

  /// {"classes": n, "labels": [...], "matrix": [[...]], "precision": [...], ...} as JSON
  /// text: stored as the run's confusion-matrix artifact.
  std::string confusionJson(const std::vector<std::string>& labels) const;

 private:
  int m_classes;
  int m_top_k;
  std::int64_t m_count = 0;
  std::int64_t m_correct = 0;
  std::int64_t m_top_k_correct = 0;
  std::vector<std::int64_t> m_confusion;
  std::vector<std::pair<double, int>> m_scores;  // (positive score, is positive)
};

/// Mean absolute error, root mean squared error and R² of a regression.
class RegressionMetrics {
 public:
  void add(double target, double prediction);
  void reset();
  std::int64_t count() const { return m_count; }
  double mae() const;
  double rmse() const;
  double r2() const;  // 1 - SS_res / SS_tot; 0 when the targets are constant

 private:
  std::int64_t m_count = 0;
  double m_abs = 0, m_sq = 0;
  // Welford for the targets' variance: stable for large values.
  double m_mean = 0, m_m2 = 0;
};

}  // namespace wb::train
