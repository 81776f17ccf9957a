#pragma once

#include <QColor>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace wb::ui {

/// Stable run colours: a run's colour comes from a hash of its id (the same in every panel,
/// view and session), unless the user picked one, which is saved per workspace.
class RunColors : public QObject {
  Q_OBJECT
 public:
  explicit RunColors(QObject* parent = nullptr);

  /// Loads the overrides saved for this workspace (QSettings group keyed by its path).
  void setWorkspace(const QString& workspace_root);
  QString workspace() const { return m_workspace; }

  /// Tableau 10, then its lighter companions (Tableau 20's second half).
  static const QList<QColor>& palette();
  static constexpr int kPrimaryColors = 10;
  /// FNV-1a of the id's UTF-8 bytes modulo kPrimaryColors: unlike qHash, unseeded.
  static int preferredSlot(const QString& run_id);
  static QColor defaultColor(const QString& run_id) { return palette().at(preferredSlot(run_id)); }

  /// A small rounded square of the colour, for legends, headers and lists.
  static QIcon swatchIcon(const QColor& color);

  /// The override if the user picked one, else the default colour.
  QColor color(const QString& run_id) const;
  /// Colours for runs shown together: each takes its preferred slot, and a run whose slot is
  /// taken (ids visited in sorted order, so the result depends only on the set) the next free
  /// one. Overrides always win.
  QHash<QString, QColor> assign(const QStringList& run_ids) const;

  bool hasOverride(const QString& run_id) const { return m_overrides.contains(run_id); }
  void setOverride(const QString& run_id, const QColor& color);
  void clearOverride(const QString& run_id);

 Q_SIGNALS:
  void changed();

 private:
  QString settingsGroup() const;
  void save() const;

  QString m_workspace;
  QHash<QString, QColor> m_overrides;
};

}  // namespace wb::ui
