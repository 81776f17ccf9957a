#include "core/train/classification_metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace wb::train {

ClassificationMetrics::ClassificationMetrics(int classes, int top_k)
    : m_classes(std::max(1, classes)),
      m_top_k(std::max(1, std::min(top_k, std::max(1, classes)))),
      m_confusion(static_cast<std::size_t>(m_classes) * static_cast<std::size_t>(m_classes), 0) {}

void ClassificationMetrics::reset() {
  m_count = m_correct = m_top_k_correct = 0;
  std::fill(m_confusion.begin(), m_confusion.end(), 0);
  m_scores.clear();
}

void ClassificationMetrics::add(int target, const int* ranked, int ranked_count,
                                double positive_score) {
  if (target < 0 || target >= m_classes || ranked_count < 1) return;
  const int predicted = ranked[0];
  ++m_count;
  if (predicted == target) ++m_correct;
  for (int k = 0; k < std::min(ranked_count, m_top_k); ++k)
    if (ranked[k] == target) {
      ++m_top_k_correct;
      break;
    }
  if (predicted >= 0 && predicted < m_classes)
    ++m_confusion[static_cast<std::size_t>(target) * m_classes + predicted];
  if (m_classes == 2 && positive_score >= 0 && std::isfinite(positive_score))
    m_scores.emplace_back(positive_score, target == 1 ? 1 : 0);
}

double ClassificationMetrics::accuracy() const {
  return m_count ? static_cast<double>(m_correct) / static_cast<double>(m_count) : 0.0;
}

double ClassificationMetrics::topK() const {
  return m_count ? static_cast<double>(m_top_k_correct) / static_cast<double>(m_count) : 0.0;
}

std::int64_t ClassificationMetrics::confusionAt(int target, int predicted) const {
  if (target < 0 || predicted < 0 || target >= m_classes || predicted >= m_classes) return 0;
  return m_confusion[static_cast<std::size_t>(target) * m_classes + predicted];
}

std::vector<double> ClassificationMetrics::precision() const {
  std::vector<double> out(m_classes, 0.0);
  for (int c = 0; c < m_classes; ++c) {
    std::int64_t predicted = 0;
    for (int t = 0; t < m_classes; ++t) predicted += confusionAt(t, c);
    out[c] = predicted ? static_cast<double>(confusionAt(c, c)) / static_cast<double>(predicted) : 0.0;
  }
  return out;
}

std::vector<double> ClassificationMetrics::recall() const {
  std::vector<double> out(m_classes, 0.0);
  for (int c = 0; c < m_classes; ++c) {
    std::int64_t actual = 0;
    for (int p = 0; p < m_classes; ++p) actual += confusionAt(c, p);
    out[c] = actual ? static_cast<double>(confusionAt(c, c)) / static_cast<double>(actual) : 0.0;
  }
  return out;
}

std::vector<double> ClassificationMetrics::f1() const {
  const auto p = precision();
  const auto r = recall();
  std::vector<double> out(m_classes, 0.0);
  for (int c = 0; c < m_classes; ++c) out[c] = p[c] + r[c] > 0 ? 2 * p[c] * r[c] / (p[c] + r[c]) : 0.0;
  return out;
}

namespace {
double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
}  // namespace

double ClassificationMetrics::macroPrecision() const { return mean(precision()); }
double ClassificationMetrics::macroRecall() const { return mean(recall()); }
double ClassificationMetrics::macroF1() const { return mean(f1()); }

Result<double> ClassificationMetrics::rocAuc() const {
  if (m_classes != 2) return makeError("ROC-AUC needs a binary task");
  std::int64_t positives = 0;
  for (const auto& s : m_scores) positives += s.second;
  const auto n = static_cast<std::int64_t>(m_scores.size());
  const std::int64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return makeError("ROC-AUC needs both classes present");
  // Mann-Whitney U with average ranks for ties.
  auto sorted = m_scores;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j].first == sorted[i].first) ++j;
    const double avg_rank = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
    for (std::size_t k = i; k < j; ++k)
      if (sorted[k].second) rank_sum += avg_rank;
    i = j;
  }
  const double p = static_cast<double>(positives), q = static_cast<double>(negatives);
  return (rank_sum - p * (p + 1) / 2.0) / (p * q);
}

std::string ClassificationMetrics::confusionJson(const std::vector<std::string>& labels) const {
  nlohmann::json j;
  j["classes"] = m_classes;
  j["labels"] = labels;
  nlohmann::json rows = nlohmann::json::array();
  for (int t = 0; t < m_classes; ++t) {
    nlohmann::json row = nlohmann::json::array();
    for (int p = 0; p < m_classes; ++p) row.push_back(confusionAt(t, p));
    rows.push_back(std::move(row));
  }
  j["matrix"] = std::move(rows);
  j["precision"] = precision();
  j["recall"] = recall();
  j["f1"] = f1();
  j["accuracy"] = accuracy();
  j["count"] = m_count;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void RegressionMetrics::reset() { *this = RegressionMetrics(); }

void RegressionMetrics::add(double target, double prediction) {
  ++m_count;
  const double e = prediction - target;
  m_abs += std::abs(e);
  m_sq += e * e;
  const double delta = target - m_mean;
  m_mean += delta / static_cast<double>(m_count);
  m_m2 += delta * (target - m_mean);
}

double RegressionMetrics::mae() const {
  return m_count ? m_abs / static_cast<double>(m_count) : 0.0;
}
double RegressionMetrics::rmse() const {
  return m_count ? std::sqrt(m_sq / static_cast<double>(m_count)) : 0.0;
}
double RegressionMetrics::r2() const {
  if (m_count == 0 || m_m2 <= 0) return 0.0;
  return 1.0 - m_sq / m_m2;
}

}  // namespace wb::train
