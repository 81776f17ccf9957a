// workbench: the desktop GUI. Parses arguments and shows the main window.
#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTimer>

#include "ui/shell/main_window.h"

int main(int argc, char** argv) {
  QElapsedTimer since_start;
  since_start.start();
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Workbench"));
  QApplication::setOrganizationName(QStringLiteral("Workbench"));
  QApplication::setApplicationVersion(QStringLiteral(WB_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Workbench — the machine-learning lifecycle on your desktop."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("workspace"),
                               QStringLiteral("Workspace folder to open (default: the last one)."));
  QCommandLineOption report_ready(
      QStringLiteral("report-ready"),
      QStringLiteral("Print 'ready <ms>' when the workspace's runs are on screen (for benchmarks)."));
  QCommandLineOption quit_ready(QStringLiteral("quit-when-ready"),
                                QStringLiteral("With --report-ready: quit once ready."));
  parser.addOption(report_ready);
  parser.addOption(quit_ready);
  parser.process(app);

  wb::ui::MainWindow window;
  if (parser.isSet(report_ready)) {
    QObject::connect(&window, &wb::ui::MainWindow::workspaceReady, &window, [&] {
      // Let the table paint once before declaring the window interactive.
      QTimer::singleShot(0, &window, [&] {
        std::printf("ready %lld\n", static_cast<long long>(since_start.elapsed()));
        std::fflush(stdout);
        if (parser.isSet(quit_ready)) QApplication::quit();
      });
    });
    QObject::connect(&window, &wb::ui::MainWindow::workspaceFailed, &window, [](const QString& message) {
      std::fprintf(stderr, "failed %s\n", qPrintable(message));
      QApplication::exit(1);
    });
  }
  window.show();
  const QStringList args = parser.positionalArguments();
  if (!args.isEmpty()) {
    window.openWorkspace(args.first());
  } else {
    window.openLastOrWelcome();
  }
  return QApplication::exec();
}
