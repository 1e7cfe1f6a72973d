// torch.save checkpoints: reading the committed fixtures (made by tests/data/torchformat/make_fixtures.py
// with Python torch), rejecting corrupt files with one-line errors, and writing files that read back here and
// in Python.

#include "core/io/torchformat.h"
#include "testsupport.h"
#include "ziprecords.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <QtTest>

#include <cstring>
#include <fstream>
#include <functional>
#include <random>

Q_DECLARE_METATYPE(std::vector<qs::NamedTensor>)

namespace {

const QString kFixtures = QStringLiteral(QUANTSCOPE_FIXTURES_DIR);
const QString kPython = QStringLiteral("/usr/bin/python3");

std::string fixture(const char *name)
{
    return (kFixtures + QLatin1Char('/') + QLatin1String(name)).toStdString();
}

QString dtypeName(at::ScalarType t)
{
    switch (t) {
    case at::kFloat:
        return QStringLiteral("float32");
    case at::kDouble:
        return QStringLiteral("float64");
    case at::kHalf:
        return QStringLiteral("float16");
    case at::kBFloat16:
        return QStringLiteral("bfloat16");
    case at::kLong:
        return QStringLiteral("int64");
    case at::kInt:
        return QStringLiteral("int32");
    case at::kShort:
        return QStringLiteral("int16");
    case at::kChar:
        return QStringLiteral("int8");
    case at::kByte:
        return QStringLiteral("uint8");
    case at::kBool:
        return QStringLiteral("bool");
    default:
        return QString::fromLatin1(c10::toString(t));
    }
}

// One line of expected.txt (or of the Python dump): KEY, DTYPE, SHAPE, VALUES.
struct Expected
{
    QString key, dtype, shape;
    QStringList values;
};

Expected parseLine(const QStringList &f)
{
    Expected e;
    e.key = f.value(0);
    e.dtype = f.value(1);
    e.shape = f.value(2);
    e.values = f.value(3).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return e;
}

QHash<QString, QVector<Expected>> loadExpected()
{
    QHash<QString, QVector<Expected>> out;
    QFile f(kFixtures + QStringLiteral("/expected.txt"));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return out;
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).chopped(1);
        if (line.isEmpty())
            continue;
        auto fields = line.split(QLatin1Char('\t'));
        const QString file = fields.takeFirst();
        out[file].push_back(parseLine(fields));
    }
    return out;
}

// Empty when the tensor has the expected dtype, shape and exactly the expected values.
QString mismatch(const qs::NamedTensor &nt, const Expected &e)
{
    const QString name = QString::fromStdString(nt.name);
    if (name != e.key)
        return QStringLiteral("key %1, expected %2").arg(name, e.key);
    if (dtypeName(nt.tensor.scalar_type()) != e.dtype)
        return QStringLiteral("%1: dtype %2, expected %3")
            .arg(name, dtypeName(nt.tensor.scalar_type()), e.dtype);
    QStringList shape;
    for (int64_t d : nt.tensor.sizes())
        shape << QString::number(d);
    if (shape.join(QLatin1Char(',')) != e.shape)
        return QStringLiteral("%1: shape %2, expected %3").arg(name, shape.join(QLatin1Char(',')), e.shape);
    if (nt.tensor.numel() != e.values.size())
        return QStringLiteral("%1: %2 values, expected %3")
            .arg(name)
            .arg(nt.tensor.numel())
            .arg(e.values.size());
    if (nt.tensor.is_floating_point()) {
        const auto v = nt.tensor.to(torch::kDouble).contiguous().reshape({-1});
        const double *p = v.data_ptr<double>();
        for (int64_t k = 0; k < v.numel(); ++k)
            if (p[k] != e.values[k].toDouble())
                return QStringLiteral("%1[%2] = %3, expected %4")
                    .arg(name)
                    .arg(k)
                    .arg(p[k], 0, 'g', 17)
                    .arg(e.values[k]);
    } else {
        const auto v = nt.tensor.to(torch::kLong).contiguous().reshape({-1});
        const int64_t *p = v.data_ptr<int64_t>();
        for (int64_t k = 0; k < v.numel(); ++k)
            if (p[k] != e.values[k].toLongLong())
                return QStringLiteral("%1[%2] = %3, expected %4").arg(name).arg(k).arg(p[k]).arg(e.values[k]);
    }
    return {};
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

using ziprecords::Records;
using ziprecords::readRecords;
using ziprecords::writeRecords;

std::string &record(Records &r, const std::string &name)
{
    for (auto &[n, b] : r)
        if (n == name)
            return b;
    static std::string none;
    return none;
}

// Runs /usr/bin/python3 -c SCRIPT ARGS; empty optional-like result (ok=false) with the reason when it cannot.
struct PyResult
{
    bool ok = false;
    QString out, err;
};

PyResult runPython(const QString &script, const QStringList &args)
{
    PyResult r;
    QProcess p;
    p.start(kPython, QStringList{QStringLiteral("-c"), script} + args);
    if (!p.waitForFinished(120000)) {
        r.err = QStringLiteral("python did not finish");
        return r;
    }
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    r.ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    return r;
}

// Why Python checks cannot run here, or empty when /usr/bin/python3 imports torch.
QString pythonTorchUnavailable()
{
    if (!QFileInfo::exists(kPython))
        return QStringLiteral("/usr/bin/python3 is not installed");
    const auto r = runPython(QStringLiteral("import torch"), {});
    return r.ok ? QString()
                : QStringLiteral("/usr/bin/python3 cannot import torch (apt install python3-torch)");
}

const char *kDumpScript = R"(
import sys, collections, torch
sd = torch.load(sys.argv[1])
print(type(sd).__name__)
for k, t in sd.items():
    flat = t.detach().reshape(-1)
    if t.dtype == torch.bool:
        vals = ' '.join('1' if v else '0' for v in flat.tolist())
    elif t.dtype.is_floating_point:
        vals = ' '.join(repr(float(v)) for v in flat.double().tolist())
    else:
        vals = ' '.join(str(int(v)) for v in flat.tolist())
    print('\t'.join([k, str(t.dtype).replace('torch.', ''), ','.join(str(d) for d in t.shape), vals]))
)";

} // namespace

class TestTorchFormat : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir tmp_;
    QHash<QString, QVector<Expected>> expected_;

    std::string tmpPath(const QString &name) const { return tmp_.filePath(name).toStdString(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        expected_ = loadExpected();
        QVERIFY2(!expected_.isEmpty(), "tests/data/torchformat/expected.txt is missing or empty");
    }

    void readsFixtures_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("OrderedDict state_dict, conv+bn+linear") << QStringLiteral("conv_bn_linear.pt");
        QTest::newRow("checkpoint dict, module. prefixes, optimizer") << QStringLiteral("checkpoint_dp.pt");
        QTest::newRow("views into shared storages, nn.Parameter") << QStringLiteral("shared_views.pt");
        QTest::newRow("float64, int64, ... dtypes, 0-dim, empty") << QStringLiteral("dtypes.pt");
        QTest::newRow("legacy: OrderedDict state_dict") << QStringLiteral("legacy_conv_bn_linear.pt");
        QTest::newRow("legacy: checkpoint dict, module. prefixes, optimizer")
            << QStringLiteral("legacy_checkpoint_dp.pt");
        QTest::newRow("legacy: views into shared storages") << QStringLiteral("legacy_shared_views.pt");
        QTest::newRow("legacy: dtypes, 0-dim, empty") << QStringLiteral("legacy_dtypes.pt");
        QTest::newRow("legacy: storage views of torch 0.x") << QStringLiteral("legacy_old_views.pt");
    }

    void readsFixtures()
    {
        QFETCH(QString, file);
        const auto sd = qs::readTorchCheckpoint((kFixtures + QLatin1Char('/') + file).toStdString());
        const auto &exp = expected_.value(file);
        QVERIFY(!exp.isEmpty());
        QCOMPARE(int(sd.tensors.size()), exp.size());
        for (int k = 0; k < exp.size(); ++k) {
            const QString err = mismatch(sd.tensors[size_t(k)], exp[k]);
            QVERIFY2(err.isEmpty(), qPrintable(err));
            QVERIFY(!sd.tensors[size_t(k)].tensor.requires_grad());
        }
    }

    void stateDictHasNoMetadata()
    {
        const auto sd = qs::readTorchCheckpoint(fixture("conv_bn_linear.pt"));
        QCOMPARE(sd.container, std::string("zip"));
        QVERIFY(sd.metadata.empty()); // the OrderedDict's _metadata attribute is not an entry
        QVERIFY(sd.defaultedCounters.empty());
        QCOMPARE(int(sd.tensors.size()), 9);
        const auto &counter =
            sd.tensors[6]; // conv.{weight,bias}, bn.{weight,bias,running_mean,running_var}, ...
        QCOMPARE(counter.name, std::string("bn.num_batches_tracked"));
        QCOMPARE(counter.tensor.scalar_type(), torch::kLong);
        QCOMPARE(counter.tensor.dim(), int64_t(0));
        QCOMPARE(counter.tensor.item<int64_t>(), int64_t(1));
        QCOMPARE(sd.tensors.back().name, std::string("fc.bias"));
    }

    void moduleVersionsFromMetadata_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("zip") << QStringLiteral("conv_bn_linear.pt");
        QTest::newRow("legacy") << QStringLiteral("legacy_conv_bn_linear.pt");
        QTest::newRow("legacy, module. prefixes") << QStringLiteral("legacy_checkpoint_dp.pt");
    }

    void moduleVersionsFromMetadata()
    {
        // torch.save pickles the state_dict's _metadata as the OrderedDict's BUILD state: Module._version 1,
        // BatchNorm's 2 (the version that added num_batches_tracked).
        QFETCH(QString, file);
        const auto sd = qs::readTorchCheckpoint((kFixtures + QLatin1Char('/') + file).toStdString());
        QVERIFY(sd.hasModuleVersions);
        const std::map<std::string, int64_t> expected{{"", 1}, {"conv", 1}, {"bn", 2}, {"fc", 1}};
        QCOMPARE(sd.moduleVersions, expected);
        QVERIFY(sd.defaultedCounters.empty());
    }

    void counterMissingAtVersion2IsNotFilled()
    {
        // As BatchNorm's _load_from_state_dict: version 2 had the counter, so its absence stays visible.
        const auto sd = qs::readTorchCheckpoint(fixture("bn_v2_no_counter.pt"));
        QCOMPARE(sd.moduleVersions.at("bn"), int64_t(2));
        QVERIFY(sd.defaultedCounters.empty());
        for (const auto &t : sd.tensors)
            QVERIFY2(t.name.find("num_batches_tracked") == std::string::npos, t.name.c_str());
        QCOMPARE(int(sd.tensors.size()), 8);
    }

    void oldCheckpointGetsZeroCounters()
    {
        // A pre-0.4.1 style option-A ResNet-20 checkpoint: legacy stream, DataParallel names, no _metadata,
        // no num_batches_tracked. Each BatchNorm gets a 0 counter right after its running_var, as in PyTorch.
        const auto sd = qs::readTorchCheckpoint(fixture("resnet20_option_a_old.th"));
        QCOMPARE(sd.container, std::string("legacy"));
        QVERIFY(!sd.hasModuleVersions);
        QCOMPARE(int(sd.defaultedCounters.size()), 19); // bn1 and two per block in 9 blocks
        QCOMPARE(sd.defaultedCounters.front(), std::string("bn1.num_batches_tracked"));
        QCOMPARE(sd.defaultedCounters.back(), std::string("layer3.2.bn2.num_batches_tracked"));
        int counters = 0;
        for (size_t k = 0; k < sd.tensors.size(); ++k) {
            const auto &t = sd.tensors[k];
            if (t.name.find("num_batches_tracked") == std::string::npos)
                continue;
            ++counters;
            const std::string prefix = t.name.substr(0, t.name.size() - std::strlen("num_batches_tracked"));
            QVERIFY(k > 0);
            QCOMPARE(sd.tensors[k - 1].name, prefix + "running_var");
            QCOMPARE(t.tensor.scalar_type(), torch::kLong);
            QCOMPARE(t.tensor.dim(), int64_t(0));
            QCOMPARE(t.tensor.item<int64_t>(), int64_t(0));
        }
        QCOMPARE(counters, 19);
        QCOMPARE(sd.metadata.size(), size_t(2));
        QCOMPARE(sd.metadata[0], std::make_pair(std::string("epoch"), std::string("200")));
        QCOMPARE(sd.metadata[1], std::make_pair(std::string("best_prec1"), std::string("91.25")));
    }

    void torchScriptArchiveGivesPythonTensors()
    {
        // The same network scripted by Python (torch.jit.save): its parameters and buffers, by name and in
        // state_dict order, equal the ones of the legacy checkpoint; its counters are Python's 7.
        const auto scripted = qs::readTorchCheckpoint(fixture("resnet20_option_a_scripted.pt"));
        const auto old = qs::readTorchCheckpoint(fixture("resnet20_option_a_old.th"));
        QCOMPARE(scripted.container, std::string("torchscript"));
        QCOMPARE(scripted.tensors.size(), old.tensors.size());
        for (size_t k = 0; k < old.tensors.size(); ++k) {
            const auto &a = scripted.tensors[k], &b = old.tensors[k];
            QCOMPARE(a.name, b.name);
            QVERIFY(!a.tensor.requires_grad());
            if (a.name.find("num_batches_tracked") != std::string::npos)
                QCOMPARE(a.tensor.item<int64_t>(), int64_t(7));
            else
                QVERIFY2(torch::equal(a.tensor, b.tensor), a.name.c_str());
        }
    }

    void checkpointMetadataAndPrefix_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("zip") << QStringLiteral("checkpoint_dp.pt");
        QTest::newRow("legacy") << QStringLiteral("legacy_checkpoint_dp.pt");
    }

    void checkpointMetadataAndPrefix()
    {
        QFETCH(QString, file);
        const auto sd = qs::readTorchCheckpoint((kFixtures + QLatin1Char('/') + file).toStdString());
        for (const auto &t : sd.tensors)
            QVERIFY2(t.name.rfind("module.", 0) != 0, t.name.c_str());
        QCOMPARE(int(sd.metadata.size()), 3);
        QCOMPARE(sd.metadata[0], std::make_pair(std::string("epoch"), std::string("3")));
        QCOMPARE(sd.metadata[1], std::make_pair(std::string("best_prec1"), std::string("91.5")));
        QCOMPARE(sd.metadata[2].first, std::string("optimizer"));
        const QString opt = QString::fromStdString(sd.metadata[2].second);
        QVERIFY2(opt.contains(QStringLiteral("'momentum': 0.9")), qPrintable(opt));
        QVERIFY2(opt.contains(QStringLiteral("'nesterov': False")), qPrintable(opt));
        QVERIFY2(opt.contains(QStringLiteral("'momentum_buffer': tensor(float32, [2, 1, 3, 3])")),
                 qPrintable(opt));
        QVERIFY2(opt.contains(QStringLiteral("'params': [0, 1, 2, 3, 4, 5]")), qPrintable(opt));
    }

    void prefixKeptUnlessOnEveryKey()
    {
        const std::string path = tmpPath(QStringLiteral("partial_prefix.pt"));
        qs::writeTorchStateDict(path, {{"module.a", torch::ones({2})}, {"b", torch::zeros({1})}});
        const auto sd = qs::readTorchCheckpoint(path);
        QCOMPARE(sd.tensors[0].name, std::string("module.a"));
        QCOMPARE(sd.tensors[1].name, std::string("b"));
    }

    void viewsShareOneStorage_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("zip") << QStringLiteral("shared_views.pt");
        QTest::newRow("legacy") << QStringLiteral("legacy_shared_views.pt");
    }

    void viewsShareOneStorage()
    {
        QFETCH(QString, file);
        const auto sd = qs::readTorchCheckpoint((kFixtures + QLatin1Char('/') + file).toStdString());
        std::map<std::string, at::Tensor> t;
        for (const auto &nt : sd.tensors)
            t[nt.name] = nt.tensor;
        QCOMPARE(t.at("block").storage_offset(), int64_t(8));
        QCOMPARE(t.at("col").stride(0), int64_t(6));
        QCOMPARE(t.at("tr").stride(0), int64_t(1));
        QCOMPARE(t.at("elem").dim(), int64_t(0));
        QCOMPARE(t.at("elem").storage_offset(), int64_t(15));
        for (const char *view : {"row", "col", "block", "tr", "elem"})
            QVERIFY2(t.at(view).is_alias_of(t.at("base")), view); // as in Python: one storage
        QVERIFY(!t.at("param").is_alias_of(t.at("base")));
    }

    void oldStorageViewsShareTheirRoot()
    {
        // torch 0.x pickled views of one root storage (view_metadata): the tensors share it, at their
        // offsets.
        const auto sd = qs::readTorchCheckpoint(fixture("legacy_old_views.pt"));
        QCOMPARE(int(sd.tensors.size()), 3);
        QVERIFY(sd.tensors[0].tensor.is_alias_of(sd.tensors[2].tensor));
        QCOMPARE(sd.tensors[1].tensor.data_ptr<float>() - sd.tensors[0].tensor.data_ptr<float>(),
                 ptrdiff_t(1));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing file") << QStringLiteral("missing") << QStringLiteral("cannot open");
        QTest::newRow("empty file") << QStringLiteral("empty") << QStringLiteral("empty file");
        QTest::newRow("random bytes") << QStringLiteral("random") << QStringLiteral("not a zip file");
        QTest::newRow("zip magic then garbage")
            << QStringLiteral("zipgarbage") << QStringLiteral("not a readable zip archive");
        QTest::newRow("zip cut in half")
            << QStringLiteral("half") << QStringLiteral("not a readable zip archive");
        QTest::newRow("zip without its last 10 bytes")
            << QStringLiteral("tail") << QStringLiteral("not a readable zip archive");
        QTest::newRow("a bit flipped in a tensor record")
            << QStringLiteral("crc") << QStringLiteral("record 'conv_bn_linear/data/3' fails its CRC check");
        QTest::newRow("a bit flipped in data.pkl")
            << QStringLiteral("crcpkl")
            << QStringLiteral("record 'conv_bn_linear/data.pkl' fails its CRC check");
        QTest::newRow("deflated record")
            << QStringLiteral("deflate") << QStringLiteral("does not inflate: the file is damaged");
        QTest::newRow("tar format of torch < 0.1.10")
            << QStringLiteral("tar") << QStringLiteral("tar-based torch.save format");
        QTest::newRow("legacy: a pickle that is not torch.save's")
            << QStringLiteral("pickle") << QStringLiteral("no torch.save magic number");
        QTest::newRow("legacy: big-endian")
            << QStringLiteral("bigendian") << QStringLiteral("big-endian machine");
        QTest::newRow("legacy: cut inside the storages")
            << QStringLiteral("legacycut") << QStringLiteral("truncated: storage");
        QTest::newRow("legacy: element count differs from the pickle")
            << QStringLiteral("legacycount") << QStringLiteral("elements in the file, but the pickle says");
        QTest::newRow("legacy: unknown storage type")
            << QStringLiteral("legacytype")
            << QStringLiteral("unsupported storage type torch.QuantizedStorage");
        QTest::newRow("TorchScript: tensor record cut short")
            << QStringLiteral("scriptshort") << QStringLiteral("too short for 432 elements of float32");
        QTest::newRow("no data.pkl") << QStringLiteral("nopkl") << QStringLiteral("no data.pkl");
        QTest::newRow("pickle cut in half")
            << QStringLiteral("pklhalf") << QStringLiteral("truncated pickle");
        QTest::newRow("pickle without STOP") << QStringLiteral("pklstop") << QStringLiteral("without STOP");
        QTest::newRow("unknown opcode")
            << QStringLiteral("opcode") << QStringLiteral("unknown pickle opcode 0xff");
        QTest::newRow("storage record missing")
            << QStringLiteral("nostorage") << QStringLiteral("storage record data/0 is missing");
        QTest::newRow("storage record too short")
            << QStringLiteral("shortstorage") << QStringLiteral("too short");
        QTest::newRow("size beyond storage")
            << QStringLiteral("bounds") << QStringLiteral("too short for a tensor reaching element 9");
        QTest::newRow("offset beyond storage")
            << QStringLiteral("offset") << QStringLiteral("too short for storage offset 200");
        QTest::newRow("no tensors") << QStringLiteral("notensors") << QStringLiteral("no tensors found");
        QTest::newRow("pickled nn.Module")
            << QStringLiteral("module") << QStringLiteral("pickled __main__.Net");
        QTest::newRow("list at top level") << QStringLiteral("list") << QStringLiteral("not a state dict");
    }

    void errors()
    {
        QFETCH(QString, what);
        QFETCH(QString, message);
        const std::string path = tmpPath(what + QStringLiteral(".pt"));
        const std::string good = readFile(fixture("conv_bn_linear.pt"));
        QVERIFY(good.size() > 1000);
        std::mt19937 rng(5);
        auto rezip = [&](const std::function<void(Records &)> &edit) {
            auto r = readRecords(fixture("conv_bn_linear.pt"));
            edit(r);
            writeRecords(path, r);
        };
        auto withPickle = [&](const std::string &pkl) {
            rezip([&](Records &r) { record(r, "data.pkl") = pkl; });
        };
        // A one-tensor file of ours: K\x04\x85 is size (4,), K\x00 before it the storage offset.
        auto patchedSmall = [&](const std::string &from, const std::string &to) {
            qs::writeTorchStateDict(path, {{"w", torch::ones({4})}});
            auto r = readRecords(path);
            std::string &pkl = record(r, "data.pkl");
            const auto at = pkl.find(from);
            QVERIFY(at != std::string::npos);
            pkl.replace(at, from.size(), to);
            writeRecords(path, r);
        };
        if (what == QLatin1String("missing")) {
        } else if (what == QLatin1String("empty")) {
            writeFile(path, {});
        } else if (what == QLatin1String("random")) {
            std::string b(1000, '\0');
            for (auto &c : b)
                c = char(rng());
            b[0] = 0x13;
            writeFile(path, b);
        } else if (what == QLatin1String("zipgarbage")) {
            std::string b(1000, '\0');
            for (auto &c : b)
                c = char(rng());
            writeFile(path, "PK\x03\x04" + b);
        } else if (what == QLatin1String("half")) {
            writeFile(path, good.substr(0, good.size() / 2));
        } else if (what == QLatin1String("tail")) {
            writeFile(path, good.substr(0, good.size() - 10));
        } else if (what == QLatin1String("crc") || what == QLatin1String("crcpkl")) {
            caffe2::serialize::PyTorchStreamReader reader(fixture("conv_bn_linear.pt"));
            std::string bytes = good;
            bytes[reader.getRecordOffset(what == QLatin1String("crc") ? "data/3" : "data.pkl") + 1] ^= 0x10;
            writeFile(path, bytes);
        } else if (what == QLatin1String("deflate")) {
            // The local and central headers of the first record say method 8 (deflate).
            std::string bytes = good;
            QCOMPARE(bytes.substr(0, 4), std::string("PK\x03\x04"));
            bytes[8] = 8;
            const size_t central = bytes.find(std::string("PK\x01\x02", 4));
            QVERIFY(central != std::string::npos);
            bytes[central + 10] = 8;
            writeFile(path, bytes);
        } else if (what == QLatin1String("tar")) {
            std::string b(1024, '\0');
            b.replace(0, 7, "storage");
            b.replace(257, 6, std::string("ustar\0", 6));
            writeFile(path, b);
        } else if (what == QLatin1String("pickle")) {
            writeFile(path, std::string("\x80\x02K\x05.", 5));
        } else if (what == QLatin1String("bigendian") || what == QLatin1String("legacycut") ||
                   what == QLatin1String("legacycount") || what == QLatin1String("legacytype")) {
            std::string bytes = readFile(fixture("legacy_conv_bn_linear.pt"));
            if (what == QLatin1String("bigendian")) {
                const auto at = bytes.find("little_endian");
                QVERIFY(at != std::string::npos);
                const auto flag = bytes.find('\x88', at); // NEWTRUE after the key and its memo
                QVERIFY(flag != std::string::npos && flag < at + 20);
                bytes[flag] = '\x89';
            } else if (what == QLatin1String("legacycut")) {
                bytes.resize(bytes.size() - 5);
            } else if (what == QLatin1String("legacycount")) {
                // legacy_old_views.pt ends with its one storage: the int64 count 12, then 12 float32.
                bytes = readFile(fixture("legacy_old_views.pt"));
                const size_t count = bytes.size() - 48 - 8;
                QCOMPARE(uint8_t(bytes[count]), uint8_t(12));
                bytes[count] = 13;
            } else {
                const auto at = bytes.find("FloatStorage");
                QVERIFY(at != std::string::npos);
                bytes.replace(at, 12, "QuantizedStorage");
            }
            writeFile(path, bytes);
        } else if (what == QLatin1String("scriptshort")) {
            auto r = readRecords(fixture("resnet20_option_a_scripted.pt"));
            QCOMPARE(record(r, "data/0").size(), size_t(1728)); // conv1.weight: 16x3x3x3 float32
            record(r, "data/0").resize(1000);
            writeRecords(path, r);
        } else if (what == QLatin1String("nopkl")) {
            rezip([](Records &r) { r.erase(r.begin()); });
        } else if (what == QLatin1String("pklhalf")) {
            rezip([](Records &r) { record(r, "data.pkl").resize(record(r, "data.pkl").size() / 2); });
        } else if (what == QLatin1String("pklstop")) {
            rezip([](Records &r) { record(r, "data.pkl").pop_back(); });
        } else if (what == QLatin1String("opcode")) {
            rezip([](Records &r) { record(r, "data.pkl")[2] = char(0xff); });
        } else if (what == QLatin1String("nostorage")) {
            rezip([](Records &r) {
                for (auto it = r.begin(); it != r.end(); ++it)
                    if (it->first == "data/0") {
                        r.erase(it);
                        break;
                    }
            });
        } else if (what == QLatin1String("shortstorage")) {
            rezip([](Records &r) { record(r, "data/0").resize(4); });
        } else if (what == QLatin1String("bounds")) {
            patchedSmall(std::string("K\x04\x85", 3), std::string("K\x0a\x85", 3));
        } else if (what == QLatin1String("offset")) {
            patchedSmall(std::string("QK\x00K\x04\x85", 6), std::string("QK\xc8K\x04\x85", 6));
        } else if (what == QLatin1String("notensors")) {
            withPickle(std::string("\x80\x02}q\x00X\x05\x00\x00\x00", 10) + "epochq\x01K\x03s.");
        } else if (what == QLatin1String("module")) {
            withPickle(std::string("\x80\x02"
                                   "c__main__\nNet\nq\x00)\x81q\x01}b.",
                                   25));
        } else if (what == QLatin1String("list")) {
            withPickle(std::string("\x80\x02]q\x00.", 6));
        }
        try {
            qs::readTorchCheckpoint(path);
            QFAIL("no TorchFormatError");
        } catch (const qs::TorchFormatError &e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.startsWith(QString::fromStdString(path) + QStringLiteral(": ")), qPrintable(msg));
            QVERIFY2(!msg.contains(QLatin1Char('\n')), qPrintable(msg));
            QVERIFY2(msg.contains(message), qPrintable(msg));
        }
    }

    void everyTruncationIsAnError_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("zip") << QStringLiteral("dtypes.pt");
        QTest::newRow("legacy") << QStringLiteral("legacy_dtypes.pt");
        QTest::newRow("legacy checkpoint") << QStringLiteral("legacy_checkpoint_dp.pt");
    }

    void everyTruncationIsAnError()
    {
        QFETCH(QString, file);
        const std::string good = readFile((kFixtures + QLatin1Char('/') + file).toStdString());
        const std::string path = tmpPath(QStringLiteral("cut.pt"));
        for (size_t len = 0; len < good.size(); len += 7) {
            writeFile(path, good.substr(0, len));
            try {
                qs::readTorchCheckpoint(path);
                QFAIL(qPrintable(QStringLiteral("no error at length %1").arg(len)));
            } catch (const qs::TorchFormatError &e) {
                QVERIFY2(QString::fromUtf8(e.what()).startsWith(QString::fromStdString(path)), e.what());
            }
        }
    }

    void corruptPickleBytesNeverCrash()
    {
        // Every byte of data.pkl replaced (valid zip CRCs): either it still reads or it is a
        // TorchFormatError.
        const auto records = readRecords(fixture("shared_views.pt"));
        const std::string path = tmpPath(QStringLiteral("flip.pt"));
        const std::string pkl = records.front().second;
        QCOMPARE(records.front().first, std::string("data.pkl"));
        int errors = 0;
        for (size_t k = 0; k < pkl.size(); ++k) {
            for (unsigned char replacement : {0x00u, 0xffu, unsigned(uint8_t(pkl[k]) ^ 0x01u)}) {
                auto r = records;
                r.front().second[k] = char(replacement);
                writeRecords(path, r);
                try {
                    const auto sd = qs::readTorchCheckpoint(path);
                    QVERIFY(!sd.tensors.empty());
                } catch (const qs::TorchFormatError &e) {
                    ++errors;
                    QVERIFY2(!QString::fromUtf8(e.what()).contains(QLatin1Char('\n')), e.what());
                }
            }
        }
        QVERIFY(errors > int(pkl.size())); // most corruptions are caught, none crashed
    }

    void everyFlippedByteOfAZipIsCaught()
    {
        // Any single damaged byte of a torch.save zip (records and headers alike) is an error, never a
        // silently different tensor: CRCs guard the records, the zip structure the rest.
        const std::string good = readFile(fixture("dtypes.pt"));
        const std::string path = tmpPath(QStringLiteral("flipzip.pt"));
        int read = 0;
        for (size_t k = 0; k < good.size(); k += 3) {
            std::string bytes = good;
            bytes[k] = char(bytes[k] ^ 0x04);
            writeFile(path, bytes);
            try {
                const auto sd = qs::readTorchCheckpoint(path);
                // Only bytes no reader uses (timestamps, comments, unused header fields) may differ.
                const auto &exp = expected_.value(QStringLiteral("dtypes.pt"));
                QCOMPARE(int(sd.tensors.size()), exp.size());
                for (int j = 0; j < exp.size(); ++j)
                    QVERIFY2(mismatch(sd.tensors[size_t(j)], exp[j]).isEmpty(),
                             qPrintable(QString::number(k)));
                ++read;
            } catch (const qs::TorchFormatError &e) {
                QVERIFY2(!QString::fromUtf8(e.what()).contains(QLatin1Char('\n')), e.what());
            }
        }
        QVERIFY(read < int(good.size() / 3)); // and some flips were caught
    }

    void legacyObjectPickleCorruptionNeverCrashes()
    {
        // Every byte of a legacy stream replaced: either it still reads, or it is a one-line
        // TorchFormatError.
        const std::string good = readFile(fixture("legacy_shared_views.pt"));
        const std::string path = tmpPath(QStringLiteral("flip_legacy.pt"));
        int errors = 0;
        for (size_t k = 0; k < good.size(); ++k) {
            for (unsigned char replacement : {0x00u, 0xffu, unsigned(uint8_t(good[k]) ^ 0x01u)}) {
                std::string bytes = good;
                bytes[k] = char(replacement);
                writeFile(path, bytes);
                try {
                    qs::readTorchCheckpoint(path);
                } catch (const qs::TorchFormatError &e) {
                    ++errors;
                    QVERIFY2(!QString::fromUtf8(e.what()).contains(QLatin1Char('\n')), e.what());
                }
            }
        }
        QVERIFY(errors > int(good.size()) / 2);
    }

    void cyclesAndDeepNestingAreBounded()
    {
        // Extra entries after the state dict's BUILD: 'c' = a list holding itself, 'd' = 100000 nested lists.
        auto records = readRecords(fixture("conv_bn_linear.pt"));
        std::string &pkl = record(records, "data.pkl");
        QCOMPARE(pkl.substr(pkl.size() - 2), std::string("b."));
        pkl.resize(pkl.size() - 1);
        pkl += std::string("X\x01\x00\x00\x00", 5) + "c]" +
               std::string("r\xe8\x03\x00\x00j\xe8\x03\x00\x00", 10) + "as";
        const int depth = 100000;
        pkl += std::string("X\x01\x00\x00\x00", 5) + "d" + std::string(depth, ']') +
               std::string(depth - 1, 'a') + "s.";
        const std::string path = tmpPath(QStringLiteral("hostile.pt"));
        writeRecords(path, records);
        const auto sd = qs::readTorchCheckpoint(path);
        QCOMPARE(int(sd.tensors.size()), 9);
        QCOMPARE(int(sd.metadata.size()), 2);
        QCOMPARE(sd.metadata[0].first, std::string("c"));
        QVERIFY(sd.metadata[0].second.rfind("[[[[", 0) == 0);
        QCOMPARE(sd.metadata[1].first, std::string("d"));
        QVERIFY(sd.metadata[1].second.rfind("[[[[", 0) == 0);
        QVERIFY(sd.metadata[1].second.size() < 5000);
    }

    void roundTrip_data()
    {
        QTest::addColumn<std::vector<qs::NamedTensor>>("tensors");
        torch::manual_seed(11);
        QTest::newRow("float32") << std::vector<qs::NamedTensor>{{"conv.weight", torch::randn({4, 3, 3, 3})},
                                                                 {"conv.bias", torch::randn({4})}};
        QTest::newRow("dtypes") << std::vector<qs::NamedTensor>{
            {"f64", torch::randn({3, 2}, torch::kDouble)},
            {"i64", torch::tensor({int64_t(-1), int64_t(1) << 40, int64_t(7)})},
            {"i32", torch::tensor({-3, 4}, torch::kInt)},
            {"u8", torch::tensor({0, 200, 255}, torch::kByte)},
            {"bool", torch::tensor({1, 0, 1}, torch::kBool)},
            {"f16", torch::randn({5}).to(torch::kHalf)},
            {"bf16", torch::randn({2}).to(torch::kBFloat16)},
        };
        QTest::newRow("0-dim, empty, non-contiguous") << std::vector<qs::NamedTensor>{
            {"bn.num_batches_tracked", torch::tensor(int64_t(391))},
            {"empty", torch::zeros({0, 5})},
            {"transposed", torch::arange(12, torch::kFloat).reshape({3, 4}).t()},
            {"sliced", torch::arange(20, torch::kFloat).slice(0, 3, 20, 4)},
        };
        std::vector<qs::NamedTensor> many;
        for (int k = 0; k < 300; ++k)
            many.push_back({"layer" + std::to_string(k) + ".weight", torch::randn({k % 5 + 1, 2})});
        QTest::newRow("300 tensors") << many;
        QTest::newRow("long key, 5-d")
            << std::vector<qs::NamedTensor>{{std::string(300, 'k'), torch::randn({2, 1, 2, 1, 3})}};
    }

    void roundTrip()
    {
        QFETCH(std::vector<qs::NamedTensor>, tensors);
        const std::string path = tmpPath(QStringLiteral("roundtrip.pt"));
        qs::writeTorchStateDict(path, tensors);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path + ".tmp")));
        const auto sd = qs::readTorchCheckpoint(path);
        QVERIFY(sd.metadata.empty());
        QCOMPARE(sd.tensors.size(), tensors.size());
        for (size_t k = 0; k < tensors.size(); ++k) {
            QCOMPARE(sd.tensors[k].name, tensors[k].name);
            QCOMPARE(sd.tensors[k].tensor.scalar_type(), tensors[k].tensor.scalar_type());
            QCOMPARE(sd.tensors[k].tensor.sizes().vec(), tensors[k].tensor.sizes().vec());
            QVERIFY2(torch::equal(sd.tensors[k].tensor, tensors[k].tensor), tensors[k].name.c_str());
        }
        // The archive holds exactly torch.save's records.
        caffe2::serialize::PyTorchStreamReader reader(path);
        QVERIFY(reader.hasRecord("data.pkl"));
        QVERIFY(reader.hasRecord("version"));
        auto [ver, verSize] = reader.getRecord("version");
        QCOMPARE(std::string(static_cast<const char *>(ver.get()), verSize), std::string("3\n"));
        QVERIFY(reader.hasRecord("data/" + std::to_string(tensors.size() - 1)));
    }

    void fixtureSurvivesRewrite()
    {
        const auto a = qs::readTorchCheckpoint(fixture("checkpoint_dp.pt"));
        const std::string path = tmpPath(QStringLiteral("rewritten.pt"));
        qs::writeTorchStateDict(path, a.tensors);
        const auto b = qs::readTorchCheckpoint(path);
        const auto &exp = expected_.value(QStringLiteral("checkpoint_dp.pt"));
        QCOMPARE(int(b.tensors.size()), exp.size());
        for (int k = 0; k < exp.size(); ++k) {
            const QString err = mismatch(b.tensors[size_t(k)], exp[k]);
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
    }

    void writeErrors()
    {
        // Duplicate keys, undefined tensors, an unwritable folder, and a target that is a folder: each one
        // line.
        const std::string path = tmpPath(QStringLiteral("bad.pt"));
        QVERIFY_THROWS_EXCEPTION(
            qs::TorchFormatError,
            qs::writeTorchStateDict(path, {{"a", torch::ones(1)}, {"a", torch::ones(1)}}));
        QVERIFY_THROWS_EXCEPTION(qs::TorchFormatError, qs::writeTorchStateDict(path, {{"a", at::Tensor()}}));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path)));
        const std::string noDir = tmpPath(QStringLiteral("no/such/dir/x.pt"));
        try {
            qs::writeTorchStateDict(noDir, {{"a", torch::ones(1)}});
            QFAIL("no TorchFormatError");
        } catch (const qs::TorchFormatError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QString::fromStdString(noDir + ": ")), e.what());
        }
        QVERIFY(QDir(tmp_.path()).mkdir(QStringLiteral("adir.pt")));
        const std::string dirTarget = tmpPath(QStringLiteral("adir.pt"));
        try {
            qs::writeTorchStateDict(dirTarget, {{"a", torch::ones(1)}});
            QFAIL("no TorchFormatError");
        } catch (const qs::TorchFormatError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("cannot rename")), e.what());
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(dirTarget + ".tmp"))); // the temp file is gone
    }

    void pythonReadsWrittenFile()
    {
        const QString why = pythonTorchUnavailable();
        if (!why.isEmpty())
            QSKIP(qPrintable(why));
        torch::manual_seed(3);
        const std::vector<qs::NamedTensor> tensors{
            {"conv.weight", torch::randn({2, 1, 3, 3})},
            {"bn.running_var", torch::rand({2}, torch::kDouble)},
            {"bn.num_batches_tracked", torch::tensor(int64_t(17))},
            {"mask", torch::tensor({1, 0}, torch::kBool)},
            {"codes", torch::tensor({3, 250}, torch::kByte)},
            {"half", torch::randn({3}).to(torch::kHalf)},
            {"t", torch::arange(6, torch::kInt).reshape({2, 3}).t()},
            {"empty", torch::zeros({0})},
        };
        const std::string path = tmpPath(QStringLiteral("for_python.pt"));
        qs::writeTorchStateDict(path, tensors);
        const auto r = runPython(QString::fromLatin1(kDumpScript), {QString::fromStdString(path)});
        QVERIFY2(r.ok, qPrintable(r.err));
        auto lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(!lines.isEmpty());
        QCOMPARE(lines.takeFirst(), QStringLiteral("OrderedDict"));
        QCOMPARE(lines.size(), int(tensors.size()));
        for (size_t k = 0; k < tensors.size(); ++k) {
            const QString err = mismatch(tensors[k], parseLine(lines[int(k)].split(QLatin1Char('\t'))));
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
    }

    void pythonModelLoadsRewrittenStateDict()
    {
        const QString why = pythonTorchUnavailable();
        if (!why.isEmpty())
            QSKIP(qPrintable(why));
        // Read Python's state_dict, write it back, and have Python load it into the model strictly.
        const std::string path = tmpPath(QStringLiteral("model.pt"));
        qs::writeTorchStateDict(path, qs::readTorchCheckpoint(fixture("conv_bn_linear.pt")).tensors);
        const char *script = R"(
import sys, torch
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)
ours, theirs = torch.load(sys.argv[1]), torch.load(sys.argv[2])
m = Tiny()
m.load_state_dict(ours, strict=True)
assert list(ours) == list(theirs), (list(ours), list(theirs))
for k, v in m.state_dict().items():
    assert v.dtype == theirs[k].dtype and torch.equal(v, theirs[k]), k
print('loaded', len(ours))
)";
        const auto r =
            runPython(QString::fromLatin1(script),
                      {QString::fromStdString(path), QString::fromStdString(fixture("conv_bn_linear.pt"))});
        QVERIFY2(r.ok, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(), QStringLiteral("loaded 9"));
    }
};

QTEST_APPLESS_MAIN(TestTorchFormat)
#include "tst_torchformat.moc"
