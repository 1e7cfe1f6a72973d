// Post-training reconstruction (core/ptq): AdaRound's h(V) init and hard decision, the β schedule, BatchNorm
// folding, BRECQ's 'mse' scale init against a numpy restatement (tests/data/brecq), a small block
// reconstruction against nearest rounding, and the written checkpoint through the normal evaluation.

#include "core/io/atomicfile.h"
#include "core/io/json.h"
#include "core/io/modelio.h"
#include "core/ptq/adaround.h"
#include "core/ptq/reconstruction.h"
#include "core/train/evaluation.h"
#include "core/train/trainconfig.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>

namespace {

// A depth-8 ResNet (three blocks, two with a projection shortcut) with BatchNorm statistics away from their
// initial values, so folding matters.
std::string makeCheckpoint(const QTemporaryDir &dir)
{
    const auto config = qs::parseTrainConfig("dataset = synthetic:256\ndepth = 8\nshortcut = B\nmethod = fp\n"
                                             "edge_layers = 8bit\n");
    torch::manual_seed(11);
    qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
    {
        torch::NoGradGuard noGrad;
        for (const auto &item : model->named_modules("", false))
            if (auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(item.value())) {
                bn->running_mean.normal_(0.0, 0.1);
                bn->running_var.uniform_(0.5, 1.5);
                bn->weight.uniform_(0.5, 1.5);
                bn->bias.normal_(0.0, 0.1);
            }
    }
    qs::CheckpointState state;
    state.configText = qs::serializeTrainConfig(config);
    const std::string path = dir.filePath(QStringLiteral("fp.qsckpt")).toStdString();
    qs::saveCheckpoint(path, model, nullptr, nullptr, state);
    return path;
}

} // namespace

class TestBrecq : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_fp;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        at::set_num_threads(
            1); // 2 cores shared: OpenMP workers spinning against each other cost more than they give
        m_fp = makeCheckpoint(m_dir);
    }

    void softWeightStartsAtTheFractionalPart()
    {
        torch::manual_seed(1);
        const auto w = torch::randn({8, 4, 3, 3}) * 0.1;
        const auto grid = qs::ptq::mseUniformInit(w, 4, true);
        const auto rounding = qs::ptq::uniformRoundingGrid(w, grid);
        const qs::ptq::AdaRoundWeight ada(rounding);
        const auto delta = grid.delta.view({-1, 1, 1, 1});
        const auto fractional = w / delta - torch::floor(w / delta);
        QVERIFY(torch::allclose(qs::ptq::rectifiedSigmoid(ada.v), fractional, 0, 1e-5));
        // Inside the clipped range the soft weight is the float weight (the reference's init).
        const auto inside = rounding.upper > rounding.lower;
        QVERIFY(inside.sum().item<int64_t>() > w.numel() / 2);
        torch::NoGradGuard noGrad;
        QVERIFY(torch::allclose(ada.soft().masked_select(inside), w.masked_select(inside), 0, 1e-6));
    }

    void hardDecisionIsFloorPlusIndicator()
    {
        torch::manual_seed(2);
        const auto w = torch::randn({6, 3, 3, 3}) * 0.2;
        const int bits = 3;
        const auto grid = qs::ptq::mseUniformInit(w, bits, true);
        qs::ptq::AdaRoundWeight ada(qs::ptq::uniformRoundingGrid(w, grid));
        {
            torch::NoGradGuard noGrad;
            ada.v.copy_(torch::randn_like(ada.v) * 3);
        }
        // The reference: (clamp(floor(W / Δ) + 1[V >= 0] + zp, 0, 2^b - 1) - zp) Δ.
        const auto delta = grid.delta.view({-1, 1, 1, 1}), zero = grid.zeroPoint.view({-1, 1, 1, 1});
        const auto integer = torch::floor(w / delta) + (ada.v >= 0).to(torch::kFloat32);
        const auto expected = ((integer + zero).clamp(0, std::pow(2, bits) - 1) - zero) * delta;
        QVERIFY(torch::allclose(ada.hard(), expected, 0, 1e-7));
        // Where V >= 0 the upper neighbour, else the lower.
        const auto &g = ada.grid();
        QVERIFY(ada.hard().eq(torch::where(ada.v >= 0, g.upper, g.lower)).all().item<bool>());
    }

    void betaScheduleIsLinearAfterTheWarmUp()
    {
        const int64_t T = 1000;
        QCOMPARE(qs::ptq::roundingBeta(1, T), 20.0);
        QCOMPARE(qs::ptq::roundingBeta(199, T), 20.0);
        QCOMPARE(qs::ptq::roundingBeta(200, T), 20.0);
        QCOMPARE(qs::ptq::roundingBeta(600, T), 11.0); // 2 + 18 (1 - 400 / 800)
        QVERIFY(std::abs(qs::ptq::roundingBeta(900, T) - 4.25) < 1e-12);
        QCOMPARE(qs::ptq::roundingBeta(1000, T), 2.0);
        QVERIFY(!qs::ptq::roundingRegularizerOn(199, T));
        QVERIFY(qs::ptq::roundingRegularizerOn(200, T));
        QVERIFY(qs::ptq::roundingRegularizerOn(T, T));
    }

    void regularizerIsZeroOnTheGridAndOneHalfway()
    {
        qs::ptq::RoundingGrid g;
        g.lower = torch::zeros({3});
        g.upper = torch::ones({3});
        g.rest = torch::tensor({0.0, 0.5, 0.999999});
        g.nearest = torch::zeros({3});
        const qs::ptq::AdaRoundWeight ada(g);
        torch::NoGradGuard noGrad;
        // h = 0 and h ~ 1 cost nothing; h = 0.5 costs 1 for any β.
        QVERIFY(std::abs(ada.regularizer(2.0).item<double>() - 1.0) < 1e-4);
    }

    void foldedBatchNormKeepsOutputs()
    {
        torch::manual_seed(3);
        torch::nn::Conv2d conv(torch::nn::Conv2dOptions(8, 16, 3).padding(1).bias(false));
        torch::nn::BatchNorm2d bn(16);
        {
            torch::NoGradGuard noGrad;
            bn->running_mean.normal_(0, 0.5);
            bn->running_var.uniform_(0.2, 3);
            bn->weight.uniform_(0.3, 2);
            bn->bias.normal_(0, 0.5);
        }
        bn->eval();
        const auto x = torch::randn({4, 8, 10, 10});
        torch::NoGradGuard noGrad;
        const auto expected = bn(conv(x));
        const auto [w, b] = qs::ptq::foldBatchNorm(conv->weight, bn->weight, bn->bias, bn->running_mean,
                                                   bn->running_var, bn->options.eps());
        const auto folded = torch::conv2d(x, w, b, 1, 1);
        QVERIFY2((folded - expected).abs().max().item<double>() < 1e-5,
                 std::to_string((folded - expected).abs().max().item<double>()).c_str());
        // The checkpoint's BatchNorm after the folded conv: mean 0, variance 1, weight sqrt(1 + eps) adds b.
        torch::nn::BatchNorm2d biasOnly(16);
        biasOnly->running_mean.zero_();
        biasOnly->running_var.fill_(1);
        biasOnly->weight.fill_(std::sqrt(1 + biasOnly->options.eps()));
        biasOnly->bias.copy_(b);
        biasOnly->eval();
        const auto viaBn = biasOnly(torch::conv2d(x, w, {}, 1, 1));
        QVERIFY((viaBn - expected).abs().max().item<double>() < 1e-5);
    }

    void mseInitPicksTheReferenceStep()
    {
        const auto fixture = qs::parseJson(qs::readWholeFile(QUANTSCOPE_BRECQ_FIXTURES "/mse_init.json"));
        std::vector<float> values;
        int64_t rows = 0;
        for (const auto &row : fixture["weights"]) {
            for (const auto &v : row)
                values.push_back(float(v.get<double>()));
            ++rows;
        }
        const auto w = torch::tensor(values).view({rows, -1});
        for (const auto &c : fixture["cases"]) {
            const int bits = c["bits"].get<int>();
            const auto grid = qs::ptq::mseUniformInit(w, bits, true);
            for (int64_t ch = 0; ch < rows; ++ch) {
                const auto what = "bits " + std::to_string(bits) + " channel " + std::to_string(ch);
                QVERIFY2(grid.delta[ch].item<float>() == float(c["delta"][ch].get<double>()), what.c_str());
                QVERIFY2(grid.zeroPoint[ch].item<float>() == float(c["zero_point"][ch].get<double>()),
                         what.c_str());
            }
        }
    }

    void levelGridNeighboursBracketTheWeight()
    {
        torch::manual_seed(4);
        const auto w = torch::randn({5, 4, 3, 3}) * 0.1;
        const auto levels = qs::levelSet({qs::Scheme::APoT, 4, true});
        const auto scale = qs::ptq::mseLevelScale(w, levels);
        const auto g = qs::ptq::levelRoundingGrid(w, scale, levels);
        const auto inside = g.upper > g.lower;
        QVERIFY((g.lower <= w + 1e-7).masked_select(inside).all().item<bool>());
        QVERIFY((g.upper >= w - 1e-7).masked_select(inside).all().item<bool>());
        // h(V) starts at the position between the two levels, so the soft weight is the float weight there.
        const qs::ptq::AdaRoundWeight ada(g);
        torch::NoGradGuard noGrad;
        QVERIFY(torch::allclose(ada.soft().masked_select(inside), w.masked_select(inside), 0, 1e-5));
        // Nearest is one of the two.
        QVERIFY((g.nearest.eq(g.lower) | g.nearest.eq(g.upper)).all().item<bool>());
    }

    void blockReconstructionBeatsNearestRounding()
    {
        qs::ReconstructionRequest request;
        request.weights = m_fp;
        request.method = "brecq";
        request.wbits = 2;
        request.iters = 300;
        request.calibImages = 128;
        request.out = m_dir.filePath(QStringLiteral("brecq.qsckpt")).toStdString();
        int calls = 0;
        const auto result = qs::runReconstruction(request, [&](const qs::ReconstructionProgress &p) {
            ++calls;
            return p.unitCount == 4; // three blocks and the fc
        });
        QVERIFY(!result.stopped);
        QVERIFY(calls > 4);
        QCOMPARE(result.units.size(), size_t(4));
        for (const auto &u : result.units) {
            QVERIFY2(u.finalLoss < u.nearestLoss, (u.unit + ": " + std::to_string(u.finalLoss) +
                                                   " vs nearest " + std::to_string(u.nearestLoss))
                                                      .c_str());
            QVERIFY(!u.loss.empty());
        }
        // The soft loss falls over the warm-up (no regularizer yet).
        const auto &first = result.units.front().loss;
        QVERIFY(first.front().first == 1);
        QVERIFY(first[1].second < first.front().second);
        // Rounding statistics for every learned layer: conv1, conv2 (+ downsample) per block and fc.
        QCOMPARE(result.layers.size(), size_t(2 + 3 + 3 + 1));
        for (const auto &l : result.layers) {
            QVERIFY(l.roundedUp + l.roundedDown <= l.weights);
            QVERIFY(l.sameAsNearest < l.weights); // something moved off nearest rounding
            int64_t histogram = 0;
            for (auto n : l.softHistogram)
                histogram += n;
            QCOMPARE(histogram, l.weights);
        }
        QVERIFY(QFileInfo::exists(QString::fromStdString(result.sidecar)));
    }

    void checkpointRoundTripsThroughTheNormalEvaluation()
    {
        for (int abits : {0, 4}) {
            qs::ReconstructionRequest request;
            request.weights = m_fp;
            request.method = "adaround";
            request.wbits = 4;
            request.abits = abits;
            request.iters = 20;
            request.calibImages = 96;
            request.testImages = 200;
            request.out = m_dir.filePath(QStringLiteral("round-trip-%1.qsckpt").arg(abits)).toStdString();
            const auto result = qs::runReconstruction(request);
            QVERIFY(result.top1Before && result.top1InMemory && result.top1After);
            QCOMPARE(*result.top1After, *result.top1InMemory);
            // Layer by layer: conv1, conv2 and the two downsample convs are units of their own.
            QCOMPARE(result.units.size(), size_t(2 + 3 + 3 + 1));

            // As `quantscope-cli eval --weights OUT` evaluates it, on the same images.
            auto p = qs::prepareCpuEvaluation(request.out, {}, 100);
            QCOMPARE(p.config.method, std::string("ptq"));
            QCOMPARE(p.config.edgeLayers, std::string("fp"));
            p.test.images = p.test.images.slice(0, 0, 200);
            p.test.labels = p.test.labels.slice(0, 0, 200);
            qs::DataLoader loader(p.test, p.loader);
            QCOMPARE(qs::evaluateLoader(p.model, loader, p.device).top1, *result.top1After);
            for (auto &[name, layer] : p.model->quantLayers()) {
                const double levels = layer->named_buffers()["act_levels"].item<double>();
                const bool firstBlockInput = name == "layer1.0.conv1";
                QCOMPARE(levels, abits == 0 ? 0.0 : firstBlockInput ? 255.0 : 15.0);
                QVERIFY(abits == 0 || layer->actClip() > 0);
            }
        }
    }

    void cancellingWritesNothing()
    {
        qs::ReconstructionRequest request;
        request.weights = m_fp;
        request.iters = 200;
        request.calibImages = 64;
        request.out = m_dir.filePath(QStringLiteral("cancelled.qsckpt")).toStdString();
        const auto result = qs::runReconstruction(
            request, [](const qs::ReconstructionProgress &p) { return p.unitIndex < 1; });
        QVERIFY(result.stopped);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(request.out)));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(request.out + ".ptq.json")));
    }

    void badRequestsAreRefusedOnOneLine()
    {
        qs::ReconstructionRequest request;
        request.weights = m_fp;
        request.out = m_dir.filePath(QStringLiteral("never.qsckpt")).toStdString();
        request.method = "gptq";
        QVERIFY(qs::checkReconstructionRequest(request)->find("gptq") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::runReconstruction(request));
        request.method = "brecq";
        request.fisher = true;
        QVERIFY(qs::checkReconstructionRequest(request)->find("fisher") != std::string::npos);
        request.fisher = false;
        request.scheme = "apot";
        request.wbits = 9;
        QVERIFY(qs::checkReconstructionRequest(request));
        request.scheme = "uniform";
        request.wbits = 4;
        request.weights = m_dir.filePath(QStringLiteral("missing.qsckpt")).toStdString();
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::runReconstruction(request));
    }
};

QTEST_GUILESS_MAIN(TestBrecq)
#include "tst_brecq.moc"
