#pragma once
// Small helpers shared by the QTest executables.

#include <QProcess>
#include <QProcessEnvironment>
#include <QtTest>

#include <cmath>
#include <vector>

namespace qs::test {

// |a - b| <= abs + rel * max(|a|, |b|), with a message naming both values when it fails.
inline bool nearlyEqual(double a, double b, double absTol, double relTol = 0.0)
{
    return std::abs(a - b) <= absTol + relTol * std::max(std::abs(a), std::abs(b));
}

// One run of quantscope-cli (QUANTSCOPE_CLI_PATH, defined for every test by quantscope_add_test).
struct CliRun
{
    int exitCode = -1; // -1: crashed or timed out
    QByteArray out, err;
};

enum class Display
{
    Inherit,
    None // no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM: the command must cope on its own
};

inline CliRun runQuantscopeCli(const QStringList &args, Display display = Display::Inherit,
                               int timeoutMs = 180000)
{
    QProcess process;
    if (display == Display::None) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(QString::fromLatin1(name));
        process.setProcessEnvironment(env);
    }
    process.start(QStringLiteral(QUANTSCOPE_CLI_PATH), args);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-1, {}, "timeout"};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace qs::test

#define QS_COMPARE_NEAR(actual, expected, absTol)                                                            \
    do {                                                                                                     \
        const double qsA = double(actual), qsE = double(expected);                                           \
        if (!qs::test::nearlyEqual(qsA, qsE, absTol))                                                        \
            QFAIL(qPrintable(QStringLiteral("%1 = %2, expected %3 (tolerance %4)")                           \
                                 .arg(QString::fromLatin1(#actual))                                          \
                                 .arg(qsA, 0, 'g', 17)                                                       \
                                 .arg(qsE, 0, 'g', 17)                                                       \
                                 .arg(double(absTol))));                                                     \
    } while (false)
