// Datasets: importers (with bad input), manifests, versions, diff, checkout, verify, splits.
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <zlib.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/common/numbers.h"
#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/data/split.h"
#include "core/data/versioning.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace wb::data;

namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A small image whose pixels depend on seed, so files differ.
std::string pngBytes(int seed, int w = 8, int h = 8, int channels = 1) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  img.pixels.resize(static_cast<std::size_t>(w * h * channels));
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<std::uint8_t>((i * 7 + static_cast<std::size_t>(seed) * 31) % 251);
  auto png = encodePng(img);
  return png ? *png : std::string();
}

std::string jpegBytes(int seed, int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  img.channels = 3;
  img.pixels.resize(static_cast<std::size_t>(w * h * 3));
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<std::uint8_t>((i + static_cast<std::size_t>(seed) * 13) % 256);
  auto jpg = encodeJpeg(img, 90);
  return jpg ? *jpg : std::string();
}

std::string idxBytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                     const std::string& payload) {
  std::string out;
  auto be = [&](std::uint32_t v) {
    out += static_cast<char>((v >> 24) & 0xff);
    out += static_cast<char>((v >> 16) & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
    out += static_cast<char>(v & 0xff);
  };
  be(magic);
  for (auto d : dims) be(d);
  return out + payload;
}

void writeGzip(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::set<std::string> problemPaths(const std::vector<ImportProblem>& problems) {
  std::set<std::string> out;
  for (const auto& p : problems) out.insert(p.path);
  return out;
}

std::string reasonFor(const std::vector<ImportProblem>& problems, const std::string& path) {
  for (const auto& p : problems)
    if (p.path == path) return p.reason;
  return {};
}

}  // namespace

class TestDatasets : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::optional<wb::Workspace> m_ws;
  int m_counter = 0;

  fs::path dir(const std::string& name) { return fs::path(m_tmp.path().toStdString()) / name; }

  wb::Workspace& freshWorkspace() {
    auto ws = wb::Workspace::create(dir("ws" + std::to_string(++m_counter)));
    if (!ws) qFatal("%s", ws.error().text().c_str());
    m_ws = *ws;
    return *m_ws;
  }

  // 3 classes × n images, plus the bad files every image import must survive.
  fs::path makeImageFolder(const std::string& name, int n) {
    const fs::path root = dir(name);
    int seed = 0;
    for (const char* cls : {"cat", "dog", "bird"})
      for (int i = 0; i < n; ++i)
        writeFile(root / cls / ("img" + std::to_string(i) + ".png"), pngBytes(++seed));
    writeFile(root / "dog" / "nested" / "deep.jpg", jpegBytes(3, 12, 10));  // nested + RGB + other size
    return root;
  }

  wb::Result<ImportResult> import(const ImportOptions& o) { return importDataset(*m_ws, o); }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_tmp.isValid()); }

  void imageFolderImportReportsBadFiles() {
    freshWorkspace();
    const fs::path root = makeImageFolder("imgs", 10);
    const std::string good = pngBytes(99);
    writeFile(root / "cat" / "truncated.png", good.substr(0, good.size() / 2));
    const std::string jpg = jpegBytes(5, 32, 32);
    writeFile(root / "dog" / "truncated.jpg", jpg.substr(0, jpg.size() - 200));
    writeFile(root / "dog" / "garbage.png", "this is not an image at all");
    writeFile(root / "dog" / "empty.jpg", "");
    writeFile(root / "bird" / "notes.txt", "hello");
    fs::create_directories(root / "fish");  // an empty class
    fs::create_symlink(root / "missing-target.png", root / "cat" / "dangling.png");
    writeFile(root / "stray.png", pngBytes(7));  // not inside a class folder

    ImportOptions o;
    o.dataset = "pets";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(31));
    QCOMPARE(r->version.version, 1);
    const auto paths = problemPaths(r->problems);
    for (const char* p : {"cat/truncated.png", "dog/truncated.jpg", "dog/garbage.png",
                          "dog/empty.jpg", "bird/notes.txt", "fish/", "cat/dangling.png",
                          "stray.png"})
      QVERIFY2(paths.count(p), p);
    QCOMPARE(r->problems.size(), std::size_t(8));
    QVERIFY(reasonFor(r->problems, "dog/empty.jpg").find("empty") != std::string::npos);
    QVERIFY(reasonFor(r->problems, "fish/").find("empty class") != std::string::npos);
    QVERIFY(!reasonFor(r->problems, "cat/truncated.png").empty());

    auto db = m_ws->connect();
    WB_VERIFY_OK(db);
    DatasetRepository repo(**db);
    auto v = repo.resolve("pets@latest");
    WB_VERIFY_OK(v);
    QCOMPARE(v->sample_count, std::int64_t(31));
    QCOMPARE(v->problem_count, std::int64_t(8));
    auto m = loadManifest(*m_ws, *v);
    WB_VERIFY_OK(m);
    QCOMPARE(m->classes, (std::vector<std::string>{"bird", "cat", "dog"}));
    QCOMPARE(m->problems.size(), std::size_t(8));
    const Sample* deep = nullptr;
    for (const auto& s : m->samples)
      if (s.key == "dog/nested/deep.jpg") deep = &s;
    QVERIFY(deep);
    QCOMPARE(deep->label, std::string("dog"));
    QCOMPARE(deep->width, 12);
    QCOMPARE(deep->height, 10);
    QCOMPARE(deep->channels, 3);
    // Copied into the object store under its content hash.
    QCOMPARE(wb::objects::sha256File(samplePath(*m_ws, *m, *deep)).value(), deep->hash);
  }

  void reimportCreatesNothingNew() {
    freshWorkspace();
    const fs::path root = makeImageFolder("same", 5);
    ImportOptions o;
    o.dataset = "same";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    auto first = import(o);
    WB_VERIFY_OK(first);
    QCOMPARE(first->new_objects, std::size_t(16 + 1));  // images + manifest
    auto count = [&] {
      std::size_t n = 0;
      for (auto& e : fs::recursive_directory_iterator(m_ws->objectsDir()))
        if (e.is_regular_file()) ++n;
      return n;
    };
    const std::size_t objects_before = count();
    auto second = import(o);
    WB_VERIFY_OK(second);
    QVERIFY(second->unchanged);
    QCOMPARE(second->new_objects, std::size_t(0));
    QCOMPARE(second->version.version, 1);
    QCOMPARE(count(), objects_before);

    // One changed file: a new version, and only that file's object is new.
    writeFile(root / "cat" / "img0.png", pngBytes(1234));
    auto third = import(o);
    WB_VERIFY_OK(third);
    QVERIFY(!third->unchanged);
    QCOMPARE(third->version.version, 2);
    QCOMPARE(third->version.parent_version.value_or(0), 1);
    QCOMPARE(third->new_objects, std::size_t(2));
  }

  void labelsCsvImport() {
    freshWorkspace();
    const fs::path root = dir("flat");
    writeFile(root / "a.png", pngBytes(1));
    writeFile(root / "b.png", pngBytes(2));
    writeFile(root / "sub" / "c.png", pngBytes(3));
    writeFile(root / "unlisted.png", pngBytes(4));
    writeFile(dir("flat-labels.csv"),
              "path,label\na.png,yes\nb.png,no\nsub/c.png,yes\ngone.png,no\nb.png,\n");
    ImportOptions o;
    o.dataset = "flat";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    o.labels = dir("flat-labels.csv");
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(3));
    const auto paths = problemPaths(r->problems);
    QVERIFY(paths.count("unlisted.png"));
    QVERIFY(paths.count("gone.png"));
    auto db = m_ws->connect();
    DatasetRepository repo(**db);
    auto m = loadManifest(*m_ws, repo.resolve("flat").value());
    WB_VERIFY_OK(m);
    QCOMPARE(m->samples[2].key, std::string("sub/c.png"));
    QCOMPARE(m->samples[2].label, std::string("yes"));
  }

  void inPlaceTracksWithoutCopying() {
    freshWorkspace();
    const fs::path root = makeImageFolder("inplace", 4);
    ImportOptions o;
    o.dataset = "big";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    o.storage = Storage::InPlace;
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(13));
    QCOMPARE(r->new_objects, std::size_t(1));  // only the manifest
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QCOMPARE(samplePath(*m_ws, *m, m->samples[0]), fs::canonical(root) / m->samples[0].key);

    auto clean = verifyVersion(*m_ws, r->version);
    WB_VERIFY_OK(clean);
    QVERIFY(clean->problems.empty());
    // The user edits a tracked file: verify names it.
    writeFile(root / "cat" / "img1.png", pngBytes(777));
    fs::remove(root / "bird" / "img0.png");
    auto report = verifyVersion(*m_ws, r->version);
    WB_VERIFY_OK(report);
    QCOMPARE(report->problems.size(), std::size_t(2));
    const auto paths = problemPaths(report->problems);
    QVERIFY(paths.count("cat/img1.png"));
    QVERIFY(paths.count("bird/img0.png"));
  }

  void mnistRawAndGzip() {
    freshWorkspace();
    const int n = 30, rows = 28, cols = 28;
    std::string pixels, labels;
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < rows * cols; ++p) pixels += static_cast<char>((p * (i + 1)) % 256);
      labels += static_cast<char>(i % 10);
    }
    writeFile(dir("train-images-idx3-ubyte"),
              idxBytes(0x803, {std::uint32_t(n), std::uint32_t(rows), std::uint32_t(cols)}, pixels));
    writeGzip(dir("train-labels-idx1-ubyte.gz"), idxBytes(0x801, {std::uint32_t(n)}, labels));
    ImportOptions o;
    o.dataset = "mnist";
    o.format = SourceFormat::Mnist;
    o.source = dir("train-images-idx3-ubyte");
    o.labels = dir("train-labels-idx1-ubyte.gz");
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(n));
    QVERIFY(r->problems.empty());
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QCOMPARE(m->classes.size(), std::size_t(10));
    QCOMPARE(m->samples[7].label, std::string("7"));
    // The PNG object decodes back to the exact IDX pixels.
    auto img = readImageFile(samplePath(*m_ws, *m, m->samples[7]));
    WB_VERIFY_OK(img);
    QCOMPARE(img->width, cols);
    QCOMPARE(int(img->pixels[100]), (100 * 8) % 256);

    // Truncated images file: the complete images are kept and the problem is reported.
    const std::string full = readFile(dir("train-images-idx3-ubyte"));
    writeFile(dir("short-images-idx3-ubyte"), full.substr(0, full.size() - rows * cols * 5 - 10));
    o.dataset = "mnist-short";
    o.source = dir("short-images-idx3-ubyte");
    auto shortr = import(o);
    WB_VERIFY_OK(shortr);
    QCOMPARE(shortr->samples, std::size_t(n - 6));
    QVERIFY(!shortr->problems.empty());

    // Not IDX at all: a clear error.
    writeFile(dir("bogus-idx3-ubyte"), "not an idx file, definitely");
    o.dataset = "bogus";
    o.source = dir("bogus-idx3-ubyte");
    auto bad = import(o);
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.find("magic") != std::string::npos);
  }

  void tableImportWithRaggedRowsAndMissing() {
    freshWorkspace();
    writeFile(dir("t.csv"),
              "a;b;color;y\n1.5;2;red;0\n2.5;;blue;1\n3.5;4;red\n4.5;5;green;1\n5.5;6;red;0;extra\n"
              "6.5;7;blue;\n7.5;8;red;1\n");
    ImportOptions o;
    o.dataset = "tab";
    o.format = SourceFormat::Table;
    o.source = dir("t.csv");
    o.target_column = "y";
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(4));
    // Two ragged rows (lines 4 and 6) and one with a missing target (line 7).
    const auto paths = problemPaths(r->problems);
    QVERIFY(paths.count("t.csv:4"));
    QVERIFY(paths.count("t.csv:6"));
    QVERIFY(paths.count("t.csv:7"));
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QCOMPARE(int(m->task), int(Task::Classification));
    QCOMPARE(m->columns.size(), std::size_t(4));
    QCOMPARE(m->columns[1].missing, std::size_t(1));
    QCOMPARE(int(m->columns[0].type), int(ColumnType::Real));

    o.target_column = "nope";
    auto bad = import(o);
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.find("color") != std::string::npos);  // lists the columns
  }

  void irisIsAClassificationTable() {
    freshWorkspace();
    ImportOptions o;
    o.dataset = "iris";
    o.format = SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(150));
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QCOMPARE(m->target_column, std::string("species"));
    QCOMPARE(int(m->task), int(Task::Classification));
    const auto stats = ManifestStats::of(*m);
    for (const auto& [label, counts] : stats.class_split_counts) {
      QCOMPARE(counts[0], std::size_t(40));
      QCOMPARE(counts[1], std::size_t(5));
      QCOMPARE(counts[2], std::size_t(5));
    }
  }

  void textImportCsvAndJsonl() {
    freshWorkspace();
    std::string csv = "id,title,body,label\n1,Markets rise,\"Stocks, bonds up\",real\n"
                      "2,You won't believe,\"Click \"\"here\"\"\",fake\n3,,,real\n";
    csv += "4,Bad \xff\xfe bytes,body,fake\n5,Rates hold,Central bank waits,real\n";
    writeFile(dir("news.csv"), csv);
    ImportOptions o;
    o.dataset = "news";
    o.format = SourceFormat::Text;
    o.source = dir("news.csv");
    o.text_columns = {"title", "body"};
    o.key_column = "id";
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(3));
    const auto paths = problemPaths(r->problems);
    QVERIFY(paths.count("news.csv:4"));  // empty text
    QVERIFY(paths.count("news.csv:5"));  // invalid UTF-8
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QCOMPARE(m->text_columns, (std::vector<std::string>{"title", "body"}));
    QCOMPARE(m->samples[1].key, std::string("2"));
    QCOMPARE(m->samples[1].values[2], std::string("Click \"here\""));

    writeFile(dir("news.jsonl"),
              "{\"text\": \"first headline\", \"label\": \"real\"}\n{broken json\n"
              "{\"text\": \"second one\", \"label\": \"fake\"}\n");
    o.dataset = "news-jsonl";
    o.source = dir("news.jsonl");
    o.text_columns = {};
    o.key_column = "";
    auto j = import(o);
    WB_VERIFY_OK(j);
    QCOMPARE(j->samples, std::size_t(2));
    QVERIFY(problemPaths(j->problems).count("news.jsonl:2"));
  }

  void diffReportsEveryKindOfChange() {
    freshWorkspace();
    const fs::path root = makeImageFolder("diff", 6);
    ImportOptions o;
    o.dataset = "d";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    auto v1 = import(o);
    WB_VERIFY_OK(v1);
    writeFile(root / "cat" / "new.png", pngBytes(500));        // added
    fs::remove(root / "dog" / "img0.png");                      // removed (key dog/img0.png)
    writeFile(root / "cat" / "img2.png", pngBytes(501));        // modified
    fs::create_directories(root / "dog");
    fs::rename(root / "bird" / "img3.png", root / "dog" / "moved.png");  // removed + added
    auto v2 = import(o);
    WB_VERIFY_OK(v2);
    auto m1 = loadManifest(*m_ws, v1->version);
    auto m2 = loadManifest(*m_ws, v2->version);
    WB_VERIFY_OK(m1);
    WB_VERIFY_OK(m2);
    const auto d = diffManifests(*m1, *m2);
    QCOMPARE(d.added, (std::vector<std::string>{"cat/new.png"}));
    QCOMPARE(d.removed, (std::vector<std::string>{"dog/img0.png"}));
    QCOMPARE(d.modified, (std::vector<std::string>{"cat/img2.png"}));
    // Moved to another class folder: a relabel.
    QCOMPARE(d.relabelled.size(), std::size_t(1));
    QCOMPARE(d.relabelled[0].key, std::string("dog/moved.png"));
    QCOMPARE(d.relabelled[0].from, std::string("bird"));
    QCOMPARE(d.relabelled[0].to, std::string("dog"));

    // Relabelling: same rows, one label changed, in a table keyed by its features.
    writeFile(dir("rl.csv"), "x,y\n1,a\n2,b\n3,a\n4,b\n");
    ImportOptions t;
    t.dataset = "rl";
    t.format = SourceFormat::Table;
    t.source = dir("rl.csv");
    t.target_column = "y";
    auto t1 = import(t);
    WB_VERIFY_OK(t1);
    writeFile(dir("rl.csv"), "x,y\n1,a\n2,a\n3,a\n4,b\n");
    auto t2 = import(t);
    WB_VERIFY_OK(t2);
    const auto dt = diffManifests(loadManifest(*m_ws, t1->version).value(),
                                  loadManifest(*m_ws, t2->version).value());
    QCOMPARE(dt.relabelled.size(), std::size_t(1));
    QVERIFY(dt.columns_added.empty() && dt.columns_removed.empty());
    QCOMPARE(dt.relabelled[0].from, std::string("b"));
    QCOMPARE(dt.relabelled[0].to, std::string("a"));
    QVERIFY(dt.added.empty());
    QVERIFY(dt.modified.empty());
  }

  void addedColumnsDoNotModifyEveryRow() {
    freshWorkspace();
    writeFile(dir("cols.csv"), "id,x,y\n1,10,a\n2,20,b\n3,30,a\n");
    ImportOptions t;
    t.dataset = "cols";
    t.format = SourceFormat::Table;
    t.source = dir("cols.csv");
    t.target_column = "y";
    t.key_column = "id";
    auto t1 = import(t);
    WB_VERIFY_OK(t1);
    writeFile(dir("cols.csv"), "id,note,x,y\n1,hi,10,a\n2,yo,21,b\n3,ok,30,a\n");
    auto t2 = import(t);
    WB_VERIFY_OK(t2);
    const auto d = diffManifests(loadManifest(*m_ws, t1->version).value(),
                                 loadManifest(*m_ws, t2->version).value());
    QCOMPARE(d.columns_added, (std::vector<std::string>{"note"}));
    QCOMPARE(d.modified, (std::vector<std::string>{"2"}));
  }

  void resplitMakesANewVersionWithSplitChanges() {
    freshWorkspace();
    ImportOptions o;
    o.dataset = "iris";
    o.format = SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    auto v1 = import(o);
    WB_VERIFY_OK(v1);
    SplitSpec spec;
    spec.train = 0.6;
    spec.val = 0.2;
    spec.test = 0.2;
    spec.seed = 9;
    auto v2 = resplitDataset(*m_ws, "iris@1", spec, "");
    WB_VERIFY_OK(v2);
    QCOMPARE(v2->version.version, 2);
    QCOMPARE(v2->version.parent_version.value_or(0), 1);
    auto m2 = loadManifest(*m_ws, v2->version);
    WB_VERIFY_OK(m2);
    QCOMPARE(m2->split.seed, std::uint64_t(9));
    const auto st = ManifestStats::of(*m2);
    QCOMPARE(st.split_counts[0], std::size_t(90));
    QCOMPARE(st.split_counts[1], std::size_t(30));
    QCOMPARE(st.split_counts[2], std::size_t(30));
    const auto d = diffManifests(loadManifest(*m_ws, v1->version).value(), *m2);
    QVERIFY(!d.split_changed.empty());
    QVERIFY(d.added.empty() && d.removed.empty() && d.modified.empty());
    // The same split again changes nothing.
    auto again = resplitDataset(*m_ws, "iris@latest", spec, "");
    WB_VERIFY_OK(again);
    QVERIFY(again->unchanged);
  }

  void checkoutRoundTripAndCorruption() {
    freshWorkspace();
    const fs::path root = makeImageFolder("co", 3);
    ImportOptions o;
    o.dataset = "co";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    auto r = import(o);
    WB_VERIFY_OK(r);
    auto out = checkoutVersion(*m_ws, r->version, dir("co-out"));
    WB_VERIFY_OK(out);
    QCOMPARE(out->files, std::size_t(10 + 1));
    // Every file comes back byte for byte.
    for (auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      const auto rel = e.path().lexically_relative(root);
      QCOMPARE(readFile(dir("co-out") / rel), readFile(e.path()));
    }
    const std::string index = readFile(dir("co-out") / "labels.csv");
    QVERIFY(index.starts_with("path,label,split\n"));
    QVERIFY(index.find("dog/nested/deep.jpg,dog,") != std::string::npos);
    // A non-empty target is refused.
    QVERIFY(!checkoutVersion(*m_ws, r->version, dir("co-out")).ok());

    // Corrupt one stored object: verify names its sample, checkout refuses.
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    const fs::path victim = samplePath(*m_ws, *m, m->samples[4]);
    ::chmod(victim.c_str(), 0644);
    std::string bytes = readFile(victim);
    bytes[bytes.size() / 2] ^= 0x5a;
    writeFile(victim, bytes);
    auto report = verifyVersion(*m_ws, r->version);
    WB_VERIFY_OK(report);
    QCOMPARE(report->problems.size(), std::size_t(1));
    QCOMPARE(report->problems[0].path, m->samples[4].key);
    QVERIFY(report->problems[0].reason.find("corrupt") != std::string::npos);
    auto bad = checkoutVersion(*m_ws, r->version, dir("co-out2"));
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().context, m->samples[4].key);
    // Nothing is left behind: a retry finds the folder as it was.
    QVERIFY(!fs::exists(dir("co-out2")));
    for (auto& e : fs::directory_iterator(m_tmp.path().toStdString()))
      QVERIFY2(e.path().filename().string().find("wb-checkout") == std::string::npos,
               e.path().c_str());
  }

  void splitsAreDeterministicAndStratified() {
    std::vector<Sample> samples;
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 100 * (c + 1); ++i) {
        Sample s;
        s.key = "k" + std::to_string(c) + "_" + std::to_string(i);
        s.label = "c" + std::to_string(c);
        samples.push_back(s);
      }
    SplitSpec spec;  // 80/10/10, seed 42
    auto a = samples;
    assignSplits(a, spec);
    auto b = samples;
    std::reverse(b.begin(), b.end());
    assignSplits(b, spec);
    std::map<std::string, Split> by_key;
    for (const auto& s : a) by_key[s.key] = s.split;
    for (const auto& s : b) QCOMPARE(int(s.split), int(by_key[s.key]));  // order-independent
    std::map<std::string, std::array<int, 4>> counts;
    for (const auto& s : a) counts[s.label][static_cast<int>(s.split)]++;
    QCOMPARE(counts["c0"][0], 80);
    QCOMPARE(counts["c0"][1], 10);
    QCOMPARE(counts["c2"][0], 240);
    QCOMPARE(counts["c2"][2], 30);
    // Another seed gives another assignment.
    auto c = samples;
    spec.seed = 43;
    assignSplits(c, spec);
    int moved = 0;
    for (const auto& s : c) moved += s.split != by_key[s.key];
    QVERIFY(moved > 50);
    // Adding samples keeps most existing assignments.
    auto grown = samples;
    for (int i = 0; i < 10; ++i) {
      Sample extra;
      extra.key = "extra" + std::to_string(i);
      extra.label = "c0";
      grown.push_back(extra);
    }
    spec.seed = 42;
    assignSplits(grown, spec);
    int changed = 0;
    for (const auto& s : grown)
      if (by_key.count(s.key)) changed += s.split != by_key[s.key];
    QVERIFY2(changed < 10, qPrintable(QString::number(changed)));
  }

  void manySmallClassesStillFillEverySplit() {
    std::vector<Sample> samples;
    for (int c = 0; c < 100; ++c)
      for (int i = 0; i < 5; ++i) {
        Sample s;
        s.key = "c" + std::to_string(c) + "/" + std::to_string(i);
        s.label = "c" + std::to_string(c);
        samples.push_back(s);
      }
    assignSplits(samples, SplitSpec{});
    std::array<int, 4> counts{};
    for (const auto& s : samples) counts[static_cast<int>(s.split)]++;
    QCOMPARE(counts[0], 400);
    QCOMPARE(counts[1], 50);
    QCOMPARE(counts[2], 50);
  }

  void regressionTargetsAreNotStratified() {
    freshWorkspace();
    std::string csv = "x,price\n";
    for (int i = 0; i < 100; ++i) csv += std::to_string(i) + "," + wb::formatDouble(i * 1.37 + 0.5) + "\n";
    writeFile(dir("reg.csv"), csv);
    ImportOptions o;
    o.dataset = "reg";
    o.format = SourceFormat::Table;
    o.source = dir("reg.csv");
    o.task = Task::Regression;
    auto r = import(o);
    WB_VERIFY_OK(r);
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    QVERIFY(!m->split.stratify);
    const auto st = ManifestStats::of(*m);
    QCOMPARE(st.split_counts[0], std::size_t(80));
    QCOMPARE(st.split_counts[1], std::size_t(10));
    QCOMPARE(st.split_counts[2], std::size_t(10));
  }

  void duplicateKeysNeverCollide() {
    freshWorkspace();
    writeFile(dir("dup.csv"), "id,text,label\na,one,x\na,two,y\na#2,three,x\n");
    ImportOptions o;
    o.dataset = "dup";
    o.format = SourceFormat::Text;
    o.source = dir("dup.csv");
    o.text_columns = {"text"};
    o.key_column = "id";
    auto r = import(o);
    WB_VERIFY_OK(r);
    auto m = loadManifest(*m_ws, r->version);
    WB_VERIFY_OK(m);
    std::set<std::string> keys;
    for (const auto& s : m->samples) keys.insert(s.key);
    QCOMPARE(keys.size(), std::size_t(3));
  }

  void refsAndRatiosParse() {
    QCOMPARE(DatasetRef::parse("digits@3").value().version, 3);
    QCOMPARE(DatasetRef::parse("digits@v2").value().version, 2);
    QCOMPARE(DatasetRef::parse("digits@latest").value().version, 0);
    QCOMPARE(DatasetRef::parse("digits").value().name, std::string("digits"));
    QVERIFY(!DatasetRef::parse("digits@0").ok());
    QVERIFY(!DatasetRef::parse("bad name@1").ok());
    QVERIFY(!DatasetRef::parse("x@1.5").ok());
    auto r = parseSplitRatios("70/20/10");
    WB_VERIFY_OK(r);
    QVERIFY(std::abs(r->train - 0.7) < 1e-12);
    QVERIFY(std::abs(parseSplitRatios("80,20").value().test) < 1e-12);
    QVERIFY(!parseSplitRatios("a/b").ok());
    QVERIFY(!parseSplitRatios("0/0/0").ok());
    QVERIFY(!parseSplitRatios("1/2/3/4").ok());
  }

  void manifestRoundTripsThroughJson() {
    Manifest m;
    m.kind = DatasetKind::Text;
    m.task = Task::Classification;
    m.classes = {"fake", "real"};
    m.columns.push_back({"title", ColumnType::Text, 1, 3, 0, 0, 0, 0, {{"x", 2}}});
    m.target_column = "label";
    m.text_columns = {"title"};
    m.split.seed = 5;
    Sample s;
    s.key = "r1";
    s.hash = std::string(64, 'a');
    s.label = "real";
    s.split = Split::Val;
    s.size_bytes = 12;
    s.values = {"héllo, \"world\"", "real"};
    m.samples.push_back(s);
    m.problems.push_back({"f.csv:3", "row has 2 fields, expected 3"});
    auto back = Manifest::fromJson(m.toJson());
    WB_VERIFY_OK(back);
    QCOMPARE(back->toJson(), m.toJson());
    QCOMPARE(back->samples[0].values[0], s.values[0]);
    QCOMPARE(int(back->samples[0].split), int(Split::Val));
    QVERIFY(!Manifest::fromJson("{\"format\": 1").ok());
    QVERIFY(!Manifest::fromJson("{\"format\": 99, \"kind\": \"text\", \"samples\": []}").ok());
  }

  void aCorruptManifestIsReported() {
    freshWorkspace();
    writeFile(dir("m.csv"), "x,y\n1,a\n2,b\n");
    ImportOptions o;
    o.dataset = "m";
    o.format = SourceFormat::Table;
    o.source = dir("m.csv");
    auto r = import(o);
    WB_VERIFY_OK(r);
    const fs::path p = wb::objects::ObjectStore(m_ws->objectsDir()).pathOf(r->version.manifest_id);
    ::chmod(p.c_str(), 0644);
    writeFile(p, "{ garbage");
    auto m = loadManifest(*m_ws, r->version);
    QVERIFY(!m.ok());
    QVERIFY(m.error().text().find("corrupt") != std::string::npos);
    auto report = verifyVersion(*m_ws, r->version);
    WB_VERIFY_OK(report);
    QCOMPARE(report->problems.size(), std::size_t(1));
  }

  void removeRefusesDatasetsUsedByRuns() {
    auto& ws = freshWorkspace();
    writeFile(dir("u.csv"), "x,y\n1,a\n2,b\n");
    ImportOptions o;
    o.dataset = "used";
    o.format = SourceFormat::Table;
    o.source = dir("u.csv");
    auto r = import(o);
    WB_VERIFY_OK(r);
    auto db = ws.connect();
    WB_VERIFY_OK(db);
    WB_VERIFY_OK((*db)->exec(
        "INSERT INTO experiments(name, created_at) VALUES('e', 0);"
        "INSERT INTO runs(id, experiment_id, name, status, created_at) VALUES('r1', 1, 'n', "
        "'finished', 0)"));
    DatasetRepository repo(**db);
    WB_VERIFY_OK(repo.linkRun("r1", r->version.id, "train"));
    auto inputs = repo.runInputs("r1");
    WB_VERIFY_OK(inputs);
    QCOMPARE(inputs->size(), std::size_t(1));
    QCOMPARE((*inputs)[0].first.ref(), std::string("used@1"));
    QVERIFY(!repo.remove("used").ok());
    WB_VERIFY_OK((*db)->exec("DELETE FROM runs WHERE id = 'r1'"));
    WB_VERIFY_OK(repo.remove("used"));
    QVERIFY(!repo.resolve("used").ok());
  }
  // Issue 11, "one odd image decides the input shape": a 64x48 RGB photo that sorts first among
  // 8x8 gray digits. It is imported (not a problem), named in one warning with its shape, and
  // the version's stats carry the dominant shape the trainer uses.
  void oddImageShapeIsAWarningAndStatsCarryTheDominantShape() {
    auto& ws = freshWorkspace();
    const fs::path root = dir("odd-shape");
    int seed = 0;
    for (const char* cls : {"0", "1"})
      for (int i = 0; i < 5; ++i)
        writeFile(root / cls / ("d" + std::to_string(i) + ".png"), pngBytes(++seed));
    writeFile(root / "0" / "a-photo.jpg", jpegBytes(1, 64, 48));
    ImportOptions o;
    o.dataset = "digits";
    o.format = SourceFormat::ImageFolder;
    o.source = root;
    auto r = import(o);
    WB_VERIFY_OK(r);
    QCOMPARE(r->samples, std::size_t(11));
    QVERIFY(r->problems.empty());
    QCOMPARE(r->warnings.size(), std::size_t(1));
    QCOMPARE(r->warnings[0].path, std::string("0/a-photo.jpg"));
    QVERIFY2(r->warnings[0].reason.find("64x48 RGB") != std::string::npos, r->warnings[0].reason.c_str());
    QVERIFY2(r->warnings[0].reason.find("8x8 gray") != std::string::npos, r->warnings[0].reason.c_str());

    // Stored with the version: what `wb data show` and the trainer read.
    auto db = ws.connect();
    WB_VERIFY_OK(db);
    auto v = DatasetRepository(**db).resolve("digits@latest");
    WB_VERIFY_OK(v);
    const auto stats = nlohmann::json::parse(v->stats_json);
    QCOMPARE(stats.at("dominant_shape").at("width").get<int>(), 8);
    QCOMPARE(stats.at("dominant_shape").at("height").get<int>(), 8);
    QCOMPARE(stats.at("dominant_shape").at("channels").get<int>(), 1);
    QCOMPARE(stats.at("shape_warnings").get<int>(), 1);
    QCOMPARE(stats.at("shape_warning_list").at(0).at(0).get<std::string>(), std::string("0/a-photo.jpg"));
    QCOMPARE(v->problem_count, std::int64_t(0));

    // The same, derived again from the manifest (the GUI's summary does this).
    auto m = loadManifest(ws, *v);
    WB_VERIFY_OK(m);
    const auto again = ManifestStats::of(*m);
    QVERIFY(again.dominant_shape.has_value());
    QCOMPARE(toString(*again.dominant_shape), std::string("8x8 gray"));
    QCOMPARE(again.shape_warnings.size(), std::size_t(1));
  }

  // A tie between two shapes goes to the one with fewer pixels, whatever sorts first; tables
  // have no shape stats at all.
  void dominantShapeTieTakesTheSmallerShape() {
    Manifest m;
    m.kind = DatasetKind::Images;
    for (int i = 0; i < 4; ++i) {
      Sample s;
      s.key = "k" + std::to_string(i);
      s.width = i < 2 ? 10 : 20;  // 10x40 RGB sorts first (by key and by shape), has more pixels
      s.height = i < 2 ? 40 : 20;
      s.channels = i < 2 ? 3 : 1;
      m.samples.push_back(s);
    }
    const auto st = ManifestStats::of(m);
    QVERIFY(st.dominant_shape.has_value());
    QCOMPARE(toString(*st.dominant_shape), std::string("20x20 gray"));
    QCOMPARE(problemPaths(st.shape_warnings), (std::set<std::string>{"k0", "k1"}));
    m.kind = DatasetKind::Tabular;
    QVERIFY(!ManifestStats::of(m).dominant_shape.has_value());
    QVERIFY(ManifestStats::of(m).toJson().find("dominant_shape") == std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
