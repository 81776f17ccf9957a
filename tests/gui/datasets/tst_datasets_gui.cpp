// GUI tests for the Datasets section and the import wizard, on real workspaces with images
// written by code (some of them corrupt) and datasets added by the real `wb` CLI while the
// window is open. Runs headless (QT_QPA_PLATFORM=offscreen).
#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>

#include <algorithm>
#include <map>
#include <set>

#include "core/data/dataset_repository.h"
#include "core/data/image_codec.h"
#include "core/data/importer.h"
#include "core/data/versioning.h"
#include "core/store/database.h"
#include "core/workspace/workspace.h"
#include "ui/datasets/dataset_column_stats_model.h"
#include "ui/datasets/dataset_history_widget.h"
#include "ui/datasets/dataset_image_preview_widget.h"
#include "ui/datasets/dataset_problems_model.h"
#include "ui/datasets/dataset_summary_widget.h"
#include "ui/datasets/dataset_table_model.h"
#include "ui/datasets/dataset_table_widget.h"
#include "ui/datasets/dataset_text_model.h"
#include "ui/datasets/dataset_text_widget.h"
#include "ui/datasets/dataset_tree_model.h"
#include "ui/datasets/datasets_panel.h"
#include "ui/datasets/import/import_options_page.h"
#include "ui/datasets/import/import_run_page.h"
#include "ui/datasets/import/import_source_page.h"
#include "ui/datasets/import/import_wizard.h"
#include "ui/shell/main_window.h"
#include "ui/datasets/thumbnail_grid_widget.h"
#include "ui/datasets/thumbnail_loader.h"
#include "ui/datasets/thumbnail_model.h"

using namespace wb::ui;
namespace data = wb::data;

namespace {

constexpr int kPerClass = 12;
const QStringList kClasses = {QStringLiteral("cat"), QStringLiteral("dog"), QStringLiteral("fox")};

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

QByteArray pngBytes(int seed, int side = 24, int channels = 3) {
  data::Image img = data::Image::zeros(side, side, channels);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < channels; ++c)
        img.row(y)[x * channels + c] =
            static_cast<std::uint8_t>((x * 7 + y * 3 + seed * 29 + c * 80) & 0xff);
  auto png = data::encodePng(img);
  return png ? QByteArray::fromStdString(*png) : QByteArray();
}

// An image folder: cat/, dog/, fox/ with kPerClass PNGs each, plus two corrupt files in cat/:
// a truncated PNG and a text file named .png.
void makeImageFolder(const QString& dir) {
  int seed = 0;
  for (const auto& cls : kClasses)
    for (int i = 0; i < kPerClass; ++i)
      writeFile(QStringLiteral("%1/%2/%3.png").arg(dir, cls).arg(i, 3, 10, QLatin1Char('0')),
                pngBytes(seed++));
  const QByteArray good = pngBytes(999);
  writeFile(dir + QStringLiteral("/cat/truncated.png"), good.left(good.size() / 2));
  writeFile(dir + QStringLiteral("/cat/not-an-image.png"), "this is plain text, not a PNG\n");
}

QString wbRun(const QString& workspace, const QStringList& args, int* exit_code = nullptr) {
  QProcess p;
  p.start(QStringLiteral(WB_CLI_PATH),
          QStringList{QStringLiteral("--workspace"), workspace} + args);
  p.waitForFinished(60000);
  if (exit_code) *exit_code = p.exitCode();
  if (p.exitCode() != 0) qWarning() << "wb failed:" << args << p.readAllStandardError();
  return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

std::vector<QModelIndex> visibleIndexes(QListView* view) {
  std::set<int> rows;
  std::vector<QModelIndex> out;
  const QSize grid = view->gridSize();
  const QRect area = view->viewport()->rect();
  for (int y = grid.height() / 2; y < area.height(); y += grid.height())
    for (int x = grid.width() / 2; x < area.width(); x += grid.width()) {
      const QModelIndex idx = view->indexAt(QPoint(x, y));
      if (idx.isValid() && rows.insert(idx.row()).second) out.push_back(idx);
    }
  return out;
}

bool allLoaded(const std::vector<QModelIndex>& indexes) {
  for (const auto& idx : indexes)
    if (idx.data(ThumbnailModel::ThumbnailStateRole).toInt() !=
        static_cast<int>(ThumbnailModel::ThumbnailState::Loaded))
      return false;
  return !indexes.empty();
}

ImportRunPage::State runImport(ImportWizard* wizard) {
  // From the options page: Import, then wait (spinning the event loop) until the worker ends.
  wizard->button(QWizard::NextButton)->click();
  if (wizard->currentId() != ImportWizard::kRunPage) return ImportRunPage::State::Unknown;
  QElapsedTimer t;
  t.start();
  while (wizard->runPage()->isRunning() && t.elapsed() < 30000) QTest::qWait(20);
  return wizard->runPage()->state();
}

}  // namespace

class TestDatasetsGui : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_settings_dir;
  QTemporaryDir m_dir;
  QString m_images;  // the generated image folder

  std::unique_ptr<MainWindow> openWindow(const QString& ws) {
    auto w = std::make_unique<MainWindow>();
    w->show();
    QSignalSpy ready(w.get(), &MainWindow::workspaceReady);
    w->openWorkspace(ws);
    if (!ready.wait(20000)) return nullptr;
    return w;
  }

  QString newWorkspace(const QString& name) {
    const QString path = m_dir.filePath(name);
    auto ws = wb::Workspace::create(path.toStdString());
    if (!ws) qWarning() << QString::fromStdString(ws.error().text());
    return path;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_settings_dir.isValid());
    QVERIFY(m_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings_dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_datasets_gui"));
    m_images = m_dir.filePath(QStringLiteral("pets"));
    makeImageFolder(m_images);
  }

  void init() { QSettings().clear(); }

  void importWizardEndToEnd() {
    const QString ws = newWorkspace(QStringLiteral("wizard"));
    auto w = openWindow(ws);
    QVERIFY(w);
    QVERIFY(w->sectionNames().contains(QStringLiteral("Datasets")));
    auto* panel = w->datasetsPanel();
    QVERIFY(panel);
    QVERIFY(w->importDatasetAction()->isEnabled());
    QCOMPARE(w->importDatasetAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_I));

    // Ctrl+I opens the wizard (on the Datasets section).
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w.get()));
    QTest::keyClick(w.get(), Qt::Key_I, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(panel->importWizard() != nullptr, 5000);
    QVERIFY(panel->isVisible());
    ImportWizard* wizard = panel->importWizard();

    // Page 1: a folder is guessed to be an image folder.
    auto* source = wizard->sourcePage();
    source->setFormat(ImportFormat::Table);
    QVERIFY(!wizard->button(QWizard::NextButton)->isEnabled());
    source->sourceEdit()->setText(m_images);
    QCOMPARE(source->format(), ImportFormat::ImageFolder);
    QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
    wizard->button(QWizard::NextButton)->click();
    QCOMPARE(wizard->currentId(), static_cast<int>(ImportWizard::kOptionsPage));

    // Page 2: the name defaults to the folder's; invalid names are refused.
    auto* options = wizard->optionsPage();
    QCOMPARE(options->nameEdit()->text(), QStringLiteral("pets"));
    options->nameEdit()->setText(QString());
    QTest::keyClicks(options->nameEdit(),
                     QStringLiteral("my pets!"));  // space and ! are filtered out
    QCOMPARE(options->nameEdit()->text(), QStringLiteral("mypets"));
    options->nameEdit()->setText(QStringLiteral("pets"));
    QVERIFY(wizard->button(QWizard::NextButton)->isEnabled());
    options->messageEdit()->setText(QStringLiteral("first import"));
    QCOMPARE(options->trainSpin()->value(), 80);

    // Page 3: the import runs off the GUI thread and lists the corrupt files.
    QSignalSpy imported(wizard, &ImportWizard::imported);
    QCOMPARE(runImport(wizard), ImportRunPage::State::Succeeded);
    QCOMPARE(imported.count(), 1);
    QCOMPARE(imported.first().first().toString(), QStringLiteral("pets@1"));
    auto* problems = wizard->runPage()->problemsModel();
    QAbstractItemModelTester tester(problems,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(problems->rowCount(), 2);
    QStringList paths;
    for (int r = 0; r < problems->rowCount(); ++r) {
      paths << problems->index(r, DatasetProblemsModel::kPath).data().toString();
      QVERIFY(!problems->index(r, DatasetProblemsModel::kReason).data().toString().isEmpty());
    }
    paths.sort();
    QCOMPARE(paths, (QStringList{QStringLiteral("cat/not-an-image.png"),
                                 QStringLiteral("cat/truncated.png")}));
    QVERIFY(wizard->runPage()->problemsView()->isVisibleTo(wizard));
    QVERIFY(wizard->runPage()->resultLabel()->text().contains(QStringLiteral("pets@1")));
    QVERIFY(wizard->button(QWizard::FinishButton)->isEnabled());
    wizard->button(QWizard::FinishButton)->click();
    QTRY_VERIFY(panel->importWizard() == nullptr);

    // The list refreshes and selects the new version; the summary shows the class counts.
    QTRY_COMPARE_WITH_TIMEOUT(panel->currentRef(), QStringLiteral("pets@1"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->loadedVersion() != nullptr, 10000);
    QVERIFY(panel->model()->indexOfDataset(QStringLiteral("pets")).isValid());
    const auto& charted = panel->summary()->chartedClasses();
    QCOMPARE(charted.size(), std::size_t(3));
    for (const auto& [label, counts] : charted) {
      QVERIFY(kClasses.contains(QString::fromStdString(label)));
      QCOMPARE(counts[0] + counts[1] + counts[2] + counts[3], std::size_t(kPerClass));
      QVERIFY(counts[0] > counts[1]);  // 80/10/10
    }
    const QString header = panel->summary()->headerText();
    QVERIFY2(header.contains(QStringLiteral("pets@1")), qPrintable(header));
    QVERIFY2(header.contains(QStringLiteral("2 problem")), qPrintable(header));
    QVERIFY2(header.contains(QStringLiteral("first import")), qPrintable(header));
    QCOMPARE(panel->problemsModel()->rowCount(), 2);
    QVERIFY(panel->tabs()->tabText(DatasetsPanel::kProblemsTab).contains(QStringLiteral("2")));
    QCOMPARE(panel->grid()->model()->rowCount(), kPerClass * 3);

    // A table, through the same wizard: the column picker comes from parsing the file.
    const QString csv = m_dir.filePath(QStringLiteral("flowers.csv"));
    QByteArray rows = "petal_length,petal_width,colour,species\n";
    for (int i = 0; i < 60; ++i)
      rows += QByteArray::number(1.0 + i * 0.1) + ',' + QByteArray::number(0.2 + (i % 7) * 0.3) +
              ',' + (i % 2 ? "red" : "blue") + ',' + (i < 30 ? "setosa" : "virginica") + '\n';
    rows += "1.0,2.0\n";  // ragged: a problem
    writeFile(csv, rows);
    wizard = panel->openImportWizard();
    wizard->sourcePage()->sourceEdit()->setText(csv);
    QCOMPARE(wizard->sourcePage()->format(), ImportFormat::Table);
    wizard->button(QWizard::NextButton)->click();
    options = wizard->optionsPage();
    QTRY_VERIFY_WITH_TIMEOUT(options->previewTable().has_value(), 10000);
    QCOMPARE(options->targetCombo()->count(), 4);
    QCOMPARE(options->targetCombo()->currentText(), QStringLiteral("species"));
    QCOMPARE(options->nameEdit()->text(), QStringLiteral("flowers"));
    options->taskCombo()->setCurrentIndex(
        options->taskCombo()->findData(static_cast<int>(data::Task::Classification)));
    QCOMPARE(runImport(wizard), ImportRunPage::State::Succeeded);
    QCOMPARE(wizard->runPage()->problemsModel()->rowCount(), 1);
    wizard->close();
    QTRY_COMPARE_WITH_TIMEOUT(panel->currentRef(), QStringLiteral("flowers@1"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        panel->loadedVersion() && panel->loadedVersion()->version.dataset == "flowers", 10000);
    auto* table = panel->tableSamples();
    QAbstractItemModelTester table_tester(table->model(),
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(table->model()->rowCount(), 60);
    QCOMPARE(table->model()->columnCount(), 5);  // 4 columns + split
    QAbstractItemModelTester stats_tester(table->statsModel(),
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(table->statsModel()->rowCount(), 4);
    QVERIFY(table->model()
                ->headerData(3, Qt::Horizontal)
                .toString()
                .contains(QStringLiteral("target")));
    QCOMPARE(panel->summary()->chartedClasses().size(), std::size_t(2));
  }

  void importCanBeCancelled() {
    const QString ws = newWorkspace(QStringLiteral("cancel"));
    auto w = openWindow(ws);
    QVERIFY(w);
    auto* panel = w->datasetsPanel();
    ImportWizard* wizard = panel->openImportWizard();
    wizard->sourcePage()->sourceEdit()->setText(m_images);
    wizard->button(QWizard::NextButton)->click();
    wizard->optionsPage()->nameEdit()->setText(QStringLiteral("never"));
    QSignalSpy imported(wizard, &ImportWizard::imported);
    wizard->button(QWizard::NextButton)->click();  // Import: starts on a worker thread
    auto* run = wizard->runPage();
    QVERIFY(run->isRunning());
    QVERIFY(run->cancelButton()->isEnabled());
    run->cancelButton()->click();  // the progress callback returns false from now on
    QTRY_VERIFY_WITH_TIMEOUT(!run->isRunning(), 20000);
    QCOMPARE(run->state(), ImportRunPage::State::Cancelled);
    QCOMPARE(imported.count(), 0);
    QVERIFY(wizard->button(QWizard::FinishButton)->isEnabled());
    {
      auto workspace = wb::Workspace::open(ws.toStdString());
      auto db = workspace->connect();
      QVERIFY(db);
      auto list = data::DatasetRepository(**db).list();
      QVERIFY(list);
      QVERIFY(list->empty());
    }
    // Back to the options, change the name, import for real.
    wizard->button(QWizard::BackButton)->click();
    QCOMPARE(wizard->currentId(), static_cast<int>(ImportWizard::kOptionsPage));
    wizard->optionsPage()->nameEdit()->setText(QStringLiteral("after-cancel"));
    QCOMPARE(runImport(wizard), ImportRunPage::State::Succeeded);
    QCOMPARE(imported.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(panel->currentRef(), QStringLiteral("after-cancel@1"), 10000);
    wizard->close();
  }

  void cliImportAppearsWithoutRestart() {
    const QString ws = newWorkspace(QStringLiteral("cli"));
    auto w = openWindow(ws);
    QVERIFY(w);
    auto* panel = w->datasetsPanel();
    QAbstractItemModelTester tree_tester(panel->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->snapshot() != nullptr, 5000);
    QCOMPARE(panel->model()->rowCount(), 0);
    int code = -1;
    wbRun(ws,
          {QStringLiteral("data"), QStringLiteral("import"), m_images, QStringLiteral("--name"),
           QStringLiteral("from-cli")},
          &code);
    QCOMPARE(code, 0);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->indexOfDataset(QStringLiteral("from-cli")).isValid(),
                             10000);
    QTRY_COMPARE_WITH_TIMEOUT(panel->currentRef(), QStringLiteral("from-cli@1"), 10000);

    // A text dataset from the CLI: rows with label, split and a preview of the text.
    const QString csv = m_dir.filePath(QStringLiteral("news.csv"));
    QByteArray rows = "id,title,body,label\n";
    for (int i = 0; i < 40; ++i)
      rows += QByteArray::number(i) + ",\"Headline number " + QByteArray::number(i) +
              " about things\",\"A longer body text that says something, item " +
              QByteArray::number(i * 17) + ", with commas and more words to make it text.\"," +
              (i % 3 ? "real" : "fake") + '\n';
    writeFile(csv, rows);
    wbRun(ws,
          {QStringLiteral("data"), QStringLiteral("import"), csv, QStringLiteral("--name"),
           QStringLiteral("news"), QStringLiteral("--format"), QStringLiteral("text"),
           QStringLiteral("--text-columns"), QStringLiteral("title,body")},
          &code);
    QCOMPARE(code, 0);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->indexOfDataset(QStringLiteral("news")).isValid(),
                             10000);
    panel->selectVersion(QStringLiteral("news@1"));
    QTRY_VERIFY_WITH_TIMEOUT(
        panel->loadedVersion() && panel->loadedVersion()->version.dataset == "news", 10000);
    auto* text = panel->textSamples();
    QAbstractItemModelTester tester(text->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(text->model()->rowCount(), 40);
    QVERIFY(text->model()->index(0, DatasetTextModel::kText).data().toString().size() <=
            DatasetTextModel::kSnippetChars);
    text->view()->selectRow(3);
    QVERIFY(text->preview()->toPlainText().contains(QStringLiteral("A longer body text")));
    QCOMPARE(panel->summary()->chartedClasses().size(), std::size_t(2));
  }

  void thumbnailModelAndFilters() {
    const QString ws_path = newWorkspace(QStringLiteral("thumbs"));
    auto ws = wb::Workspace::open(ws_path.toStdString());
    QVERIFY(ws);
    data::ImportOptions o;
    o.dataset = "pets";
    o.format = data::SourceFormat::ImageFolder;
    o.source = m_images.toStdString();
    auto r = data::importDataset(*ws, o);
    QVERIFY(r);
    auto m = data::loadManifest(*ws, r->version);
    QVERIFY(m);
    auto manifest = std::make_shared<const data::Manifest>(std::move(*m));

    ThumbnailGridWidget grid;
    auto* model = grid.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    grid.resize(1000, 700);
    grid.show();
    QVERIFY(QTest::qWaitForWindowExposed(&grid));
    grid.setManifest(*ws, manifest);
    QCOMPARE(model->rowCount(), kPerClass * 3);

    // Thumbnails arrive for the visible rows (placeholders until then).
    QTRY_VERIFY_WITH_TIMEOUT(allLoaded(visibleIndexes(grid.view())), 10000);
    const QImage thumb = model->index(0).data(Qt::DecorationRole).value<QImage>();
    QCOMPARE(thumb.size(), QSize(24, 24));  // never enlarged
    QVERIFY(thumb != model->placeholder());

    // The class and split filters (keyboard-reachable combo boxes) reduce the rows.
    std::map<std::string, int> per_class;
    std::map<data::Split, int> per_split;
    for (const auto& s : manifest->samples) per_class[s.label]++, per_split[s.split]++;
    const int dog = grid.classFilter()->findData(QStringLiteral("dog"));
    QVERIFY(dog > 0);
    grid.classFilter()->setCurrentIndex(dog);
    QCOMPARE(model->rowCount(), per_class["dog"]);
    for (int row = 0; row < model->rowCount(); ++row)
      QCOMPARE(model->index(row).data(ThumbnailModel::LabelRole).toString(), QStringLiteral("dog"));
    grid.splitFilter()->setCurrentIndex(
        grid.splitFilter()->findData(static_cast<int>(data::Split::Train)));
    int dog_train = 0;
    for (const auto& s : manifest->samples)
      dog_train += s.label == "dog" && s.split == data::Split::Train;
    QCOMPARE(model->rowCount(), dog_train);
    grid.classFilter()->setCurrentIndex(0);
    QCOMPARE(model->rowCount(), per_split[data::Split::Train]);
    grid.splitFilter()->setCurrentIndex(0);
    QCOMPARE(model->rowCount(), kPerClass * 3);

    // Shuffled: the same samples once each, in another (fixed) order; filters still apply.
    grid.shuffleBox()->setChecked(true);
    QCOMPARE(model->rowCount(), kPerClass * 3);
    std::set<int> seen;
    bool reordered = false;
    for (int row = 0; row < model->rowCount(); ++row) {
      const int sample = model->sampleIndex(row);
      QVERIFY(seen.insert(sample).second);
      QCOMPARE(model->rowOfSample(sample), row);
      reordered = reordered || sample != row;
    }
    QVERIFY(reordered);
    grid.classFilter()->setCurrentIndex(dog);
    QCOMPARE(model->rowCount(), per_class["dog"]);
    grid.classFilter()->setCurrentIndex(0);
    grid.shuffleBox()->setChecked(false);
    QCOMPARE(model->sampleIndex(5), 5);
    // Filtering keeps the cache: the visible rows are loaded again at once or shortly.
    QTRY_VERIFY_WITH_TIMEOUT(allLoaded(visibleIndexes(grid.view())), 10000);

    // Keyboard: the filter takes focus; Enter on a thumbnail opens the large preview.
    grid.setFocusToFilter();
    grid.view()->setFocus();
    grid.view()->setCurrentIndex(model->index(4));
    QCOMPARE(grid.preview()->sampleIndex(), model->sampleIndex(4));
    QTest::keyClick(grid.view(), Qt::Key_Return);
    QVERIFY(grid.dialogPreview());
    QVERIFY(grid.dialogPreview()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!grid.dialogPreview()->image().isNull(), 10000);
    QCOMPARE(grid.dialogPreview()->image().size(), QSize(24, 24));
    const QString details = grid.dialogPreview()->detailsText();
    QVERIFY2(details.contains(QStringLiteral("24×24")), qPrintable(details));
    QVERIFY2(details.contains(QString::fromStdString(model->sampleAt(4)->hash)),
             qPrintable(details));
  }

  void loaderDropsStaleRequests() {
    // Regression guard for fast scrolling: requests from batches long superseded are dropped
    // (and reported), the newest batch is decoded first and completely.
    const QString file = m_dir.filePath(QStringLiteral("pets/dog/000.png"));
    ThumbnailLoader loader(64, 1);
    loader.setMaxPendingBatches(2);
    std::map<int, ThumbnailResult> results;
    QObject::connect(&loader, &ThumbnailLoader::thumbnailsReady, &loader,
                     [&](const QVector<ThumbnailResult>& batch) {
                       for (const auto& r : batch) results[r.id] = r;
                     });
    constexpr int kBatches = 5, kPerBatch = 200;
    for (int b = 0; b < kBatches; ++b) {
      std::vector<ThumbnailRequest> batch;
      for (int i = 0; i < kPerBatch; ++i)
        batch.push_back({1, b * kPerBatch + i, file.toStdString()});
      loader.request(std::move(batch));
    }
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<int>(results.size()), kBatches * kPerBatch, 20000);
    int dropped = 0;
    for (const auto& [id, r] : results) {
      dropped += r.dropped;
      if (id >= (kBatches - 2) * kPerBatch) {
        QVERIFY2(!r.dropped && !r.image.isNull(),
                 qPrintable(QStringLiteral("request %1 of a recent batch").arg(id)));
        QCOMPARE(r.image.size(), QSize(24, 24));
      }
    }
    QVERIFY(dropped >= kPerBatch);  // at least the first batch's requests, minus what was running
    QCOMPARE(static_cast<quint64>(dropped), loader.droppedCount());
    // A file that is not an image fails with a reason (and is not retried by the model).
    QString error;
    QVERIFY(
        ThumbnailLoader::decodeFile(
            m_dir.filePath(QStringLiteral("pets/cat/not-an-image.png")).toStdString(), 64, &error)
            .isNull());
    QVERIFY(!error.isEmpty());
  }

  void largeGridScrollStaysResponsive() {
    // 100,000 samples over a handful of real files: the model, the view and the loader see
    // 100,000 distinct items; the files are in the page cache after the first pass.
    const QString ws_path = newWorkspace(QStringLiteral("large"));
    auto ws = wb::Workspace::open(ws_path.toStdString());
    QVERIFY(ws);
    data::ImportOptions o;
    o.dataset = "pets";
    o.format = data::SourceFormat::ImageFolder;
    o.source = m_images.toStdString();
    auto r = data::importDataset(*ws, o);
    QVERIFY(r);
    auto small = data::loadManifest(*ws, r->version);
    QVERIFY(small);
    auto big = std::make_shared<data::Manifest>();
    big->kind = data::DatasetKind::Images;
    big->classes = small->classes;
    constexpr int kItems = 100000;
    big->samples.reserve(kItems);
    for (int i = 0; i < kItems; ++i) {
      data::Sample s = small->samples[static_cast<std::size_t>(i) % small->samples.size()];
      s.key = QStringLiteral("s%1.png").arg(i, 6, 10, QLatin1Char('0')).toStdString();
      big->samples.push_back(std::move(s));
    }

    ThumbnailGridWidget grid;
    grid.resize(1200, 800);
    grid.show();
    QVERIFY(QTest::qWaitForWindowExposed(&grid));
    QElapsedTimer clock;
    clock.start();
    grid.setManifest(*ws, big);
    QCOMPARE(grid.model()->rowCount(), kItems);
    QTRY_VERIFY_WITH_TIMEOUT(allLoaded(visibleIndexes(grid.view())), 10000);
    qInfo("first screen of thumbnails after %lld ms", static_cast<long long>(clock.elapsed()));

    // Scroll from top to bottom at a steady rate while a 10 ms timer measures the event loop.
    qint64 worst_ms = 0, last = clock.elapsed();
    QTimer tick;
    tick.setInterval(10);
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
      const qint64 now = clock.elapsed();
      worst_ms = std::max(worst_ms, now - last - 10);
      last = now;
    });
    auto* bar = grid.view()->verticalScrollBar();
    QVERIFY(bar->maximum() > 100000);
    const quint64 decoded_before = grid.model()->loader()->decodedCount();
    constexpr int kSteps = 150;  // ~2.5 s at 60 steps/s
    int step = 0;
    QTimer scroller;
    scroller.setInterval(16);
    QObject::connect(&scroller, &QTimer::timeout, &scroller, [&] {
      bar->setValue(static_cast<int>(static_cast<qint64>(bar->maximum()) * ++step / kSteps));
      if (step >= kSteps) scroller.stop();
    });
    last = clock.elapsed();
    tick.start();
    scroller.start();
    QTRY_VERIFY_WITH_TIMEOUT(step >= kSteps, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(allLoaded(visibleIndexes(grid.view())), 10000);
    tick.stop();
    const auto visible = visibleIndexes(grid.view());
    QVERIFY(visible.back().row() >= kItems - 40);  // at the end
    const quint64 decoded = grid.model()->loader()->decodedCount() - decoded_before;
    qInfo(
        "scrolled 100,000 thumbnails in %d steps: worst event-loop delay %lld ms, %llu decoded, "
        "%llu dropped",
        kSteps, static_cast<long long>(worst_ms), static_cast<unsigned long long>(decoded),
        static_cast<unsigned long long>(grid.model()->loader()->droppedCount()));
    QVERIFY2(worst_ms < 250,
             qPrintable(QStringLiteral("event loop blocked for %1 ms").arg(worst_ms)));
    QVERIFY(decoded < static_cast<quint64>(kItems) / 4);  // only what was on screen, not everything
  }

  // Issue 11: a 40x30 gray image among 24x24 RGB ones is imported, and the summary says which
  // shape dominates and links to the odd sample (a table naming it and its shape).
  void summaryShowsTheDominantShapeAndOddSamples() {
    const QString ws_path = newWorkspace(QStringLiteral("odd-shape"));
    const QString folder = m_dir.filePath(QStringLiteral("odd-shape-images"));
    for (int i = 0; i < 4; ++i)
      writeFile(QStringLiteral("%1/a/%2.png").arg(folder).arg(i), pngBytes(i));
    auto odd = data::encodePng(data::Image::zeros(40, 30, 1));
    QVERIFY(odd);
    writeFile(folder + QStringLiteral("/a/odd.png"), QByteArray::fromStdString(*odd));
    auto ws = wb::Workspace::open(ws_path.toStdString());
    QVERIFY(ws);
    data::ImportOptions o;
    o.dataset = "odd";
    o.format = data::SourceFormat::ImageFolder;
    o.source = folder.toStdString();
    auto imported = data::importDataset(*ws, o);
    QVERIFY2(imported, imported ? "" : imported.error().text().c_str());
    auto manifest = data::loadManifest(*ws, imported->version);
    QVERIFY(manifest);

    DatasetSummaryWidget summary;
    summary.resize(900, 700);
    summary.show();
    summary.setVersion(&imported->version);
    const QString header = summary.headerText();
    QVERIFY2(header.contains(QStringLiteral("Dominant 24×24 RGB")), qPrintable(header));
    QVERIFY2(header.contains(QStringLiteral("1 sample of another size/channels")), qPrintable(header));
    auto loaded = std::make_shared<LoadedVersion>();
    loaded->version = imported->version;
    loaded->manifest = *manifest;
    loaded->stats = data::ManifestStats::of(*manifest);
    summary.setLoaded(loaded);
    auto* table = summary.oddShapesTable();
    QVERIFY(!table->isVisible());
    auto* facts = summary.findChild<QLabel*>(QStringLiteral("summaryFacts"));
    QVERIFY(facts);
    QVERIFY(facts->text().contains(QStringLiteral("#odd-shapes")));
    Q_EMIT facts->linkActivated(QStringLiteral("#odd-shapes"));  // the header's link
    QVERIFY(table->isVisible());
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("a/odd.png"));
    QVERIFY2(table->item(0, 1)->text().contains(QStringLiteral("40x30 gray")),
             qPrintable(table->item(0, 1)->text()));
  }

  void historyDiff() {
    const QString ws_path = newWorkspace(QStringLiteral("history"));
    auto ws = wb::Workspace::open(ws_path.toStdString());
    QVERIFY(ws);
    const QString folder = m_dir.filePath(QStringLiteral("history-images"));
    makeImageFolder(folder);
    data::ImportOptions o;
    o.dataset = "pets";
    o.format = data::SourceFormat::ImageFolder;
    o.source = folder.toStdString();
    QVERIFY(data::importDataset(*ws, o));
    // @2: same samples, another split.
    data::SplitSpec split;
    split.train = 0.5;
    split.val = 0.25;
    split.test = 0.25;
    split.seed = 7;
    auto resplit = data::resplitDataset(*ws, "pets@1", split, "re-split 50/25/25");
    QVERIFY(resplit);
    QCOMPARE(resplit->version.version, 2);
    // @3: two files added, one removed.
    writeFile(folder + QStringLiteral("/dog/new-1.png"), pngBytes(501));
    writeFile(folder + QStringLiteral("/fox/new-2.png"), pngBytes(502));
    QVERIFY(QFile::remove(folder + QStringLiteral("/cat/000.png")));
    o.message = "more foxes";
    QVERIFY(data::importDataset(*ws, o));

    auto w = openWindow(ws_path);
    QVERIFY(w);
    auto* panel = w->datasetsPanel();
    panel->selectVersion(QStringLiteral("pets@3"));
    QTRY_COMPARE_WITH_TIMEOUT(panel->currentRef(), QStringLiteral("pets@3"), 10000);
    w->showSection(QStringLiteral("Datasets"));
    panel->tabs()->setCurrentIndex(DatasetsPanel::kHistoryTab);
    auto* history = panel->history();
    QVERIFY(history->isVisible());  // diffs are computed only while the page is on screen
    // The shown version is selected and compared with the one before it (@3 has no parent).
    QTRY_VERIFY_WITH_TIMEOUT(history->lastDiff().has_value(), 10000);
    QCOMPARE(history->lastDiff()->added.size(), std::size_t(2));
    QCOMPARE(history->versionsView()->rowCount(), 3);

    // Expected counts straight from the core.
    auto db = ws->connect();
    QVERIFY(db);
    data::DatasetRepository repo(**db);
    auto load = [&](const std::string& ref) {
      return *data::loadManifest(*ws, *repo.resolve(ref));
    };
    const auto m1 = load("pets@1"), m2 = load("pets@2"), m3 = load("pets@3");
    std::size_t split_changes = 0;
    for (std::size_t i = 0; i < m1.samples.size(); ++i)
      split_changes += m1.samples[i].split != m2.samples[i].split;
    QVERIFY(split_changes > 0);

    QSignalSpy ready(history, &DatasetHistoryWidget::diffReady);
    history->compare(1, 2);
    QVERIFY(ready.wait(10000));
    QCOMPARE(ready.last().at(0).toString(), QStringLiteral("pets@1"));
    QCOMPARE(ready.last().at(1).toString(), QStringLiteral("pets@2"));
    QVERIFY(history->lastDiff());
    QCOMPARE(history->lastDiff()->split_changed.size(), split_changes);
    QCOMPARE(history->lastDiff()->added.size(), std::size_t(0));
    QCOMPARE(history->lastDiff()->removed.size(), std::size_t(0));
    QCOMPARE(history->lastDiff()->relabelled.size(), std::size_t(0));
    QCOMPARE(history->lastDiff()->unchanged + split_changes, m1.samples.size());

    history->compare(2, 3);
    QVERIFY(ready.wait(10000));
    const auto expected = data::diffManifests(m2, m3);
    QCOMPARE(history->lastDiff()->added.size(), std::size_t(2));
    QCOMPARE(history->lastDiff()->removed.size(), std::size_t(1));
    QCOMPARE(history->lastDiff()->added, expected.added);
    QCOMPARE(history->lastDiff()->split_changed.size(), expected.split_changed.size());
    // The tree lists each change group with its count.
    auto* tree = history->diffView();
    QCOMPARE(tree->topLevelItemCount(), 5);
    QVERIFY(tree->topLevelItem(0)->text(0).contains(QStringLiteral("(2)")));
    QCOMPARE(tree->topLevelItem(0)->childCount(), 2);
    QVERIFY(tree->topLevelItem(1)->text(0).contains(QStringLiteral("(1)")));
    QCOMPARE(tree->topLevelItem(1)->child(0)->text(0), QStringLiteral("cat/000.png"));
    QVERIFY(history->diffSummary().contains(QStringLiteral("2 added")));
  }
};

QTEST_MAIN(TestDatasetsGui)
#include "tst_datasets_gui.moc"
