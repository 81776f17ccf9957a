// Unit tests of MetricsWriter (batching, chunking, summaries) and MetricsReader.
#include <QTemporaryDir>
#include <QTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "core/common/clock.h"
#include "core/metrics/confusion_artifact.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

using wb::store::Database;
using wb::store::MetricPoint;
using wb::store::MetricsReader;
using wb::store::MetricsWriter;
using wb::store::MetricsWriterOptions;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Exact equality, with NaN equal to NaN (QCOMPARE on doubles is fuzzy).
bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool samePoint(const MetricPoint& a, const MetricPoint& b) {
  return a.step == b.step && same(a.epoch, b.epoch) && same(a.wall_time, b.wall_time) &&
         same(a.value, b.value);
}

// Empty when equal, else a description of the first difference.
std::string diffSeries(const std::vector<MetricPoint>& actual,
                       const std::vector<MetricPoint>& expected) {
  if (actual.size() != expected.size())
    return "size " + std::to_string(actual.size()) + ", expected " +
           std::to_string(expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!samePoint(actual[i], expected[i]))
      return "point " + std::to_string(i) + ": step " + std::to_string(actual[i].step) + " value " +
             std::to_string(actual[i].value) + ", expected step " +
             std::to_string(expected[i].step) + " value " + std::to_string(expected[i].value);
  }
  return {};
}

#define WB_COMPARE_SERIES(actual, expected)                 \
  do {                                                      \
    const std::string wb_d_ = diffSeries(actual, expected); \
    QVERIFY2(wb_d_.empty(), wb_d_.c_str());                 \
  } while (false)

struct ChunkRow {
  std::int64_t first_step = 0, last_step = 0, count = 0, bytes = 0;
};

}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();

  void batchesBySizeWithoutFlush();
  void batchesBySizeBurst();
  void flushesByTime();
  void seriesExactValuesInOrder();
  void chunkTailMerge();
  void tailMergeAcrossWriters();
  void read3000PointsAcrossChunks();
  void readNewPointsReturnsExactlyTheNewPoints();
  void readNewPointsRejectsACorruptChunk();
  void confusionArtifactParses_data();
  void confusionArtifactParses();
  void confusionArtifactIsReadFromTheStore();
  void summaries();
  void summariesFilters();
  void bestUsesDirectionOfKey_data();
  void bestUsesDirectionOfKey();
  void lowerIsBetter_data();
  void lowerIsBetter();
  void seriesOfRunsAndKeysDoNotMix();
  void unknownSeriesIsEmpty();
  void pointsOfDeletedRunAreDropped();
  void heartbeat();
  void concurrentProducers();

 private:
  std::string newRun(const std::string& name = {});
  std::unique_ptr<MetricsWriter> openWriter(MetricsWriterOptions options = {});
  std::vector<ChunkRow> chunks(const std::string& run_id, const std::string& key);

  std::unique_ptr<QTemporaryDir> m_dir;
  wb::Workspace m_ws;
  std::unique_ptr<Database> m_db;  // the test's own connection, separate from the writers'
};

void TestMetrics::init() {
  m_dir = std::make_unique<QTemporaryDir>();
  QVERIFY(m_dir->isValid());
  auto ws = wb::Workspace::create(m_dir->path().toStdString());
  WB_VERIFY_OK(ws);
  m_ws = *ws;
  auto db = m_ws.connect();
  WB_VERIFY_OK(db);
  m_db = std::move(*db);
}

void TestMetrics::cleanup() {
  m_db.reset();
  m_dir.reset();
}

std::string TestMetrics::newRun(const std::string& name) {
  wb::store::RunRepository repo(*m_db);
  wb::store::NewRun spec;
  spec.name = name;
  auto run = repo.create(spec);
  return run ? run->id : std::string();
}

std::unique_ptr<MetricsWriter> TestMetrics::openWriter(MetricsWriterOptions options) {
  auto w = MetricsWriter::open(m_ws.dbPath(), std::move(options));
  if (!w) return nullptr;
  return std::move(*w);
}

std::vector<ChunkRow> TestMetrics::chunks(const std::string& run_id, const std::string& key) {
  std::vector<ChunkRow> out;
  auto stmt = m_db->prepare(
      "SELECT c.first_step, c.last_step, c.count, length(c.data) FROM metric_chunks c "
      "JOIN metric_keys k ON k.id = c.key_id WHERE c.run_id = ? AND k.name = ? ORDER BY c.id");
  if (!stmt) return out;
  stmt->bind(1, run_id).bind(2, key);
  while (stmt->step())
    out.push_back({stmt->columnInt(0), stmt->columnInt(1), stmt->columnInt(2), stmt->columnInt(3)});
  return out;
}

// ---------------------------------------------------------------------------------------------

void TestMetrics::batchesBySizeWithoutFlush() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.batch_points = 100;
  o.flush_interval_ms = 60'000;  // never by time within this test
  auto w = openWriter(o);
  QVERIFY(w);
  const auto h = w->series(run, "loss");
  MetricsReader reader(*m_db);
  auto readCount = [&] {
    auto s = reader.series(run, "loss");
    return s ? s->size() : std::size_t(-1);
  };

  // Paced so that each batch is exactly full when the writer wakes up.
  for (int i = 0; i < 100; ++i) w->log(h, i, i * 0.5, kNaN, 1000.0 + i);
  QTRY_COMPARE(w->writtenPoints(), std::uint64_t(100));
  for (int i = 100; i < 200; ++i) w->log(h, i, i * 0.5, kNaN, 1000.0 + i);
  QTRY_COMPARE(w->writtenPoints(), std::uint64_t(200));
  for (int i = 200; i < 250; ++i) w->log(h, i, i * 0.5, kNaN, 1000.0 + i);
  QCOMPARE(readCount(), std::size_t(200));  // visible to another connection, no flush() called

  // Below a batch and long before the interval: the rest waits.
  QTest::qWait(200);
  QCOMPARE(w->writtenPoints(), std::uint64_t(200));
  QCOMPARE(w->pendingPoints(), std::size_t(50));
  QCOMPARE(readCount(), std::size_t(200));

  WB_VERIFY_OK(w->close());
  QCOMPARE(w->writtenPoints(), std::uint64_t(250));
  QCOMPARE(w->pendingPoints(), std::size_t(0));
  QCOMPARE(readCount(), std::size_t(250));
}

void TestMetrics::batchesBySizeBurst() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.batch_points = 100;
  o.flush_interval_ms = 60'000;
  auto w = openWriter(o);
  QVERIFY(w);
  const auto h = w->series(run, "loss");
  for (int i = 0; i < 250; ++i) w->log(h, i, i);
  // How many points one flush takes depends on when the writer thread wakes up; what always
  // holds is that fewer than one batch is left waiting.
  QTRY_VERIFY(w->writtenPoints() + w->pendingPoints() == 250 && w->pendingPoints() < 100);
  QVERIFY(w->writtenPoints() >= 151);
  MetricsReader reader(*m_db);
  auto s = reader.series(run, "loss");
  WB_VERIFY_OK(s);
  QCOMPARE(s->size(), std::size_t(w->writtenPoints()));
  for (std::size_t i = 0; i < s->size(); ++i) QCOMPARE(s->at(i).step, std::int64_t(i));
}

void TestMetrics::flushesByTime() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.batch_points = 1'000'000;
  o.flush_interval_ms = 50;
  auto w = openWriter(o);
  QVERIFY(w);
  w->log(run, "acc", 0, 0.25);
  w->log(run, "acc", 1, 0.5);
  w->log(run, "acc", 2, 0.75);
  MetricsReader reader(*m_db);
  auto readCount = [&] {
    auto s = reader.series(run, "acc");
    return s ? s->size() : std::size_t(-1);
  };
  QTRY_COMPARE_WITH_TIMEOUT(readCount(), std::size_t(3), 1000);
  QCOMPARE(w->pendingPoints(), std::size_t(0));
  auto s = reader.series(run, "acc");
  WB_VERIFY_OK(s);
  QVERIFY(same(s->at(2).value, 0.75));
}

void TestMetrics::seriesExactValuesInOrder() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  auto w = openWriter();
  QVERIFY(w);
  const double tiny = std::numeric_limits<double>::denorm_min();
  // Steps out of order and repeated: the series keeps logging order, not step order.
  const std::vector<MetricPoint> logged = {
      {0, kNaN, 1700000000.125, 0.1},
      {1, 0.5, 1700000000.25, kNaN},
      {5, 1.0, 1700000001.5, -0.0},
      {3, 1.0, 1700000002.0, kInf},
      {3, 2.0, 1700000003.0, -kInf},
      {-7, kNaN, 1700000004.0, tiny},
      {std::numeric_limits<std::int64_t>::max(), 1e300, 1700000005.0, -1.7976931348623157e308},
      {42, 3.0, 1700000006.0, 1.0 / 3.0},
  };
  for (const auto& p : logged) w->log(run, "x", p.step, p.value, p.epoch, p.wall_time);
  WB_VERIFY_OK(w->flush());
  MetricsReader reader(*m_db);
  auto s = reader.series(run, "x");
  WB_VERIFY_OK(s);
  WB_COMPARE_SERIES(*s, logged);
  QVERIFY(std::signbit(s->at(2).value));  // -0.0 stays negative zero

  // wall_time 0 means "now".
  const double before = wb::unixNow();
  w->log(run, "y", 0, 1.0);
  WB_VERIFY_OK(w->flush());
  auto y = reader.series(run, "y");
  WB_VERIFY_OK(y);
  QCOMPARE(y->size(), std::size_t(1));
  QVERIFY(y->at(0).wall_time >= before && y->at(0).wall_time <= wb::unixNow());
  QVERIFY(std::isnan(y->at(0).epoch));  // no epoch given
}

void TestMetrics::chunkTailMerge() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.flush_interval_ms = 60'000;
  auto w = openWriter(o);
  QVERIFY(w);
  const auto h = w->series(run, "loss");
  // Many small flushes, some bigger than a chunk and some that straddle a chunk boundary.
  const std::vector<int> sizes = {1, 7, 300, 1, 1500, 13, 1024, 2, 999, 25, 3, 1, 1100, 64};
  std::vector<MetricPoint> logged;
  std::int64_t step = 0;
  for (int round = 0; round < 3; ++round) {
    for (int n : sizes) {
      for (int i = 0; i < n; ++i, ++step) {
        const MetricPoint p{step, step / 100.0, 1000.0 + step, std::sin(step * 0.01)};
        w->log(h, p.step, p.value, p.epoch, p.wall_time);
        logged.push_back(p);
      }
      WB_VERIFY_OK(w->flush());
    }
  }
  for (int i = 0; i < 200; ++i, ++step) {  // and single-point flushes
    const MetricPoint p{step, kNaN, 5000.0 + step, double(step)};
    w->log(h, p.step, p.value, p.epoch, p.wall_time);
    logged.push_back(p);
    WB_VERIFY_OK(w->flush());
  }

  const auto rows = chunks(run, "loss");
  QVERIFY(rows.size() >= 2);
  std::int64_t total = 0;
  std::int64_t expect_first = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const QByteArray where = "chunk " + QByteArray::number(qsizetype(i)) + " of " +
                             QByteArray::number(qsizetype(rows.size())) + ": count " +
                             QByteArray::number(r.count);
    QVERIFY2(r.count >= 1 && r.count <= std::int64_t(MetricsWriter::kChunkPoints),
             where.constData());
    if (i + 1 < rows.size())
      QVERIFY2(r.count == std::int64_t(MetricsWriter::kChunkPoints), where.constData());
    QVERIFY2(r.bytes == r.count * std::int64_t(sizeof(MetricPoint)), where.constData());
    // Steps here increase by one, so each chunk's step range follows from the counts.
    QVERIFY2(r.first_step == expect_first, where.constData());
    QVERIFY2(r.last_step == expect_first + r.count - 1, where.constData());
    expect_first += r.count;
    total += r.count;
  }
  QCOMPARE(total, std::int64_t(logged.size()));
  QCOMPARE(rows.size(),
           (logged.size() + MetricsWriter::kChunkPoints - 1) / MetricsWriter::kChunkPoints);

  MetricsReader reader(*m_db);
  auto s = reader.series(run, "loss");
  WB_VERIFY_OK(s);
  WB_COMPARE_SERIES(*s, logged);
  auto sums = reader.summaries({run}, {"loss"});
  WB_VERIFY_OK(sums);
  QCOMPARE(sums->size(), std::size_t(1));
  QCOMPARE(sums->at(0).count, std::int64_t(logged.size()));
  QCOMPARE(sums->at(0).last_step, logged.back().step);
}

void TestMetrics::tailMergeAcrossWriters() {
  // A second writer (a resumed run, a later `wb log metric`) fills the tail left by the first.
  const auto run = newRun();
  QVERIFY(!run.empty());
  std::vector<MetricPoint> logged;
  for (int round = 0; round < 3; ++round) {
    auto w = openWriter();
    QVERIFY(w);
    for (int i = 0; i < 700; ++i) {
      const std::int64_t step = std::int64_t(logged.size());
      const MetricPoint p{step, kNaN, 1000.0 + step, step * 2.0};
      w->log(run, "m", p.step, p.value, p.epoch, p.wall_time);
      logged.push_back(p);
    }
    WB_VERIFY_OK(w->close());
  }
  const auto rows = chunks(run, "m");
  QCOMPARE(rows.size(), std::size_t(3));  // 2100 points: 1024 + 1024 + 52
  QCOMPARE(rows[0].count, std::int64_t(1024));
  QCOMPARE(rows[1].count, std::int64_t(1024));
  QCOMPARE(rows[2].count, std::int64_t(52));
  MetricsReader reader(*m_db);
  auto s = reader.series(run, "m");
  WB_VERIFY_OK(s);
  WB_COMPARE_SERIES(*s, logged);
}

void TestMetrics::read3000PointsAcrossChunks() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  auto w = openWriter();
  QVERIFY(w);
  std::vector<MetricPoint> logged;
  for (std::int64_t i = 0; i < 3000; ++i) {
    const MetricPoint p{i * 10, i / 300.0, 1.7e9 + i * 0.001, std::exp(-i / 1000.0)};
    logged.push_back(p);
    w->log(run, "train/loss", p.step, p.value, p.epoch, p.wall_time);
  }
  WB_VERIFY_OK(w->close());
  const auto rows = chunks(run, "train/loss");
  QCOMPARE(rows.size(), std::size_t(3));
  QCOMPARE(rows[0].count, std::int64_t(1024));
  QCOMPARE(rows[1].count, std::int64_t(1024));
  QCOMPARE(rows[2].count, std::int64_t(952));
  QCOMPARE(rows[1].first_step, std::int64_t(10240));
  QCOMPARE(rows[2].last_step, std::int64_t(29990));
  MetricsReader reader(*m_db);
  auto s = reader.series(run, "train/loss");
  WB_VERIFY_OK(s);
  WB_COMPARE_SERIES(*s, logged);
}

// MetricsReader::readNewPoints (the charts' incremental top-up, issue 11): each read returns
// exactly the points flushed since the previous one, across chunk boundaries and chunks the
// writer fills in place, never another series' points, and an epochs column only once one
// is given.
void TestMetrics::readNewPointsReturnsExactlyTheNewPoints() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.flush_interval_ms = 60'000;
  auto w = openWriter(o);
  QVERIFY(w);
  MetricsReader reader(*m_db);
  wb::store::SeriesCursor cursor;
  wb::store::SeriesColumns all;
  WB_VERIFY_OK(reader.readNewPoints(run, "loss", cursor, all));  // not logged yet
  QCOMPARE(all.size(), std::size_t(0));
  QCOMPARE(cursor.key_id, std::int64_t(0));

  const auto loss = w->series(run, "loss");
  const auto acc = w->series(run, "acc");
  const std::vector<int> sizes = {1, 7, 300, 1, 1500, 13, 1024, 2, 999, 25, 1100, 64, 0};
  std::vector<MetricPoint> logged;
  std::int64_t step = 0;
  for (std::size_t round = 0; round < sizes.size(); ++round) {
    const std::size_t first = logged.size();
    for (int i = 0; i < sizes[round]; ++i, ++step) {
      // No epochs in the first rounds, then epochs: the column appears with NaN before.
      const double epoch = round < 3 ? kNaN : static_cast<double>(step / 100);
      const MetricPoint p{step, epoch, 1000.0 + step * 0.5, std::cos(step * 0.01)};
      w->log(loss, p.step, p.value, p.epoch, p.wall_time);
      w->log(acc, p.step, -1.0);
      logged.push_back(p);
    }
    WB_VERIFY_OK(w->flush());
    wb::store::SeriesColumns delta;
    WB_VERIFY_OK(reader.readNewPoints(run, "loss", cursor, delta));
    const QByteArray where = "round " + QByteArray::number(qsizetype(round));
    QVERIFY2(delta.size() == logged.size() - first, where.constData());
    QCOMPARE(delta.steps.size(), delta.size());
    QCOMPARE(delta.walls.size(), delta.size());
    QVERIFY2(delta.epochs.empty() == (round < 3 || delta.size() == 0), where.constData());
    for (std::size_t i = 0; i < delta.size(); ++i) {
      const MetricPoint& p = logged[first + i];
      QVERIFY2(delta.steps[i] == static_cast<double>(p.step) && same(delta.values[i], p.value) &&
                   same(delta.walls[i], p.wall_time) &&
                   (delta.epochs.empty() || same(delta.epochs[i], p.epoch)),
               QByteArray(where + " point " + QByteArray::number(qsizetype(i))).constData());
    }
    QCOMPARE(cursor.delivered, static_cast<std::int64_t>(logged.size()));
    // Into one growing set of columns, as the chart's first read and top-ups do.
    all.steps.insert(all.steps.end(), delta.steps.begin(), delta.steps.end());
    all.values.insert(all.values.end(), delta.values.begin(), delta.values.end());
  }
  QVERIFY(cursor.key_id != 0);
  auto whole = reader.series(run, "loss");
  WB_VERIFY_OK(whole);
  QCOMPARE(all.size(), whole->size());
  for (std::size_t i = 0; i < all.size(); ++i)
    QVERIFY(all.steps[i] == static_cast<double>((*whole)[i].step) &&
            same(all.values[i], (*whole)[i].value));

  // A fresh cursor reads everything at once, sized from the expected count.
  wb::store::SeriesCursor fresh;
  wb::store::SeriesColumns once;
  WB_VERIFY_OK(
      reader.readNewPoints(run, "loss", fresh, once, static_cast<std::int64_t>(logged.size())));
  QCOMPARE(once.size(), logged.size());
  QCOMPARE(once.epochs.size(), logged.size());
  QVERIFY(std::isnan(once.epochs.front()));
  QCOMPARE(once.epochs.back(), logged.back().epoch);
  QVERIFY(once.values.capacity() == logged.size());
}

void TestMetrics::readNewPointsRejectsACorruptChunk() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  auto w = openWriter();
  QVERIFY(w);
  for (int i = 0; i < 10; ++i) w->log(run, "loss", i, i * 0.1);
  WB_VERIFY_OK(w->close());
  WB_VERIFY_OK(m_db->exec("UPDATE metric_chunks SET count = count + 1"));
  wb::store::SeriesCursor cursor;
  wb::store::SeriesColumns out;
  const auto read = MetricsReader(*m_db).readNewPoints(run, "loss", cursor, out);
  QVERIFY(!read.ok());
  QVERIFY2(read.error().text().find("corrupt metric chunk") != std::string::npos,
           read.error().text().c_str());
  QVERIFY2(read.error().text().find(run + "/loss") != std::string::npos,
           read.error().text().c_str());
  QCOMPARE(cursor.delivered, std::int64_t(0));
}

// metrics::parseConfusionArtifact: the one reader of the trainer's confusion-matrix JSON
// (the Compare panel used to parse it itself). Derived figures when the file lacks them;
// malformed files are errors with a reason, never crashes.
void TestMetrics::confusionArtifactParses_data() {
  QTest::addColumn<QString>("json");
  QTest::addColumn<QString>("error");  // empty: parses
  QTest::newRow("trainer's shape") << R"({"classes": 2, "labels": ["cat", "dog"],
      "matrix": [[8, 2], [1, 9]], "precision": [0.5, 0.25], "recall": [0.8, 0.9],
      "accuracy": 0.85})"
                                   << "";
  QTest::newRow("derived figures") << R"({"matrix": [[8, 2], [1, 9]]})"
                                   << "";
  QTest::newRow("not JSON") << "not json"
                            << "not JSON";
  QTest::newRow("ragged") << R"({"matrix": [[1, 2], [3]]})"
                          << "has 1 cells, not 2";
  QTest::newRow("classes disagree") << R"({"classes": 3, "matrix": [[1, 2], [3, 4]]})"
                                    << "expected a 3 × 3";
  QTest::newRow("negative") << R"({"matrix": [[1, -2], [3, 4]]})"
                            << "negative or non-numeric";
  QTest::newRow("text cell") << R"({"matrix": [[1, "x"], [3, 4]]})"
                             << "negative or non-numeric";
  QTest::newRow("no matrix") << R"({"classes": 2})"
                             << "expected a 2 × 2";
  QTest::newRow("array") << "[1, 2]"
                         << "expected a 0 × 0";
}

void TestMetrics::confusionArtifactParses() {
  QFETCH(QString, json);
  QFETCH(QString, error);
  const auto m = wb::metrics::parseConfusionArtifact(json.toStdString());
  if (!error.isEmpty()) {
    QVERIFY(!m);
    QVERIFY2(m.error().text().find(error.toStdString()) != std::string::npos,
             m.error().text().c_str());
    return;
  }
  QVERIFY2(m, m ? "" : m.error().text().c_str());
  QCOMPARE(m->classes, 2);
  QCOMPARE(m->counts, (std::vector<std::int64_t>{8, 2, 1, 9}));
  QCOMPARE(m->total, std::int64_t(20));
  QCOMPARE(m->rowTotal(0), std::int64_t(10));
  QCOMPARE(m->columnTotal(0), std::int64_t(9));
  if (QByteArray(QTest::currentDataTag()) == "trainer's shape") {
    QCOMPARE(m->labels, (std::vector<std::string>{"cat", "dog"}));
    QCOMPARE(m->precision, (std::vector<double>{0.5, 0.25}));  // as given, not recomputed
    QCOMPARE(m->accuracy, 0.85);
  } else {
    QCOMPARE(m->labels, (std::vector<std::string>{"0", "1"}));
    QCOMPARE(m->precision, (std::vector<double>{8.0 / 9.0, 9.0 / 11.0}));
    QCOMPARE(m->recall, (std::vector<double>{0.8, 0.9}));
    QCOMPARE(m->accuracy, 17.0 / 20.0);
  }
}

// metrics::readConfusionArtifact: the test split's artifact wins over the validation one; a
// run without one reads as none; a broken one is an error naming the artifact.
void TestMetrics::confusionArtifactIsReadFromTheStore() {
  wb::objects::ObjectStore objects(m_ws.objectsDir());
  wb::store::RunRepository repo(*m_db);
  auto store = [&](const std::string& run, const std::string& name, const std::string& json) {
    const auto id = objects.put(json);
    return id && repo.addArtifact({run, name, *id, static_cast<std::int64_t>(json.size()), 0});
  };
  const auto both = newRun("both"), val_only = newRun("val"), none = newRun("none"),
             broken = newRun("broken");
  QVERIFY(store(both, "confusion_matrix_val.json", R"({"matrix": [[1, 0], [0, 1]]})"));
  QVERIFY(store(both, "confusion_matrix_test.json", R"({"matrix": [[3, 1], [1, 3]]})"));
  QVERIFY(store(val_only, "confusion_matrix_val.json", R"({"matrix": [[5]]})"));
  QVERIFY(store(none, "preprocessing.json", "{}"));
  QVERIFY(store(broken, "confusion_matrix_test.json", R"({"matrix": [[1, 2]]})"));

  auto read = wb::metrics::readConfusionArtifact(*m_db, objects, both);
  WB_VERIFY_OK(read);
  QVERIFY(read->has_value());
  QCOMPARE((*read)->split, std::string("test"));
  QCOMPARE((*read)->total, std::int64_t(8));

  read = wb::metrics::readConfusionArtifact(*m_db, objects, val_only);
  WB_VERIFY_OK(read);
  QVERIFY(read->has_value());
  QCOMPARE((*read)->split, std::string("val"));
  QCOMPARE((*read)->classes, 1);

  read = wb::metrics::readConfusionArtifact(*m_db, objects, none);
  WB_VERIFY_OK(read);
  QVERIFY(!read->has_value());

  read = wb::metrics::readConfusionArtifact(*m_db, objects, broken);
  QVERIFY(!read);
  QVERIFY2(read.error().text().find("confusion_matrix_test.json") != std::string::npos,
           read.error().text().c_str());
}

void TestMetrics::summaries() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  auto w = openWriter();
  QVERIFY(w);
  // Two flushes: the summary combines them.
  for (double v : {0.9, 0.4, 0.7}) w->log(run, "val/loss", -1, v);
  w->log(run, "accuracy", 10, 0.5);
  w->log(run, "accuracy", 11, kNaN);
  w->log(run, "all-nan", 0, kNaN);
  WB_VERIFY_OK(w->flush());
  for (double v : {0.6, 0.5}) w->log(run, "val/loss", -1, v);
  w->log(run, "accuracy", 12, 0.8);
  w->log(run, "accuracy", 13, 0.3);
  w->log(run, "accuracy", 14, kNaN);  // the last value is NaN
  w->log(run, "all-nan", 1, kInf);
  WB_VERIFY_OK(w->close());

  MetricsReader reader(*m_db);
  auto sums = reader.summaries({run});
  WB_VERIFY_OK(sums);
  QCOMPARE(sums->size(), std::size_t(3));
  // Sorted by key.
  const auto& acc = sums->at(0);
  const auto& nan = sums->at(1);
  const auto& loss = sums->at(2);
  QCOMPARE(acc.key, std::string("accuracy"));
  QCOMPARE(nan.key, std::string("all-nan"));
  QCOMPARE(loss.key, std::string("val/loss"));
  for (const auto* s : {&acc, &nan, &loss}) QCOMPARE(s->run_id, run);

  QCOMPARE(loss.count, std::int64_t(5));
  QCOMPARE(loss.last_step, std::int64_t(-1));
  QVERIFY(same(loss.last_value.value_or(kNaN), 0.5));
  QVERIFY(same(loss.min_value.value_or(kNaN), 0.4));
  QVERIFY(same(loss.max_value.value_or(kNaN), 0.9));
  QVERIFY(same(loss.best().value_or(kNaN), 0.4));  // lower is better for a loss

  QCOMPARE(acc.count, std::int64_t(5));
  QCOMPARE(acc.last_step, std::int64_t(14));
  QVERIFY(!acc.last_value.has_value());  // NaN is stored as "no value"
  QVERIFY(same(acc.min_value.value_or(kNaN), 0.3));
  QVERIFY(same(acc.max_value.value_or(kNaN), 0.8));
  QVERIFY(same(acc.best().value_or(kNaN), 0.8));  // higher is better otherwise
  QVERIFY(acc.last_wall_time > 0);

  QCOMPARE(nan.count, std::int64_t(2));
  QVERIFY(!nan.last_value.has_value());
  QVERIFY(!nan.min_value.has_value());
  QVERIFY(!nan.max_value.has_value());
  QVERIFY(!nan.best().has_value());

  auto keys = reader.keys(run);
  WB_VERIFY_OK(keys);
  QCOMPARE(*keys, (std::vector<std::string>{"accuracy", "all-nan", "val/loss"}));
}

void TestMetrics::summariesFilters() {
  const auto a = newRun("a");
  const auto b = newRun("b");
  const auto c = newRun("c");
  QVERIFY(!a.empty() && !b.empty() && !c.empty());
  auto w = openWriter();
  QVERIFY(w);
  for (const auto& run : {a, b, c}) {
    w->log(run, "loss", 0, 1.0);
    w->log(run, "acc", 0, 0.5);
  }
  WB_VERIFY_OK(w->close());
  MetricsReader reader(*m_db);
  auto all = reader.summaries();
  WB_VERIFY_OK(all);
  QCOMPARE(all->size(), std::size_t(6));
  auto two = reader.summaries({a, c});
  WB_VERIFY_OK(two);
  QCOMPARE(two->size(), std::size_t(4));
  for (const auto& s : *two) QVERIFY(s.run_id == a || s.run_id == c);
  auto only_loss = reader.summaries({b}, {"loss"});
  WB_VERIFY_OK(only_loss);
  QCOMPARE(only_loss->size(), std::size_t(1));
  QCOMPARE(only_loss->at(0).key, std::string("loss"));
  QCOMPARE(only_loss->at(0).run_id, b);
  auto none = reader.summaries({"no-such-run"});
  WB_VERIFY_OK(none);
  QVERIFY(none->empty());

  // More runs than one query takes (500 per query): each summary still comes back once.
  std::vector<std::string> many = {a};
  for (int i = 0; i < 1100; ++i) many.push_back("missing-" + std::to_string(i));
  many.push_back(b);  // in the third query
  auto batched = reader.summaries(many, {"acc"});
  WB_VERIFY_OK(batched);
  QCOMPARE(batched->size(), std::size_t(2));
  QCOMPARE(batched->at(0).run_id == a ? batched->at(1).run_id : batched->at(0).run_id, b);
}

void TestMetrics::bestUsesDirectionOfKey_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<bool>("use_min");
  QTest::newRow("loss") << QStringLiteral("loss") << true;
  QTest::newRow("val/loss") << QStringLiteral("val/loss") << true;
  QTest::newRow("train/Loss_step") << QStringLiteral("train/Loss_step") << true;
  QTest::newRow("accuracy") << QStringLiteral("accuracy") << false;
  QTest::newRow("val/acc") << QStringLiteral("val/acc") << false;
  QTest::newRow("f1") << QStringLiteral("f1") << false;
}

void TestMetrics::bestUsesDirectionOfKey() {
  QFETCH(QString, key);
  QFETCH(bool, use_min);
  wb::store::MetricSummary s;
  s.key = key.toStdString();
  s.min_value = -2.5;
  s.max_value = 7.0;
  QCOMPARE(s.best().value_or(kNaN), use_min ? -2.5 : 7.0);
}

void TestMetrics::lowerIsBetter_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<bool>("lower");
  QTest::newRow("loss") << QStringLiteral("loss") << true;
  QTest::newRow("LOSS") << QStringLiteral("LOSS") << true;
  QTest::newRow("val/error") << QStringLiteral("val/error") << true;
  QTest::newRow("mae") << QStringLiteral("mae") << true;
  QTest::newRow("rmse") << QStringLiteral("rmse") << true;
  QTest::newRow("perplexity") << QStringLiteral("perplexity") << true;
  QTest::newRow("sys/epoch_time_ms") << QStringLiteral("sys/epoch_time_ms") << true;
  QTest::newRow("accuracy") << QStringLiteral("accuracy") << false;
  QTest::newRow("val/auc") << QStringLiteral("val/auc") << false;
  QTest::newRow("reward") << QStringLiteral("reward") << false;
  QTest::newRow("lr") << QStringLiteral("train/lr") << false;
}

void TestMetrics::lowerIsBetter() {
  QFETCH(QString, key);
  QFETCH(bool, lower);
  QCOMPARE(wb::store::lowerIsBetter(key.toStdString()), lower);
}

void TestMetrics::seriesOfRunsAndKeysDoNotMix() {
  const auto a = newRun("a");
  const auto b = newRun("b");
  QVERIFY(!a.empty() && !b.empty());
  const std::vector<std::string> keys = {"loss", "acc", "lr"};
  std::map<std::pair<std::string, std::string>, std::vector<MetricPoint>> logged;
  MetricsWriterOptions o;
  o.batch_points = 777;  // flushes land at odd places in the interleaving
  auto w = openWriter(o);
  QVERIFY(w);
  for (std::int64_t i = 0; i < 1500; ++i) {
    for (std::size_t r = 0; r < 2; ++r) {
      const auto& run = r == 0 ? a : b;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        const MetricPoint p{i, kNaN, 1000.0 + i, double(r * 1'000'000 + k * 10'000 + i)};
        w->log(run, keys[k], p.step, p.value, p.epoch, p.wall_time);
        logged[{run, keys[k]}].push_back(p);
      }
    }
  }
  WB_VERIFY_OK(w->close());
  MetricsReader reader(*m_db);
  for (const auto& [series, points] : logged) {
    auto s = reader.series(series.first, series.second);
    WB_VERIFY_OK(s);
    WB_COMPARE_SERIES(*s, points);
  }
  auto sums = reader.summaries();
  WB_VERIFY_OK(sums);
  QCOMPARE(sums->size(), std::size_t(6));
  for (const auto& s : *sums) QCOMPARE(s.count, std::int64_t(1500));
}

void TestMetrics::unknownSeriesIsEmpty() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsReader reader(*m_db);
  auto s = reader.series(run, "never-logged");
  WB_VERIFY_OK(s);
  QVERIFY(s->empty());
  auto other = reader.series("no-such-run", "loss");
  WB_VERIFY_OK(other);
  QVERIFY(other->empty());
  auto keys = reader.keys(run);
  WB_VERIFY_OK(keys);
  QVERIFY(keys->empty());
}

void TestMetrics::pointsOfDeletedRunAreDropped() {
  const auto gone = newRun("gone");
  const auto kept = newRun("kept");
  QVERIFY(!gone.empty() && !kept.empty());
  auto w = openWriter();
  QVERIFY(w);
  w->log(gone, "loss", 0, 1.0);
  w->log(kept, "loss", 0, 2.0);
  wb::store::RunRepository repo(*m_db);
  WB_VERIFY_OK(repo.remove({gone}));
  WB_VERIFY_OK(w->flush());  // not an error: the points have nowhere to go
  MetricsReader reader(*m_db);
  auto s = reader.series(kept, "loss");
  WB_VERIFY_OK(s);
  QCOMPARE(s->size(), std::size_t(1));
  auto count = m_db->prepare("SELECT count(*) FROM metric_chunks WHERE run_id = ?");
  WB_VERIFY_OK(count);
  count->bind(1, gone);
  QVERIFY(count->step());
  QCOMPARE(count->columnInt(0), std::int64_t(0));
  WB_VERIFY_OK(w->close());
}

void TestMetrics::heartbeat() {
  const auto run = newRun();
  QVERIFY(!run.empty());
  wb::store::RunRepository repo(*m_db);
  WB_VERIFY_OK(m_db->exec("UPDATE runs SET heartbeat_at = 1 WHERE id = '" + run + "'"));
  MetricsWriterOptions o;
  o.flush_interval_ms = 20;
  o.heartbeat_interval_ms = 50;
  o.heartbeat_run = run;
  auto w = openWriter(o);
  QVERIFY(w);
  // No points at all: the heartbeat alone keeps the run looking alive.
  auto heartbeatAt = [&] {
    auto r = repo.find(run);
    return r ? r->heartbeat_at.value_or(0) : 0.0;
  };
  QTRY_VERIFY_WITH_TIMEOUT(heartbeatAt() > wb::unixNow() - 60, 2000);
  WB_VERIFY_OK(w->close());
}

void TestMetrics::concurrentProducers() {
  // log() is thread-safe: several producers, back-pressure on, nothing lost or reordered per
  // series.
  const auto run = newRun();
  QVERIFY(!run.empty());
  MetricsWriterOptions o;
  o.batch_points = 500;  // small: producers hit the back-pressure wait often
  auto w = openWriter(o);
  QVERIFY(w);
  constexpr int kThreads = 4;
  constexpr int kPoints = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto h = w->series(run, "t" + std::to_string(t));
      for (int i = 0; i < kPoints; ++i) w->log(h, i, t * 1e6 + i, kNaN, 1.0 + i);
    });
  }
  for (auto& th : threads) th.join();
  WB_VERIFY_OK(w->close());
  QCOMPARE(w->writtenPoints(), std::uint64_t(kThreads * kPoints));
  MetricsReader reader(*m_db);
  for (int t = 0; t < kThreads; ++t) {
    auto s = reader.series(run, "t" + std::to_string(t));
    WB_VERIFY_OK(s);
    QCOMPARE(s->size(), std::size_t(kPoints));
    for (int i = 0; i < kPoints; ++i) {
      if (s->at(i).step != i || !same(s->at(i).value, t * 1e6 + i))
        QFAIL(qPrintable(QStringLiteral("thread %1 point %2 differs").arg(t).arg(i)));
    }
  }
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
