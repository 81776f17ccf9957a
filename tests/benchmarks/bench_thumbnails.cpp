// Benchmark: the thumbnail grid over 100,000 images — time to first paint with thumbnails
// visible, and frames per second while scrolling the whole list.
//
// Data: 100,000 real 28×28 PNG files (the demo's procedural digits, 10,000 per class) imported
// into a workspace as one dataset version, so every grid item is its own file in the object
// store. Generated once into DIR (argv[1], default a temporary folder) and reused when DIR
// already holds the workspace. Prints the generation and import times too.
//
// Usage: bench_thumbnails [DIR]   (QT_QPA_PLATFORM decides the platform; offscreen if unset;
//                                  works under xvfb-run with the xcb platform as well)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <vector>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QListView>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTimer>

#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "tests/benchmarks/bench_rows.h"
#include "ui/datasets/thumbnail_grid_widget.h"
#include "ui/datasets/thumbnail_loader.h"
#include "ui/datasets/thumbnail_model.h"

namespace fs = std::filesystem;
using wb::ui::ThumbnailModel;

namespace {

constexpr int kItems = 100000;
constexpr const char* kDataset = "digits100k";

double seconds(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e9; }

// The rows the view shows now (one probe per grid cell).
std::vector<QModelIndex> visibleIndexes(QListView* view) {
  std::set<int> rows;
  std::vector<QModelIndex> out;
  const QSize grid = view->gridSize();
  const QRect area = view->viewport()->rect();
  for (int y = grid.height() / 2; y < area.height(); y += grid.height())
    for (int x = grid.width() / 2; x < area.width(); x += grid.width()) {
      const QModelIndex idx = view->indexAt(QPoint(x, y));
      if (idx.isValid() && rows.insert(idx.row()).second) out.push_back(idx);
    }
  return out;
}

bool allLoaded(QListView* view) {
  const auto visible = visibleIndexes(view);
  for (const auto& idx : visible)
    if (idx.data(ThumbnailModel::ThumbnailStateRole).toInt() !=
        static_cast<int>(ThumbnailModel::ThumbnailState::Loaded))
      return false;
  return !visible.empty();
}

// Counts the viewport's paints, and those where every visible thumbnail was already decoded.
class PaintCounter : public QObject {
 public:
  explicit PaintCounter(QListView* view) : QObject(view), m_view(view) {
    view->viewport()->installEventFilter(this);
  }
  int paints = 0;
  int complete = 0;
  std::function<void(bool complete)> on_paint;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (watched == m_view->viewport() && event->type() == QEvent::Paint) {
      ++paints;
      // The state now is what this paint draws.
      const bool all = allLoaded(m_view);
      complete += all;
      if (on_paint) on_paint(all);
    }
    return false;
  }

 private:
  QListView* m_view;
};

wb::Result<wb::data::DatasetVersion> prepare(const fs::path& dir) {
  const fs::path ws_dir = dir / "workspace";
  if (wb::Workspace::isWorkspace(ws_dir)) {
    auto ws = wb::Workspace::open(ws_dir);
    if (!ws) return ws.error();
    auto db = ws->connect();
    if (!db) return db.error();
    auto v = wb::data::DatasetRepository(**db).resolve(kDataset);
    if (v && v->sample_count >= kItems) {
      std::printf("reusing %s (%lld samples)\n", ws_dir.c_str(),
                  static_cast<long long>(v->sample_count));
      return v;
    }
  }
  const fs::path images = dir / "images";
  QElapsedTimer t;
  t.start();
  wb::demo::DemoDataOptions o;
  o.digits_per_class = kItems / 10;
  o.shapes_per_class = 1;
  o.headlines = 10;
  if (auto st = wb::demo::writeDemoDatasets(images, o); !st) return st.error();
  std::printf("generated %d 28x28 PNG files in %.1f s\n", kItems, seconds(t));
  auto ws = wb::Workspace::isWorkspace(ws_dir) ? wb::Workspace::open(ws_dir)
                                               : wb::Workspace::create(ws_dir);
  if (!ws) return ws.error();
  wb::data::ImportOptions io;
  io.dataset = kDataset;
  io.format = wb::data::SourceFormat::ImageFolder;
  io.source = images / wb::demo::kDigitsDir;
  t.restart();
  auto r = wb::data::importDataset(*ws, io);
  if (!r) return r.error();
  std::printf("imported %zu samples in %.1f s (%.0f files/s, %zu new objects)\n", r->samples,
              seconds(t), static_cast<double>(r->samples) / seconds(t), r->new_objects);
  return r->version;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QTemporaryDir tmp;
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(tmp.path().toStdString());
  fs::create_directories(dir);
  auto version = prepare(dir);
  if (!version) {
    std::fprintf(stderr, "cannot prepare the dataset: %s\n", version.error().text().c_str());
    return 1;
  }
  auto ws = wb::Workspace::open(dir / "workspace");
  if (!ws) return 1;

  QElapsedTimer t;
  t.start();
  auto manifest = wb::data::loadManifest(*ws, *version);
  if (!manifest) {
    std::fprintf(stderr, "%s\n", manifest.error().text().c_str());
    return 1;
  }
  const double load_s = seconds(t);
  auto shared = std::make_shared<const wb::data::Manifest>(std::move(*manifest));
  std::printf("manifest of %zu samples loaded in %.0f ms (off the GUI thread in the app)\n",
              shared->samples.size(), load_s * 1000);

  wb::ui::ThumbnailGridWidget grid;
  grid.resize(1500, 940);
  auto* view = grid.view();
  PaintCounter counter(view);
  QElapsedTimer clock;
  double first_paint_ms = -1, first_full_ms = -1;
  counter.on_paint = [&](bool complete) {
    const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    if (first_paint_ms < 0) first_paint_ms = ms;
    if (complete && first_full_ms < 0) first_full_ms = ms;
  };
  clock.start();
  grid.setManifest(*ws, shared);
  grid.show();
  const double set_ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
  while (first_full_ms < 0 && clock.elapsed() < 20000)
    QApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
  const int visible = static_cast<int>(visibleIndexes(view).size());
  std::printf("\ngrid %dx%d, %d thumbnails visible, %d loader threads, %s platform\n",
              view->viewport()->width(), view->viewport()->height(), visible,
              grid.model()->loader()->threadCount(), qPrintable(QGuiApplication::platformName()));
  std::printf("  setManifest + show (model reset, layout of 100,000 items): %.1f ms\n", set_ms);
  std::printf("  show -> first paint (placeholders):                        %.1f ms\n",
              first_paint_ms);
  std::printf("  show -> first paint with every visible thumbnail:          %.1f ms\n",
              first_full_ms);

  auto* bar = view->verticalScrollBar();
  // Event-loop latency: a 5 ms timer's worst lateness.
  qint64 worst_gap_ms = 0, last_tick = clock.elapsed();
  QTimer tick;
  tick.setInterval(5);
  QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
    const qint64 now = clock.elapsed();
    worst_gap_ms = std::max(worst_gap_ms, now - last_tick - 5);
    last_tick = now;
  });

  // 1. Steady scroll driven at 60 Hz: frames/s, frames with every thumbnail, and how long after
  // a scroll step its thumbnails are all on screen.
  auto steady = [&](double duration_s, double distance_px, const char* what) {
    bar->setValue(0);
    QApplication::processEvents();
    counter.paints = counter.complete = 0;
    worst_gap_ms = 0;
    std::vector<double> fill_ms;
    double step_at_ms = -1;
    int steps = 0;
    counter.on_paint = [&](bool complete) {
      const double now = static_cast<double>(clock.nsecsElapsed()) / 1e6;
      if (complete && step_at_ms >= 0) {
        fill_ms.push_back(now - step_at_ms);
        step_at_ms = -1;
      }
    };
    last_tick = clock.elapsed();
    tick.start();
    QElapsedTimer run;
    run.start();
    const quint64 decoded0 = grid.model()->loader()->decodedCount();
    const quint64 dropped0 = grid.model()->loader()->droppedCount();
    QTimer scroller;
    scroller.setTimerType(Qt::PreciseTimer);
    scroller.setInterval(16);
    bool done = false;
    QObject::connect(&scroller, &QTimer::timeout, &scroller, [&] {
      const double f = std::min(1.0, seconds(run) / duration_s);
      bar->setValue(static_cast<int>(f * distance_px));
      ++steps;
      step_at_ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
      if (f >= 1.0) {
        scroller.stop();
        done = true;
      }
    });
    scroller.start();
    while (!done) QApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    const double elapsed = seconds(run);
    tick.stop();
    counter.on_paint = nullptr;
    const int paints = counter.paints, complete = counter.complete;
    std::sort(fill_ms.begin(), fill_ms.end());
    auto pct = [&](double p) {
      return fill_ms.empty() ? -1.0 : fill_ms[static_cast<std::size_t>(p * (fill_ms.size() - 1))];
    };
    std::printf("\n%s: %.0f px in %.1f s (%.0f px/s = %.1f screens/s, %d scroll steps):\n", what,
                distance_px, elapsed, distance_px / elapsed,
                distance_px / elapsed / view->viewport()->height(), steps);
    std::printf("  frames: %d -> %.1f frames/s; %.0f%% of frames had every visible thumbnail\n",
                paints, paints / elapsed, 100.0 * complete / std::max(1, paints));
    std::printf(
        "  steps whose thumbnails were all on screen before the next step: %.0f%%; "
        "step -> complete frame median %.0f ms, p90 %.0f ms\n",
        100.0 * static_cast<double>(fill_ms.size()) / std::max(1, steps), pct(0.5), pct(0.9));
    std::printf("  worst event-loop delay: %lld ms\n", static_cast<long long>(worst_gap_ms));
    std::printf("  thumbnails decoded: %llu, requests dropped as stale: %llu\n",
                static_cast<unsigned long long>(grid.model()->loader()->decodedCount() - decoded0),
                static_cast<unsigned long long>(grid.model()->loader()->droppedCount() - dropped0));
    return paints / elapsed;
  };
  const double screen = view->viewport()->height();
  const double reading_fps = steady(5.0, 5 * 2 * screen, "reading scroll (2 screens/s)");
  const double slow_fps =
      steady(30.0, bar->maximum(), "steady scroll through all 100,000 items in 30 s");
  const double fast_fps = steady(5.0, bar->maximum(), "fling through all 100,000 items in 5 s");

  // 2. Unthrottled: the next scroll step right after each paint — how fast the grid renders.
  bar->setValue(0);
  QApplication::processEvents();
  counter.paints = counter.complete = 0;
  worst_gap_ms = 0;
  const int step = view->viewport()->height() / 3;
  QElapsedTimer run;
  run.start();
  last_tick = clock.elapsed();
  tick.start();
  counter.on_paint = [&](bool) {
    QTimer::singleShot(0, &grid,
                       [&] { bar->setValue(std::min(bar->maximum(), bar->value() + step)); });
  };
  bar->setValue(step);
  while (seconds(run) < 3.0 && bar->value() < bar->maximum())
    QApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
  tick.stop();
  const double max_fps = counter.paints / seconds(run);
  std::printf(
      "\nunthrottled scroll (a third of a screen per frame, %.1f s): %.0f frames/s, %.0f%% "
      "complete, worst delay %lld ms\n",
      seconds(run), max_fps, 100.0 * counter.complete / std::max(1, counter.paints),
      static_cast<long long>(worst_gap_ms));

  std::printf(
      "\nfigure: thumbnail grid over %d images: first paint with thumbnails %.0f ms after show(); "
      "scrolling at 2 screens/s %.0f frames/s, whole list in 30 s %.0f frames/s, in 5 s %.0f "
      "frames/s "
      "(60 Hz scroll steps); unthrottled %.0f frames/s\n",
      kItems, first_full_ms, reading_fps, slow_fps, fast_fps, max_fps);
  const std::string figure = "Thumbnail grid of " + wb::bench::grouped(kItems) + " images (" +
                             QGuiApplication::platformName().toStdString() + ")";
  wb::bench::readmeRow(figure + ": first paint with every visible thumbnail",
                       "ours alone: from show() to the first paint with thumbnails",
                       wb::formatFixed(first_full_ms, 0) + " ms", "measured");
  wb::bench::readmeRow(figure + ": scrolling",
                       "ours alone: frames/s at 2 screens/s, through the whole list in 30 s, and "
                       "unthrottled",
                       wb::formatFixed(reading_fps, 0) + " / " + wb::formatFixed(slow_fps, 0) +
                           " / " + wb::formatFixed(max_fps, 0) + " frames/s",
                       "smooth");
  return 0;
}
