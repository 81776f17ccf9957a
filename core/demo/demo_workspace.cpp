#include "core/demo/demo_workspace.h"

#include <torch/torch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

#include "core/data/dataset_repository.h"
#include "core/data/importer.h"
#include "core/demo/demo_datasets.h"
#include "core/demo/embedded_resources.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"

namespace fs = std::filesystem;

namespace wb::demo {

namespace {

std::vector<std::string_view> splitLine(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  for (;;) {
    const auto comma = line.find(',', at);
    out.push_back(line.substr(at, comma - at));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return std::string(s);
}

struct Mlp : torch::nn::Module {
  Mlp(int in, int hidden, int out)
      : fc1(register_module("fc1", torch::nn::Linear(in, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, hidden))),
        head(register_module("head", torch::nn::Linear(hidden, out))) {}
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(fc1->forward(x));
    x = torch::relu(fc2->forward(x));
    return head->forward(x);
  }
  torch::nn::Linear fc1, fc2, head;
};

std::string configYaml(const DemoOptions& o, const DemoRunSpec& r) {
  std::ostringstream y;
  y << "# The demo trains in-process with its own 80/20 split of Iris\n"
    << "experiment: iris-mlp\n"
    << "data:\n  dataset: iris@latest\n  transforms: [{name: standardize}]\n  batch_size: "
    << o.batch_size << "\n  workers: 0\n"
    << "model:\n  type: mlp\n  hidden: [" << r.hidden << ", " << r.hidden << "]\n"
    << "  activation: relu\n"
    << "optim:\n  name: " << r.optimizer << "\n  lr: " << r.lr << "\n"
    << (r.optimizer == "sgd" ? "  momentum: 0.9\n" : "")
    << "trainer:\n  epochs: " << o.epochs << "\n  seed: " << o.seed << "\n  device: cpu\n";
  return y.str();
}

}  // namespace

Result<TabularData> parseLabelledCsv(std::string_view csv, const std::string& source_name) {
  TabularData data;
  std::size_t line_no = 0;
  std::size_t at = 0;
  while (at < csv.size()) {
    auto nl = csv.find('\n', at);
    if (nl == std::string_view::npos) nl = csv.size();
    const std::string_view line = csv.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    const auto cells = splitLine(line);
    if (data.feature_names.empty()) {
      if (cells.size() < 2) return makeError("need at least one feature and a label column", source_name + ":1");
      for (std::size_t i = 0; i + 1 < cells.size(); ++i) data.feature_names.push_back(trim(cells[i]));
      continue;
    }
    const std::string where = source_name + ":" + std::to_string(line_no);
    if (cells.size() != data.feature_names.size() + 1)
      return makeError("expected " + std::to_string(data.feature_names.size() + 1) + " columns, found " +
                           std::to_string(cells.size()),
                       where);
    std::vector<float> row;
    for (std::size_t i = 0; i + 1 < cells.size(); ++i) {
      const std::string cell = trim(cells[i]);
      float v = 0;
      const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (ec != std::errc() || ptr != cell.data() + cell.size())
        return makeError("not a number: '" + cell + "' in column " + data.feature_names[i], where);
      row.push_back(v);
    }
    const std::string label = trim(cells.back());
    auto it = std::find(data.class_names.begin(), data.class_names.end(), label);
    if (it == data.class_names.end()) {
      data.class_names.push_back(label);
      it = data.class_names.end() - 1;
    }
    data.features.push_back(std::move(row));
    data.labels.push_back(static_cast<int>(it - data.class_names.begin()));
  }
  if (data.features.empty()) return makeError("no data rows", source_name);
  return data;
}

Result<std::vector<std::string>> writeDemoConfigs(const Workspace& ws) {
  struct File {
    const char* path;
    const char* text;
  };
  static const File kFiles[] = {
      {"optim/adam.yaml", "# optimiser group: pick with `defaults: [{optim: adam}]` or optim=sgd\n"
                          "name: adam\nlr: 0.002\nweight_decay: 0.0\n"},
      {"optim/sgd.yaml", "name: sgd\nlr: 0.05\nmomentum: 0.9\nweight_decay: 0.0005\n"},
      {"digits-lenet.yaml",
       "# LeNet on the procedural digits. Try: wb train digits-lenet optim=sgd trainer.epochs=5\n"
       "defaults:\n  - optim: adam\n  - _self_\n"
       "experiment: digits\n"
       "data:\n  dataset: digits@latest\n"
       "  transforms: [{name: normalize, mean: [0.1], std: [0.3]}]\n"
       "  batch_size: 64\n  workers: 2\n"
       "model:\n  type: lenet\n"
       "trainer:\n  epochs: 8\n  seed: 1\n"
       "  early_stopping: {monitor: val_loss, patience: 3}\n"
       "  checkpoint: {monitor: val_accuracy, mode: max}\n"},
      {"shapes-resnet.yaml",
       "# A small ResNet on 64x64 RGB circles and squares, with augmentation\n"
       "defaults:\n  - optim: adam\n  - _self_\n"
       "experiment: shapes\n"
       "data:\n  dataset: shapes@latest\n"
       "  transforms:\n    - {name: random_crop, size: 56, padding: 4}\n"
       "    - {name: hflip}\n    - {name: normalize}\n"
       "  batch_size: 32\n  workers: 2\n"
       "model:\n  type: resnet_small\n  channels: [16, 32, 64]\n  blocks: 1\n"
       "  pool: max  # the corners matter wherever they are; average pooling dilutes them\n"
       "optim:\n  lr: 0.003\n"
       "scheduler:\n  name: cosine\n"
       "trainer:\n  epochs: 10\n  seed: 2\n"
       "  checkpoint: {monitor: val_accuracy, mode: max}\n"},
      {"iris-mlp.yaml",
       "# An MLP on the Iris table\n"
       "experiment: iris\n"
       "data:\n  dataset: iris@latest\n  transforms: [{name: standardize}]\n"
       "  batch_size: 16\n  workers: 0\n"
       "model:\n  type: mlp\n  hidden: [16, 16]\n"
       "optim:\n  name: adam\n  lr: 0.01\n"
       "trainer:\n  epochs: 60\n  seed: 7\n"},
      {"headlines-text.yaml",
       "# A fastText-style classifier of real and fake headlines\n"
       "experiment: headlines\n"
       "data:\n  dataset: headlines@latest\n"
       "  transforms:\n    - {name: lowercase}\n    - {name: tokenize}\n"
       "    - {name: ngrams, n: 2}\n    - {name: vocabulary, max_size: 20000, min_freq: 1}\n"
       "  batch_size: 32\n  workers: 0\n"
       "model:\n  type: text_bag\n  embed_dim: 32\n"
       "optim:\n  name: adam\n  lr: 0.01\n"
       "trainer:\n  epochs: 10\n  seed: 4\n"},
      {"headlines-transformer.yaml",
       "# A small Transformer encoder: unlike text_bag it sees word order.\n"
       "experiment: headlines\n"
       "data:\n  dataset: headlines@latest\n"
       "  transforms:\n    - {name: lowercase}\n    - {name: tokenize}\n"
       "    - {name: vocabulary, max_size: 20000, min_freq: 1}\n"
       "  batch_size: 32\n  workers: 0\n"
       "model:\n  type: text_transformer\n  d_model: 64\n  heads: 4\n  layers: 2\n"
       "optim:\n  name: adamw\n  lr: 0.001\n"
       "trainer:\n  epochs: 10\n  seed: 4\n"},
      {"iris-sweep.yaml",
       "# A grid over learning rate and width: wb sweep iris-sweep\n"
       "defaults:\n  - iris-mlp\n  - _self_\n"
       "trainer:\n  epochs: 30\n"
       "sweep:\n  method: grid\n  metric: {name: val/accuracy, goal: maximize}\n"
       "  parameters:\n    optim.lr: {values: [0.03, 0.01, 0.003]}\n"
       "    model.hidden: {values: [[8], [32, 32]]}\n"},
      {"iris-bayes.yaml",
       "# Bayes search: a few random runs, then each proposed from the results so far.\n"
       "# wb sweep iris-bayes\n"
       "defaults:\n  - iris-mlp\n  - _self_\n"
       "trainer:\n  epochs: 20\n"
       "sweep:\n  method: bayes\n  metric: {name: val/loss, goal: minimize}\n  run_cap: 12\n"
       "  parameters:\n    optim.lr: {distribution: log_uniform, min: 0.0001, max: 0.3}\n"
       "    model.hidden: {values: [[8], [32], [32, 32]]}\n"},
  };
  std::vector<std::string> written;
  for (const auto& f : kFiles) {
    const fs::path p = ws.configsDir() / f.path;
    std::error_code ec;
    if (fs::exists(p, ec)) continue;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p);
    out << f.text;
    if (!out) return makeError("cannot write", p.string());
    written.push_back(f.path);
  }
  return written;
}

Result<std::vector<std::string>> importDemoDatasets(
    const Workspace& ws, const std::function<bool(const std::string&)>& progress) {
  const fs::path data_dir = ws.root() / "data";
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return makeError("cannot create folder: " + ec.message(), data_dir.string());
  auto db = ws.connect();
  if (!db) return db.error();
  data::DatasetRepository repo(**db);
  auto existing = repo.list();
  if (!existing) return existing.error();
  if (existing->size() >= 4) {
    std::vector<std::string> refs;
    for (const auto& d : *existing) refs.push_back(d.name + "@" + std::to_string(d.latest_version));
    return refs;
  }
  if (progress && !progress("generating demo data")) return makeError("cancelled");
  if (auto st = writeDemoDatasets(data_dir); !st) return st.error();
  std::ofstream(data_dir / "iris.csv") << resources::irisCsv();

  struct Spec {
    const char* name;
    data::SourceFormat format;
    fs::path source;
    const char* message;
  };
  const std::vector<Spec> specs = {
      {"digits", data::SourceFormat::ImageFolder, data_dir / kDigitsDir,
       "procedural 28x28 digits, 10 classes"},
      {"shapes", data::SourceFormat::ImageFolder, data_dir / kShapesDir,
       "64x64 RGB circles and squares"},
      {"iris", data::SourceFormat::Table, data_dir / "iris.csv", "Fisher's Iris table"},
      {"headlines", data::SourceFormat::Text, data_dir / kHeadlinesCsv,
       "real and fake news headlines"},
  };
  std::vector<std::string> refs;
  for (const auto& spec : specs) {
    if (progress && !progress(std::string("importing ") + spec.name)) return makeError("cancelled");
    data::ImportOptions o;
    o.dataset = spec.name;
    o.format = spec.format;
    o.source = spec.source;
    o.message = spec.message;
    if (spec.format == data::SourceFormat::Table) o.target_column = "species";
    if (spec.format == data::SourceFormat::Text) {
      o.text_columns = {"title", "body"};
      o.target_column = "label";
      o.key_column = "id";
    }
    auto r = data::importDataset(ws, o);
    if (!r) return r.error();
    refs.push_back(r->version.ref());
  }
  return refs;
}

Result<DemoResult> createDemoWorkspace(const DemoOptions& options,
                                       const std::function<bool(const DemoProgress&)>& progress) {
  auto ws = Workspace::isWorkspace(options.dir) ? Workspace::open(options.dir)
                                                : Workspace::create(options.dir, "Workbench demo");
  if (!ws) return ws.error();
  auto table = parseLabelledCsv(resources::irisCsv(), "iris.csv");
  if (!table) return table.error();

  // Keep the bundled table and a config next to the runs, as a user's project would.
  {
    std::error_code ec;
    fs::create_directories(ws->root() / "data", ec);
    std::ofstream(ws->root() / "data" / "iris.csv") << resources::irisCsv();
  }
  if (auto written = writeDemoConfigs(*ws); !written) return written.error();

  // Deterministic stratified 80/20 split.
  const auto n = static_cast<int>(table->labels.size());
  const auto n_features = static_cast<int>(table->feature_names.size());
  const auto n_classes = static_cast<int>(table->class_names.size());
  std::vector<int> train_idx, val_idx;
  {
    std::mt19937_64 rng(options.seed);
    for (int c = 0; c < n_classes; ++c) {
      std::vector<int> members;
      for (int i = 0; i < n; ++i)
        if (table->labels[i] == c) members.push_back(i);
      std::shuffle(members.begin(), members.end(), rng);
      const auto n_val = static_cast<std::size_t>(std::lround(members.size() * 0.2));
      val_idx.insert(val_idx.end(), members.begin(), members.begin() + n_val);
      train_idx.insert(train_idx.end(), members.begin() + n_val, members.end());
    }
  }
  auto toTensors = [&](const std::vector<int>& idx) {
    auto x = torch::empty({static_cast<long>(idx.size()), n_features});
    auto y = torch::empty({static_cast<long>(idx.size())}, torch::kLong);
    auto xa = x.accessor<float, 2>();
    auto ya = y.accessor<long, 1>();
    for (std::size_t r = 0; r < idx.size(); ++r) {
      for (int f = 0; f < n_features; ++f) xa[r][f] = table->features[idx[r]][f];
      ya[r] = table->labels[idx[r]];
    }
    return std::make_pair(x, y);
  };
  auto [x_train, y_train] = toTensors(train_idx);
  auto [x_val, y_val] = toTensors(val_idx);
  // Standardise with train statistics only.
  const auto mean = x_train.mean(0);
  const auto stdev = x_train.std(0).clamp_min(1e-6);
  x_train = (x_train - mean) / stdev;
  x_val = (x_val - mean) / stdev;

  auto db = ws->connect();
  if (!db) return db.error();
  store::RunRepository runs(**db);
  objects::ObjectStore objects(ws->objectsDir());
  torch::set_num_threads(1);  // a 4-16-3 MLP: threads cost more than they give

  DemoResult result;
  result.workspace = ws->root();
  auto datasets = importDemoDatasets(*ws, [&](const std::string& what) {
    DemoProgress p;
    p.phase = "datasets";
    p.run_name = what;
    p.run_count = static_cast<int>(options.runs.size());
    return !progress || progress(p);
  });
  if (!datasets) return datasets.error();
  result.datasets = *datasets;
  data::DatasetRepository datasets_repo(**db);
  auto iris_version = datasets_repo.resolve("iris@latest");
  const auto run_count = static_cast<int>(options.runs.size());
  for (int ri = 0; ri < run_count; ++ri) {
    const auto& spec = options.runs[ri];
    store::NewRun nr;
    nr.experiment = "iris-mlp";
    nr.name = spec.name;
    nr.pid = ::getpid();
    nr.config_text = configYaml(options, spec);
    nr.params = {{"data.name", "iris"},
                 {"data.batch_size", std::to_string(options.batch_size)},
                 {"model.type", "mlp"},
                 {"model.hidden", std::to_string(spec.hidden)},
                 {"optim.name", spec.optimizer},
                 {"optim.lr", [&] { std::ostringstream s; s << spec.lr; return s.str(); }()},
                 {"trainer.epochs", std::to_string(options.epochs)},
                 {"trainer.seed", std::to_string(options.seed)}};
    nr.tags = {{"demo", ""}, {"dataset", "iris"}};
    if (iris_version) nr.params["data.name"] = iris_version->ref();
    auto run = runs.create(nr);
    if (!run) return run.error();
    // The run records the exact dataset version it trained on.
    if (iris_version)
      if (auto st = datasets_repo.linkRun(run->id, iris_version->id, "train"); !st) return st.error();

    store::MetricsWriterOptions wopts;
    wopts.heartbeat_run = run->id;
    auto writer = store::MetricsWriter::open(ws->dbPath(), wopts);
    if (!writer) return writer.error();
    auto& w = **writer;
    const auto h_step_loss = w.series(run->id, "train/loss_step");
    const auto h_train_loss = w.series(run->id, "train/loss");
    const auto h_train_acc = w.series(run->id, "train/accuracy");
    const auto h_val_loss = w.series(run->id, "val/loss");
    const auto h_val_acc = w.series(run->id, "val/accuracy");
    const auto h_lr = w.series(run->id, "train/lr");
    const auto h_epoch_ms = w.series(run->id, "sys/epoch_time_ms");

    torch::manual_seed(options.seed);
    auto model = std::make_shared<Mlp>(n_features, spec.hidden, n_classes);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (spec.optimizer == "sgd") {
      opt = std::make_unique<torch::optim::SGD>(model->parameters(),
                                                torch::optim::SGDOptions(spec.lr).momentum(0.9));
    } else {
      opt = std::make_unique<torch::optim::Adam>(model->parameters(),
                                                 torch::optim::AdamOptions(spec.lr));
    }
    std::mt19937_64 shuffle_rng(options.seed + ri);
    std::vector<long> order(static_cast<std::size_t>(x_train.size(0)));
    std::iota(order.begin(), order.end(), 0);
    std::int64_t step = 0;
    double val_acc = 0, val_loss = 0;
    bool cancelled = false;
    for (int epoch = 1; epoch <= options.epochs && !cancelled; ++epoch) {
      const auto t0 = std::chrono::steady_clock::now();
      model->train();
      std::shuffle(order.begin(), order.end(), shuffle_rng);
      const auto perm = torch::from_blob(order.data(), {static_cast<long>(order.size())}, torch::kLong);
      double loss_sum = 0;
      long correct = 0;
      for (long at = 0; at < x_train.size(0); at += options.batch_size) {
        const auto idx = perm.slice(0, at, std::min<long>(at + options.batch_size, x_train.size(0)));
        const auto xb = x_train.index_select(0, idx);
        const auto yb = y_train.index_select(0, idx);
        opt->zero_grad();
        const auto logits = model->forward(xb);
        const auto loss = torch::nn::functional::cross_entropy(logits, yb);
        loss.backward();
        opt->step();
        ++step;
        const double l = loss.item<double>();
        loss_sum += l * static_cast<double>(xb.size(0));
        correct += logits.argmax(1).eq(yb).sum().item<long>();
        w.log(h_step_loss, step, l, epoch - 1 + static_cast<double>(at + xb.size(0)) / x_train.size(0));
      }
      {
        torch::NoGradGuard no_grad;
        model->eval();
        const auto logits = model->forward(x_val);
        val_loss = torch::nn::functional::cross_entropy(logits, y_val).item<double>();
        val_acc = logits.argmax(1).eq(y_val).to(torch::kDouble).mean().item<double>();
      }
      const double n_train = static_cast<double>(x_train.size(0));
      const double epoch_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      w.log(h_train_loss, step, loss_sum / n_train, epoch);
      w.log(h_train_acc, step, static_cast<double>(correct) / n_train, epoch);
      w.log(h_val_loss, step, val_loss, epoch);
      w.log(h_val_acc, step, val_acc, epoch);
      w.log(h_lr, step, spec.lr, epoch);
      w.log(h_epoch_ms, step, epoch_ms, epoch);
      if (progress && !progress({"training", ri, run_count, spec.name, epoch, options.epochs, val_acc}))
        cancelled = true;
    }
    if (auto st = w.close(); !st) return st.error();

    // The trained weights, as an artifact in the object store.
    std::ostringstream weights;
    torch::serialize::OutputArchive archive;
    model->save(archive);
    archive.save_to(weights);
    const std::string bytes = weights.str();
    auto object_id = objects.put(bytes);
    if (!object_id) return object_id.error();
    if (auto st = runs.addArtifact({run->id, "model/last.pt", *object_id,
                                    static_cast<std::int64_t>(bytes.size()), 0});
        !st)
      return st.error();
    if (auto st = runs.setStatus(run->id, cancelled ? store::RunStatus::Killed
                                                    : store::RunStatus::Finished,
                                 cancelled ? "cancelled" : "");
        !st)
      return st.error();
    result.runs.push_back({run->id, spec.name, val_acc, val_loss});
    if (cancelled) return makeError("cancelled", spec.name);
  }
  return result;
}

}  // namespace wb::demo
