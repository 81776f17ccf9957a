// Training metrics checked against hand computations and scikit-learn's documented examples.
#include <QtTest>

#include <cmath>

#include "core/train/classification_metrics.h"
#include "test_support.h"

using wb::train::ClassificationMetrics;
using wb::train::RegressionMetrics;

namespace {
bool near(double a, double b, double eps = 1e-9) { return std::abs(a - b) <= eps; }
}  // namespace

class TestTrainMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void confusionPrecisionRecallF1() {
    ClassificationMetrics m(3, 2);
    const int targets[] = {0, 0, 1, 1, 2, 2};
    const int ranked[][2] = {{0, 1}, {1, 0}, {1, 2}, {1, 0}, {2, 1}, {0, 1}};
    for (int i = 0; i < 6; ++i) m.add(targets[i], ranked[i], 2);
    QCOMPARE(m.count(), std::int64_t(6));
    QVERIFY(near(m.accuracy(), 4.0 / 6.0));
    QCOMPARE(m.confusionAt(0, 1), std::int64_t(1));
    QCOMPARE(m.confusionAt(2, 0), std::int64_t(1));
    const auto p = m.precision(), r = m.recall(), f = m.f1();
    QVERIFY(near(p[0], 0.5) && near(p[1], 2.0 / 3.0) && near(p[2], 1.0));
    QVERIFY(near(r[0], 0.5) && near(r[1], 1.0) && near(r[2], 0.5));
    QVERIFY(near(f[0], 0.5) && near(f[1], 0.8) && near(f[2], 2.0 / 3.0));
    QVERIFY(near(m.macroF1(), (0.5 + 0.8 + 2.0 / 3.0) / 3.0));
    // Top-2: sample 5 (target 2, ranked 0,1) is the only miss.
    QVERIFY(near(m.topK(), 5.0 / 6.0));
    const std::string json = m.confusionJson({"a", "b", "c"});
    QVERIFY(json.find("\"matrix\":[[1,1,0],[0,2,0],[1,0,1]]") != std::string::npos);
    m.reset();
    QCOMPARE(m.count(), std::int64_t(0));
    QCOMPARE(m.confusionAt(0, 0), std::int64_t(0));
  }

  void undefinedPrecisionIsZero() {
    ClassificationMetrics m(3);
    const int zero[] = {0};
    m.add(0, zero, 1);
    m.add(1, zero, 1);
    QCOMPARE(m.precision()[1], 0.0);  // never predicted
    QCOMPARE(m.recall()[2], 0.0);     // never present
    QVERIFY(std::isfinite(m.macroF1()));
  }

  void rocAucMatchesScikitLearnExample() {
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    ClassificationMetrics m(2);
    const double scores[] = {0.1, 0.4, 0.35, 0.8};
    const int targets[] = {0, 0, 1, 1};
    for (int i = 0; i < 4; ++i) {
      const int ranked[] = {scores[i] >= 0.5 ? 1 : 0, scores[i] >= 0.5 ? 0 : 1};
      m.add(targets[i], ranked, 2, scores[i]);
    }
    auto auc = m.rocAuc();
    WB_VERIFY_OK(auc);
    QVERIFY(near(*auc, 0.75));

    ClassificationMetrics ties(2);
    const int r0[] = {0, 1};
    ties.add(0, r0, 2, 0.5);
    ties.add(1, r0, 2, 0.5);
    QVERIFY(near(ties.rocAuc().value(), 0.5));

    ClassificationMetrics one_class(2);
    one_class.add(1, r0, 2, 0.9);
    QVERIFY(!one_class.rocAuc().ok());
    QVERIFY(!ClassificationMetrics(3).rocAuc().ok());
  }

  void regressionMatchesScikitLearnExample() {
    // y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8]:
    // MAE 0.5, MSE 0.375, R² 0.9486081370449679 (scikit-learn documentation).
    RegressionMetrics m;
    const double t[] = {3, -0.5, 2, 7}, p[] = {2.5, 0.0, 2, 8};
    for (int i = 0; i < 4; ++i) m.add(t[i], p[i]);
    QVERIFY(near(m.mae(), 0.5));
    QVERIFY(near(m.rmse(), std::sqrt(0.375)));
    QVERIFY(near(m.r2(), 0.9486081370449679, 1e-12));
    RegressionMetrics constant;
    constant.add(1, 2);
    constant.add(1, 0);
    QCOMPARE(constant.r2(), 0.0);
  }
};

QTEST_GUILESS_MAIN(TestTrainMetrics)
#include "tst_train_metrics.moc"
