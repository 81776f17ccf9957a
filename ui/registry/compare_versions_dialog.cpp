#include "ui/registry/compare_versions_dialog.h"

#include <map>
#include <set>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/common/formatting.h"
#include "ui/registry/registry_format.h"

namespace wb::ui {

namespace {
const QColor kDiffBackground(255, 243, 205);
const QColor kBetter(0x2e, 0x7d, 0x32);
const QColor kWorse(0xc6, 0x28, 0x28);

QTableWidget* makeTable(const QStringList& headers, QWidget* parent) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->verticalHeader()->hide();
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->horizontalHeader()->setStretchLastSection(true);
  t->setAlternatingRowColors(true);
  t->setWordWrap(false);
  return t;
}

std::map<QString, QString> fieldsOf(const registry::ModelVersion& v) {
  std::map<QString, QString> out;
  out[QStringLiteral("type")] = QString::fromStdString(v.model_type);
  out[QStringLiteral("source")] = QString::fromStdString(v.source);
  out[QStringLiteral("dataset")] = QString::fromStdString(v.dataset);
  out[QStringLiteral("run")] = QString::fromStdString(v.run_id);
  out[QStringLiteral("checkpoint")] = QString::fromStdString(v.checkpoint);
  out[QStringLiteral("config_hash")] = QString::fromStdString(v.config_hash);
  out[QStringLiteral("size")] = formatBytes(v.size_bytes);
  out[QStringLiteral("tags")] = registry_format::tagsText(v);
  for (const auto& [k, val] : registry_format::flatten(v.signature))
    out[QStringLiteral("signature.") + k] = val;
  if (v.lineage.is_object() && v.lineage.contains("params"))
    for (const auto& [k, val] : registry_format::flatten(v.lineage["params"]))
      out[QStringLiteral("params.") + k] = val;
  return out;
}
}  // namespace

CompareVersionsDialog::CompareVersionsDialog(RegistrySnapshotPtr snapshot, const QString& a,
                                             const QString& b, QWidget* parent)
    : QDialog(parent), m_snapshot(std::move(snapshot)) {
  setWindowTitle(tr("Compare Versions"));
  setObjectName(QStringLiteral("CompareVersionsDialog"));
  m_left = new QComboBox(this);
  m_right = new QComboBox(this);
  for (const auto& v : m_snapshot->versions) {
    m_left->addItem(registry_format::versionRef(v));
    m_right->addItem(registry_format::versionRef(v));
  }
  m_left->setCurrentText(a);
  m_right->setCurrentText(b);
  m_only_diff = new QCheckBox(tr("Only differences"), this);
  auto* pickers = new QHBoxLayout;
  pickers->addWidget(new QLabel(tr("A:"), this));
  pickers->addWidget(m_left, 1);
  pickers->addWidget(new QLabel(tr("B:"), this));
  pickers->addWidget(m_right, 1);
  pickers->addWidget(m_only_diff);

  auto* split = new QSplitter(Qt::Horizontal, this);
  m_metrics = makeTable({tr("Metric"), tr("A"), tr("B"), tr("B − A")}, split);
  m_fields = makeTable({tr("Field"), tr("A"), tr("B")}, split);
  split->addWidget(m_metrics);
  split->addWidget(m_fields);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(pickers);
  layout->addWidget(split, 1);
  layout->addWidget(buttons);
  resize(1000, 560);
  connect(m_left, &QComboBox::currentTextChanged, this, &CompareVersionsDialog::refresh);
  connect(m_right, &QComboBox::currentTextChanged, this, &CompareVersionsDialog::refresh);
  connect(m_only_diff, &QCheckBox::toggled, this, &CompareVersionsDialog::refresh);
  refresh();
}

const registry::ModelVersion* CompareVersionsDialog::find(const QString& ref) const {
  const QString name = ref.section(QLatin1Char('/'), 0, -2);
  const int version = ref.section(QLatin1Char('/'), -1).toInt();
  return m_snapshot->findVersion(name.toStdString(), version);
}

void CompareVersionsDialog::refresh() {
  const auto* a = find(m_left->currentText());
  const auto* b = find(m_right->currentText());
  m_metrics->setRowCount(0);
  m_fields->setRowCount(0);
  if (!a || !b) return;
  fillMetrics(*a, *b);
  fillFields(*a, *b);
}

void CompareVersionsDialog::fillMetrics(const registry::ModelVersion& a,
                                        const registry::ModelVersion& b) {
  std::set<std::string> keys;
  for (const auto* v : {&a, &b})
    if (v->metrics.is_object())
      for (auto it = v->metrics.begin(); it != v->metrics.end(); ++it) keys.insert(it.key());
  for (const auto& key : keys) {
    const auto va = registry_format::metricValue(a.metrics, key);
    const auto vb = registry_format::metricValue(b.metrics, key);
    const bool differs = va != vb;
    if (m_only_diff->isChecked() && !differs) continue;
    const int r = m_metrics->rowCount();
    m_metrics->insertRow(r);
    m_metrics->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(key)));
    m_metrics->setItem(r, 1, new QTableWidgetItem(va ? formatValue(*va) : QString()));
    m_metrics->setItem(r, 2, new QTableWidgetItem(vb ? formatValue(*vb) : QString()));
    auto* delta = new QTableWidgetItem;
    if (va && vb) {
      const double d = *vb - *va;
      delta->setText((d > 0 ? QStringLiteral("+") : QString()) + formatValue(d));
      const bool better = registry::lowerIsBetter(key) ? d < 0 : d > 0;
      if (d != 0) delta->setForeground(better ? kBetter : kWorse);
    }
    m_metrics->setItem(r, 3, delta);
    for (int c = 1; c < 4; ++c)
      m_metrics->item(r, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  m_metrics->resizeColumnsToContents();
}

void CompareVersionsDialog::fillFields(const registry::ModelVersion& a,
                                       const registry::ModelVersion& b) {
  const auto fa = fieldsOf(a), fb = fieldsOf(b);
  std::set<QString> keys;
  for (const auto& [k, v] : fa) keys.insert(k);
  for (const auto& [k, v] : fb) keys.insert(k);
  for (const auto& key : keys) {
    const auto ia = fa.find(key), ib = fb.find(key);
    const QString ta = ia == fa.end() ? QString() : ia->second;
    const QString tb = ib == fb.end() ? QString() : ib->second;
    const bool differs = ta != tb || (ia == fa.end()) != (ib == fb.end());
    if (m_only_diff->isChecked() && !differs) continue;
    const int r = m_fields->rowCount();
    m_fields->insertRow(r);
    const QStringList cells = {key, ta, tb};
    for (int c = 0; c < 3; ++c) {
      auto* cell = new QTableWidgetItem(cells[c]);
      cell->setToolTip(cells[c]);
      if (differs) {
        cell->setBackground(kDiffBackground);
        cell->setForeground(QColor(Qt::black));
      }
      m_fields->setItem(r, c, cell);
    }
  }
  m_fields->resizeColumnToContents(0);
}

}  // namespace wb::ui
