#include "ui/datasets/import/import_run_page.h"

#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "ui/common/formatting.h"
#include "ui/datasets/dataset_problems_model.h"

namespace wb::ui {

namespace {
constexpr int kPollIntervalMs = 100;

QString phaseText(const std::string& phase) {
  if (phase == "scanning") return ImportRunPage::tr("Scanning the folder…");
  if (phase == "hashing") return ImportRunPage::tr("Hashing and checking files…");
  if (phase == "parsing") return ImportRunPage::tr("Reading the file…");
  if (phase == "writing") return ImportRunPage::tr("Writing the version…");
  if (phase.empty()) return ImportRunPage::tr("Starting…");
  return QString::fromStdString(phase) + QStringLiteral("…");
}
}  // namespace

ImportRunPage::ImportRunPage(QWidget* parent)
    : QWizardPage(parent),
      m_phase(new QLabel(this)),
      m_progress(new QProgressBar(this)),
      m_detail(new QLabel(this)),
      m_cancel(new QPushButton(tr("&Cancel Import"), this)),
      m_result_label(new QLabel(this)),
      m_problems_label(new QLabel(this)),
      m_problems_view(new QTableView(this)),
      m_problems(new DatasetProblemsModel(this)),
      m_poll(new QTimer(this)) {
  setObjectName(QStringLiteral("importRunPage"));
  setTitle(tr("Import"));
  setSubTitle(tr("Files are hashed (and checked) on all cores; bad files are skipped and listed."));
  m_progress->setObjectName(QStringLiteral("importProgress"));
  m_cancel->setObjectName(QStringLiteral("cancelImport"));
  m_result_label->setObjectName(QStringLiteral("importResult"));
  m_result_label->setWordWrap(true);
  m_result_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_problems_view->setObjectName(QStringLiteral("importProblems"));
  setUpProblemsView(m_problems_view, m_problems, 280);

  auto* progress_row = new QHBoxLayout;
  progress_row->addWidget(m_progress, 1);
  progress_row->addWidget(m_cancel);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_phase);
  layout->addLayout(progress_row);
  layout->addWidget(m_detail);
  layout->addSpacing(6);
  layout->addWidget(m_result_label);
  layout->addWidget(m_problems_label);
  layout->addWidget(m_problems_view, 1);
  layout->addStretch(0);  // keeps the rest at the top while there is no problems list

  m_poll->setInterval(kPollIntervalMs);
  connect(m_poll, &QTimer::timeout, this, &ImportRunPage::pollProgress);
  connect(m_cancel, &QPushButton::clicked, this, &ImportRunPage::cancel);
}

ImportRunPage::~ImportRunPage() {
  // The worker keeps its own reference to the shared state; tell it to stop.
  if (m_shared) m_shared->cancel = true;
}

void ImportRunPage::start(const Workspace& workspace, const data::ImportOptions& options) {
  if (m_shared) m_shared->cancel = true;  // a previous run still going (after Back)
  m_state = State::Running;
  m_result.reset();
  m_error.clear();
  m_problems->setProblems({});
  m_problems_label->clear();
  m_problems_view->setVisible(false);
  m_result_label->clear();
  m_phase->setText(phaseText({}));
  m_detail->clear();
  m_progress->setRange(0, 0);
  m_cancel->setEnabled(true);
  m_cancel->setVisible(true);
  m_clock.start();
  m_shared = std::make_shared<Shared>();
  const int generation = ++m_generation;
  auto shared = m_shared;
  auto* watcher = new QFutureWatcher<Outcome>(this);
  connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation == m_generation) onFinished(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run([workspace, options, shared]() -> Outcome {
    auto result = data::importDataset(workspace, options, [shared](const data::ImportProgress& p) {
      {
        std::lock_guard lock(shared->mutex);
        shared->phase.assign(p.phase);
        shared->progress = p;
        shared->fresh = true;
      }
      return !shared->cancel.load();
    });
    Outcome out;
    if (!result) {
      out.error = QString::fromStdString(result.error().text());
      out.cancelled = shared->cancel.load();
      return out;
    }
    out.result = std::move(*result);
    return out;
  }));
  m_poll->start();
  Q_EMIT completeChanged();
}

void ImportRunPage::cancel() {
  if (!isRunning() || !m_shared) return;
  m_shared->cancel = true;
  m_cancel->setEnabled(false);
  m_phase->setText(tr("Cancelling…"));
}

void ImportRunPage::pollProgress() {
  if (!m_shared) return;
  std::string phase;
  data::ImportProgress p;
  {
    std::lock_guard lock(m_shared->mutex);
    if (!m_shared->fresh) return;
    m_shared->fresh = false;
    phase = m_shared->phase;
    p = m_shared->progress;
  }
  if (!m_shared->cancel) m_phase->setText(phaseText(phase));
  if (p.total > 0) {
    // QProgressBar counts in int: scale big totals down.
    const int scale = p.total > 1'000'000'000 ? 1000 : 1;
    m_progress->setRange(0, static_cast<int>(p.total / scale));
    m_progress->setValue(static_cast<int>(p.done / scale));
  } else {
    m_progress->setRange(0, 0);
  }
  const QLocale l;
  QString detail = p.total > 0 ? tr("%1 / %2").arg(l.toString(static_cast<qulonglong>(p.done)),
                                                   l.toString(static_cast<qulonglong>(p.total)))
                               : QString();
  if (p.bytes > 0)
    detail += (detail.isEmpty() ? QString() : QStringLiteral(" · ")) +
              tr("%1 read").arg(formatBytes(static_cast<qint64>(p.bytes)));
  detail += (detail.isEmpty() ? QString() : QStringLiteral(" · ")) +
            tr("%1 s").arg(static_cast<double>(m_clock.elapsed()) / 1000.0, 0, 'f', 1);
  m_detail->setText(detail);
}

void ImportRunPage::onFinished(Outcome outcome) {
  pollProgress();
  m_poll->stop();
  m_cancel->setVisible(false);
  const QLocale l;
  if (!outcome.result) {
    m_state = outcome.cancelled ? State::Cancelled : State::Failed;
    m_error = outcome.error;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_detail->clear();
    m_phase->setText(outcome.cancelled ? tr("Import cancelled.") : tr("Import failed."));
    m_result_label->setText(
        outcome.cancelled
            ? tr("Nothing was added. Go Back to change the options, or close the wizard.")
            : QStringLiteral("<span style='color:#c62828'>%1</span>")
                  .arg(outcome.error.toHtmlEscaped()));
    Q_EMIT completeChanged();
    Q_EMIT finished(false, QString());
    return;
  }
  m_state = State::Succeeded;
  m_result = std::move(outcome.result);
  const auto& r = *m_result;
  m_progress->setRange(0, 1);
  m_progress->setValue(1);
  m_detail->setText(tr("%1 samples · %2 read · %3 s")
                        .arg(l.toString(static_cast<qulonglong>(r.samples)),
                             formatBytes(static_cast<qint64>(r.bytes_read)))
                        .arg(r.seconds, 0, 'f', 2));
  const QString ref = QString::fromStdString(r.version.ref());
  m_phase->setText(r.unchanged ? tr("Done: no changes.") : tr("Done."));
  QString text =
      r.unchanged
          ? tr("<b>%1</b> already holds exactly this content: no new version was added.").arg(ref)
          : tr("Imported <b>%1</b>: %2 samples, %3 new in the object store, %4 read in %5 s.")
                .arg(ref, l.toString(static_cast<qulonglong>(r.samples)),
                     l.toString(static_cast<qulonglong>(r.new_objects)),
                     formatBytes(static_cast<qint64>(r.bytes_read)))
                .arg(r.seconds, 0, 'f', 2);
  for (const auto& note : r.notes)
    text +=
        QStringLiteral("<br>") + tr("Note: %1").arg(QString::fromStdString(note).toHtmlEscaped());
  m_result_label->setText(text);
  m_problems->setProblems(r.problems);
  m_problems_view->setVisible(!r.problems.empty());
  m_problems_label->setText(
      r.problems.empty() ? tr("No problems.")
                         : tr("<b>%n problem(s)</b> — these files or rows were skipped:", nullptr,
                              static_cast<int>(r.problems.size())));
  Q_EMIT completeChanged();
  Q_EMIT finished(true, ref);
}

bool ImportRunPage::isComplete() const {
  return m_state != State::Running && m_state != State::Unknown;
}

void ImportRunPage::cleanupPage() {
  // Back while importing: stop it; the result of this run is ignored.
  if (isRunning()) {
    cancel();
    ++m_generation;
    m_poll->stop();
  }
  m_state = State::Unknown;
}

}  // namespace wb::ui
