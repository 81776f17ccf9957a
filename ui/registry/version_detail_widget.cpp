#include "ui/registry/version_detail_widget.h"

#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "core/registry/bundle.h"
#include "ui/common/formatting.h"
#include "ui/registry/alias_badge_delegate.h"
#include "ui/registry/registry_format.h"
#include "ui/registry/registry_task.h"

namespace wb::ui {

namespace {

struct CardContent {
  std::string markdown;
  std::string preprocessing;  // pretty JSON; empty when the bundle has none
};

QTableWidget* makeTable(const QStringList& headers, QWidget* parent) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->verticalHeader()->hide();
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->horizontalHeader()->setStretchLastSection(true);
  t->setAlternatingRowColors(true);
  t->setWordWrap(false);
  return t;
}

QString h(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString row(const QString& label, const QString& html) {
  return QStringLiteral("<tr><td style=\"color:#666; padding-right:12px\">%1</td><td>%2</td></tr>")
      .arg(label.toHtmlEscaped(), html);
}

QString shapeText(const nlohmann::json& io) {
  return QStringLiteral("%1 %2 %3")
      .arg(QString::fromStdString(io.value("name", std::string())),
           QString::fromStdString(io.value("datatype", std::string())),
           registry_format::jsonText(io.value("shape", nlohmann::json::array())));
}

}  // namespace

VersionDetailWidget::VersionDetailWidget(const Workspace& workspace, QWidget* parent)
    : QWidget(parent), m_workspace(workspace) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  m_title = new QLabel(this);
  m_title->setTextFormat(Qt::RichText);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.25);
  f.setBold(true);
  m_title->setFont(f);
  layout->addWidget(m_title);
  m_tabs = new QTabWidget(this);
  m_tabs->setDocumentMode(true);
  layout->addWidget(m_tabs, 1);

  auto* scroll = new QScrollArea(m_tabs);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  m_overview = new QLabel(scroll);
  m_overview->setTextFormat(Qt::RichText);
  m_overview->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_overview->setWordWrap(true);
  m_overview->setMargin(6);
  m_overview->setTextInteractionFlags(Qt::TextBrowserInteraction);
  connect(m_overview, &QLabel::linkActivated, this, &VersionDetailWidget::onLink);
  scroll->setWidget(m_overview);
  m_tabs->addTab(scroll, tr("Overview"));

  m_signature = new QPlainTextEdit(m_tabs);
  m_signature->setReadOnly(true);
  m_signature->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_tabs->addTab(m_signature, tr("Signature"));
  m_preprocessing = new QPlainTextEdit(m_tabs);
  m_preprocessing->setReadOnly(true);
  m_preprocessing->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_tabs->addTab(m_preprocessing, tr("Preprocessing"));
  m_metrics = makeTable({tr("Metric"), tr("Last"), tr("Min"), tr("Max")}, m_tabs);
  m_tabs->addTab(m_metrics, tr("Metrics"));
  m_card = new QTextBrowser(m_tabs);
  m_card->setOpenLinks(false);
  m_tabs->addTab(m_card, tr("Model Card"));
  m_history =
      makeTable({tr("When"), tr("Alias"), tr("From"), tr("To"), tr("Why"), tr("By")}, m_tabs);
  m_tabs->addTab(m_history, tr("Alias History"));
  setVersion(std::nullopt);
}

void VersionDetailWidget::setVersion(const std::optional<registry::ModelVersion>& version) {
  const bool other_model = !version || !m_version || version->model != m_version->model;
  const bool other_version = other_model || version->version != m_version->version;
  m_version = version;
  fillOverview();
  fillSignature();
  fillMetrics();
  if (other_version) loadModelCard();
  if (other_model) reloadHistory();
}

void VersionDetailWidget::fillOverview() {
  if (!m_version) {
    m_title->setText(tr("No version selected"));
    m_overview->setText(
        tr("<p style=\"color:#666\">Select a version to see its signature, "
           "metrics, model card and lineage.</p><p style=\"color:#666\">Register a "
           "model from a run: right-click it in <b>Runs</b> ▸ Register Model…, or "
           "<code>wb models register RUN --name NAME</code>.</p>"));
    return;
  }
  const auto& v = *m_version;
  QString badges;
  for (const auto& a : v.aliases)
    badges += QLatin1Char(' ') +
              AliasBadgeDelegate::badgeHtml(QString::fromStdString(a), QString::fromStdString(a));
  m_title->setText(QStringLiteral("%1 <span style=\"color:#666\">v%2</span>%3%4")
                       .arg(h(v.model))
                       .arg(v.version)
                       .arg(badges, v.archived ? tr(" <i>(archived)</i>") : QString()));
  QString html = QStringLiteral("<table cellspacing=\"3\">");
  if (!v.description.empty()) html += row(tr("Description"), h(v.description));
  html += row(tr("Type"), h(v.model_type) + QStringLiteral(" · ") + h(v.source));
  html += row(tr("Created"), formatTime(v.created_at, TimePrecision::Seconds).toHtmlEscaped());
  html += row(tr("Size"), formatBytes(v.size_bytes).toHtmlEscaped());
  if (!v.tags.empty()) html += row(tr("Tags"), registry_format::tagsText(v).toHtmlEscaped());
  html += QStringLiteral("<tr><td colspan=\"2\"><b>%1</b></td></tr>").arg(tr("Lineage"));
  const std::string run_name =
      v.lineage.is_object() ? v.lineage.value("run_name", std::string()) : std::string();
  if (!v.run_id.empty())
    html += row(tr("Run"),
                QStringLiteral("<a href=\"run:%1\">%2</a> <span style=\"color:#777\">%3</span>")
                    .arg(h(v.run_id), run_name.empty() ? h(v.run_id.substr(0, 12)) : h(run_name),
                         h(v.run_id.substr(0, 12))));
  else
    html += row(tr("Run"), tr("none (imported: %1)").arg(h(v.source)));
  if (!v.checkpoint.empty()) html += row(tr("Checkpoint"), h(v.checkpoint));
  if (!v.dataset.empty())
    html += row(tr("Dataset"), QStringLiteral("<a href=\"dataset:%1\">%1</a>").arg(h(v.dataset)));
  if (!v.config_hash.empty())
    html += row(tr("Config hash"),
                QStringLiteral("<code>%1</code>").arg(h(v.config_hash.substr(0, 16))));
  if (v.lineage.is_object() && v.lineage.contains("workbench_version"))
    html += row(tr("Workbench"),
                registry_format::jsonText(v.lineage["workbench_version"]).toHtmlEscaped());
  html += row(tr("Bundle"), QStringLiteral("<code>%1</code>").arg(h(v.bundle_id.substr(0, 16))));
  if (v.exports.is_object() && !v.exports.empty()) {
    html += QStringLiteral("<tr><td colspan=\"2\"><b>%1</b></td></tr>").arg(tr("Exports"));
    for (auto it = v.exports.begin(); it != v.exports.end(); ++it) {
      QString text;
      if (it->is_object() && it->contains("max_abs_diff"))
        text = tr("parity max |Δ| = %1 (%2)")
                   .arg(registry_format::jsonText((*it)["max_abs_diff"]),
                        registry_format::jsonText(it->value("checked_by", nlohmann::json())));
      else
        text = registry_format::jsonText(*it);
      html += row(QString::fromStdString(it.key()), text.toHtmlEscaped());
    }
  }
  html += QStringLiteral("</table>");
  m_overview->setText(html);
}

void VersionDetailWidget::fillSignature() {
  if (!m_version) {
    m_signature->clear();
    return;
  }
  const auto& s = m_version->signature;
  QStringList lines;
  if (s.is_object()) {
    lines << tr("Kind:     %1").arg(QString::fromStdString(s.value("kind", std::string())));
    lines << tr("Task:     %1").arg(QString::fromStdString(s.value("task", std::string())));
    for (const auto& io : s.value("inputs", nlohmann::json::array()))
      lines << tr("Input:    %1").arg(shapeText(io));
    for (const auto& io : s.value("outputs", nlohmann::json::array()))
      lines << tr("Output:   %1").arg(shapeText(io));
    if (s.contains("classes"))
      lines << tr("Classes:  %1 (%2)")
                   .arg(registry_format::jsonText(s["classes"]))
                   .arg(s["classes"].size());
    if (s.contains("target"))
      lines << tr("Target:   %1").arg(registry_format::jsonText(s["target"]));
    if (s.contains("features"))
      lines << tr("Features: %1").arg(registry_format::jsonText(s["features"]));
    if (s.contains("text_columns"))
      lines << tr("Text:     %1").arg(registry_format::jsonText(s["text_columns"]));
  }
  lines << QString() << tr("As recorded (JSON):") << QString::fromStdString(s.dump(2));
  m_signature->setPlainText(lines.join(QLatin1Char('\n')));
  if (s.is_object() && s.contains("preprocessing"))
    m_preprocessing->setPlainText(QString::fromStdString(s["preprocessing"].dump(2)));
}

void VersionDetailWidget::fillMetrics() {
  m_metrics->setRowCount(0);
  if (!m_version || !m_version->metrics.is_object()) return;
  const auto& metrics = m_version->metrics;
  m_metrics->setRowCount(static_cast<int>(metrics.size()));
  int r = 0;
  for (auto it = metrics.begin(); it != metrics.end(); ++it, ++r) {
    m_metrics->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(it.key())));
    const char* fields[] = {"last", "min", "max"};
    for (int c = 0; c < 3; ++c) {
      QString text;
      if (it->is_number() && c == 0) text = formatValue(it->get<double>());
      if (it->is_object() && it->contains(fields[c]) && (*it)[fields[c]].is_number())
        text = formatValue((*it)[fields[c]].get<double>());
      auto* cell = new QTableWidgetItem(text);
      cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_metrics->setItem(r, c + 1, cell);
    }
  }
  m_metrics->resizeColumnToContents(0);
}

void VersionDetailWidget::loadModelCard() {
  m_card_loaded = false;
  m_card->setPlainText(m_version ? tr("Loading the model card…") : QString());
  if (!(m_version && m_version->signature.is_object() &&
        m_version->signature.contains("preprocessing")))
    m_preprocessing->setPlainText(m_version ? tr("Loading…") : QString());
  if (!m_version) {
    m_card_bundle.clear();
    return;
  }
  const registry::ModelVersion v = *m_version;
  m_card_bundle = QString::fromStdString(v.bundle_id);
  const QString expected = m_card_bundle;
  // The bundle can be tens of MB: read and check it on a worker.
  runRegistryTask<CardContent>(
      m_workspace, this,
      [v](registry::ModelRegistry& reg) -> Result<CardContent> {
        auto bytes = reg.bundleBytes(v);
        if (!bytes) return bytes.error();
        auto files = registry::readBundle(*bytes, v.model + "/" + std::to_string(v.version));
        if (!files) return files.error();
        CardContent out;
        auto meta = files->modelJson();
        if (const std::string* readme = files->find("README.md"))
          out.markdown = *readme;
        else if (meta)
          out.markdown = registry::modelCard(*meta);
        if (meta && meta->contains("preprocessing"))
          out.preprocessing = (*meta)["preprocessing"].dump(2);
        return out;
      },
      [this, expected](const RegistryOutcome<CardContent>& r) {
        if (expected != m_card_bundle) return;  // another version is shown by now
        m_card_loaded = true;
        if (r.ok()) {
          m_card->setMarkdown(QString::fromStdString(r.value->markdown));
          if (!r.value->preprocessing.empty())
            m_preprocessing->setPlainText(QString::fromStdString(r.value->preprocessing));
          else if (m_preprocessing->toPlainText() == tr("Loading…"))
            m_preprocessing->setPlainText(tr("This version records no preprocessing."));
        } else {
          m_card->setPlainText(tr("Cannot read the bundle: %1").arg(r.error));
          if (m_preprocessing->toPlainText() == tr("Loading…")) m_preprocessing->clear();
        }
        Q_EMIT modelCardLoaded();
      });
}

void VersionDetailWidget::reloadHistory() {
  m_history_loaded = false;
  const int request = ++m_history_request;
  if (!m_version) {
    m_history->setRowCount(0);
    return;
  }
  const std::string name = m_version->model;
  runRegistryTask<std::vector<registry::AliasEvent>>(
      m_workspace, this, [name](registry::ModelRegistry& reg) { return reg.history(name); },
      [this, request](const RegistryOutcome<std::vector<registry::AliasEvent>>& r) {
        if (request != m_history_request) return;
        m_history->setRowCount(0);
        m_history_loaded = true;
        if (!r.ok()) {
          Q_EMIT historyLoaded();
          return;
        }
        const auto& events = *r.value;
        m_history->setRowCount(static_cast<int>(events.size()));
        int row_index = 0;
        for (auto it = events.rbegin(); it != events.rend(); ++it, ++row_index) {  // newest first
          const QStringList cells = {
              formatTime(it->at, TimePrecision::Seconds),
              QString::fromStdString(it->alias),
              it->from_version ? QStringLiteral("v%1").arg(*it->from_version) : QStringLiteral("—"),
              it->to_version ? QStringLiteral("v%1").arg(*it->to_version) : tr("removed"),
              QString::fromStdString(it->reason),
              QString::fromStdString(it->actor)};
          for (int c = 0; c < cells.size(); ++c) {
            auto* cell = new QTableWidgetItem(cells[c]);
            cell->setToolTip(cells[c]);
            m_history->setItem(row_index, c, cell);
          }
        }
        m_history->resizeColumnsToContents();
        Q_EMIT historyLoaded();
      });
}

void VersionDetailWidget::onLink(const QString& link) {
  if (link.startsWith(QLatin1String("run:"))) Q_EMIT openRunRequested(link.mid(4));
  if (link.startsWith(QLatin1String("dataset:"))) Q_EMIT openDatasetRequested(link.mid(8));
}

}  // namespace wb::ui
