#pragma once

#include <QWidget>

class QListWidget;
class QPushButton;

namespace wb::ui {

/// Shown when no workspace is open: New, Open, Create demo, and the recent workspaces.
class WelcomePage : public QWidget {
  Q_OBJECT
 public:
  explicit WelcomePage(QWidget* parent = nullptr);
  void setRecent(const QStringList& paths);

  QPushButton* newButton() const { return m_new; }
  QPushButton* openButton() const { return m_open; }
  QPushButton* demoButton() const { return m_demo; }

 Q_SIGNALS:
  void newRequested();
  void openRequested();
  void demoRequested();
  void recentRequested(const QString& path);

 private:
  QPushButton* m_new;
  QPushButton* m_open;
  QPushButton* m_demo;
  QListWidget* m_recent;
};

}  // namespace wb::ui
