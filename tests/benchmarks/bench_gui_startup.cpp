// Benchmark: GUI cold start to an interactive window on the demo workspace.
// Creates the demo with `wb demo`, then launches `workbench --report-ready --quit-when-ready`
// several times and reports the time from process launch to "runs on screen" (measured from
// outside, so it includes loading the binary and its libraries) and the in-process figure.
// Usage: bench_gui_startup [RUNS]   (QT_QPA_PLATFORM decides the platform; offscreen if unset)
#include <algorithm>
#include <cstdio>
#include <vector>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const int runs = argc > 1 ? std::max(1, atoi(argv[1])) : 7;
  const QString bin_dir = QFileInfo(QStringLiteral(WB_CLI_PATH)).absolutePath();
  const QString wb = QStringLiteral(WB_CLI_PATH);
  const QString gui = QDir(bin_dir).filePath(QStringLiteral("workbench"));
  QTemporaryDir dir;
  const QString demo = dir.filePath(QStringLiteral("demo"));

  QProcess make_demo;
  make_demo.start(wb, {QStringLiteral("demo"), demo});
  if (!make_demo.waitForFinished(300000) || make_demo.exitCode() != 0) {
    std::fprintf(stderr, "wb demo failed: %s\n", make_demo.readAllStandardError().constData());
    return 1;
  }

  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  if (!env.contains(QStringLiteral("QT_QPA_PLATFORM"))) env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
  env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));  // no saved state

  std::vector<double> outside_ms, inside_ms;
  for (int i = 0; i < runs + 1; ++i) {
    QProcess p;
    p.setProcessEnvironment(env);
    QElapsedTimer t;
    t.start();
    p.start(gui, {QStringLiteral("--report-ready"), QStringLiteral("--quit-when-ready"), demo});
    if (!p.waitForStarted(10000)) {
      std::fprintf(stderr, "cannot start %s\n", qPrintable(gui));
      return 1;
    }
    QByteArray line;
    while (!line.contains('\n') && p.waitForReadyRead(30000)) line += p.readAllStandardOutput();
    const double elapsed = static_cast<double>(t.nsecsElapsed()) / 1e6;
    p.waitForFinished(30000);
    if (!line.startsWith("ready ")) {
      std::fprintf(stderr, "workbench did not report ready: %s %s\n", line.constData(),
                   p.readAllStandardError().constData());
      return 1;
    }
    if (i == 0) continue;  // warm-up: page cache
    outside_ms.push_back(elapsed);
    inside_ms.push_back(line.mid(6).trimmed().toDouble());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("gui cold start to interactive Runs table (demo workspace, %s platform, %d launches):\n",
              qPrintable(env.value(QStringLiteral("QT_QPA_PLATFORM"))), runs);
  std::printf("  launch -> runs on screen: median %.0f ms (min %.0f, max %.0f)\n", median(outside_ms),
              *std::min_element(outside_ms.begin(), outside_ms.end()),
              *std::max_element(outside_ms.begin(), outside_ms.end()));
  std::printf("  main() -> runs on screen: median %.0f ms\n", median(inside_ms));
  return 0;
}
