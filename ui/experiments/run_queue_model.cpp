#include "ui/experiments/run_queue_model.h"

#include <QColor>
#include <QFileInfo>
#include <QFont>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace wb::ui {

namespace {

QString num(double v) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'g', 3);
}

double secondsBetween(const QDateTime& a, const QDateTime& b) {
  return static_cast<double>(a.msecsTo(b)) / 1000.0;
}

// Seconds left: the CLI's estimate, counted down since it arrived.
double etaNow(const RunEntry& e) {
  if (e.eta_seconds < 0 || !e.active()) return -1;
  return std::max(0.0, e.eta_seconds - secondsBetween(e.eta_at, QDateTime::currentDateTime()));
}

// Running time: from the first event of training (not the wait in the queue) to the end.
double durationOf(const RunEntry& e) {
  if (e.started_at.isNull()) return -1;
  const QDateTime end = e.ended_at.isNull() ? QDateTime::currentDateTime() : e.ended_at;
  return secondsBetween(e.started_at, end);
}

QString configText(const RunEntry& e) {
  QString text = QFileInfo(e.config).fileName();
  if (!e.overrides.isEmpty()) text += QLatin1Char(' ') + e.overrides.join(QLatin1Char(' '));
  return text;
}

}  // namespace

RunQueueModel::RunQueueModel(RunLauncher* launcher, QObject* parent)
    : QAbstractTableModel(parent), m_launcher(launcher), m_rows(launcher->entries()) {
  connect(launcher, &RunLauncher::entryAdded, this, [this](int row) {
    beginInsertRows({}, row, row);
    m_rows.insert(m_rows.begin() + row, m_launcher->entry(row));
    endInsertRows();
  });
  connect(launcher, &RunLauncher::entryChanged, this, [this](int row) {
    if (row < 0 || row >= rowCount()) return;
    m_rows[static_cast<std::size_t>(row)] = m_launcher->entry(row);
    Q_EMIT dataChanged(index(row, 0), index(row, kColumnCount - 1));
  });
  connect(launcher, &RunLauncher::entryRemoved, this, [this](int row) {
    if (row < 0 || row >= rowCount()) return;
    beginRemoveRows({}, row, row);
    m_rows.erase(m_rows.begin() + row);
    endRemoveRows();
  });
}

int RunQueueModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunQueueModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

const RunEntry* RunQueueModel::entryAt(int row) const {
  if (row < 0 || row >= rowCount()) return nullptr;
  return &m_rows[static_cast<std::size_t>(row)];
}

int RunQueueModel::rowOfRun(const QString& run_id) const {
  if (run_id.isEmpty()) return -1;
  for (std::size_t i = 0; i < m_rows.size(); ++i)
    if (m_rows[i].run_id == run_id) return static_cast<int>(i);
  return -1;
}

int RunQueueModel::rowOfKey(int key) const {
  for (std::size_t i = 0; i < m_rows.size(); ++i)
    if (m_rows[i].key == key) return static_cast<int>(i);
  return -1;
}

void RunQueueModel::tick() {
  for (int row = 0; row < rowCount(); ++row)
    if (m_rows[static_cast<std::size_t>(row)].active())
      Q_EMIT dataChanged(index(row, kEta), index(row, kDuration), {Qt::DisplayRole});
}

QColor RunQueueModel::statusColor(LaunchStatus s) {
  switch (s) {
    case LaunchStatus::Running:
      return QColor(0x1e, 0x6f, 0xd9);
    case LaunchStatus::Finished:
      return QColor(0x2e, 0x8b, 0x3e);
    case LaunchStatus::Failed:
    case LaunchStatus::Error:
      return QColor(0xc6, 0x28, 0x28);
    case LaunchStatus::Killed:
      return QColor(0xd9, 0x73, 0x06);
    case LaunchStatus::Starting:
    case LaunchStatus::Queued:
      return QColor(0x80, 0x80, 0x80);
    case LaunchStatus::Unknown:
      break;
  }
  return QColor(Qt::gray);
}

QString RunQueueModel::statusText(const RunEntry& e) {
  if (e.active() && e.stop_requested) return tr("stopping…");
  switch (e.status) {
    case LaunchStatus::Starting:
      return tr("starting…");
    case LaunchStatus::Queued:
      return e.queue_position <= 0 ? tr("queued · next")
                                   : tr("queued · %1 ahead").arg(e.queue_position);
    default:
      return statusName(e.status);
  }
}

QString RunQueueModel::progressText(const RunEntry& e) {
  if (e.kind == LaunchKind::Sweep) {
    if (e.sweep_runs <= 0) return {};
    return tr("%1/%2 runs").arg(std::clamp(e.sweep_done, 0, e.sweep_runs)).arg(e.sweep_runs);
  }
  if (e.epochs <= 0) return {};
  const int shown = std::min(e.epochs, std::max(e.epoch, e.current_epoch));
  return tr("epoch %1/%2 · step %3").arg(shown).arg(e.epochs).arg(e.step);
}

QString RunQueueModel::metricsSummary(const RunEntry& e) {
  if (e.kind == LaunchKind::Sweep) return e.sweep_best;
  QStringList parts;
  auto add = [&](const char* key, const QString& label) {
    if (auto it = e.metrics.find(QLatin1String(key)); it != e.metrics.end())
      parts << label + QLatin1Char(' ') + num(*it);
  };
  add("val/accuracy", tr("acc"));
  add("val/rmse", tr("rmse"));
  add("val/loss", tr("val loss"));
  add("train/loss", tr("loss"));
  if (parts.isEmpty() && e.step_loss >= 0) parts << tr("loss %1").arg(num(e.step_loss));
  return parts.join(QStringLiteral(" · "));
}

QString RunQueueModel::compactDuration(double s) {
  if (s < 0) return {};
  if (s < 10) return QStringLiteral("%1 s").arg(s, 0, 'f', 1);
  const auto total = static_cast<qint64>(std::llround(s));
  if (total < 60) return QStringLiteral("%1 s").arg(total);
  if (total < 3600)
    return QStringLiteral("%1m %2s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1h %2m")
      .arg(total / 3600)
      .arg(total % 3600 / 60, 2, 10, QLatin1Char('0'));
}

QIcon RunQueueModel::statusIcon(LaunchStatus s) const {
  auto it = m_icons.find(s);
  if (it != m_icons.end()) return it->second;
  // A filled dot in the status colour; drawn once per status.
  QPixmap pm(12, 12);
  pm.fill(Qt::transparent);
  {
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor c = statusColor(s);
    p.setPen(QPen(c.darker(120), 1));
    p.setBrush(s == LaunchStatus::Starting || s == LaunchStatus::Queued ? QBrush(Qt::transparent)
                                                                        : QBrush(c));
    p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
  }
  return m_icons.emplace(s, QIcon(pm)).first->second;
}

QVariant RunQueueModel::data(const QModelIndex& index, int role) const {
  const RunEntry* e = index.isValid() && !index.parent().isValid() ? entryAt(index.row()) : nullptr;
  if (!e || index.column() < 0 || index.column() >= kColumnCount) return {};
  const int col = index.column();
  switch (role) {
    case ProgressRole:
      return e->progress;
    case StatusRole:
      return static_cast<int>(e->status);
    case RunIdRole:
      return e->run_id;
    case JobRole:
      return e->job;
    case KindRole:
      return static_cast<int>(e->kind);
    case StopRequestedRole:
      return e->stop_requested;
    default:
      break;
  }
  if (role == Qt::DisplayRole) {
    switch (col) {
      case kRun: {
        // Until the CLI names the run, the config stands in for it.
        const QString name = e->name.isEmpty() ? QFileInfo(e->config).completeBaseName() : e->name;
        return e->kind == LaunchKind::SweepChild ? QStringLiteral("↳ ") + name : name;
      }
      case kConfig:
        return configText(*e);
      case kStatus:
        return statusText(*e);
      case kProgress:
        return progressText(*e);
      case kEta: {
        const double eta = etaNow(*e);
        return eta < 0 ? QString() : compactDuration(eta);
      }
      case kMetrics:
        // A run that went wrong says why where its numbers would be.
        if (e->status == LaunchStatus::Error ||
            (e->status == LaunchStatus::Failed && e->metrics.isEmpty()))
          return (e->error.isEmpty() ? e->message : e->error).section(QLatin1Char('\n'), 0, 0);
        return metricsSummary(*e);
      case kSamples: {
        auto it = e->metrics.find(QStringLiteral("sys/samples_per_s"));
        if (it == e->metrics.end() || e->kind == LaunchKind::Sweep) return QString();
        return *it >= 1000 ? QStringLiteral("%1k/s").arg(*it / 1000, 0, 'f', 1)
                           : QStringLiteral("%1/s").arg(*it, 0, 'f', 0);
      }
      case kDuration:
        return compactDuration(durationOf(*e));
      default:
        return {};
    }
  }
  if (role == Qt::DecorationRole && col == kStatus) return statusIcon(e->status);
  if (role == Qt::ForegroundRole && col == kStatus && e->status != LaunchStatus::Running)
    return statusColor(e->status);
  if (role == Qt::ForegroundRole && col == kMetrics &&
      (e->status == LaunchStatus::Error ||
       (e->status == LaunchStatus::Failed && e->metrics.isEmpty())))
    return statusColor(e->status);
  if (role == Qt::FontRole && col == kRun && (e->kind == LaunchKind::Sweep || e->name.isEmpty())) {
    QFont f;
    f.setBold(e->kind == LaunchKind::Sweep);
    f.setItalic(e->name.isEmpty());  // a stand-in name until the CLI reports the real one
    return f;
  }
  if (role == Qt::TextAlignmentRole) {
    if (col == kEta || col == kSamples || col == kDuration)
      return static_cast<int>(Qt::AlignRight | Qt::AlignVCenter);
    return static_cast<int>(Qt::AlignLeft | Qt::AlignVCenter);
  }
  if (role == Qt::ToolTipRole) {
    switch (col) {
      case kRun: {
        QStringList lines;
        if (!e->run_id.isEmpty()) lines << tr("Run %1").arg(e->run_id);
        if (!e->parent_run_id.isEmpty()) lines << tr("Sweep %1").arg(e->parent_run_id);
        if (!e->dataset.isEmpty()) lines << tr("Dataset %1").arg(e->dataset);
        if (e->parameters > 0)
          lines << tr("%L1 parameters on %2").arg(e->parameters).arg(e->device);
        return lines.join(QLatin1Char('\n'));
      }
      case kConfig: {
        QString tip = e->config;
        if (!e->overrides.isEmpty())
          tip += QLatin1Char('\n') + e->overrides.join(QLatin1Char('\n'));
        return tip;
      }
      case kStatus: {
        QStringList lines = {statusText(*e)};
        if (!e->error.isEmpty()) lines << e->error;
        if (!e->message.isEmpty() && e->message != e->error) lines << e->message;
        if (e->exit_code >= 0) lines << tr("exit code %1").arg(e->exit_code);
        return lines.join(QLatin1Char('\n'));
      }
      case kMetrics: {
        QStringList lines;
        if (!e->error.isEmpty()) lines << e->error;
        for (auto it = e->metrics.begin(); it != e->metrics.end(); ++it)
          if (!it.key().startsWith(QLatin1String("sys/")))
            lines << it.key() + QStringLiteral(": ") + num(*it);
        return lines.join(QLatin1Char('\n'));
      }
      default:
        return {};
    }
  }
  return {};
}

QVariant RunQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= kColumnCount) return {};
  if (role == Qt::DisplayRole) {
    switch (section) {
      case kRun:
        return tr("Run");
      case kConfig:
        return tr("Config");
      case kStatus:
        return tr("Status");
      case kProgress:
        return tr("Progress");
      case kEta:
        return tr("ETA");
      case kMetrics:
        return tr("Metrics");
      case kSamples:
        return tr("Samples/s");
      case kDuration:
        return tr("Duration");
      default:
        return {};
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case kProgress:
        return tr("Epochs done, including the batches of the current epoch");
      case kEta:
        return tr("Time left, estimated by the run from its epochs so far");
      case kMetrics:
        return tr("The last epoch's validation accuracy, validation loss and training loss");
      case kSamples:
        return tr("Training throughput in the last epoch");
      case kDuration:
        return tr("Time since training started (the wait in the queue excluded)");
      default:
        return {};
    }
  }
  return {};
}

}  // namespace wb::ui
