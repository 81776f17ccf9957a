// `wb data …` as a user runs it: the real binary on generated folders and files.
#include <QtTest>

#include <sys/stat.h>

#include <fstream>

#include "cli_fixture.h"
#include "core/data/image_codec.h"

using namespace wbtest;

namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string png(int seed, int width = 6, int height = 5, int channels = 1) {
  wb::data::Image img;
  img.width = width;
  img.height = height;
  img.channels = channels;
  img.pixels.resize(static_cast<std::size_t>(width * height * channels));
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<std::uint8_t>(i * 5 + static_cast<std::size_t>(seed) * 17);
  return wb::data::encodePng(img).value();
}

}  // namespace

class TestCliData : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Fixture> m_f;

  WbResult wb(QStringList args) {
    args.prepend(m_f->root());
    args.prepend(QStringLiteral("-w"));
    return runWb(args);
  }

  fs::path imageFolder() {
    const fs::path root = m_f->path(QStringLiteral("shapes")).toStdString();
    int seed = 0;
    for (const char* cls : {"round", "square"})
      for (int i = 0; i < 10; ++i)
        writeFile(root / cls / ("s" + std::to_string(i) + ".png"), png(++seed));
    writeFile(root / "square" / "broken.png", png(99).substr(0, 20));
    return root;
  }

 private Q_SLOTS:
  void init() {
    m_f = makeFixture();
    QVERIFY(m_f);
  }

  void importListShowVersions() {
    const fs::path root = imageFolder();
    auto r = wb({QStringLiteral("data"), QStringLiteral("import"), qs(root), QStringLiteral("-n"),
                 QStringLiteral("shapes"), QStringLiteral("-m"), QStringLiteral("first")});
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("imported shapes@1: 20 samples"), r.out.constData());
    QVERIFY2(r.out.contains("square/broken.png"), r.out.constData());

    auto again = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("import"),
                     qs(root), QStringLiteral("-n"), QStringLiteral("shapes")});
    WB_VERIFY_RUN(again);
    WB_PARSE_OBJECT(j, again.out);
    QCOMPARE(j.value(QStringLiteral("unchanged")).toBool(), true);
    QCOMPARE(j.value(QStringLiteral("new_objects")).toInt(), 0);
    QCOMPARE(j.value(QStringLiteral("problems")).toArray().size(), 1);

    auto list = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("list")});
    WB_VERIFY_RUN(list);
    WB_PARSE_ARRAY(all, list.out);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all[0].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("shapes"));
    QCOMPARE(all[0].toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("images"));

    auto show = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("show"),
                    QStringLiteral("shapes@latest"), QStringLiteral("--samples"), QStringLiteral("3")});
    WB_VERIFY_RUN(show);
    WB_PARSE_OBJECT(s, show.out);
    QCOMPARE(s.value(QStringLiteral("samples")).toInt(), 20);
    QCOMPARE(s.value(QStringLiteral("sample_list")).toArray().size(), 3);
    const auto classes = s.value(QStringLiteral("stats")).toObject().value(QStringLiteral("classes")).toObject();
    QCOMPARE(classes.value(QStringLiteral("round")).toArray()[0].toInt(), 8);  // 80% of 10

    auto text = wb({QStringLiteral("data"), QStringLiteral("show"), QStringLiteral("shapes")});
    WB_VERIFY_RUN(text);
    QVERIFY2(text.out.contains("round") && text.out.contains("6x5"), text.out.constData());

    auto split = wb({QStringLiteral("data"), QStringLiteral("split"), QStringLiteral("shapes"),
                     QStringLiteral("--split"), QStringLiteral("50/50"), QStringLiteral("--seed"),
                     QStringLiteral("1")});
    WB_VERIFY_RUN(split);
    QVERIFY2(split.out.contains("shapes@2: 10/10/0"), split.out.constData());

    auto versions = wb({QStringLiteral("data"), QStringLiteral("versions"), QStringLiteral("shapes")});
    WB_VERIFY_RUN(versions);
    QVERIFY2(versions.out.contains("@2") && versions.out.contains("first"), versions.out.constData());

    auto diff = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("diff"),
                    QStringLiteral("shapes@1"), QStringLiteral("@2")});
    WB_VERIFY_RUN(diff);
    WB_PARSE_OBJECT(d, diff.out);
    QVERIFY(d.value(QStringLiteral("split_changed")).toArray().size() > 0);
    QCOMPARE(d.value(QStringLiteral("added")).toArray().size(), 0);
  }

  // One RGB photo among small gray images is imported, named as a warning by import and show.
  void oddShapeIsAWarning() {
    const fs::path root = m_f->path(QStringLiteral("odd")).toStdString();
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < 4; ++i) writeFile(root / cls / ("s" + std::to_string(i) + ".png"), png(i));
    writeFile(root / "a" / "0-photo.png", png(7, 32, 24, 3));
    auto r = wb({QStringLiteral("data"), QStringLiteral("import"), qs(root), QStringLiteral("-n"),
                 QStringLiteral("odd")});
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("imported odd@1: 9 samples"), r.out.constData());
    QVERIFY2(r.out.contains("1 warning(s)") && r.out.contains("a/0-photo.png: 32x24 RGB"),
             r.out.constData());
    auto show = wb({QStringLiteral("data"), QStringLiteral("show"), QStringLiteral("odd")});
    WB_VERIFY_RUN(show);
    QVERIFY2(show.out.contains("dominant  6x5 gray; 1 sample(s) of another size/channels"),
             show.out.constData());
    QVERIFY2(show.out.contains("a/0-photo.png"), show.out.constData());
  }

  void checkoutAndVerify() {
    const fs::path root = imageFolder();
    WB_VERIFY_RUN(wb({QStringLiteral("data"), QStringLiteral("import"), qs(root), QStringLiteral("-n"),
                      QStringLiteral("shapes")}));
    const QString out = m_f->path(QStringLiteral("checkout"));
    auto co = wb({QStringLiteral("data"), QStringLiteral("checkout"), QStringLiteral("shapes@1"), out});
    WB_VERIFY_RUN(co);
    QVERIFY(QFile::exists(out + QStringLiteral("/round/s1.png")));
    QVERIFY(QFile::exists(out + QStringLiteral("/labels.csv")));
    QVERIFY(!QFile::exists(out + QStringLiteral("/square/broken.png")));
    auto again = wb({QStringLiteral("data"), QStringLiteral("checkout"), QStringLiteral("shapes@1"), out});
    QVERIFY(!again.ok());
    QVERIFY2(again.err.contains("not empty"), again.err.constData());

    WB_VERIFY_RUN(wb({QStringLiteral("data"), QStringLiteral("verify")}));
    // Corrupt one object of the store behind Workbench's back.
    fs::path victim;
    for (auto& e : fs::recursive_directory_iterator(m_f->ws.objectsDir()))
      if (e.is_regular_file() && e.file_size() < 1000) victim = e.path();
    QVERIFY(!victim.empty());
    ::chmod(victim.c_str(), 0644);
    writeFile(victim, "garbage");
    auto bad = wb({QStringLiteral("data"), QStringLiteral("verify"), QStringLiteral("shapes")});
    QCOMPARE(bad.exit_code, 1);
    QVERIFY2(bad.out.contains("1 problem") || bad.err.contains("corrupt"), bad.describe().constData());
  }

  void tableAndTextImports() {
    const fs::path csv = m_f->path(QStringLiteral("houses.tsv")).toStdString();
    writeFile(csv, "rooms\tarea\tprice\n3\t70.5\t210.5\n4\t90\t300.25\n2\t40\t120\n5\t120\t410.75\n"
                   "3\t\t220\n1\t25\n");
    auto r = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("import"), qs(csv),
                 QStringLiteral("-n"), QStringLiteral("houses"), QStringLiteral("--target"),
                 QStringLiteral("price"), QStringLiteral("--task"), QStringLiteral("regression")});
    WB_VERIFY_RUN(r);
    WB_PARSE_OBJECT(j, r.out);
    QCOMPARE(j.value(QStringLiteral("samples")).toInt(), 5);
    QCOMPARE(j.value(QStringLiteral("problems")).toArray().size(), 1);  // the ragged last row

    const fs::path jsonl = m_f->path(QStringLiteral("news.jsonl")).toStdString();
    writeFile(jsonl, "{\"title\":\"Calm markets today\",\"label\":\"real\"}\n"
                     "{\"title\":\"SHOCKING secret revealed\",\"label\":\"fake\"}\nnot json\n");
    auto t = wb({QStringLiteral("data"), QStringLiteral("import"), qs(jsonl), QStringLiteral("-n"),
                 QStringLiteral("news"), QStringLiteral("--text-columns"), QStringLiteral("title")});
    WB_VERIFY_RUN(t);
    QVERIFY2(t.out.contains("news@1: 2 samples") && t.out.contains("news.jsonl:3"), t.out.constData());
  }

  void errorsAreOneClearLine() {
    struct Case {
      QStringList args;
      QByteArray expected;
    };
    const fs::path csv = m_f->path(QStringLiteral("t.csv")).toStdString();
    writeFile(csv, "a,b\n1,x\n");
    const std::vector<Case> cases = {
        {{QStringLiteral("data"), QStringLiteral("import"), QStringLiteral("/no/such/dir"),
          QStringLiteral("-n"), QStringLiteral("x")},
         "no such file or folder"},
        {{QStringLiteral("data"), QStringLiteral("import"), qs(csv), QStringLiteral("-n"),
          QStringLiteral("bad name")},
         "dataset name"},
        {{QStringLiteral("data"), QStringLiteral("import"), qs(csv), QStringLiteral("-n"),
          QStringLiteral("t"), QStringLiteral("--target"), QStringLiteral("zzz")},
         "no column named 'zzz'"},
        {{QStringLiteral("data"), QStringLiteral("show"), QStringLiteral("nothing@1")},
         "no such dataset"},
        {{QStringLiteral("data"), QStringLiteral("split"), QStringLiteral("t"), QStringLiteral("--split"),
          QStringLiteral("a/b")},
         "ratios"},
        {{QStringLiteral("data"), QStringLiteral("frobnicate")}, "unknown command 'frobnicate'"},
    };
    for (const auto& c : cases) {
      auto r = wb(c.args);
      QVERIFY2(!r.ok(), r.describe().constData());
      QVERIFY2(r.err.contains(c.expected), r.describe().constData());
      QVERIFY2(isOneLine(r.err), r.describe().constData());
    }
    // A version that does not exist names the latest one.
    WB_VERIFY_RUN(wb({QStringLiteral("data"), QStringLiteral("import"), qs(csv), QStringLiteral("-n"),
                      QStringLiteral("t")}));
    auto missing = wb({QStringLiteral("data"), QStringLiteral("show"), QStringLiteral("t@7")});
    QVERIFY(!missing.ok());
    QVERIFY2(missing.err.contains("latest is 1"), missing.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestCliData)
#include "tst_cli_data.moc"
