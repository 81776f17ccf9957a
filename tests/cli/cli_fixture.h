// Shared by the CLI tests: workspaces made through core for wb to work on, JSON parsing,
// exact double comparison.
#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include <sys/wait.h>
#include <unistd.h>

#include "core/data/importer.h"
#include "core/store/database.h"
#include "core/store/metrics_reader.h"
#include "core/store/metrics_writer.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "wb_process.h"

#define WB_VERIFY_RUN(result) QVERIFY2((result).ok(), (result).describe().constData())

namespace wbtest {

namespace fs = std::filesystem;
using wb::store::Database;
using wb::store::MetricPoint;
using wb::store::RunRepository;
using wb::store::RunStatus;

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline QString qs(const fs::path& p) { return QString::fromStdString(p.string()); }

inline bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

inline std::string statusName(RunStatus s) { return std::string(wb::store::toString(s)); }

inline pid_t deadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

inline QJsonDocument parseJson(const QByteArray& text, QByteArray* error) {
  QJsonParseError pe;
  auto doc = QJsonDocument::fromJson(text, &pe);
  if (pe.error != QJsonParseError::NoError)
    *error = "invalid JSON (" + pe.errorString().toUtf8() + "): " + text.left(500);
  return doc;
}

#define WB_PARSE_OBJECT(var, text)                            \
  QJsonObject var;                                            \
  {                                                           \
    QByteArray wb_e_;                                         \
    const auto wb_d_ = wbtest::parseJson(text, &wb_e_);       \
    QVERIFY2(wb_e_.isEmpty(), wb_e_.constData());             \
    QVERIFY2(wb_d_.isObject(), (text).left(500).constData()); \
    var = wb_d_.object();                                     \
  }

#define WB_PARSE_ARRAY(var, text)                            \
  QJsonArray var;                                            \
  {                                                          \
    QByteArray wb_e_;                                        \
    const auto wb_d_ = wbtest::parseJson(text, &wb_e_);      \
    QVERIFY2(wb_e_.isEmpty(), wb_e_.constData());            \
    QVERIFY2(wb_d_.isArray(), (text).left(500).constData()); \
    var = wb_d_.array();                                     \
  }

inline QStringList namesOf(const QJsonArray& runs) {
  QStringList out;
  for (const auto& r : runs) out << r.toObject().value(QStringLiteral("name")).toString();
  return out;
}

// An MLP on Iris that trains in well under a second per epoch (configs/iris.yaml of addIris).
inline constexpr const char* kIrisConfig = R"(experiment: iris
data:
  dataset: iris@latest
  transforms: [{name: standardize}]
  batch_size: 16
  workers: 0
model:
  type: mlp
  hidden: [8]
optim:
  name: adam
  lr: 0.01
trainer:
  epochs: 4
  seed: 5
)";

// A workspace made through core, for the CLI to work on.
struct Fixture {
  QTemporaryDir tmp;
  wb::Workspace ws;
  std::unique_ptr<Database> db;

  QString root() const { return qs(ws.root()); }
  QString path(const QString& rel) const { return tmp.path() + QLatin1Char('/') + rel; }

  std::string run(const std::string& name, const std::string& experiment = "Default",
                  RunStatus status = RunStatus::Running, std::int64_t pid = 0,
                  const wb::store::ParamMap& params = {}, const wb::store::ParamMap& tags = {}) {
    RunRepository repo(*db);
    wb::store::NewRun spec;
    spec.name = name;
    spec.experiment = experiment;
    spec.pid = pid;
    spec.params = params;
    spec.tags = tags;
    auto r = repo.create(spec);
    if (!r) return {};
    if (status != RunStatus::Running && !repo.setStatus(r->id, status)) return {};
    return r->id;
  }

  bool log(const std::string& run_id, const std::string& key,
           const std::vector<MetricPoint>& points) {
    auto w = wb::store::MetricsWriter::open(ws.dbPath());
    if (!w) return false;
    for (const auto& p : points) (*w)->log(run_id, key, p.step, p.value, p.epoch, p.wall_time);
    return (*w)->close().ok();
  }

  wb::store::Run find(const std::string& id_or_name) {
    RunRepository repo(*db);
    auto r = repo.find(id_or_name);
    return r ? *r : wb::store::Run{};
  }

  std::vector<MetricPoint> series(const std::string& run_id, const std::string& key) {
    wb::store::MetricsReader reader(*db);
    auto s = reader.series(run_id, key);
    return s ? *s : std::vector<MetricPoint>{};
  }

  void writeConfig(const std::string& name, const std::string& text) {
    fs::create_directories(ws.configsDir());
    std::ofstream(ws.configsDir() / name) << text;
  }

  /// resources/iris.csv as dataset iris (iris@1) and configs/iris.yaml (kIrisConfig). An
  /// error's text; empty on success.
  std::string addIris() {
    wb::data::ImportOptions o;
    o.dataset = "iris";
    o.format = wb::data::SourceFormat::Table;
    o.source = fs::path(WB_SOURCE_DIR) / "resources" / "iris.csv";
    auto r = wb::data::importDataset(ws, o);
    if (!r) return r.error().text();
    writeConfig("iris.yaml", kIrisConfig);
    return {};
  }

  std::int64_t count(const std::string& sql) {
    auto stmt = db->prepare(sql);
    if (!stmt || !stmt->step()) return -1;
    return stmt->columnInt(0);
  }
};

inline std::unique_ptr<Fixture> makeFixture(const QString& subdir = QStringLiteral("ws")) {
  auto f = std::make_unique<Fixture>();
  if (!f->tmp.isValid()) return nullptr;
  auto ws = wb::Workspace::create(f->path(subdir).toStdString());
  if (!ws) return nullptr;
  f->ws = *ws;
  auto db = f->ws.connect();
  if (!db) return nullptr;
  f->db = std::move(*db);
  return f;
}

}  // namespace wbtest
