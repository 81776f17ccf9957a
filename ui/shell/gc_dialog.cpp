#include "ui/shell/gc_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/common/text_format.h"

namespace wb::ui {

namespace {

QString bytesText(std::uint64_t bytes) { return QString::fromStdString(formatBytes(bytes)); }

std::uint64_t dbFreed(const objects::GcReport& r) {
  return r.db_bytes_before > r.db_bytes_after ? r.db_bytes_before - r.db_bytes_after : 0;
}

}  // namespace

GcDialog::GcDialog(Workspace workspace, QWidget* parent)
    : QDialog(parent), m_workspace(std::move(workspace)) {
  setWindowTitle(tr("Clean Up Workspace"));
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(
      tr("Removes stored files nothing refers to any more (old checkpoints, artifacts of "
         "deleted runs, leftovers of interrupted imports) and compacts the database. Files "
         "younger than an hour are kept: running imports and runs may be about to use them."),
      this);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  m_summary = new QLabel(tr("Looking for unreferenced files…"), this);
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_summary);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 0);  // busy until the preview is known
  layout->addWidget(m_progress);
  auto* buttons = new QDialogButtonBox(this);
  m_clean = buttons->addButton(tr("Clean Up"), QDialogButtonBox::AcceptRole);
  m_clean->setEnabled(false);
  m_close = buttons->addButton(QDialogButtonBox::Close);
  layout->addWidget(buttons);
  connect(m_clean, &QPushButton::clicked, this, &GcDialog::startCleanup);
  connect(m_close, &QPushButton::clicked, this, [this] {
    m_shared->cancel = true;  // a running clean-up stops at its next step
    reject();
  });
  m_watcher = new QFutureWatcher<void>(this);
  connect(m_watcher, &QFutureWatcher<void>::finished, this, &GcDialog::finished);
  m_poll = new QTimer(this);
  m_poll->setInterval(50);
  connect(m_poll, &QTimer::timeout, this, &GcDialog::pollProgress);
  resize(520, sizeHint().height());
  startPreview();
}

GcDialog::~GcDialog() { m_shared->cancel = true; }

void GcDialog::run(objects::GcMode mode) {
  m_shared = std::make_shared<Shared>();
  // The worker holds only its own copies and the shared state: never the dialog.
  m_watcher->setFuture(QtConcurrent::run([ws = m_workspace, shared = m_shared, mode] {
    objects::GcOptions o;
    o.mode = mode;
    shared->outcome = objects::collectGarbage(ws, o, [shared](std::size_t done, std::size_t total) {
      shared->done = done;
      shared->total = total;
      return !shared->cancel.load();
    });
  }));
}

void GcDialog::startPreview() { run(objects::GcMode::DryRun); }

void GcDialog::startCleanup() {
  m_cleaning = true;
  m_clean->setEnabled(false);
  m_summary->setText(tr("Removing…"));
  m_progress->setRange(0, 0);
  m_poll->start();
  run(objects::GcMode::Delete);
}

void GcDialog::pollProgress() {
  const std::size_t total = m_shared->total, done = m_shared->done;
  if (total == 0 || done >= total) {
    m_progress->setRange(0, 0);  // scanning, or compacting the database
    return;
  }
  m_progress->setRange(0, static_cast<int>(std::min<std::size_t>(total, 1 << 30)));
  m_progress->setValue(static_cast<int>(std::min(done, total)));
}

void GcDialog::finished() {
  m_poll->stop();
  m_progress->setRange(0, 1);
  m_progress->setValue(1);
  const auto outcome = m_shared->outcome.value_or(Result<objects::GcReport>(makeError("no result")));
  if (m_cleaning)
    showResult(outcome);
  else
    showPreview(outcome);
}

void GcDialog::showPreview(const Result<objects::GcReport>& r) {
  if (!r) {
    m_summary->setText(tr("Cannot clean up: %1").arg(QString::fromStdString(r.error().text())));
    Q_EMIT previewReady();
    return;
  }
  m_preview = *r;
  QString text = tr("%n unreferenced file(s), %1", nullptr, static_cast<int>(r->unreferenced))
                     .arg(bytesText(r->unreferenced_bytes));
  if (r->temp_files > 0)
    text += tr("; %n leftover(s) of interrupted writes, %1", nullptr, static_cast<int>(r->temp_files))
                .arg(bytesText(r->temp_bytes));
  text += tr(".\nThe database (%1) can shrink by about %2%3.")
              .arg(bytesText(r->db_bytes_before), bytesText(dbFreed(*r)),
                   r->db_needs_vacuum ? tr(" and will be compacted once") : QString());
  if (r->kept_young > 0)
    text += tr("\n%n recent unreferenced file(s) will be kept.", nullptr, static_cast<int>(r->kept_young));
  text += tr("\n\nIn all about %1 will be freed.").arg(bytesText(r->freedBytes()));
  m_summary->setText(text);
  m_clean->setEnabled(r->unreferenced + r->temp_files > 0 || r->db_needs_vacuum || dbFreed(*r) > 0);
  Q_EMIT previewReady();
}

void GcDialog::showResult(const Result<objects::GcReport>& r) {
  m_cleaning = false;
  if (!r) {
    m_summary->setText(tr("Clean-up stopped: %1").arg(QString::fromStdString(r.error().text())));
  } else {
    m_result = *r;
    m_summary->setText(tr("Removed %n file(s). Freed %1.", nullptr,
                          static_cast<int>(r->unreferenced + r->temp_files))
                           .arg(bytesText(r->freedBytes())));
  }
  Q_EMIT cleanupFinished();
}

}  // namespace wb::ui
