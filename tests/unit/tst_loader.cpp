// DataLoader: batch shapes, epoch order, determinism across workers and cache, fitting on the
// train split, corrupt objects, shutdown mid-epoch, tables and texts.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/numbers.h"
#include "core/data/dataset_repository.h"
#include "core/data/feature_transforms.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/data/loader.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace wb::data;

namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Pixels that depend on the seed everywhere, so no two generated files are the same object.
Image makeImage(int seed, int w, int h, int channels) {
  Image img = Image::zeros(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c)
        img.row(y)[x * channels + c] = static_cast<std::uint8_t>(
            (x * 17 + y * 29 + c * 71 + seed * 37 + (x * y * seed) % 23) % 256);
  return img;
}

std::string png(const Image& img) {
  auto bytes = encodePng(img);
  if (!bytes) qFatal("encodePng: %s", bytes.error().text().c_str());
  return *bytes;
}

std::string jpeg(const Image& img) {
  auto bytes = encodeJpeg(img, 90);
  if (!bytes) qFatal("encodeJpeg: %s", bytes.error().text().c_str());
  return *bytes;
}

// All batches of one epoch, or the first error.
struct Epoch {
  std::vector<Batch> batches;
  std::string error;
};

Epoch readEpoch(DataLoader& loader, int epoch) {
  Epoch out;
  loader.startEpoch(epoch);
  for (;;) {
    auto batch = loader.next();
    if (!batch) {
      out.error = batch.error().text();
      return out;
    }
    if (!*batch) return out;
    out.batches.push_back(std::move(**batch));
  }
}

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  if (a.sizes().vec() != b.sizes().vec() || a.scalar_type() != b.scalar_type()) return false;
  return std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * a.element_size()) == 0;
}

bool sameBatches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].indices != b[i].indices || !sameTensor(a[i].inputs, b[i].inputs) ||
        !sameTensor(a[i].targets, b[i].targets) || !sameTensor(a[i].offsets, b[i].offsets))
      return false;
  }
  return true;
}

std::vector<std::size_t> order(const std::vector<Batch>& batches) {
  std::vector<std::size_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.indices.begin(), b.indices.end());
  return out;
}

std::vector<std::size_t> splitMembers(const Manifest& m, Split split) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < m.samples.size(); ++i)
    if (m.samples[i].split == split) out.push_back(i);
  return out;
}

LoaderOptions opts(int batch, int workers = 2) {
  LoaderOptions o;
  o.batch_size = batch;
  o.workers = workers;
  o.seed = 7;
  return o;
}

}  // namespace

class TestLoader : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  std::optional<wb::Workspace> m_ws;
  Manifest m_gray;   // 3 classes of 12×10 gray PNGs
  Manifest m_rgb;    // 2 classes of 20×16 RGB JPEGs
  Manifest m_mixed;  // PNGs of two sizes, gray and RGB
  Manifest m_table;  // classification CSV
  Manifest m_reg;    // the same CSV, regression target
  Manifest m_text;   // text CSV

  Manifest import(const std::string& name, SourceFormat format, const fs::path& source,
                  ImportOptions o = {}) {
    o.dataset = name;
    o.format = format;
    o.source = source;
    auto r = importDataset(*m_ws, o);
    if (!r) qFatal("import %s: %s", name.c_str(), r.error().text().c_str());
    auto m = loadManifest(*m_ws, r->version);
    if (!m) qFatal("manifest %s: %s", name.c_str(), m.error().text().c_str());
    return std::move(m).value();
  }

  std::unique_ptr<DataLoader> make(const Manifest& m, const json& transforms,
                                   const LoaderOptions& o) {
    auto loader = DataLoader::create(*m_ws, m, transforms, o);
    if (!loader) qFatal("create: %s", loader.error().text().c_str());
    return std::move(loader).value();
  }

  static json augment() {
    return json::parse(R"([{"name": "random_crop", "size": 12, "padding": 2},
                           {"name": "hflip"},
                           {"name": "normalize", "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]}])");
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const fs::path root = m_dir.path().toStdString();
    auto ws = wb::Workspace::create(root / "ws");
    WB_VERIFY_OK(ws);
    m_ws = *ws;

    int seed = 1;
    for (const char* cls : {"a", "b", "c"})
      for (int i = 0; i < 12; ++i)
        writeFile(root / "gray" / cls / ("g" + std::to_string(i) + ".png"),
                  png(makeImage(seed++, 12, 10, 1)));
    m_gray = import("gray", SourceFormat::ImageFolder, root / "gray");

    for (const char* cls : {"cat", "dog"})
      for (int i = 0; i < 15; ++i)
        writeFile(root / "rgb" / cls / ("r" + std::to_string(i) + ".jpg"),
                  jpeg(makeImage(seed++, 20, 16, 3)));
    m_rgb = import("rgb", SourceFormat::ImageFolder, root / "rgb");

    for (int i = 0; i < 6; ++i) {
      const bool big = i % 2 == 1;
      writeFile(root / "mixed" / (i < 3 ? "x" : "y") / ("m" + std::to_string(i) + ".png"),
                png(makeImage(seed++, big ? 20 : 12, big ? 16 : 10, i % 3 == 2 ? 3 : 1)));
    }
    m_mixed = import("mixed", SourceFormat::ImageFolder, root / "mixed");

    std::string csv = "x1,x2,color,label\n";
    for (int i = 0; i < 60; ++i) {
      const char* color = i % 3 == 0 ? "red" : (i % 3 == 1 ? "green" : "blue");
      csv += wb::formatDouble(i * 0.5 + 3.25) + "," + std::to_string((i * 7) % 13) + "," + color +
             "," + (i % 2 ? "yes" : "no") + "\n";
    }
    writeFile(root / "table.csv", csv);
    ImportOptions table_options;
    table_options.target_column = "label";
    m_table = import("table", SourceFormat::Table, root / "table.csv", table_options);
    ImportOptions reg_options;
    reg_options.target_column = "x1";
    reg_options.task = Task::Regression;
    m_reg = import("reg", SourceFormat::Table, root / "table.csv", reg_options);

    const char* words[] = {"alpha", "Beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
    std::string text_csv = "text,label\n";
    for (int i = 0; i < 40; ++i) {
      std::string text;
      for (int k = 0; k <= i % 5; ++k)
        text += std::string(k ? " " : "") + words[(i * 3 + k * 5) % 8];
      if (i % 7 == 0) text += " rare" + std::to_string(i);
      text_csv +=
          "\"" + text + "\"," + (i % 3 == 0 ? "pos" : (i % 3 == 1 ? "neg" : "neutral")) + "\n";
    }
    writeFile(root / "text.csv", text_csv);
    ImportOptions text_options;
    text_options.text_columns = {"text"};
    text_options.target_column = "label";
    m_text = import("text", SourceFormat::Text, root / "text.csv", text_options);
  }

  void imageBatchShapes() {
    auto loader = make(m_gray, json::array(), opts(8));
    const auto train = splitMembers(m_gray, Split::Train);
    QCOMPARE(loader->size(), train.size());
    QCOMPARE(loader->batchesPerEpoch(), (train.size() + 7) / 8);
    QCOMPARE(loader->inputShape(), (std::vector<std::int64_t>{1, 10, 12}));
    QCOMPARE(loader->classes(), (std::vector<std::string>{"a", "b", "c"}));
    QCOMPARE(loader->classCount(), std::size_t(3));
    QVERIFY(loader->task() == Task::Classification);
    const Epoch e = readEpoch(*loader, 0);
    QVERIFY2(e.error.empty(), e.error.c_str());
    QCOMPARE(e.batches.size(), loader->batchesPerEpoch());
    for (std::size_t b = 0; b < e.batches.size(); ++b) {
      const Batch& batch = e.batches[b];
      const std::int64_t n = b + 1 < e.batches.size() ? 8 : std::int64_t(train.size() - 8 * b);
      QCOMPARE(batch.inputs.sizes().vec(), (std::vector<std::int64_t>{n, 1, 10, 12}));
      QVERIFY(batch.inputs.scalar_type() == at::kFloat);
      QCOMPARE(batch.targets.sizes().vec(), (std::vector<std::int64_t>{n}));
      QVERIFY(batch.targets.scalar_type() == at::kLong);
      QVERIFY(!batch.offsets.defined());
      for (std::int64_t k = 0; k < n; ++k) {
        const Sample& s = m_gray.samples[batch.indices[k]];
        const std::int64_t want = s.label == "a" ? 0 : (s.label == "b" ? 1 : 2);
        QCOMPARE(batch.targets.data_ptr<std::int64_t>()[k], want);
      }
    }
    // Without transforms a value is the pixel / 255.
    const Batch& first = e.batches.front();
    auto decoded = readImageFile(samplePath(*m_ws, m_gray, m_gray.samples[first.indices[0]]));
    WB_VERIFY_OK(decoded);
    const float* px = first.inputs.data_ptr<float>();
    for (std::size_t i = 0; i < decoded->pixels.size(); ++i)
      QCOMPARE(px[i], float(decoded->pixels[i] / 255.0));
  }

  void rgbBatchIsChwOfTheDecodedPixels() {
    auto loader = make(m_rgb, json::array(), opts(4));
    QCOMPARE(loader->inputShape(), (std::vector<std::int64_t>{3, 16, 20}));
    const Epoch e = readEpoch(*loader, 0);
    QVERIFY2(e.error.empty(), e.error.c_str());
    for (const Batch& batch : e.batches) {
      for (std::int64_t k = 0; k < batch.inputs.size(0); ++k) {
        const Sample& s = m_rgb.samples[batch.indices[k]];
        QCOMPARE(batch.targets.data_ptr<std::int64_t>()[k], std::int64_t(s.label == "cat" ? 0 : 1));
        auto decoded = readImageFile(samplePath(*m_ws, m_rgb, s));
        WB_VERIFY_OK(decoded);
        const float* px = batch.inputs.data_ptr<float>() + k * 3 * 16 * 20;
        for (int c = 0; c < 3; ++c)
          for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 20; ++x)
              QCOMPARE(px[(c * 16 + y) * 20 + x],
                       float(decoded->pixels[(std::size_t(y) * 20 + x) * 3 + c] / 255.0));
      }
    }
  }

  void everySampleOncePerEpoch() {
    auto loader = make(m_gray, json::array(), opts(5, 3));
    const auto train = splitMembers(m_gray, Split::Train);
    for (int epoch = 0; epoch < 3; ++epoch) {
      const Epoch e = readEpoch(*loader, epoch);
      QVERIFY2(e.error.empty(), e.error.c_str());
      auto seen = order(e.batches);
      std::sort(seen.begin(), seen.end());
      QCOMPARE(seen, train);
    }
    // next() after the end keeps saying "end" until the next epoch starts.
    auto after = loader->next();
    WB_VERIFY_OK(after);
    QVERIFY(!after->has_value());
  }

  void shuffleDeterministic() {
    auto a = make(m_gray, json::array(), opts(4));
    auto b = make(m_gray, json::array(), opts(4));
    LoaderOptions other = opts(4);
    other.seed = 8;
    auto c = make(m_gray, json::array(), other);
    const auto a0 = order(readEpoch(*a, 0).batches);
    const auto a1 = order(readEpoch(*a, 1).batches);
    QCOMPARE(order(readEpoch(*b, 0).batches), a0);
    QCOMPARE(order(readEpoch(*b, 1).batches), a1);
    QVERIFY(a0 != a1);
    QVERIFY(order(readEpoch(*c, 0).batches) != a0);
    // Restarting an epoch replays it.
    QCOMPARE(order(readEpoch(*a, 0).batches), a0);
    // No shuffle: manifest order.
    LoaderOptions plain = opts(4);
    plain.shuffle = false;
    auto d = make(m_gray, json::array(), plain);
    QCOMPARE(order(readEpoch(*d, 3).batches), splitMembers(m_gray, Split::Train));
  }

  void sameBatchesWithAnyWorkerCount() {
    LoaderOptions o = opts(4, 1);
    o.cache = LoaderOptions::Cache::Off;
    auto one = make(m_rgb, augment(), o);
    o.workers = 3;
    o.prefetch_batches = 2;
    auto three = make(m_rgb, augment(), o);
    o.workers = 0;
    auto inline_loader = make(m_rgb, augment(), o);
    QCOMPARE(one->inputShape(), (std::vector<std::int64_t>{3, 12, 12}));
    for (int epoch = 0; epoch < 2; ++epoch) {
      const Epoch e1 = readEpoch(*one, epoch);
      QVERIFY2(e1.error.empty(), e1.error.c_str());
      QVERIFY(sameBatches(e1.batches, readEpoch(*three, epoch).batches));
      QVERIFY(sameBatches(e1.batches, readEpoch(*inline_loader, epoch).batches));
    }
    // The augmentation is random: two epochs give different pixels for the same sample.
    const Epoch e0 = readEpoch(*one, 0), e1 = readEpoch(*one, 1);
    std::map<std::size_t, at::Tensor> first;
    for (const auto& b : e0.batches)
      for (std::size_t k = 0; k < b.indices.size(); ++k) first[b.indices[k]] = b.inputs[k];
    int differ = 0;
    for (const auto& b : e1.batches)
      for (std::size_t k = 0; k < b.indices.size(); ++k)
        differ += sameTensor(first[b.indices[k]].contiguous(), b.inputs[k].contiguous()) ? 0 : 1;
    QVERIFY(differ > 0);
  }

  void dropLast() {
    const auto train = splitMembers(m_gray, Split::Train);
    int bs = 4;
    while (train.size() % bs == 0) ++bs;  // a batch size that leaves a partial batch
    LoaderOptions o = opts(bs);
    o.drop_last = true;
    auto loader = make(m_gray, json::array(), o);
    QCOMPARE(loader->batchesPerEpoch(), train.size() / bs);
    const Epoch e = readEpoch(*loader, 0);
    QCOMPARE(e.batches.size(), train.size() / bs);
    for (const auto& b : e.batches) QCOMPARE(b.inputs.size(0), std::int64_t(bs));
    o.drop_last = false;
    QCOMPARE(make(m_gray, json::array(), o)->batchesPerEpoch(), train.size() / bs + 1);
  }

  void evalModeDeterministic() {
    LoaderOptions o = opts(4);
    o.mode = ImagePipeline::Mode::Eval;
    auto a = make(m_rgb, augment(), o);
    o.seed = 99;
    auto b = make(m_rgb, augment(), o);
    // Eval: random_crop centres and hflip is off, whatever the epoch or seed.
    std::map<std::size_t, at::Tensor> by_sample;
    for (const auto& batch : readEpoch(*a, 0).batches)
      for (std::size_t k = 0; k < batch.indices.size(); ++k)
        by_sample[batch.indices[k]] = batch.inputs[k].contiguous();
    for (auto* loader : {a.get(), b.get()}) {
      for (const auto& batch : readEpoch(*loader, 5).batches)
        for (std::size_t k = 0; k < batch.indices.size(); ++k)
          QVERIFY(sameTensor(by_sample.at(batch.indices[k]), batch.inputs[k].contiguous()));
    }
    // And equals a centre crop computed here: (20-12)/2 = 4, (16-12)/2 = 2.
    const std::size_t idx = by_sample.begin()->first;
    auto img = readImageFile(samplePath(*m_ws, m_rgb, m_rgb.samples[idx]));
    WB_VERIFY_OK(img);
    const float* px = by_sample.begin()->second.data_ptr<float>();
    const float mean[3] = {0.5f, 0.4f, 0.3f}, sd[3] = {0.2f, 0.25f, 0.3f};
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 12; ++y)
        for (int x = 0; x < 12; ++x) {
          const double v = img->row(y + 2)[(x + 4) * 3 + c] / 255.0;
          QVERIFY(std::abs(px[(c * 12 + y) * 12 + x] - (v - mean[c]) / sd[c]) < 1e-5);
        }
  }

  void normalizeFittedOnTrain() {
    const json spec = json::parse(R"([{"name": "normalize"}])");
    auto train_loader = make(m_rgb, spec, opts(8));
    LoaderOptions val = opts(8);
    val.split = Split::Val;
    auto val_loader = make(m_rgb, spec, val);
    QCOMPARE(val_loader->size(), splitMembers(m_rgb, Split::Val).size());

    // Direct computation over the train split's decoded pixels.
    double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
    double count = 0;
    for (std::size_t i : splitMembers(m_rgb, Split::Train)) {
      auto img = readImageFile(samplePath(*m_ws, m_rgb, m_rgb.samples[i]));
      WB_VERIFY_OK(img);
      for (std::size_t p = 0; p < img->pixels.size(); p += 3) {
        for (int c = 0; c < 3; ++c) {
          const double v = img->pixels[p + c] / 255.0;
          sum[c] += v;
          sq[c] += v * v;
        }
        count += 1;
      }
    }
    const json fitted = train_loader->fittedTransforms();
    QCOMPARE(fitted.size(), std::size_t(1));
    QCOMPARE(fitted[0]["name"].get<std::string>(), std::string("normalize"));
    for (int c = 0; c < 3; ++c) {
      const double mean = sum[c] / count;
      const double sd = std::sqrt(sq[c] / count - mean * mean);
      QVERIFY(std::abs(fitted[0]["mean"][c].get<double>() - mean) < 1e-5);
      QVERIFY(std::abs(fitted[0]["std"][c].get<double>() - sd) < 1e-5);
    }
    // Validation uses the train statistics, and the fitted spec reloads as it is.
    QVERIFY(val_loader->fittedTransforms() == fitted);
    auto refit = make(m_rgb, fitted, val);
    QVERIFY(refit->fittedTransforms() == fitted);

    // Normalized train batches then have ~0 mean per channel.
    LoaderOptions eval = opts(64);
    eval.mode = ImagePipeline::Mode::Eval;
    auto check = make(m_rgb, fitted, eval);
    const Epoch e = readEpoch(*check, 0);
    QCOMPARE(e.batches.size(), std::size_t(1));
    const auto& t = e.batches[0].inputs;
    const float* px = t.data_ptr<float>();
    const std::int64_t plane = 16 * 20;
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (std::int64_t n = 0; n < t.size(0); ++n)
        for (std::int64_t p = 0; p < plane; ++p) s += px[(n * 3 + c) * plane + p];
      QVERIFY(std::abs(s / double(t.size(0) * plane)) < 1e-4);
    }
  }

  void cachedMatchesUncached() {
    LoaderOptions o = opts(4, 2);
    o.cache = LoaderOptions::Cache::Off;
    auto off = make(m_rgb, augment(), o);
    o.cache = LoaderOptions::Cache::On;
    auto on = make(m_rgb, augment(), o);
    o.cache = LoaderOptions::Cache::Auto;
    auto automatic = make(m_rgb, augment(), o);
    QVERIFY(!off->cacheEnabled());
    QVERIFY(on->cacheEnabled());
    QVERIFY(automatic->cacheEnabled());  // a few KB: far below the Auto limit
    for (int epoch = 0; epoch < 3; ++epoch) {
      const Epoch e = readEpoch(*off, epoch);
      QVERIFY2(e.error.empty(), e.error.c_str());
      QVERIFY(sameBatches(e.batches, readEpoch(*on, epoch).batches));
    }
  }

  void recycledBuffersNeverAliasHeldBatches() {
    // Batch buffers are reused once nobody holds them; a view kept by the consumer must pin
    // its batch's memory.
    LoaderOptions o = opts(3, 2);
    o.prefetch_batches = 1;
    auto loader = make(m_rgb, augment(), o);
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::vector<std::pair<at::Tensor, at::Tensor>> held;  // (view into a batch, its copy)
      loader->startEpoch(epoch);
      for (;;) {
        auto batch = loader->next();
        WB_VERIFY_OK(batch);
        if (!*batch) break;
        at::Tensor view = (*batch)->inputs[0];
        held.emplace_back(view, view.clone());
      }
      for (const auto& [view, copy] : held) QVERIFY(sameTensor(view, copy));
    }
  }

  void batchBuffersAreReused() {
    // A consumer that drops each batch gets recycled buffers (fresh ones cost page faults).
    LoaderOptions o = opts(2, 2);
    o.prefetch_batches = 2;
    auto loader = make(m_rgb, augment(), o);
    std::set<const void*> buffers;
    std::size_t batches = 0;
    for (int epoch = 0; epoch < 3; ++epoch) {
      loader->startEpoch(epoch);
      for (;;) {
        auto batch = loader->next();
        WB_VERIFY_OK(batch);
        if (!*batch) break;
        buffers.insert((*batch)->inputs.data_ptr());
        ++batches;
      }
    }
    QVERIFY(batches > 20);
    QVERIFY2(buffers.size() <= 6, std::to_string(buffers.size()).c_str());
  }

  void mixedSizesBatch() {
    auto loader = make(m_mixed, json::array(), opts(64));
    const auto shape = loader->inputShape();
    QCOMPARE(shape.size(), std::size_t(3));
    LoaderOptions all = opts(64);
    for (Split split : {Split::Train, Split::Val, Split::Test}) {
      all.split = split;
      auto l = make(m_mixed, json::array(), all);
      QCOMPARE(l->inputShape(), shape);
      const Epoch e = readEpoch(*l, 0);
      QVERIFY2(e.error.empty(), e.error.c_str());
      for (const auto& b : e.batches) {
        auto sizes = b.inputs.sizes().vec();
        sizes.erase(sizes.begin());
        QCOMPARE(sizes, shape);
      }
    }
  }

  void emptySplit() {
    Manifest all_train = m_mixed;
    for (Sample& s : all_train.samples) s.split = Split::Train;
    LoaderOptions o = opts(4);
    o.split = Split::Val;
    auto loader = make(all_train, json::array(), o);
    QCOMPARE(loader->size(), std::size_t(0));
    QCOMPARE(loader->batchesPerEpoch(), std::size_t(0));
    QCOMPARE(loader->inputShape().size(), std::size_t(3));
    auto batch = loader->next();
    WB_VERIFY_OK(batch);
    QVERIFY(!batch->has_value());
  }

  void corruptObjectIsAnError() {
    const fs::path root = fs::path(m_dir.path().toStdString()) / "broken";
    for (int i = 0; i < 10; ++i)
      writeFile(root / (i % 2 ? "p" : "q") / ("b" + std::to_string(i) + ".png"),
                png(makeImage(1000 + i, 9, 7, 1)));
    const Manifest m = import("broken", SourceFormat::ImageFolder, root);
    const auto train = splitMembers(m, Split::Train);
    QVERIFY(train.size() >= 4);
    const Sample& victim = m.samples[train[1]];
    const fs::path object = samplePath(*m_ws, m, victim);
    QVERIFY(::chmod(object.c_str(), 0644) == 0);  // the store keeps objects read-only
    writeFile(object, std::string("\x89PNG\r\n\x1a\n garbage, not a PNG any more", 40));

    LoaderOptions o = opts(2, 2);
    o.shuffle = false;
    o.cache = LoaderOptions::Cache::Off;
    auto loader = make(m, json::array(), o);
    std::size_t good = 0;
    int errors = 0;
    for (;;) {
      auto batch = loader->next();
      if (!batch) {
        ++errors;
        QVERIFY2(batch.error().text().find(victim.key) != std::string::npos,
                 batch.error().text().c_str());
        continue;  // the loader goes on with the next batch
      }
      if (!*batch) break;
      good += (*batch)->indices.size();
    }
    QCOMPARE(errors, 1);
    QCOMPARE(good, train.size() - 2);  // the batch holding the corrupt sample is dropped

    // Fitting normalize reads the train split: the corrupt sample is named there too.
    auto fit = DataLoader::create(*m_ws, m, json::parse(R"([{"name": "normalize"}])"), o);
    QVERIFY(!fit);
    QVERIFY2(fit.error().text().find(victim.key) != std::string::npos, fit.error().text().c_str());
  }

  void destroyMidEpochDoesNotHang() {
    QElapsedTimer timer;
    timer.start();
    for (int round = 0; round < 5; ++round) {
      LoaderOptions o = opts(2, 3);
      o.prefetch_batches = 1;
      o.cache = LoaderOptions::Cache::Off;
      auto loader = make(m_rgb, augment(), o);
      if (round == 0) continue;  // never started
      loader->startEpoch(0);
      if (round == 1) continue;  // workers busy, nothing consumed
      auto batch = loader->next();
      WB_VERIFY_OK(batch);
      if (round == 3) loader->startEpoch(1);  // restarted with batches in flight
    }
    QVERIFY(timer.elapsed() < 5000);
  }

  void openByReference() {
    auto loader = DataLoader::open(*m_ws, "gray@latest", json::array(), opts(8));
    WB_VERIFY_OK(loader);
    QCOMPARE((*loader)->size(), splitMembers(m_gray, Split::Train).size());
    auto missing = DataLoader::open(*m_ws, "nope@1", json::array(), opts(8));
    QVERIFY(!missing);
  }

  void badOptions() {
    LoaderOptions o = opts(8);
    o.device = "toaster";
    QVERIFY(!DataLoader::create(*m_ws, m_gray, json::array(), o));
    o.device = "cuda";
    auto cuda = DataLoader::create(*m_ws, m_gray, json::array(), o);
    if (!cuda) QVERIFY(cuda.error().text().find("CUDA") != std::string::npos);
    o = opts(0);
    QVERIFY(!DataLoader::create(*m_ws, m_gray, json::array(), o));
    QVERIFY(!DataLoader::create(*m_ws, m_gray, json::parse(R"([{"name": "blur"}])"), opts(8)));
  }

  void tableStandardized() {
    const json spec = json::parse(R"([{"name": "standardize"}, {"name": "one_hot"}])");
    auto loader = make(m_table, spec, opts(7));
    const auto features = loader->inputShape();
    QCOMPARE(features, (std::vector<std::int64_t>{5}));  // x1, x2, 3 colours
    QCOMPARE(loader->classes(), (std::vector<std::string>{"no", "yes"}));
    QVERIFY(loader->task() == Task::Classification);
    const Epoch e = readEpoch(*loader, 0);
    QVERIFY2(e.error.empty(), e.error.c_str());
    double sum[2] = {0, 0}, sq[2] = {0, 0};
    std::size_t rows = 0;
    for (const auto& b : e.batches) {
      QVERIFY(b.inputs.scalar_type() == at::kFloat);
      QCOMPARE(b.inputs.size(1), std::int64_t(5));
      QVERIFY(b.targets.scalar_type() == at::kLong);
      const float* x = b.inputs.data_ptr<float>();
      for (std::int64_t r = 0; r < b.inputs.size(0); ++r) {
        for (int f = 0; f < 2; ++f) {
          sum[f] += x[r * 5 + f];
          sq[f] += x[r * 5 + f] * x[r * 5 + f];
        }
        const Sample& s = m_table.samples[b.indices[r]];
        QCOMPARE(b.targets.data_ptr<std::int64_t>()[r], std::int64_t(s.label == "yes" ? 1 : 0));
      }
      rows += b.inputs.size(0);
    }
    QCOMPARE(rows, splitMembers(m_table, Split::Train).size());
    for (int f = 0; f < 2; ++f) {
      QVERIFY(std::abs(sum[f] / rows) < 1e-5);
      QVERIFY(std::abs(sq[f] / rows - 1.0) < 1e-4);
    }
    // Validation rows go through the train statistics: not centred exactly.
    LoaderOptions val = opts(64);
    val.split = Split::Val;
    auto val_loader = make(m_table, spec, val);
    QVERIFY(val_loader->fittedTransforms() == loader->fittedTransforms());

    auto reg = make(m_reg, json::array(), opts(16));
    QVERIFY(reg->task() == Task::Regression);
    const Epoch r = readEpoch(*reg, 0);
    QVERIFY2(r.error.empty(), r.error.c_str());
    for (const auto& b : r.batches) {
      QVERIFY(b.targets.scalar_type() == at::kFloat);
      for (std::int64_t k = 0; k < b.targets.size(0); ++k)
        QCOMPARE(b.targets.data_ptr<float>()[k], static_cast<float>(*wb::parseDouble(m_reg.samples[b.indices[k]].label)));
    }
  }

  void textBatches() {
    const json spec =
        json::parse(R"([{"name": "lowercase"}, {"name": "tokenize"}, {"name": "vocabulary"}])");
    auto loader = make(m_text, spec, opts(6));
    auto pipeline = TextPipeline::fromJson(loader->fittedTransforms());
    WB_VERIFY_OK(pipeline);
    QVERIFY(pipeline->fitted());
    QCOMPARE(loader->vocabularySize(), pipeline->vocabularySize());
    QVERIFY(loader->vocabularySize() > 2);
    QCOMPARE(loader->inputShape(), std::vector<std::int64_t>{});
    QCOMPARE(loader->classes(), (std::vector<std::string>{"neg", "neutral", "pos"}));
    const Epoch e = readEpoch(*loader, 0);
    QVERIFY2(e.error.empty(), e.error.c_str());
    std::size_t samples = 0;
    for (const auto& b : e.batches) {
      const std::int64_t n = b.offsets.size(0);
      QVERIFY(b.inputs.scalar_type() == at::kLong);
      QVERIFY(b.offsets.scalar_type() == at::kLong);
      QCOMPARE(b.targets.size(0), n);
      const std::int64_t* ids = b.inputs.data_ptr<std::int64_t>();
      const std::int64_t* off = b.offsets.data_ptr<std::int64_t>();
      QCOMPARE(off[0], std::int64_t(0));
      for (std::int64_t k = 0; k < n; ++k) {
        const Sample& s = m_text.samples[b.indices[k]];
        const auto want = pipeline->encode(DataLoader::sampleText(m_text, s));
        const std::int64_t end = k + 1 < n ? off[k + 1] : b.inputs.size(0);
        QCOMPARE(std::vector<std::int64_t>(ids + off[k], ids + end), want);
        const std::int64_t cls = s.label == "neg" ? 0 : (s.label == "neutral" ? 1 : 2);
        QCOMPARE(b.targets.data_ptr<std::int64_t>()[k], cls);
      }
      samples += std::size_t(n);
    }
    QCOMPARE(samples, splitMembers(m_text, Split::Train).size());
    // The test split encodes with the train vocabulary (unknown words → <unk>).
    LoaderOptions test = opts(64);
    test.split = Split::Test;
    auto test_loader = make(m_text, nullptr, test);  // null: the default text pipeline
    QVERIFY(test_loader->vocabularySize() > 2);
  }
};

QTEST_GUILESS_MAIN(TestLoader)
#include "tst_loader.moc"
