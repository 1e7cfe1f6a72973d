#pragma once
// Run directories for the ui tests, written the way core/train/trainer.cpp writes them (config.ini +
// metrics.jsonl), with numbers that follow simple formulas, so a test can check a chart or a table against
// the formulas rather than against the code under test.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>

#include <cmath>

namespace qs::test {

struct RunFixture
{
    QString method = QStringLiteral("apot");
    QString backward = QStringLiteral("ewgs");
    int epochs = 3;
    int stepsPerEpoch = 4;
    double topOffset = 0; // shifts every accuracy, so two runs differ
    bool diverge = false; // a NaN loss in the step after the last epoch, blamed on layer2.0.conv1

    static QStringList layers()
    {
        return {QStringLiteral("layer1.0.conv1"), QStringLiteral("layer2.0.conv1"),
                QStringLiteral("layer3.0.conv1")};
    }
    int stepOf(int epoch, int batch) const { return epoch * stepsPerEpoch + batch; } // batch 1-based
    static double loss(int step) { return 2.0 / (1.0 + 0.25 * step) + (step % 2 ? 0.05 : -0.05); }
    static double lr(int epoch) { return 0.1 * std::pow(0.5, epoch); }
    double testTop1(int epoch) const { return 40.0 + 7.5 * epoch - (epoch == 2 ? 9.0 : 0.0) + topOffset; }
    double trainTop1(int epoch) const { return 50.0 + 5.0 * epoch + topOffset; }
    // Cross-entropy stays positive (the run reader rejects a negative loss): tests use at most 10 epochs.
    static double trainLoss(int epoch) { return 1.5 - 0.125 * epoch; } // up to epoch 11
    static double deltaW(int layer, int epoch) { return 0.01 * (layer + 1) * (epoch + 1); }
    static double deltaA(int layer, int epoch) { return 0.02 * (layer + 1) + 0.001 * epoch; }
    static double alphaW(int layer, int epoch) { return 3.0 - 0.1 * epoch - 0.05 * layer; }
    static double alphaA(int layer, int epoch) { return 8.0 + 0.2 * epoch + 0.1 * layer; }
    static QList<double> counts(int layer, int epoch)
    {
        return {100.0 + epoch, 2000.0 - epoch - layer, 150.0 + layer};
    }
    int lastStep() const { return epochs * stepsPerEpoch + (diverge ? 1 : 0); }
    double bestTop1() const
    {
        double best = 0;
        for (int e = 0; e < epochs; ++e)
            best = std::max(best, testTop1(e));
        return best;
    }

    QByteArray config() const
    {
        return QStringLiteral("method = %1\nbackward = %2\nwbits = 2\nabits = 2\nepochs = %3\n")
            .arg(method, backward)
            .arg(epochs)
            .toUtf8();
    }

    static QByteArray number(double v) { return QByteArray::number(v, 'g', 17); }

    QByteArray layerStates(int epoch) const
    {
        QByteArray out = "[";
        const QStringList names = layers();
        for (int k = 0; k < names.size(); ++k) {
            const double a = alphaW(k, epoch);
            const auto c = counts(k, epoch);
            out += (k ? "," : "") + QByteArray("{\"name\":\"") + names[k].toUtf8() +
                   "\",\"alpha_w\":" + number(a) + ",\"alpha_a\":" + number(alphaA(k, epoch)) +
                   ",\"delta_w\":" + number(backward == QStringLiteral("ewgs") ? deltaW(k, epoch) : 0.0) +
                   ",\"delta_a\":" + number(backward == QStringLiteral("ewgs") ? deltaA(k, epoch) : 0.0) +
                   ",\"mse\":0.5,\"sqnr_db\":3,\"levels\":[" + number(-a) + ",0," + number(a) +
                   "],\"counts\":[" + number(c[0]) + "," + number(c[1]) + "," + number(c[2]) + "]}";
        }
        return out + "]";
    }

    // The records of epoch `e` (its steps, the EWGS update, the epoch and layers records), one per line.
    QByteArray epochLines(int e) const
    {
        QByteArray out;
        const QStringList names = layers();
        for (int b = 1; b <= stepsPerEpoch; ++b) {
            const int s = stepOf(e, b);
            if (b == 1 && backward == QStringLiteral("ewgs")) {
                QByteArray n, dw, da;
                for (int k = 0; k < names.size(); ++k) {
                    n += (k ? "," : "") + QByteArray("\"") + names[k].toUtf8() + "\"";
                    dw += (k ? "," : "") + number(deltaW(k, e));
                    da += (k ? "," : "") + number(deltaA(k, e));
                }
                out += "{\"type\":\"ewgs_update\",\"epoch\":" + QByteArray::number(e) +
                       ",\"step\":" + QByteArray::number(s - 1) + ",\"layers\":[" + n + "],\"delta_w\":[" +
                       dw + "],\"delta_a\":[" + da + "]}\n";
            }
            out += "{\"type\":\"step\",\"step\":" + QByteArray::number(s) +
                   ",\"epoch\":" + QByteArray::number(e) + ",\"loss\":" + number(loss(s)) +
                   ",\"lr\":" + number(lr(e)) + ",\"grad_norm\":1.5}\n";
        }
        const int end = stepOf(e, stepsPerEpoch);
        out += "{\"type\":\"epoch\",\"epoch\":" + QByteArray::number(e) +
               ",\"step\":" + QByteArray::number(end) + ",\"train_loss\":" + number(trainLoss(e)) +
               ",\"train_top1\":" + number(trainTop1(e)) +
               ",\"test_loss\":1.2,\"test_top1\":" + number(testTop1(e)) +
               ",\"test_top5\":95,\"best_top1\":0," + "\"seconds\":2,\"lr\":" + number(lr(e)) + "}\n";
        out += "{\"type\":\"layers\",\"epoch\":" + QByteArray::number(e) +
               ",\"step\":" + QByteArray::number(end) + ",\"layers\":" + layerStates(e) + "}\n";
        return out;
    }

    QByteArray endLines() const
    {
        if (!diverge)
            return "{\"type\":\"done\",\"step\":" + QByteArray::number(lastStep()) +
                   ",\"best_top1\":" + number(bestTop1()) + "}\n";
        return "{\"loss\":\"NaN\",\"layer\":\"layer2.0.conv1\",\"type\":\"divergence\",\"reason\":\"loss is "
               "NaN\",\"epoch\":" +
               QByteArray::number(epochs) + ",\"step\":" + QByteArray::number(lastStep()) +
               ",\"layers\":" + layerStates(epochs) + "}\n";
    }

    QByteArray metrics() const
    {
        QByteArray out = "{\"type\":\"start\",\"step\":0,\"epoch\":0,\"threads\":2}\n";
        for (int e = 0; e < epochs; ++e)
            out += epochLines(e);
        return out + endLines();
    }

    // Writes DIR/config.ini and DIR/metrics.jsonl (`metricsBytes`, default metrics()). Returns DIR.
    QString write(const QString &dir, const QByteArray &metricsBytes = {}) const
    {
        QDir().mkpath(dir);
        QFile c(dir + QStringLiteral("/config.ini"));
        if (c.open(QIODevice::WriteOnly))
            c.write(config());
        QFile m(dir + QStringLiteral("/metrics.jsonl"));
        if (m.open(QIODevice::WriteOnly))
            m.write(metricsBytes.isNull() ? metrics() : metricsBytes);
        return dir;
    }
};

inline void appendBytes(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (f.open(QIODevice::Append))
        f.write(bytes);
}

} // namespace qs::test
