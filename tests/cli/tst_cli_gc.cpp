// `wb gc` as a user runs it: the real binary on real workspaces. Pins the review findings
// "nothing ever deletes an object" (every epoch orphaned a checkpoint, `runs rm` deleted rows
// only) and "a killed import leaves orphan objects (gc must find them)".
#include <QtTest>

#include <csignal>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>

#include "cli_fixture.h"
#include "core/common/clock.h"
#include "core/data/image_codec.h"
#include "core/objects/object_store.h"

using namespace wbtest;

namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Noise compresses badly: every file is a real ~7 KB PNG to decode, hash and store.
std::string noisePng(std::mt19937& gen) {
  wb::data::Image img = wb::data::Image::zeros(48, 48, 3);
  for (auto& p : img.pixels) p = static_cast<std::uint8_t>(gen());
  return wb::data::encodePng(img).value();
}

void ageObjects(const fs::path& objects_dir, double seconds) {
  const auto t = static_cast<time_t>(wb::unixNow() - seconds);
  const timespec times[2] = {{t, 0}, {t, 0}};
  for (const auto& e : fs::recursive_directory_iterator(objects_dir))
    if (e.is_regular_file()) ::utimensat(AT_FDCWD, e.path().c_str(), times, 0);
}

std::size_t objectFiles(const fs::path& objects_dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(objects_dir, ec)) {
    const std::string dir = e.path().parent_path().filename().string();
    n += e.is_regular_file() && dir.size() == 2;
  }
  return n;
}

}  // namespace

class TestCliGc : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Fixture> m_f;

  WbResult wb(QStringList args) {
    args.prepend(m_f->root());
    args.prepend(QStringLiteral("-w"));
    return runWb(args);
  }

 private Q_SLOTS:
  void init() {
    m_f = makeFixture();
    QVERIFY(m_f);
  }

  // A run's checkpoint is kept; the previous epoch's orphaned one and a deleted run's
  // artifact go. The dry run changes nothing and reports what the real run then frees.
  void dryRunThenGc() {
    const fs::path file = m_f->path(QStringLiteral("model.pt")).toStdString();
    writeFile(file, std::string(5000, 'k'));
    const std::string keep = m_f->run("keeper", "Default", RunStatus::Finished);
    const std::string gone = m_f->run("deleted", "Default", RunStatus::Finished);
    WB_VERIFY_RUN(wb({QStringLiteral("log"), QStringLiteral("artifact"), qs(keep), qs(file)}));
    writeFile(file, std::string(7000, 'd'));
    WB_VERIFY_RUN(wb({QStringLiteral("log"), QStringLiteral("artifact"), qs(gone), qs(file)}));
    wb::objects::ObjectStore store(m_f->ws.objectsDir());
    auto orphan = store.put(std::string(3000, 'o'));  // last epoch's last.pt
    QVERIFY(orphan.ok());
    WB_VERIFY_RUN(wb({QStringLiteral("runs"), QStringLiteral("rm"), qs(gone)}));
    ageObjects(m_f->ws.objectsDir(), 2 * 3600);

    auto dry = wb({QStringLiteral("--json"), QStringLiteral("gc"), QStringLiteral("--dry-run")});
    WB_VERIFY_RUN(dry);
    WB_PARSE_OBJECT(preview, dry.out);
    QCOMPARE(preview.value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(preview.value(QStringLiteral("unreferenced")).toInt(), 2);
    QCOMPARE(preview.value(QStringLiteral("unreferenced_bytes")).toInt(), 7000 + 3000);
    QCOMPARE(objectFiles(m_f->ws.objectsDir()), std::size_t(3));

    auto text = wb({QStringLiteral("gc"), QStringLiteral("--dry-run")});
    WB_VERIFY_RUN(text);
    QVERIFY2(text.out.contains("Would remove 2 unreferenced objects"), text.out.constData());

    auto real = wb({QStringLiteral("gc")});
    WB_VERIFY_RUN(real);
    QVERIFY2(real.out.contains("Removed 2 unreferenced objects"), real.out.constData());
    QCOMPARE(objectFiles(m_f->ws.objectsDir()), std::size_t(1));
    QVERIFY(!store.exists(*orphan));
    auto show = wb({QStringLiteral("--json"), QStringLiteral("runs"), QStringLiteral("show"), qs(keep)});
    WB_VERIFY_RUN(show);

    auto after = wb({QStringLiteral("--json"), QStringLiteral("gc"), QStringLiteral("--dry-run")});
    WB_VERIFY_RUN(after);
    WB_PARSE_OBJECT(again, after.out);
    QCOMPARE(again.value(QStringLiteral("unreferenced")).toInt(), 0);
    QCOMPARE(again.value(QStringLiteral("missing")).toInt(), 0);
  }

  // Objects just written are not touched without --grace: a running process may be about
  // to refer to them.
  void youngObjectsKeptByDefault() {
    wb::objects::ObjectStore store(m_f->ws.objectsDir());
    auto fresh = store.put(std::string("written a moment ago"));
    QVERIFY(fresh.ok());
    auto r = wb({QStringLiteral("gc")});
    WB_VERIFY_RUN(r);
    QVERIFY2(r.out.contains("Kept 1 unreferenced object"), r.out.constData());
    QVERIFY(store.exists(*fresh));
  }

  // A `wb data import` killed with SIGKILL mid-way leaves objects no version refers to
  // (and perhaps temp files); gc finds and removes them and the workspace still verifies.
  void killedImportLeftoversCollected() {
    std::mt19937 gen(7);
    const fs::path kept_src = m_f->path(QStringLiteral("kept")).toStdString();
    for (int i = 0; i < 6; ++i)
      writeFile(kept_src / (i % 2 ? "a" : "b") / ("k" + std::to_string(i) + ".png"), noisePng(gen));
    WB_VERIFY_RUN(wb({QStringLiteral("data"), QStringLiteral("import"), qs(kept_src),
                      QStringLiteral("-n"), QStringLiteral("kept")}));
    const std::size_t kept_objects = objectFiles(m_f->ws.objectsDir());
    QCOMPARE(kept_objects, std::size_t(7));  // 6 samples and the manifest

    const fs::path big = m_f->path(QStringLiteral("big")).toStdString();
    for (int i = 0; i < 6000; ++i)
      writeFile(big / (i % 2 ? "odd" : "even") / ("img" + std::to_string(i) + ".png"), noisePng(gen));
    WbCall call{{QStringLiteral("-w"), m_f->root(), QStringLiteral("data"), QStringLiteral("import"),
                 qs(big), QStringLiteral("-n"), QStringLiteral("big"), QStringLiteral("--threads"),
                 QStringLiteral("1")},
                {}, {}, {}};
    auto proc = startWb(call);
    QVERIFY(proc->waitForStarted(10'000));
    QElapsedTimer waited;
    waited.start();
    while (objectFiles(m_f->ws.objectsDir()) < kept_objects + 100 && waited.elapsed() < 60'000 &&
           proc->state() == QProcess::Running)
      QTest::qWait(2);
    QVERIFY2(proc->state() == QProcess::Running, "the import ended before it could be killed");
    ::kill(static_cast<pid_t>(proc->processId()), SIGKILL);
    auto killed = finishWb(*proc, call, 10'000);
    QCOMPARE(killed.exit_status, QProcess::CrashExit);
    const std::size_t leftovers = objectFiles(m_f->ws.objectsDir()) - kept_objects;
    QVERIFY(leftovers >= 100);

    auto list = wb({QStringLiteral("--json"), QStringLiteral("data"), QStringLiteral("list")});
    WB_VERIFY_RUN(list);
    QVERIFY2(!list.out.contains("\"big\""), list.out.constData());  // nothing was committed

    auto dry = wb({QStringLiteral("--json"), QStringLiteral("gc"), QStringLiteral("--dry-run"),
                   QStringLiteral("--grace"), QStringLiteral("0")});
    WB_VERIFY_RUN(dry);
    WB_PARSE_OBJECT(preview, dry.out);
    QVERIFY2(preview.value(QStringLiteral("unreferenced")).toInt() >= int(leftovers), dry.out.constData());
    auto r = wb({QStringLiteral("--json"), QStringLiteral("gc"), QStringLiteral("--grace"), QStringLiteral("0")});
    WB_VERIFY_RUN(r);
    WB_PARSE_OBJECT(done, r.out);
    QCOMPARE(done.value(QStringLiteral("unreferenced")).toInt(), preview.value(QStringLiteral("unreferenced")).toInt());
    QCOMPARE(objectFiles(m_f->ws.objectsDir()), kept_objects);
    const fs::path tmp = m_f->ws.objectsDir() / "tmp";
    QVERIFY(!fs::exists(tmp) || fs::is_empty(tmp));
    WB_VERIFY_RUN(wb({QStringLiteral("data"), QStringLiteral("verify")}));
  }
};

QTEST_GUILESS_MAIN(TestCliGc)
#include "tst_cli_gc.moc"
