#include "ui/experiments/config_plan_runner.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <set>

#include "core/config/compose.h"
#include "core/config/experiment_config.h"
#include "core/config/sweep.h"
#include "ui/experiments/config_document.h"

namespace wb::ui {

namespace fs = std::filesystem;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

ConfigValidation ConfigValidation::run(const std::string& text, const fs::path& path,
                                       const fs::path& root, const fs::path& configs_dir) {
  ConfigValidation v;
  v.display = configDisplayName(path, root);
  config::ComposeOptions options;
  options.configs_dir = configs_dir;
  options.display_root = root;
  options.primary_text = text;
  std::vector<config::ConfigError> errors;
  auto composed = config::composeConfig(path, std::vector<std::string>{}, options, &errors);
  if (composed) {
    v.parsed = true;
    v.tree = composed->tree;
    auto checked = config::fromNode(v.tree, &errors);
    v.valid = checked.ok() && errors.empty();
    const config::ConfigNode* sweep = v.tree.find("sweep");
    v.has_sweep = sweep != nullptr && !sweep->isNull();
    if (v.has_sweep) {
      std::vector<config::ConfigError> sweep_errors;
      auto count = config::countSweep(path, {}, options, &sweep_errors);
      if (count) {
        v.run_count = *count;
      } else {
        v.count_error =
            qs(sweep_errors.empty() ? count.error().message : sweep_errors.front().text());
        v.valid = false;
      }
      errors.insert(errors.end(), sweep_errors.begin(), sweep_errors.end());
    }
  } else {
    // Show what can be shown: the primary's own values.
    std::vector<config::ConfigError> ignored;
    if (auto own = config::parseYaml(text, v.display, &ignored)) {
      v.tree = std::move(own).value();
      v.parsed = true;
    }
  }
  // countSweep repeats the base config's problems: keep each once, in order.
  std::set<std::string> seen;
  for (auto& e : errors)
    if (seen.insert(e.text()).second) v.errors.push_back(std::move(e));
  if (!v.errors.empty()) v.valid = false;

  std::error_code ec;
  for (fs::directory_iterator it(configs_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) v.groups << qs(it->path().filename().string());
  v.groups.sort();
  return v;
}

ConfigPlanRunner::ConfigPlanRunner(QObject* parent) : QObject(parent) {}

ConfigPlanRunner::~ConfigPlanRunner() {
  // A dry run still going is of no use to anyone now.
  if (m_plan_process != nullptr) {
    m_plan_process->disconnect(this);
    m_plan_process->kill();
    m_plan_process->waitForFinished(1000);
  }
}

void ConfigPlanRunner::validate(const std::string& text, const fs::path& path,
                                const fs::path& root, const fs::path& configs_dir) {
  m_validating = true;
  const quint64 generation = ++m_generation;
  auto* watcher = new QFutureWatcher<ConfigValidation>(this);  // dies with us: no late result
  connect(watcher, &QFutureWatcher<ConfigValidation>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_generation) return;  // the text moved on
    m_validating = false;
    Q_EMIT validated(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run(
      [text, path, root, configs_dir] { return ConfigValidation::run(text, path, root, configs_dir); }));
}

void ConfigPlanRunner::cancel() {
  ++m_generation;
  m_validating = false;
  stopPlan();
}

void ConfigPlanRunner::stopPlan() {
  if (m_plan_process == nullptr) return;
  m_plan_process->disconnect(this);
  m_plan_process->kill();
  m_plan_process->deleteLater();
  m_plan_process = nullptr;
}

void ConfigPlanRunner::startPlan(const QString& cli, const QString& root, const QString& path,
                                 const QByteArray& text) {
  if (cli.isEmpty()) {
    Q_EMIT planUpdated(tr("Parameters: wb not found"),
                       tr("Set the wb executable to count parameters."));
    return;
  }
  stopPlan();  // only the newest text counts
  auto* p = new QProcess(this);
  m_plan_process = p;
  p->setProgram(cli);
  p->setArguments({QStringLiteral("-w"), root, QStringLiteral("--json"), QStringLiteral("train"),
                   path, QStringLiteral("--dry-run"), QStringLiteral("--stdin-text")});
  connect(p, &QProcess::finished, this, [this, p](int code, QProcess::ExitStatus status) {
    onPlanFinished(p, code, status == QProcess::CrashExit);
  });
  connect(p, &QProcess::errorOccurred, this, [this, p, cli](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;  // finished() follows the others
    if (m_plan_process == p) m_plan_process = nullptr;
    p->deleteLater();
    Q_EMIT planUpdated(tr("Parameters: cannot run %1").arg(QFileInfo(cli).fileName()),
                       p->errorString());
  });
  QTimer::singleShot(60000, p, [p] { p->kill(); });  // a stuck dry run must not linger
  Q_EMIT planUpdated(tr("Counting parameters…"), {});
  p->start();
  p->write(text);
  p->closeWriteChannel();
}

void ConfigPlanRunner::onPlanFinished(QProcess* p, int code, bool crashed) {
  const QList<QByteArray> lines = p->readAllStandardOutput().split('\n');
  const QString err = QString::fromUtf8(p->readAllStandardError());
  if (m_plan_process == p) m_plan_process = nullptr;
  p->deleteLater();
  for (const QByteArray& line : lines) {
    const QJsonObject o = QJsonDocument::fromJson(line.trimmed()).object();
    if (o.value(QStringLiteral("event")).toString() != QStringLiteral("plan")) continue;
    const auto count = o.value(QStringLiteral("parameters")).toVariant().toLongLong();
    QString text = tr("%1 parameters").arg(QLocale().toString(count));
    const QString dataset = o.value(QStringLiteral("dataset")).toString();
    if (!dataset.isEmpty()) text += QStringLiteral(" · ") + dataset;
    Q_EMIT planUpdated(text, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
    return;
  }
  QString first;
  for (const QString& l : err.split(QLatin1Char('\n')))
    if (!l.trimmed().isEmpty()) {
      first = l.trimmed();
      break;
    }
  if (first.isEmpty())
    first = crashed ? tr("the dry run crashed")
                    : tr("no plan from the dry run (exit code %1)").arg(code);
  Q_EMIT planUpdated(tr("Parameters: %1").arg(first.left(120)), err.trimmed());
}

}  // namespace wb::ui
