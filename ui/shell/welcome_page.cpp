#include "ui/shell/welcome_page.h"

#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace wb::ui {

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent),
      m_new(new QPushButton(tr("New Workspace…"), this)),
      m_open(new QPushButton(tr("Open Workspace…"), this)),
      m_demo(new QPushButton(tr("Create Demo Workspace…"), this)),
      m_recent(new QListWidget(this)) {
  setObjectName(QStringLiteral("WelcomePage"));
  auto* title = new QLabel(tr("Workbench"), this);
  QFont f = title->font();
  f.setPointSizeF(f.pointSizeF() * 2.2);
  f.setBold(true);
  title->setFont(f);
  auto* tagline = new QLabel(
      tr("Datasets, experiments, training runs and models — in one fast desktop program."), this);
  tagline->setWordWrap(true);

  m_new->setIcon(style()->standardIcon(QStyle::SP_FileDialogNewFolder));
  m_open->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
  m_demo->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  m_demo->setToolTip(tr("A workspace to explore: real training runs (an Iris MLP sweep, a digits CNN) and the models registered from them"));
  for (auto* b : {m_new, m_open, m_demo}) b->setMinimumHeight(34);

  auto* recent_label = new QLabel(tr("Recent workspaces"), this);
  m_recent->setObjectName(QStringLiteral("recentList"));
  m_recent->setMaximumHeight(220);

  auto* column = new QVBoxLayout;
  column->addWidget(title);
  column->addWidget(tagline);
  column->addSpacing(16);
  column->addWidget(m_new);
  column->addWidget(m_open);
  column->addWidget(m_demo);
  column->addSpacing(16);
  column->addWidget(recent_label);
  column->addWidget(m_recent);

  auto* outer = new QHBoxLayout(this);
  outer->addStretch(1);
  auto* center = new QVBoxLayout;
  center->addStretch(1);
  center->addLayout(column);
  center->addStretch(2);
  outer->addLayout(center, 2);
  outer->addStretch(1);

  connect(m_new, &QPushButton::clicked, this, &WelcomePage::newRequested);
  connect(m_open, &QPushButton::clicked, this, &WelcomePage::openRequested);
  connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
  connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    Q_EMIT recentRequested(item->data(Qt::UserRole).toString());
  });
  setRecent({});
}

void WelcomePage::setRecent(const QStringList& paths) {
  m_recent->clear();
  for (const auto& p : paths) {
    auto* item = new QListWidgetItem(style()->standardIcon(QStyle::SP_DirIcon),
                                     QDir(p).dirName() + QStringLiteral("  —  ") + p, m_recent);
    item->setData(Qt::UserRole, p);
  }
  if (paths.isEmpty()) {
    auto* item = new QListWidgetItem(tr("(none yet)"), m_recent);
    item->setFlags(Qt::NoItemFlags);
  }
}

}  // namespace wb::ui
