// Unit tests of the content-addressed object store.
#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>

#include "core/common/files.h"
#include "core/objects/object_store.h"
#include "test_support.h"

namespace fs = std::filesystem;
using wb::objects::ObjectStore;

namespace {

constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string sha256(const std::string& bytes) {
  return QCryptographicHash::hash(QByteArray::fromStdString(bytes), QCryptographicHash::Sha256)
      .toHex()
      .toStdString();
}

// Deterministic pseudo-random bytes.
std::string bytesOf(std::size_t size, quint32 seed) {
  QRandomGenerator gen(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(gen.generate() & 0xff);
  return out;
}

// Regular files under root, wherever they are (objects and any temporary leftovers).
std::vector<fs::path> filesUnder(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

std::size_t tempFiles(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(root / "tmp", ec)) return 0;
  return filesUnder(root / "tmp").size();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

class TestObjects : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();

  void putBufferRoundTrip();
  void putEmpty();
  void putFileRoundTrip();
  void putFileErrors();
  void dedup();
  void corruptObjectDetected();
  void truncatedObjectReplacedByPut();
  void missingAndInvalidIds();
  void verifyAllReportsStrayFilesAndCancels();
  void concurrentWriters();
  void isValidId_data();
  void isValidId();
  void writeFileAtomicConcurrentWriters();
  void writeFileAtomicErrorLeavesNoTemp();

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
  fs::path m_root;
};

void TestObjects::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  m_root = fs::path(m_dir->path().toStdString()) / "objects";
}

void TestObjects::cleanup() {
  // Objects are read-only; make them removable again.
  std::error_code ec;
  for (const auto& f : filesUnder(m_root))
    fs::permissions(f, fs::perms::owner_write, fs::perm_options::add, ec);
  m_dir.reset();
}

void TestObjects::putBufferRoundTrip() {
  ObjectStore store(m_root);
  auto id = store.put(std::string("abc"));
  WB_VERIFY_OK(id);
  QCOMPARE(*id, std::string(kAbcSha256));
  QCOMPARE(wb::objects::sha256Hex("abc", 3), std::string(kAbcSha256));
  QVERIFY(store.exists(*id));
  QCOMPARE(store.pathOf(*id), m_root / "ba" / std::string(kAbcSha256).substr(2));
  QVERIFY(fs::is_regular_file(store.pathOf(*id)));
  auto bytes = store.read(*id);
  WB_VERIFY_OK(bytes);
  QCOMPARE(*bytes, std::string("abc"));
  auto size = store.size(*id);
  WB_VERIFY_OK(size);
  QCOMPARE(*size, std::uint64_t(3));
  WB_VERIFY_OK(store.verify(*id));
  // Immutable: nobody may write to a stored object.
  const auto perms = fs::status(store.pathOf(*id)).permissions();
  QVERIFY((perms & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) ==
          fs::perms::none);

  // Binary content with NULs round-trips too.
  const std::string binary("a\0b\0\xff\x00", 6);
  auto bid = store.put(binary.data(), binary.size());
  WB_VERIFY_OK(bid);
  QCOMPARE(*bid, sha256(binary));
  auto back = store.read(*bid);
  WB_VERIFY_OK(back);
  QCOMPARE(*back, binary);
  QCOMPARE(tempFiles(m_root), std::size_t(0));
}

void TestObjects::putEmpty() {
  ObjectStore store(m_root);
  auto id = store.put(std::string());
  WB_VERIFY_OK(id);
  QCOMPARE(*id, std::string(kEmptySha256));
  WB_VERIFY_OK(store.verify(*id));
  auto bytes = store.read(*id);
  WB_VERIFY_OK(bytes);
  QVERIFY(bytes->empty());
}

void TestObjects::putFileRoundTrip() {
  ObjectStore store(m_root);
  // Bigger than the 1 MiB I/O block, and not a multiple of it.
  const std::string content = bytesOf(3 * (1 << 20) + 12345, 42);
  const fs::path source = fs::path(m_dir->path().toStdString()) / "weights.bin";
  writeFile(source, content);
  auto file_hash = wb::objects::sha256File(source);
  WB_VERIFY_OK(file_hash);
  QCOMPARE(*file_hash, sha256(content));

  auto id = store.putFile(source);
  WB_VERIFY_OK(id);
  QCOMPARE(*id, sha256(content));
  auto back = store.read(*id);
  WB_VERIFY_OK(back);
  QVERIFY(*back == content);
  auto size = store.size(*id);
  WB_VERIFY_OK(size);
  QCOMPARE(*size, std::uint64_t(content.size()));
  WB_VERIFY_OK(store.verify(*id));
  QVERIFY(fs::exists(source));  // the source is copied, not moved
  QCOMPARE(tempFiles(m_root), std::size_t(0));

  // The same content put as a buffer is the same object.
  auto again = store.put(content);
  WB_VERIFY_OK(again);
  QCOMPARE(*again, *id);
}

void TestObjects::putFileErrors() {
  ObjectStore store(m_root);
  auto missing = store.putFile(fs::path(m_dir->path().toStdString()) / "nope.bin");
  QVERIFY(!missing);
  QVERIFY2(contains(missing.error().text(), "nope.bin"), missing.error().text().c_str());
  QVERIFY(!wb::objects::sha256File(fs::path(m_dir->path().toStdString()) / "nope.bin"));
  QCOMPARE(tempFiles(m_root), std::size_t(0));
}

void TestObjects::dedup() {
  ObjectStore store(m_root);
  const std::string content = bytesOf(100'000, 7);
  auto first = store.put(content);
  WB_VERIFY_OK(first);
  const auto files_after_first = filesUnder(m_root).size();
  QCOMPARE(files_after_first, std::size_t(1));
  struct stat before {};
  QCOMPARE(::stat(store.pathOf(*first).c_str(), &before), 0);

  auto second = store.put(content);
  WB_VERIFY_OK(second);
  QCOMPARE(*second, *first);
  const fs::path source = fs::path(m_dir->path().toStdString()) / "same.bin";
  writeFile(source, content);
  auto third = store.putFile(source);
  WB_VERIFY_OK(third);
  QCOMPARE(*third, *first);
  QCOMPARE(filesUnder(m_root).size(), files_after_first);      // nothing new written
  // Nor rewritten (the same file, not a replacement); only its time is refreshed, which
  // tells gc a writer is about to refer to it again.
  struct stat after {};
  QCOMPARE(::stat(store.pathOf(*first).c_str(), &after), 0);
  QCOMPARE(after.st_ino, before.st_ino);
  QCOMPARE(after.st_size, before.st_size);

  auto other = store.put(content + "x");
  WB_VERIFY_OK(other);
  QVERIFY(*other != *first);
  QCOMPARE(filesUnder(m_root).size(), files_after_first + 1);
}

void TestObjects::corruptObjectDetected() {
  ObjectStore store(m_root);
  auto good = store.put(std::string("good content"));
  WB_VERIFY_OK(good);
  const std::string content = bytesOf(5000, 3);
  auto bad = store.put(content);
  WB_VERIFY_OK(bad);
  auto report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->checked, std::size_t(2));
  QVERIFY(report->problems.empty());
  QCOMPARE(report->bytes, std::uint64_t(12 + 5000));

  // Flip one byte in place: same size, different content.
  const fs::path path = store.pathOf(*bad);
  QCOMPARE(::chmod(path.c_str(), 0644), 0);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2500);
    f.put(static_cast<char>(content[2500] ^ 0x01));
  }
  QCOMPARE(fs::file_size(path), std::uintmax_t(5000));

  auto st = store.verify(*bad);
  QVERIFY(!st);
  QVERIFY2(contains(st.error().text(), "corrupt"), st.error().text().c_str());
  QVERIFY2(contains(st.error().text(), *bad), st.error().text().c_str());
  WB_VERIFY_OK(store.verify(*good));

  report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->checked, std::size_t(2));
  QCOMPARE(report->problems.size(), std::size_t(1));
  QCOMPARE(report->problems[0].object_id, *bad);
  QVERIFY2(contains(report->problems[0].reason, "corrupt"), report->problems[0].reason.c_str());
}

void TestObjects::truncatedObjectReplacedByPut() {
  ObjectStore store(m_root);
  const std::string content = bytesOf(10'000, 11);
  auto id = store.put(content);
  WB_VERIFY_OK(id);
  const fs::path path = store.pathOf(*id);
  QCOMPARE(::chmod(path.c_str(), 0644), 0);
  fs::resize_file(path, 4096);  // as after a crash mid-copy by some other tool
  QVERIFY(!store.verify(*id));
  auto report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->problems.size(), std::size_t(1));

  auto again = store.put(content);
  WB_VERIFY_OK(again);
  QCOMPARE(*again, *id);
  WB_VERIFY_OK(store.verify(*id));
  auto back = store.read(*id);
  WB_VERIFY_OK(back);
  QVERIFY(*back == content);

  // The same through putFile.
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(path, 10);
  const fs::path source = fs::path(m_dir->path().toStdString()) / "content.bin";
  writeFile(source, content);
  auto from_file = store.putFile(source);
  WB_VERIFY_OK(from_file);
  WB_VERIFY_OK(store.verify(*id));
  QCOMPARE(tempFiles(m_root), std::size_t(0));
}

void TestObjects::missingAndInvalidIds() {
  ObjectStore store(m_root);
  const std::string absent(64, 'a');
  QVERIFY(!store.exists(absent));
  auto st = store.verify(absent);
  QVERIFY(!st);
  QVERIFY2(contains(st.error().text(), "missing"), st.error().text().c_str());
  QVERIFY(!store.read(absent));
  QVERIFY(!store.size(absent));
  for (const std::string& bad :
       std::vector<std::string>{"", "abc", "../../etc/passwd", std::string(64, 'G')}) {
    QVERIFY(!store.exists(bad));
    QVERIFY(!store.verify(bad));
    QVERIFY(!store.read(bad));
  }
  // An empty or absent store verifies as empty.
  auto report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->checked, std::size_t(0));
}

void TestObjects::verifyAllReportsStrayFilesAndCancels() {
  ObjectStore store(m_root);
  for (int i = 0; i < 5; ++i) WB_VERIFY_OK(store.put("object " + std::to_string(i)));
  fs::create_directories(m_root / "zz");
  writeFile(m_root / "zz" / "not-an-object", "stray");
  auto report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->checked, std::size_t(6));
  QCOMPARE(report->problems.size(), std::size_t(1));
  QVERIFY2(contains(report->problems[0].reason, "stray"), report->problems[0].reason.c_str());

  std::vector<std::pair<std::size_t, std::size_t>> calls;
  auto all = store.verifyAll([&](std::size_t done, std::size_t total) {
    calls.emplace_back(done, total);
    return true;
  });
  WB_VERIFY_OK(all);
  QVERIFY(!calls.empty());
  QCOMPARE(calls.back(), (std::pair<std::size_t, std::size_t>(6, 6)));

  int seen = 0;
  auto cancelled = store.verifyAll([&](std::size_t, std::size_t) { return ++seen < 3; });
  QVERIFY(!cancelled);
  QVERIFY2(contains(cancelled.error().text(), "cancelled"), cancelled.error().text().c_str());
  QCOMPARE(seen, 3);
}

void TestObjects::concurrentWriters() {
  ObjectStore store(m_root);  // root does not exist yet: folders are created concurrently too
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  const std::string shared = bytesOf(1 << 20, 99);
  const std::string shared_id = sha256(shared);
  const fs::path source = fs::path(m_dir->path().toStdString()) / "shared.bin";
  writeFile(source, shared);
  std::vector<std::string> own(kThreads);
  std::vector<std::string> own_ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    own[t] = bytesOf(200'000 + t, 1000 + t);
    own_ids[t] = sha256(own[t]);
  }

  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int r = 0; r < kRounds; ++r) {
        // Half the threads store the shared content from a file, half from memory.
        auto a = (t % 2) ? store.putFile(source) : store.put(shared);
        auto b = store.put(own[t]);
        if (!a || *a != shared_id) {
          ++failures;
          errors[t] = a ? "wrong id " + *a : a.error().text();
        }
        if (!b || *b != own_ids[t]) {
          ++failures;
          errors[t] = b ? "wrong id " + *b : b.error().text();
        }
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) QVERIFY2(errors[t].empty(), errors[t].c_str());
  QCOMPARE(failures.load(), 0);

  auto report = store.verifyAll();
  WB_VERIFY_OK(report);
  QCOMPARE(report->checked, std::size_t(kThreads + 1));
  QVERIFY(report->problems.empty());
  auto back = store.read(shared_id);
  WB_VERIFY_OK(back);
  QVERIFY(*back == shared);
  QCOMPARE(tempFiles(m_root), std::size_t(0));
  QCOMPARE(filesUnder(m_root).size(), std::size_t(kThreads + 1));
}

void TestObjects::isValidId_data() {
  QTest::addColumn<QString>("id");
  QTest::addColumn<bool>("valid");
  QTest::newRow("sha256 of abc") << QString::fromLatin1(kAbcSha256) << true;
  QTest::newRow("empty") << QString() << false;
  QTest::newRow("63 chars") << QString::fromLatin1(kAbcSha256).left(63) << false;
  QTest::newRow("65 chars") << QString::fromLatin1(kAbcSha256) + QLatin1Char('0') << false;
  QTest::newRow("upper case") << QString::fromLatin1(kAbcSha256).toUpper() << false;
  QTest::newRow("path") << QStringLiteral("../") + QString::fromLatin1(kAbcSha256).mid(3) << false;
}

void TestObjects::isValidId() {
  QFETCH(QString, id);
  QFETCH(bool, valid);
  QCOMPARE(ObjectStore::isValidId(id.toStdString()), valid);
}

// Bug: writeFileAtomic always wrote through `<path>.part`, so two writers of one file
// truncated each other's temp file and one rename failed or published mixed bytes. Every
// write must succeed, every read must see one writer's complete bytes, and no temp file may
// be left behind.
void TestObjects::writeFileAtomicConcurrentWriters() {
  const fs::path dir = fs::path(m_dir->path().toStdString()) / "settings";
  const fs::path target = dir / "state.json";
  constexpr int kWriters = 8, kRounds = 40;
  constexpr std::size_t kSize = 48 * 1024;
  auto contentOf = [](int writer) { return std::string(kSize, static_cast<char>('A' + writer)); };
  std::atomic<int> failures{0}, torn{0};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      std::ifstream in(target, std::ios::binary);
      if (!in) continue;
      const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (got.size() != kSize || got.find_first_not_of(got.front()) != std::string::npos) ++torn;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      const std::string bytes = contentOf(w);
      for (int i = 0; i < kRounds; ++i)
        if (!wb::writeFileAtomic(target, bytes)) ++failures;
    });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  QCOMPARE(failures.load(), 0);
  QCOMPARE(torn.load(), 0);
  auto final_bytes = wb::readFileBytes(target);
  WB_VERIFY_OK(final_bytes);
  QCOMPARE(final_bytes->size(), kSize);
  QVERIFY(final_bytes->find_first_not_of(final_bytes->front()) == std::string::npos);
  QCOMPARE(filesUnder(dir), std::vector<fs::path>{target});
}

void TestObjects::writeFileAtomicErrorLeavesNoTemp() {
  const fs::path dir = fs::path(m_dir->path().toStdString()) / "w";
  fs::create_directories(dir / "taken" / "child");  // a folder where the file should go
  const auto st = wb::writeFileAtomic(dir / "taken", "bytes");
  QVERIFY(!st);
  QVERIFY2(contains(st.error().text(), "taken"), st.error().text().c_str());
  QCOMPARE(filesUnder(dir), std::vector<fs::path>{});
  QVERIFY(wb::isAtomicWriteTemp(dir / ".x.0123456789ab.wbtmp"));
  QVERIFY(!wb::isAtomicWriteTemp(dir / "x.json"));
}

QTEST_GUILESS_MAIN(TestObjects)
#include "tst_objects.moc"
