// GUI test of File ▸ Clean Up Workspace… (GcDialog) on a real workspace: the preview is
// computed off the GUI thread and shows the bytes to free; Clean Up removes the unreferenced
// objects and keeps the referenced ones. Pins the finding "nothing ever deletes an object".
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>

#include "core/common/clock.h"
#include "core/common/text_format.h"
#include "core/objects/object_store.h"
#include "core/store/database.h"
#include "core/store/run_repository.h"
#include "core/workspace/workspace.h"
#include "ui/shell/gc_dialog.h"
#include "ui/shell/main_window.h"

namespace fs = std::filesystem;

namespace {

void ageObjects(const fs::path& objects_dir, double seconds) {
  const auto t = static_cast<time_t>(wb::unixNow() - seconds);
  const timespec times[2] = {{t, 0}, {t, 0}};
  for (const auto& e : fs::recursive_directory_iterator(objects_dir))
    if (e.is_regular_file()) ::utimensat(AT_FDCWD, e.path().c_str(), times, 0);
}

}  // namespace

class TestGcDialog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("WorkbenchTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_gc_dialog"));
  }

  void previewThenCleanUp() {
    QTemporaryDir dir;
    auto ws = wb::Workspace::create(fs::path(dir.path().toStdString()) / "ws");
    QVERIFY(ws.ok());
    wb::objects::ObjectStore store(ws->objectsDir());
    auto kept = store.put(std::string(4000, 'k'));
    auto orphan = store.put(std::string(250'000, 'o'));
    QVERIFY(kept.ok() && orphan.ok());
    {
      auto db = ws->connect();
      QVERIFY(db.ok());
      wb::store::RunRepository runs(**db);
      auto run = runs.create({});
      QVERIFY(run.ok());
      QVERIFY(runs.addArtifact({run->id, "last.pt", *kept, 4000, wb::unixNow()}).ok());
    }
    ageObjects(ws->objectsDir(), 2 * 3600);

    wb::ui::GcDialog dialog(*ws);
    QSignalSpy preview(&dialog, &wb::ui::GcDialog::previewReady);
    dialog.show();
    QVERIFY(!dialog.cleanButton()->isEnabled());  // nothing to confirm before the preview
    QVERIFY(preview.wait(30'000));
    QVERIFY(dialog.preview().has_value());
    QCOMPARE(dialog.preview()->unreferenced, std::size_t(1));
    QCOMPARE(dialog.preview()->unreferenced_bytes, std::uint64_t(250'000));
    const QString bytes = QString::fromStdString(wb::formatBytes(250'000));
    QVERIFY2(dialog.summaryLabel()->text().contains(bytes), qPrintable(dialog.summaryLabel()->text()));
    QVERIFY(store.exists(*orphan));  // the preview removed nothing
    QVERIFY(dialog.cleanButton()->isEnabled());

    QSignalSpy finished(&dialog, &wb::ui::GcDialog::cleanupFinished);
    QTest::mouseClick(dialog.cleanButton(), Qt::LeftButton);
    QVERIFY(finished.wait(30'000));
    QVERIFY(dialog.result().has_value());
    QCOMPARE(dialog.result()->unreferenced, std::size_t(1));
    QVERIFY(!store.exists(*orphan));
    QVERIFY(store.exists(*kept));
    QVERIFY2(dialog.summaryLabel()->text().startsWith(QStringLiteral("Removed 1 file")),
             qPrintable(dialog.summaryLabel()->text()));
  }

  // The File menu offers it only while a workspace is open.
  void fileMenuAction() {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/ws");
    QVERIFY(wb::Workspace::create(path.toStdString()).ok());
    wb::ui::MainWindow window;
    QVERIFY(window.cleanUpAction());
    QVERIFY(!window.cleanUpAction()->isEnabled());
    QSignalSpy ready(&window, &wb::ui::MainWindow::workspaceReady);
    window.openWorkspace(path);
    QVERIFY(ready.count() > 0 || ready.wait(30'000));
    QVERIFY(window.cleanUpAction()->isEnabled());
    window.cleanUpAction()->trigger();
    auto* dialog = window.findChild<wb::ui::GcDialog*>();
    QVERIFY(dialog);
    QSignalSpy preview(dialog, &wb::ui::GcDialog::previewReady);
    QVERIFY(preview.wait(30'000));
    QCOMPARE(dialog->preview()->unreferenced, std::size_t(0));
    dialog->close();
    window.closeWorkspace();
    QVERIFY(!window.cleanUpAction()->isEnabled());
  }
};

QTEST_MAIN(TestGcDialog)
#include "tst_gc_dialog.moc"
