#include "ui/common/database_poller.h"

#include <QTimer>

#include "core/store/database.h"

namespace wb::ui {

DatabasePoller::DatabasePoller(Opener open, int poll_interval_ms, QObject* parent)
    : QObject(parent), m_open(std::move(open)), m_poll_interval_ms(poll_interval_ms) {}

DatabasePoller::~DatabasePoller() = default;

void DatabasePoller::start() {
  auto db = m_open();
  if (!db) {
    Q_EMIT failed(QString::fromStdString(db.error().text()));
    return;
  }
  m_db = std::move(*db);
  m_timer = new QTimer(this);
  m_timer->setInterval(m_poll_interval_ms);
  connect(m_timer, &QTimer::timeout, this, [this] {
    if (m_db) poll(false);
  });
  m_timer->start();
  poll(true);
}

void DatabasePoller::stop() {
  if (m_timer) m_timer->stop();
  m_db.reset();
}

void DatabasePoller::refreshNow() {
  if (m_db) poll(true);
}

bool DatabasePoller::dataChanged(bool force) {
  const qint64 version = m_db->dataVersion();
  if (!force && version == m_data_version) return false;
  m_data_version = version;
  return true;
}

}  // namespace wb::ui
