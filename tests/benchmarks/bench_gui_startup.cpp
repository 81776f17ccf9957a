// Benchmark: GUI start to an interactive window on the demo workspace.
// Creates the demo with `wb demo`, then launches `workbench --report-ready --quit-when-ready`
// several times and reports the time from process launch to "runs on screen" (measured from
// outside, so it includes loading the binary and its libraries) and the in-process figure.
//
// The first launch is a cold start when the page cache can be dropped (`sync` and
// `echo 3 > /proc/sys/vm/drop_caches`, which needs root): the binary, its libraries and the
// workspace are then read from disk. When that is not possible the report says so and every
// figure is a warm start. The following launches are warm starts (median of RUNS).
//
// Usage: bench_gui_startup [RUNS] [--no-drop-caches]
//   (QT_QPA_PLATFORM decides the platform; offscreen if unset)
// Prints "readme-row:" lines for the README's figures table.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

#include "core/common/numbers.h"
#include "tests/benchmarks/bench_rows.h"

namespace {

struct Launch {
  double outside_ms = 0;  // process start -> "ready" line read
  double inside_ms = 0;   // main() -> runs on screen, as the GUI reports it
};

// Empty when the page cache was dropped, else why not.
std::string dropCaches() {
  ::sync();
  std::ofstream out("/proc/sys/vm/drop_caches");
  if (!out) return std::string("cannot open /proc/sys/vm/drop_caches: ") + std::strerror(errno);
  out << "3\n";
  out.flush();
  if (!out) return "writing /proc/sys/vm/drop_caches failed (needs root)";
  return {};
}

std::optional<Launch> launch(const QString& gui, const QString& demo,
                             const QProcessEnvironment& env) {
  QProcess p;
  p.setProcessEnvironment(env);
  QElapsedTimer t;
  t.start();
  p.start(gui, {QStringLiteral("--report-ready"), QStringLiteral("--quit-when-ready"), demo});
  if (!p.waitForStarted(10000)) {
    std::fprintf(stderr, "cannot start %s\n", qPrintable(gui));
    return std::nullopt;
  }
  QByteArray line;
  while (!line.contains('\n') && p.waitForReadyRead(60000)) line += p.readAllStandardOutput();
  const double elapsed = static_cast<double>(t.nsecsElapsed()) / 1e6;
  p.waitForFinished(30000);
  if (!line.startsWith("ready ")) {
    std::fprintf(stderr, "workbench did not report ready: %s %s\n", line.constData(),
                 p.readAllStandardError().constData());
    return std::nullopt;
  }
  const auto inside = wb::parseDouble(line.mid(6).trimmed().toStdString());
  return Launch{elapsed, inside.value_or(0)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string ms(double v) { return wb::formatFixed(v, 0) + " ms"; }

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int runs = 7;
  bool drop = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-drop-caches")
      drop = false;
    else if (const auto n = wb::parseInt(a); n && *n > 0)
      runs = int(*n);
  }
  const QString bin_dir = QFileInfo(QStringLiteral(WB_CLI_PATH)).absolutePath();
  const QString wb_cli = QStringLiteral(WB_CLI_PATH);
  const QString gui = QDir(bin_dir).filePath(QStringLiteral("workbench"));
  QTemporaryDir dir;
  const QString demo = dir.filePath(QStringLiteral("demo"));

  QProcess make_demo;
  make_demo.start(wb_cli, {QStringLiteral("demo"), demo});
  if (!make_demo.waitForFinished(300000) || make_demo.exitCode() != 0) {
    std::fprintf(stderr, "wb demo failed: %s\n", make_demo.readAllStandardError().constData());
    return 1;
  }

  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  if (!env.contains(QStringLiteral("QT_QPA_PLATFORM"))) env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
  env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));  // no saved state
  const std::string platform = env.value(QStringLiteral("QT_QPA_PLATFORM")).toStdString();

  const std::string why_warm = drop ? dropCaches() : "not asked to (--no-drop-caches)";
  const auto first = launch(gui, demo, env);
  if (!first) return 1;
  std::vector<double> outside_ms, inside_ms;
  for (int i = 0; i < runs; ++i) {
    const auto l = launch(gui, demo, env);
    if (!l) return 1;
    outside_ms.push_back(l->outside_ms);
    inside_ms.push_back(l->inside_ms);
  }
  std::printf("gui start to interactive Runs table (demo workspace, %s platform):\n", platform.c_str());
  if (why_warm.empty())
    std::printf("  first launch after dropping the page cache (cold): %s (main() -> runs: %s)\n",
                ms(first->outside_ms).c_str(), ms(first->inside_ms).c_str());
  else
    std::printf("  the page cache was NOT dropped (%s): the first launch is a warm start too: %s\n",
                why_warm.c_str(), ms(first->outside_ms).c_str());
  std::printf("  warm launches (%d): launch -> runs on screen: median %s (min %s, max %s)\n", runs,
              ms(median(outside_ms)).c_str(),
              ms(*std::min_element(outside_ms.begin(), outside_ms.end())).c_str(),
              ms(*std::max_element(outside_ms.begin(), outside_ms.end())).c_str());
  std::printf("  warm launches: main() -> runs on screen: median %s\n", ms(median(inside_ms)).c_str());

  const std::string figure = "GUI start to an interactive Runs table (demo workspace, " + platform + ")";
  if (why_warm.empty())
    wb::bench::readmeRow(figure, "cold: first launch after dropping the page cache; process start to rows on screen",
                         ms(first->outside_ms), "measured");
  else
    wb::bench::readmeRow(figure, "the page cache could not be dropped, so no cold start was measured",
                         "—", "measured");
  wb::bench::readmeRow(figure, "warm: median of " + std::to_string(runs) +
                                   " launches with the files in the page cache; process start to rows on screen (in main(): " +
                                   ms(median(inside_ms)) + ")",
                       ms(median(outside_ms)), "measured");
  return 0;
}
