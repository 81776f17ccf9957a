// bench_store: throughput and latency of the metrics store, printed as a report.
//
//   bench_store [DIR] [--keep]
//
// Creates a fresh workspace in a temporary folder under DIR (default: the system temp
// folder), measures, prints one figure per line with PASS/FAIL against its target, and
// removes the folder (unless --keep). Always exits 0 when it could measure: it is a
// report, not a test. Not registered with ctest.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/store/types.h"
#include "core/workspace/workspace.h"
#include "tests/benchmarks/bench_rows.h"

namespace fs = std::filesystem;
using wb::store::Database;
using wb::store::MetricPoint;
using wb::store::MetricsReader;
using wb::store::MetricsWriter;
using wb::store::RunRepository;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// 5000000 -> "5,000,000"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const int len = static_cast<int>(digits.size());
  for (int i = 0; i < len; ++i) {
    if (i > 0 && (len - i) % 3 == 0) out += ',';
    out += digits[static_cast<std::size_t>(i)];
  }
  return out;
}

// 1934000 -> "1.93M", 812000 -> "812k"
std::string human(double v) {
  char buf[64];
  if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string bytesText(std::uintmax_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int g_failed = 0;

void figure(const std::string& text, bool pass) {
  std::printf("%-s  %s\n", text.c_str(), pass ? "PASS" : "FAIL");
  std::fflush(stdout);
  if (!pass) ++g_failed;
}

void info(const std::string& text) {
  std::printf("  %s\n", text.c_str());
  std::fflush(stdout);
}

[[noreturn]] void die(const std::string& what, const wb::Error& e) {
  std::fprintf(stderr, "bench_store: %s: %s\n", what.c_str(), e.text().c_str());
  std::exit(2);
}

template <class T>
T take(wb::Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(r).value();
}

void check(const wb::Status& st, const std::string& what) {
  if (!st) die(what, st.error());
}

std::string createRun(RunRepository& runs, const std::string& name) {
  wb::store::NewRun spec;
  spec.experiment = "bench";
  spec.name = name;
  return take(runs.create(spec), "create run " + name).id;
}

// What the database holds for a run: points, chunks, and chunks that are not full.
struct StoredSeries {
  std::int64_t points = 0;
  std::int64_t chunks = 0;
  std::int64_t partial_chunks = 0;
};

StoredSeries stored(Database& db, const std::string& run_id) {
  auto stmt = take(db.prepare("SELECT coalesce(sum(count), 0), count(*), "
                              "coalesce(sum(count < ?), 0) FROM metric_chunks WHERE run_id = ?"),
                   "prepare chunk count");
  stmt.bind(1, static_cast<std::int64_t>(MetricsWriter::kChunkPoints)).bind(2, run_id);
  if (!stmt.step()) die("count chunks", stmt.lastError().value_or(wb::makeError("no row")));
  return {stmt.columnInt(0), stmt.columnInt(1), stmt.columnInt(2)};
}

std::int64_t summaryPoints(Database& db, const std::string& run_id) {
  auto stmt = take(db.prepare("SELECT coalesce(sum(count), 0) FROM metric_summaries "
                              "WHERE run_id = ?"),
                   "prepare summary count");
  stmt.bind(1, run_id);
  if (!stmt.step()) die("count summaries", stmt.lastError().value_or(wb::makeError("no row")));
  return stmt.columnInt(0);
}

// 1. Logging through the batched writer, timed from open() to the end of close().
void benchLogging(const wb::Workspace& ws, Database& db, RunRepository& runs,
                  const std::string& label, int keys, std::int64_t total_points) {
  const std::string run_id = createRun(runs, "logging-" + std::to_string(keys) + "-keys");
  const std::int64_t steps = total_points / keys;
  const std::int64_t points = steps * keys;

  const auto t0 = Clock::now();
  auto writer = take(MetricsWriter::open(ws.dbPath()), "open metrics writer");
  std::vector<MetricsWriter::SeriesHandle> handles;
  for (int k = 0; k < keys; ++k)
    handles.push_back(writer->series(run_id, keys == 1 ? "loss" : "metric_" + std::to_string(k)));
  for (std::int64_t step = 0; step < steps; ++step) {
    const double epoch = static_cast<double>(step / 10'000);
    for (int k = 0; k < keys; ++k)
      writer->log(handles[static_cast<std::size_t>(k)], step,
                  1.0 / static_cast<double>(step + k + 1), epoch);
  }
  const double log_s = secondsSince(t0);
  check(writer->close(), "close metrics writer");
  const double total_s = secondsSince(t0);
  const std::uint64_t written = writer->writtenPoints();
  writer.reset();

  const double rate = static_cast<double>(points) / total_s;
  figure("metric logging, " + label + ": " + human(rate) + " points/s (" + grouped(points) +
             " points in " + fmt("%.2f", total_s) + " s incl. close(), target >= 1,000,000)",
         rate >= 1e6);
  wb::bench::readmeRow("Metric logging through the batched writer, " + label,
                       "ours alone: " + grouped(points) + " points from log() to the end of close()",
                       wb::bench::grouped(rate) + " points/s", "≥ 1,000,000 points/s");
  const StoredSeries s = stored(db, run_id);
  const std::int64_t full_needed =
      keys * ((steps + static_cast<std::int64_t>(MetricsWriter::kChunkPoints) - 1) /
              static_cast<std::int64_t>(MetricsWriter::kChunkPoints));
  info("log() calls returned after " + fmt("%.2f", log_s) + " s, close() took " +
       fmt("%.2f", total_s - log_s) + " s; writer reports " + grouped(written) +
       " written; db holds " + grouped(static_cast<std::uint64_t>(s.points)) + " points in " +
       grouped(static_cast<std::uint64_t>(s.chunks)) + " chunks (" +
       grouped(static_cast<std::uint64_t>(s.partial_chunks)) + " not full; minimum " +
       grouped(static_cast<std::uint64_t>(full_needed)) + ")");
  const std::int64_t summarised = summaryPoints(db, run_id);
  if (s.points != points || summarised != points || written != static_cast<std::uint64_t>(points))
    figure("  logging check: expected " + grouped(points) + " points, db chunks hold " +
               grouped(static_cast<std::uint64_t>(s.points)) + ", summaries count " +
               grouped(static_cast<std::uint64_t>(summarised)),
           false);
}

// 2. Reading one series of 1M points, each read on a fresh connection.
void benchSeriesRead(const wb::Workspace& ws, RunRepository& runs) {
  constexpr std::int64_t kPoints = 1'000'000;
  const std::string run_id = createRun(runs, "read-1M");
  {
    auto writer = take(MetricsWriter::open(ws.dbPath()), "open metrics writer");
    const auto h = writer->series(run_id, "loss");
    for (std::int64_t step = 0; step < kPoints; ++step)
      writer->log(h, step, static_cast<double>(step) * 0.5);
    check(writer->close(), "close metrics writer");
  }

  std::vector<double> read_ms, connect_ms;
  bool ok = true;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    auto db = take(ws.connect(), "connect");
    connect_ms.push_back(secondsSince(t0) * 1e3);
    MetricsReader reader(*db);
    const auto t1 = Clock::now();
    auto points = take(reader.series(run_id, "loss"), "read series");
    read_ms.push_back(secondsSince(t1) * 1e3);
    if (static_cast<std::int64_t>(points.size()) != kPoints || points.front().step != 0 ||
        points.back().step != kPoints - 1 || points[123'456].value != 123'456 * 0.5)
      ok = false;
  }
  const double med = median(read_ms);
  figure("series read, 1 series of " + grouped(kPoints) + " points, fresh connection: " +
             fmt("%.1f", med) + " ms median of 5 (min " +
             fmt("%.1f", *std::min_element(read_ms.begin(), read_ms.end())) + ", max " +
             fmt("%.1f", *std::max_element(read_ms.begin(), read_ms.end())) +
             "; target <= 100 ms)",
         med <= 100.0);
  info("opening the connection took " + fmt("%.1f", median(connect_ms)) +
       " ms median (not included); " + human(static_cast<double>(kPoints) / (med / 1e3)) +
       " points/s");
  wb::bench::readmeRow("Read one run's series of " + grouped(kPoints) + " points",
                       "ours alone: median of 5 reads, each on a fresh connection",
                       wb::formatFixed(med, 1) + " ms", "≤ 100 ms");
  if (!ok) figure("  series read check: wrong size, order or values", false);
}

// A series that was logged interleaved with 19 others (chunks of different series alternate).
void benchInterleavedRead(const wb::Workspace& ws, Database& db) {
  auto stmt = take(db.prepare("SELECT id FROM runs WHERE name = 'logging-20-keys'"), "find run");
  if (!stmt.step()) return;
  const std::string run_id = stmt.columnText(0);
  std::vector<double> read_ms;
  std::size_t n = 0;
  for (int i = 0; i < 5; ++i) {
    auto conn = take(ws.connect(), "connect");
    MetricsReader reader(*conn);
    const auto t0 = Clock::now();
    n = take(reader.series(run_id, "metric_7"), "read series").size();
    read_ms.push_back(secondsSince(t0) * 1e3);
  }
  const double med = median(read_ms);
  info("for reference: 1 of the 20 interleaved series (" + grouped(n) + " points) reads in " +
       fmt("%.1f", med) + " ms median of 5 = " +
       human(static_cast<double>(n) / (med / 1e3)) + " points/s");
}

// 3. Summaries (last value of 20 metrics) for 1,000 runs.
void benchSummaries(const wb::Workspace& ws, RunRepository& runs) {
  constexpr int kRuns = 1000;
  constexpr int kKeys = 20;
  constexpr int kPointsPerKey = 5;
  std::vector<std::string> run_ids;
  run_ids.reserve(kRuns);
  auto t0 = Clock::now();
  for (int r = 0; r < kRuns; ++r) run_ids.push_back(createRun(runs, "sweep-" + std::to_string(r)));
  const double create_s = secondsSince(t0);

  t0 = Clock::now();
  {
    auto writer = take(MetricsWriter::open(ws.dbPath()), "open metrics writer");
    for (int r = 0; r < kRuns; ++r)
      for (int step = 0; step < kPointsPerKey; ++step)
        for (int k = 0; k < kKeys; ++k)
          writer->log(run_ids[static_cast<std::size_t>(r)], "m" + std::to_string(k), step,
                      r + k * 0.001 + step);
    check(writer->close(), "close metrics writer");
  }
  const double log_s = secondsSince(t0);
  info("setup: " + grouped(kRuns) + " runs created with RunRepository in " + fmt("%.2f", create_s) +
       " s (" + fmt("%.1f", create_s / kRuns * 1e3) + " ms/run); " +
       grouped(kRuns * kKeys * kPointsPerKey) + " points in " + grouped(kRuns * kKeys) +
       " series logged in " + fmt("%.2f", log_s) + " s");

  auto db = take(ws.connect(), "connect");
  MetricsReader reader(*db);
  std::vector<double> ms;
  std::size_t rows = 0;
  bool ok = true;
  for (int i = 0; i < 5; ++i) {
    const auto t1 = Clock::now();
    auto sums = take(reader.summaries(run_ids), "summaries");
    ms.push_back(secondsSince(t1) * 1e3);
    rows = sums.size();
    for (const auto& s : sums)
      if (s.count != kPointsPerKey || s.last_step != kPointsPerKey - 1 || !s.last_value)
        ok = false;
  }
  double med = median(ms);
  figure("summaries, last value of " + std::to_string(kKeys) + " metrics x " + grouped(kRuns) +
             " runs (ids given): " + fmt("%.1f", med) + " ms median of 5 (" + grouped(rows) +
             " rows, first call on a fresh connection " + fmt("%.1f", ms.front()) +
             " ms; target <= 50 ms)",
         med <= 50.0);
  wb::bench::readmeRow("Last value of " + std::to_string(kKeys) + " metrics for " + grouped(kRuns) + " runs",
                       "ours alone: median of 5 summary queries (run ids given)",
                       wb::formatFixed(med, 1) + " ms", "≤ 50 ms");
  if (!ok || rows != static_cast<std::size_t>(kRuns * kKeys))
    figure("  summaries check: expected " + grouped(kRuns * kKeys) + " rows with " +
               std::to_string(kPointsPerKey) + " points each",
           false);

  ms.clear();
  for (int i = 0; i < 5; ++i) {
    const auto t1 = Clock::now();
    rows = take(reader.summaries(), "summaries of all runs").size();
    ms.push_back(secondsSince(t1) * 1e3);
  }
  med = median(ms);
  figure("summaries, all runs (empty run list): " + fmt("%.1f", med) + " ms median of 5 (" +
             grouped(rows) + " rows; target <= 50 ms)",
         med <= 50.0);
}

std::uintmax_t fileSize(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path base;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--keep") {
      keep = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: bench_store [DIR] [--keep]\n"
                  "  Benchmarks the metrics store in a fresh workspace created under DIR\n"
                  "  (default: the system temp folder) and removed afterwards unless --keep.\n");
      return 0;
    } else {
      base = arg;
    }
  }
  std::error_code ec;
  if (base.empty()) base = fs::temp_directory_path(ec);
  const fs::path dir = base / ("wb-bench-store-" + std::to_string(::getpid()));
  fs::create_directories(base, ec);

  const auto started = Clock::now();
  std::printf("bench_store: workspace %s\n", dir.c_str());
  {
    auto ws = take(wb::Workspace::create(dir, "bench"), "create workspace");
    auto db = take(ws.connect(), "connect");
    RunRepository runs(*db);

    benchLogging(ws, *db, runs, "1 series", 1, 5'000'000);
    benchLogging(ws, *db, runs, "20 keys x 1 run interleaved", 20, 5'000'000);
    benchSeriesRead(ws, runs);
    benchInterleavedRead(ws, *db);
    benchSummaries(ws, runs);

    db.reset();  // last connection: SQLite checkpoints the WAL into the database on close
    const auto main_db = fileSize(ws.dbPath());
    const auto wal = fileSize(ws.dbPath().string() + "-wal");
    std::printf("database size on disk: %s (workbench.db %s + WAL %s; %s bytes) after %s points\n",
                bytesText(main_db + wal).c_str(), bytesText(main_db).c_str(),
                bytesText(wal).c_str(), grouped(main_db + wal).c_str(),
                grouped(5'000'000 + 5'000'000 + 1'000'000 + 100'000).c_str());
  }
  std::printf("bench_store: %d figure(s) missed their target; total %.1f s\n", g_failed,
              secondsSince(started));
  if (!keep) {
    fs::remove_all(dir, ec);
    if (ec) std::fprintf(stderr, "bench_store: cannot remove %s: %s\n", dir.c_str(),
                         ec.message().c_str());
  } else {
    std::printf("bench_store: kept %s\n", dir.c_str());
  }
  return 0;
}
