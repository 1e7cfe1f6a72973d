#pragma once
// A sweep directory for the ui tests, as `quantscope-cli sweep` lays it out: sweep.json (written here as
// text, not by the code under test) and one run directory per grid point, method {apot, dsq} x wbits {2, 4}
// x seed {1, 2, 3}. The runs are in every state a sweep shows (core/sweep/sweepstate.h): finished, running
// (its task's lock names this process), stopped (a "stop" record), failed (diverged, or the task's error
// file) and pending (no directory, or an empty one). Numbers follow RunFixture's formulas, each run's
// accuracies shifted by offset(index).

#include "runfixtures.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QStringList>
#include <QSysInfo>

namespace qs::test {

struct SweepFixture
{
    static QStringList methods() { return {QStringLiteral("apot"), QStringLiteral("dsq")}; }
    static QStringList wbits() { return {QStringLiteral("2"), QStringLiteral("4")}; }
    static QStringList seeds() { return {QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")}; }
    static int index(int m, int w, int s) { return (m * 2 + w) * 3 + s; }
    static int runCount() { return 12; }
    static QString directoryOf(int i)
    {
        return QStringLiteral("method-%1_wbits-%2_seed-%3")
            .arg(methods()[i / 6], wbits()[(i / 3) % 2], seeds()[i % 3]);
    }
    static double offset(int i) { return 0.75 * i + (i % 3 == 2 ? 1.5 : 0.0); }

    enum class Kind
    {
        Finished,
        Running,    // two of three epochs, and the task's lock naming this (live) process
        Stopped,    // one epoch, then a "stop" record
        Failed,     // three epochs, then a divergence
        TaskFailed, // config.ini and sweep-error.txt: the task failed before training
        NoMetrics,  // an empty directory (created, nothing written yet)
        NoDirectory // not created yet
    };
    static Kind kindOf(int i)
    {
        switch (i) {
        case 0:
        case 1:
        case 2:
        case 3:
            return Kind::Finished; // (apot, 2) all three; (apot, 4) seed 1
        case 4:
            return Kind::Running; // (apot, 4) seed 2
        case 6:
            return Kind::Failed; // (dsq, 2) seed 1
        case 7:
            return Kind::Stopped; // (dsq, 2) seed 2
        case 8:
            return Kind::NoMetrics; // (dsq, 2) seed 3
        case 9:
            return Kind::TaskFailed; // (dsq, 4) seed 1
        default:
            return Kind::NoDirectory; // (apot, 4) seed 3; (dsq, 4) all
        }
    }

    static RunFixture run(int i)
    {
        RunFixture f;
        f.method = methods()[i / 6];
        f.backward = QStringLiteral("ste");
        f.epochs = 3;
        f.topOffset = offset(i);
        f.diverge = kindOf(i) == Kind::Failed;
        return f;
    }
    static QByteArray start() { return "{\"type\":\"start\",\"step\":0,\"epoch\":0,\"threads\":2}\n"; }
    static constexpr const char *kTaskError = "data set cifar10:/nowhere: no such directory";
    // The lock `sweep-task` holds while it trains a run: this process, on this host, so it is alive.
    static void writeLock(const QString &dir)
    {
        QFile lock(dir + QStringLiteral("/sweep-task.json"));
        if (lock.open(QIODevice::WriteOnly))
            lock.write(QStringLiteral("{\"host\":\"%1\",\"pid\":%2,\"started\":0}\n")
                           .arg(QSysInfo::machineHostName())
                           .arg(QCoreApplication::applicationPid())
                           .toUtf8());
    }
    // The lines that finish run i from where Kind::Running leaves it.
    static QByteArray rest(int i) { return run(i).epochLines(2) + run(i).endLines(); }

    static QByteArray manifest()
    {
        QByteArray runs;
        for (int i = 0; i < runCount(); ++i)
            runs += QStringLiteral("%1{\"index\":%2,\"directory\":\"%3\",\"settings\":{\"method\":\"%4\","
                                   "\"wbits\":\"%5\",\"seed\":\"%6\"}}")
                        .arg(i ? QStringLiteral(",") : QString())
                        .arg(i)
                        .arg(directoryOf(i), methods()[i / 6], wbits()[(i / 3) % 2], seeds()[i % 3])
                        .toUtf8();
        return "{\"schema\":\"quantscope.sweep\",\"version\":1,\"preset\":\"quick-synthetic\",\"backend\":"
               "\"local\",\"axes\":[{\"key\":\"method\",\"values\":[\"apot\",\"dsq\"]},{\"key\":\"wbits\","
               "\"values\":[\"2\",\"4\"]},{\"key\":\"seed\",\"values\":[\"1\",\"2\",\"3\"]}],"
               "\"extra_arguments\":[\"--set\",\"epochs=3\"],\"runs\":[" +
               runs + "]}\n";
    }

    // Writes the sweep under ROOT; returns ROOT.
    static QString write(const QString &root)
    {
        QDir().mkpath(root);
        QFile m(QDir(root).filePath(QStringLiteral("sweep.json")));
        if (m.open(QIODevice::WriteOnly))
            m.write(manifest());
        for (int i = 0; i < runCount(); ++i) {
            const RunFixture f = run(i);
            const QString dir = QDir(root).filePath(directoryOf(i));
            QByteArray metrics;
            switch (kindOf(i)) {
            case Kind::Finished:
            case Kind::Failed:
                metrics = f.metrics();
                break;
            case Kind::Running:
                metrics = start() + f.epochLines(0) + f.epochLines(1);
                break;
            case Kind::Stopped:
                metrics = start() + f.epochLines(0) +
                          "{\"type\":\"stop\",\"reason\":\"stopped\",\"step\":4,\"epoch\":1,\"batch\":0}\n";
                break;
            case Kind::TaskFailed:
                QDir().mkpath(dir);
                if (QFile c(dir + QStringLiteral("/config.ini")); c.open(QIODevice::WriteOnly))
                    c.write(f.config());
                if (QFile e(dir + QStringLiteral("/sweep-error.txt")); e.open(QIODevice::WriteOnly))
                    e.write(QByteArray(kTaskError) + "\n");
                break;
            case Kind::NoMetrics:
                QDir().mkpath(dir);
                break;
            case Kind::NoDirectory:
                break;
            }
            if (!metrics.isEmpty())
                f.write(dir, metrics);
            if (kindOf(i) == Kind::Running)
                writeLock(dir);
            if (QFileInfo::exists(dir + QStringLiteral("/config.ini")))
                appendBytes(dir + QStringLiteral("/config.ini"),
                            QStringLiteral("seed = %1\n").arg(seeds()[i % 3]).toUtf8());
        }
        return root;
    }
};

} // namespace qs::test
