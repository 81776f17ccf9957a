#include "ui/common/run_colors.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include <QCryptographicHash>
#include <QPainter>
#include <QPixmap>
#include <QSettings>

namespace wb::ui {

namespace {

std::uint32_t fnv1a(const QByteArray& bytes) {
  std::uint32_t h = 2166136261u;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

}  // namespace

RunColors::RunColors(QObject* parent) : QObject(parent) {}

const QList<QColor>& RunColors::palette() {
  // Tableau 10 (2016), then the light half of Tableau 20: distinct, colour-blind friendlier
  // than Qt's defaults. Tableau's light grey (#bab0ac) fades into a white chart, so the dark
  // grey of Tableau 20 takes its primary slot.
  static const QList<QColor> colors = [] {
    QList<QColor> c;
    for (const char* hex :
         {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
          "#ff9da7", "#9c755f", "#79706e", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6",
          "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#bab0ac"})
      c << QColor(QString::fromLatin1(hex));
    return c;
  }();
  return colors;
}

int RunColors::preferredSlot(const QString& run_id) {
  return static_cast<int>(fnv1a(run_id.toUtf8()) % kPrimaryColors);
}

QColor RunColors::color(const QString& run_id) const {
  const auto it = m_overrides.constFind(run_id);
  return it != m_overrides.constEnd() ? *it : defaultColor(run_id);
}

QHash<QString, QColor> RunColors::assign(const QStringList& run_ids) const {
  QStringList sorted = run_ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const auto& pal = palette();
  std::array<bool, 20> taken{};
  QHash<QString, QColor> out;
  // Overrides first: they are fixed, and their colours should not be handed out twice.
  for (const auto& id : sorted) {
    if (!m_overrides.contains(id)) continue;
    out.insert(id, m_overrides.value(id));
    const auto slot = pal.indexOf(m_overrides.value(id));
    if (slot >= 0) taken[static_cast<std::size_t>(slot)] = true;
  }
  int used = 0;
  for (const auto& id : sorted) {
    if (out.contains(id)) continue;
    int slot = preferredSlot(id);
    // Probe the primary colours first, then the light ones; beyond 20 runs colours repeat.
    const int span = used < kPrimaryColors ? kPrimaryColors : static_cast<int>(pal.size());
    for (int probe = 0; probe < span && taken[static_cast<std::size_t>(slot)]; ++probe)
      slot = (slot + 1) % span;
    if (taken[static_cast<std::size_t>(slot)] && span == kPrimaryColors) {
      for (int s = kPrimaryColors; s < pal.size(); ++s)
        if (!taken[static_cast<std::size_t>(s)]) {
          slot = s;
          break;
        }
    }
    taken[static_cast<std::size_t>(slot)] = true;
    ++used;
    out.insert(id, pal.at(slot));
  }
  return out;
}

void RunColors::setWorkspace(const QString& workspace_root) {
  m_workspace = workspace_root;
  m_overrides.clear();
  if (!m_workspace.isEmpty()) {
    QSettings settings;
    settings.beginGroup(settingsGroup());
    for (const auto& id : settings.childKeys()) {
      const QColor c(settings.value(id).toString());
      if (c.isValid()) m_overrides.insert(id, c);
    }
  }
  Q_EMIT changed();
}

void RunColors::setOverride(const QString& run_id, const QColor& color) {
  if (!color.isValid()) return clearOverride(run_id);
  m_overrides.insert(run_id, color);
  save();
  Q_EMIT changed();
}

void RunColors::clearOverride(const QString& run_id) {
  if (!m_overrides.remove(run_id)) return;
  save();
  Q_EMIT changed();
}

QString RunColors::settingsGroup() const {
  // Paths hold '/', which QSettings treats as groups: key the workspace by a digest.
  const auto digest =
      QCryptographicHash::hash(m_workspace.toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
  return QStringLiteral("runColors/") + QString::fromLatin1(digest);
}

void RunColors::save() const {
  if (m_workspace.isEmpty()) return;
  QSettings settings;
  settings.remove(settingsGroup());
  settings.beginGroup(settingsGroup());
  for (auto it = m_overrides.constBegin(); it != m_overrides.constEnd(); ++it)
    settings.setValue(it.key(), it.value().name());
}

QIcon RunColors::swatchIcon(const QColor& color) {
  QPixmap pm(12, 12);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(color.darker(130));
  p.setBrush(color);
  p.drawRoundedRect(QRectF(0.5, 0.5, 11, 11), 3, 3);
  return QIcon(pm);
}

}  // namespace wb::ui
