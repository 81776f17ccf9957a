// Numbers read and written as text must not depend on the process locale: the suite runs under
// LC_ALL=de_DE.UTF-8 (comma decimal), which Qt applies with setlocale() at start-up.
#include <QtTest>

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/common/numbers.h"
#include "core/common/text_format.h"
#include "core/data/split.h"
#include "core/metrics/run_comparison.h"
#include "test_support.h"

class TestNumbers : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    // The locale must really be active, or this suite would pass without testing anything.
    QVERIFY2(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr,
             "de_DE.UTF-8 is not installed (packaging/install-deps.sh generates it)");
    QCOMPARE(std::strtod("0.5", nullptr), 0.0);  // the C library now stops at the '.'
  }

  void parseDouble_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<double>("value");
    QTest::newRow("decimal") << "0.01" << true << 0.01;
    QTest::newRow("integer") << "32" << true << 32.0;
    QTest::newRow("negative") << "-2.5" << true << -2.5;
    QTest::newRow("plus") << "+5" << true << 5.0;
    QTest::newRow("exponent") << "1e-3" << true << 1e-3;
    QTest::newRow("leading point") << ".5" << true << 0.5;
    QTest::newRow("negative leading point") << "-.5" << true << -0.5;
    QTest::newRow("comma decimal") << "0,5" << false << 0.0;
    QTest::newRow("empty") << "" << false << 0.0;
    QTest::newRow("sign only") << "-" << false << 0.0;
    QTest::newRow("double sign") << "+-1" << false << 0.0;
    QTest::newRow("trailing text") << "1.5x" << false << 0.0;
    QTest::newRow("space") << " 1" << false << 0.0;
    QTest::newRow("hex") << "0x10" << false << 0.0;
    QTest::newRow("inf rejected") << "inf" << false << 0.0;
    QTest::newRow("overflow") << "1e999" << false << 0.0;
  }
  void parseDouble() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(double, value);
    const auto v = wb::parseDouble(text.toStdString());
    QCOMPARE(v.has_value(), ok);
    if (ok) QCOMPARE(*v, value);
  }

  void nonFinite() {
    QVERIFY(std::isinf(*wb::parseDouble("inf", wb::NonFinite::Accept)));
    QVERIFY(*wb::parseDouble("-Infinity", wb::NonFinite::Accept) < 0);
    QVERIFY(std::isnan(*wb::parseDouble("NaN", wb::NonFinite::Accept)));
    QVERIFY(!wb::parseDouble("infx", wb::NonFinite::Accept));
  }

  void parseInt() {
    QCOMPARE(*wb::parseInt("42"), 42);
    QCOMPARE(*wb::parseInt("-7"), -7);
    QCOMPARE(*wb::parseInt("+3"), 3);
    QVERIFY(!wb::parseInt("3.0"));
    QVERIFY(!wb::parseInt("++3"));
    QVERIFY(!wb::parseInt(""));
    QVERIFY(!wb::parseInt("99999999999999999999"));
  }

  void format() {
    QCOMPARE(wb::formatDouble(0.1), std::string("0.1"));
    QCOMPARE(wb::formatDouble(32.0), std::string("32"));
    QCOMPARE(wb::formatDouble(1e-5), std::string("1e-05"));
    QCOMPARE(wb::formatDouble(-INFINITY), std::string("-inf"));
    QCOMPARE(wb::formatFixed(3.14159, 2), std::string("3.14"));
    QCOMPARE(wb::formatFixed(2.5, 0), std::string("2"));  // round half to even, like printf
    QCOMPARE(wb::formatFixed(1234567.891, 1), std::string("1234567.9"));
    QCOMPARE(wb::formatGeneral(0.000123456789, 3), std::string("0.000123"));
    QCOMPARE(wb::formatGeneral(1234567.0, 3), std::string("1.23e+06"));
    QCOMPARE(wb::formatGeneral(0.5), std::string("0.5"));
  }

  void textFormat() {
    QCOMPARE(wb::formatDuration(4.25), std::string("4.2s"));
    QCOMPARE(wb::formatDuration(185), std::string("3m 05s"));
    QCOMPARE(wb::formatDuration(3720), std::string("1h 02m"));
    QCOMPARE(wb::formatDuration(-1), std::string("0.0s"));
    QCOMPARE(wb::formatBytes(512), std::string("512 B"));
    QCOMPARE(wb::formatBytes(1500000), std::string("1.5 MB"));
    QCOMPARE(wb::csvField("plain"), std::string("plain"));
    QCOMPARE(wb::csvField("a,b"), std::string("\"a,b\""));
    QCOMPARE(wb::csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
    QCOMPARE(wb::formatLocalTime(0), std::string("-"));
    QCOMPARE(wb::formatLocalTime(86400 * 365.0).size(), std::size_t(19));
  }

  // The parsers that went through strtod, under de_DE (set in initTestCase): run comparison read
  // "0.01" as no number (so "0.01" and "1e-2" differed and sweeps could not rank by a param),
  // and split ratios "0.8,0.2" were rejected.
  void formerStrtodParsersReadPointDecimals() {
    QCOMPARE(wb::metrics::parseNumber("0.01"), std::optional<double>(0.01));
    QVERIFY(wb::metrics::sameParamValue(std::string("0.01"), std::string("1e-2")));
    QVERIFY(!wb::metrics::sameParamValue(std::string("0.01"), std::string("0.1")));
    QVERIFY(!wb::metrics::parseNumber("0,01"));
    const auto split = wb::data::parseSplitRatios("0.8,0.2");
    WB_VERIFY_OK(split);
    QCOMPARE(split->train, 0.8);
    QCOMPARE(split->val, 0.2);
    QVERIFY(!wb::data::parseSplitRatios("0.8/-0.2").ok());
  }

  void roundTrip() {
    for (const double v : {0.1, 1.0 / 3.0, 6.02214076e23, -1e-300, 12345.678}) {
      const auto back = wb::parseDouble(wb::formatDouble(v));
      QVERIFY(back);
      QCOMPARE(*back, v);
    }
  }
};

QTEST_GUILESS_MAIN(TestNumbers)
#include "tst_numbers.moc"
