// The CLI reads and writes numbers the same under any locale, even when the process has called
// setlocale (as anything built on Qt does): `wb` runs here with LC_ALL=de_DE.UTF-8 and a
// preloaded library that calls setlocale(LC_ALL, ""). Pins the bug where `wb log metric`
// parsed with std::stod and tables printed with "%.6g" (0.01 read as an error or printed
// "0,01" under a comma-decimal locale).
#include <QRegularExpression>
#include <QtTest>

#include <clocale>

#include "cli_fixture.h"
#include "core/data/importer.h"

using namespace wbtest;

class TestCliLocale : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Fixture> m_f;

  // wb in the workspace under de_DE with setlocale called in the process.
  WbResult german(QStringList args) {
    args.prepend(m_f->root());
    args.prepend(QStringLiteral("-w"));
    return runWb(WbCall{args, {}, {},
                        {QStringLiteral("LC_ALL=de_DE.UTF-8"),
                         QStringLiteral("LD_PRELOAD=" WB_SETLOCALE_PRELOAD)}});
  }

  static bool hasDecimalComma(const QByteArray& text) {
    return QRegularExpression(QStringLiteral("\\d,\\d")).match(QString::fromUtf8(text)).hasMatch();
  }

 private Q_SLOTS:
  void initTestCase() {
    // The locale must exist, or the preload changes nothing and the test proves nothing.
    QVERIFY2(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr, "de_DE.UTF-8 is not installed");
    std::setlocale(LC_ALL, "C");
  }

  void init() {
    m_f = makeFixture();
    QVERIFY(m_f);
  }

  void logMetricReadsAPointUnderGermanLocale() {
    const auto id = m_f->run("r");
    auto r = german({QStringLiteral("log"), QStringLiteral("metric"), QStringLiteral("r"),
                     QStringLiteral("x=0.01"), QStringLiteral("y=-2.5e-3"), QStringLiteral("--epoch"),
                     QStringLiteral("1.5")});
    WB_VERIFY_RUN(r);
    const auto x = m_f->series(id, "x");
    QCOMPARE(x.size(), std::size_t(1));
    QVERIFY(same(x[0].value, 0.01));
    QVERIFY(same(x[0].epoch, 1.5));
    QVERIFY(same(m_f->series(id, "y").at(0).value, -2.5e-3));
    // Read back by `runs show --json`: the same number.
    auto show = german({QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("r")});
    WB_VERIFY_RUN(show);
    WB_PARSE_OBJECT(j, show.out);
    QCOMPARE(j.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("x")).toObject()
                 .value(QStringLiteral("last")).toDouble(), 0.01);
  }

  void sharedParserRulesApply() {
    m_f->run("r");
    // The shared parser's rules: no hexadecimal (std::stod read 0x10 as 16), no spaces; the
    // non-finite spellings loggers write are accepted.
    for (const char* bad : {"x=0x10", "x= 1", "x=1,5"}) {
      auto r = german({QStringLiteral("log"), QStringLiteral("metric"), QStringLiteral("r"), QString::fromLatin1(bad)});
      QVERIFY2(!r.ok() && r.err.contains("not a number"), r.describe().constData());
    }
    auto ok = german({QStringLiteral("log"), QStringLiteral("metric"), QStringLiteral("r"), QStringLiteral("a=nan"),
                      QStringLiteral("b=-inf"), QStringLiteral("c=+5")});
    WB_VERIFY_RUN(ok);
  }

  void tablesPrintDecimalPoints() {
    const auto a = m_f->run("cmp-a", "Default", RunStatus::Finished);
    const auto b = m_f->run("cmp-b", "Default", RunStatus::Finished);
    QVERIFY(m_f->log(a, "val/loss", {{1, 1, 1, 0.5}, {2, 2, 2, 0.25}}));
    QVERIFY(m_f->log(b, "val/loss", {{1, 1, 1, 0.6}, {2, 2, 2, 0.20}}));
    auto list = german({QStringLiteral("runs"), QStringLiteral("list")});
    WB_VERIFY_RUN(list);
    QVERIFY2(list.out.contains("val/loss=0.25") && !hasDecimalComma(list.out), list.out.constData());
    auto show = german({QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("cmp-a")});
    WB_VERIFY_RUN(show);
    QVERIFY2(show.out.contains("0.25") && !hasDecimalComma(show.out), show.out.constData());
    auto cmp = german({QStringLiteral("runs"), QStringLiteral("compare"), QStringLiteral("cmp-a"),
                       QStringLiteral("cmp-b"), QStringLiteral("--metric"), QStringLiteral("val/loss")});
    WB_VERIFY_RUN(cmp);
    // "-0.05 under cmp-a (0.25), -20.0%"
    QVERIFY2(cmp.out.contains("-20.0%") && !hasDecimalComma(cmp.out), cmp.out.constData());
    auto csv = german({QStringLiteral("metrics"), QStringLiteral("export"), QStringLiteral("cmp-b"), QStringLiteral("--csv")});
    WB_VERIFY_RUN(csv);
    QVERIFY2(csv.out.contains(",0.2\n"), csv.out.constData());
  }

  void dataSizesAndDurationsPrintDecimalPoints() {
    auto r = german({QStringLiteral("data"), QStringLiteral("import"),
                     QString::fromStdString((fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv").string()),
                     QStringLiteral("--name"), QStringLiteral("iris")});
    WB_VERIFY_RUN(r);
    // "… 4.6 KB read in 0.0s"
    QVERIFY2(QRegularExpression(QStringLiteral("\\d\\.\\d KB read in \\d+\\.\\ds"))
                 .match(QString::fromUtf8(r.out)).hasMatch(),
             r.out.constData());
    auto list = german({QStringLiteral("data"), QStringLiteral("list")});
    WB_VERIFY_RUN(list);
    QVERIFY2(list.out.contains(" KB") && !hasDecimalComma(list.out), list.out.constData());
    auto show = german({QStringLiteral("data"), QStringLiteral("show"), QStringLiteral("iris")});
    WB_VERIFY_RUN(show);
    QVERIFY2(show.out.contains("5.84333") && !hasDecimalComma(show.out), show.out.constData());  // a mean
  }
};

QTEST_GUILESS_MAIN(TestCliLocale)
#include "tst_cli_locale.moc"
