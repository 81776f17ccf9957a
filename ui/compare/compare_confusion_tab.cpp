#include "ui/compare/compare_confusion_tab.h"

#include <algorithm>

#include <QCheckBox>
#include <QEvent>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/metrics/confusion_artifact.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "ui/compare/compare_runs.h"

namespace wb::ui {

struct CompareConfusionTab::Result {
  QString run_id;
  std::optional<ConfusionMatrix> matrix;
  QString error;  // empty with no matrix: the run has none
};

CompareConfusionTab::CompareConfusionTab(const CompareRuns* runs, QWidget* parent)
    : QWidget(parent), m_runs(runs) {
  auto* l = new QVBoxLayout(this);
  l->setContentsMargins(0, 6, 0, 0);
  auto* bar = new QHBoxLayout;
  m_percent = new QCheckBox(tr("Percent of true class"), this);
  m_percent->setToolTip(tr("Cells show their share of the true class's samples instead of counts"));
  bar->addWidget(m_percent);
  bar->addSpacing(12);
  m_note = new QLabel(this);
  m_note->setStyleSheet(QStringLiteral("color: #666;"));
  bar->addWidget(m_note, 1);
  l->addLayout(bar);
  m_scroll = new QScrollArea(this);
  m_scroll->setWidgetResizable(true);
  m_scroll->setFrameShape(QFrame::NoFrame);
  m_host = new QWidget(m_scroll);
  m_host->setObjectName(QStringLiteral("confusionMatrices"));
  m_layout = new QGridLayout(m_host);
  m_layout->setSpacing(12);
  m_layout->setContentsMargins(2, 2, 2, 2);
  m_scroll->setWidget(m_host);
  m_scroll->viewport()->installEventFilter(this);
  l->addWidget(m_scroll, 1);
  connect(m_percent, &QCheckBox::toggled, this, [this](bool on) {
    for (auto& [id, w] : m_widgets)
      w->setCellText(on ? ConfusionMatrixWidget::CellText::RowPercent
                        : ConfusionMatrixWidget::CellText::Counts);
  });
}

QStringList CompareConfusionTab::keepOnly(const QStringList& run_ids) {
  for (auto it = m_matrices.begin(); it != m_matrices.end();)
    it = run_ids.contains(it->first) ? std::next(it) : m_matrices.erase(it);
  QStringList unread;
  for (const auto& id : run_ids)
    if (!m_matrices.count(id) && !m_loading.contains(id)) unread << id;
  return unread;
}

void CompareConfusionTab::load(const Workspace& workspace, const QStringList& run_ids) {
  for (const auto& id : run_ids) m_loading.insert(id);
  ++m_jobs;
  std::vector<std::string> ids;
  for (const auto& id : run_ids) ids.push_back(id.toStdString());
  // Parented to the tab: a result never reaches a destroyed one.
  auto* watcher = new QFutureWatcher<std::vector<Result>>(this);
  connect(watcher, &QFutureWatcher<std::vector<Result>>::finished, this, [this, watcher] {
    watcher->deleteLater();
    --m_jobs;
    apply(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run([workspace, ids]() {
    std::vector<Result> out;
    auto db = workspace.connect();
    if (!db) {
      for (const auto& id : ids)
        out.push_back(
            {QString::fromStdString(id), std::nullopt, QString::fromStdString(db.error().text())});
      return out;
    }
    const objects::ObjectStore objects(workspace.objectsDir());
    for (const auto& id : ids) {
      Result r{QString::fromStdString(id), std::nullopt, {}};
      const auto read = metrics::readConfusionArtifact(**db, objects, id);
      if (!read)
        r.error = QString::fromStdString(read.error().text());
      else if (*read)
        r.matrix = ConfusionMatrix::fromArtifact(**read);
      out.push_back(std::move(r));
    }
    return out;
  }));
}

void CompareConfusionTab::apply(const std::vector<Result>& results) {
  const QStringList ids = m_runs->ids();
  for (const auto& r : results) {
    m_loading.remove(r.run_id);
    if (!ids.contains(r.run_id)) continue;
    m_matrices[r.run_id] = r.matrix;
    if (r.error.isEmpty())
      m_errors.erase(r.run_id);
    else
      m_errors[r.run_id] = r.error;
  }
  refreshLayout();
  if (m_jobs == 0) Q_EMIT loaded();
}

ConfusionMatrixWidget* CompareConfusionTab::matrix(const QString& run_id) const {
  const auto it = m_widgets.find(run_id);
  return it == m_widgets.end() ? nullptr : it->second;
}

QList<ConfusionMatrixWidget*> CompareConfusionTab::matrices() const {
  QList<ConfusionMatrixWidget*> out;
  for (const auto& id : m_runs->ids())
    if (auto* w = matrix(id)) out << w;
  return out;
}

void CompareConfusionTab::refreshLayout() {
  const QStringList ids = m_runs->ids();
  for (auto it = m_widgets.begin(); it != m_widgets.end();) {
    if (ids.contains(it->first)) {
      ++it;
      continue;
    }
    delete it->second;
    it = m_widgets.erase(it);
  }
  int with = 0, without = 0, failed = 0;
  for (const auto& id : ids) {
    auto*& w = m_widgets[id];
    if (!w) {
      w = new ConfusionMatrixWidget(m_host);
      w->setCellText(m_percent->isChecked() ? ConfusionMatrixWidget::CellText::RowPercent
                                            : ConfusionMatrixWidget::CellText::Counts);
    }
    w->setRun(id, m_runs->label(id), m_runs->color(id));
    const auto m = m_matrices.find(id);
    if (m == m_matrices.end() || (m_loading.contains(id) && !m->second)) {
      if (!w->hasMatrix()) w->setMessage(tr("Loading…"));
    } else if (m->second) {
      w->setMatrix(*m->second);
      ++with;
    } else if (const auto e = m_errors.find(id); e != m_errors.end()) {
      w->setMessage(tr("Could not read the confusion matrix:\n%1").arg(e->second));
      ++failed;
    } else {
      const RunRow* r = m_runs->row(id);
      w->setMessage(r && !store::isTerminal(r->run.status)
                        ? tr("The confusion matrix is stored when the run finishes.")
                        : tr("No confusion matrix: not a classification run, or trained without an "
                             "evaluation split."));
      ++without;
    }
  }
  QString note;
  if (with > 0)
    note = tr("Rows: true class · columns: predicted · shaded by share of the true class");
  if (without + failed > 0)
    note += (note.isEmpty() ? QString() : QStringLiteral("   ·   ")) +
            tr("%n run(s) without a confusion matrix", nullptr, without + failed);
  m_note->setText(note);
  m_columns = -1;  // force a re-layout
  layoutMatrices();
}

void CompareConfusionTab::layoutMatrices() {
  const QList<ConfusionMatrixWidget*> widgets = matrices();
  int widest = 1;
  for (auto* w : widgets) widest = std::max(widest, w->sizeHint().width());
  const int spacing = m_layout->horizontalSpacing();
  const int available = m_scroll->viewport()->width() - 8;
  const int columns = std::max(
      1, std::min(static_cast<int>(widgets.size()), (available + spacing) / (widest + spacing)));
  if (columns == m_columns && m_layout->count() == widgets.size()) return;
  m_columns = columns;
  while (m_layout->count() > 0) delete m_layout->takeAt(0);
  for (int i = 0; i < widgets.size(); ++i)
    m_layout->addWidget(widgets[i], i / columns, i % columns, Qt::AlignLeft | Qt::AlignTop);
  // Spare room goes right and below, not between the matrices.
  for (int c = 0; c <= columns; ++c) m_layout->setColumnStretch(c, c == columns ? 1 : 0);
  const int rows = (static_cast<int>(widgets.size()) + columns - 1) / columns;
  for (int r = 0; r <= rows; ++r) m_layout->setRowStretch(r, r == rows ? 1 : 0);
}

bool CompareConfusionTab::eventFilter(QObject* watched, QEvent* event) {
  if (m_scroll && watched == m_scroll->viewport() && event->type() == QEvent::Resize)
    layoutMatrices();
  return QWidget::eventFilter(watched, event);
}

}  // namespace wb::ui
