// quantscope: the QuantScope desktop GUI.
//   quantscope                     the window, with the last session's geometry, tab and choices
//   quantscope --screenshot DIR    render each view to DIR/levels.png and DIR/softround.png, then exit

#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationDisplayName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Quantization levels, soft rounding and gradient scaling, "
                       "seen and compared."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render each view to DIR/<view>.png and exit."),
                                        QStringLiteral("DIR"));
    parser.addOption(screenshot);
    parser.process(app);

    qs::ui::MainWindow window;
    if (parser.isSet(screenshot)) {
        // A fixed, documented size so README screenshots do not depend on the last session.
        window.resize(1400, 860);
        window.show();
        QApplication::processEvents();
        return window.saveScreenshots(parser.value(screenshot)) ? 0 : 1;
    }
    window.restoreSettings();
    window.show();
    return QApplication::exec();
}
