// Data set loaders on small files written here (exact round trips, corrupt files), the spec parser, and the
// batch loader's normalization, augmentation, shuffling and determinism.

#include "core/data/datasets.h"
#include "testsupport.h"

#include <torch/torch.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <QtTest>

namespace {

using Bytes = std::vector<uint8_t>;

void writeFile(const std::string &path, const Bytes &bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
    QVERIFY2(out.good(), path.c_str());
}

Bytes readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void writeGz(const std::string &path, const Bytes &bytes)
{
    gzFile f = gzopen(path.c_str(), "wb");
    QVERIFY(f != nullptr);
    QCOMPARE(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
    QCOMPARE(gzclose(f), Z_OK);
}

// Pixel value of image `i` (global index), channel c, row y, column x: distinct per plane so a plane swap
// shows.
uint8_t pixel(int64_t i, int64_t c, int64_t y, int64_t x)
{
    return uint8_t((i * 31 + c * 85 + y * 7 + x * 3) % 256);
}

// CIFAR records for global indices [first, first + n): label byte(s) then R, G, B planes of 32x32.
Bytes cifarRecords(int64_t first, int64_t n, bool hundred)
{
    Bytes bytes;
    for (int64_t i = first; i < first + n; ++i) {
        if (hundred) {
            bytes.push_back(uint8_t(i % 20));        // coarse
            bytes.push_back(uint8_t((i * 7) % 100)); // fine
        } else {
            bytes.push_back(uint8_t(i % 10));
        }
        for (int64_t c = 0; c < 3; ++c)
            for (int64_t y = 0; y < 32; ++y)
                for (int64_t x = 0; x < 32; ++x)
                    bytes.push_back(pixel(i, c, y, x));
    }
    return bytes;
}

at::Tensor expectedImages(int64_t first, int64_t n, int64_t c, int64_t h, int64_t w)
{
    auto t = torch::empty({n, c, h, w}, torch::kUInt8);
    auto a = t.accessor<uint8_t, 4>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x)
                    a[i][ch][y][x] = pixel(first + i, ch, y, x);
    return t;
}

void putBigEndian32(Bytes &b, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        b.push_back(uint8_t(v >> shift));
}

constexpr int64_t kIdxRows = 5, kIdxCols = 4; // not square, so a rows/cols swap shows

Bytes idxImages(int64_t first, int64_t n)
{
    Bytes b;
    putBigEndian32(b, 0x00000803);
    putBigEndian32(b, uint32_t(n));
    putBigEndian32(b, kIdxRows);
    putBigEndian32(b, kIdxCols);
    for (int64_t i = first; i < first + n; ++i)
        for (int64_t y = 0; y < kIdxRows; ++y)
            for (int64_t x = 0; x < kIdxCols; ++x)
                b.push_back(pixel(i, 0, y, x));
    return b;
}

Bytes idxLabels(int64_t first, int64_t n)
{
    Bytes b;
    putBigEndian32(b, 0x00000801);
    putBigEndian32(b, uint32_t(n));
    for (int64_t i = first; i < first + n; ++i)
        b.push_back(uint8_t((i * 3) % 10));
    return b;
}

// A complete small data set of each format in `dir`: CIFAR-10 5 x 10 train + 7 test records, CIFAR-100 12 +
// 6, IDX 9 train + 4 test images.
void writeCifar10(const std::string &dir)
{
    for (int b = 0; b < 5; ++b)
        writeFile(dir + "/data_batch_" + std::to_string(b + 1) + ".bin", cifarRecords(b * 10, 10, false));
    writeFile(dir + "/test_batch.bin", cifarRecords(1000, 7, false));
}

void writeCifar100(const std::string &dir)
{
    writeFile(dir + "/train.bin", cifarRecords(0, 12, true));
    writeFile(dir + "/test.bin", cifarRecords(500, 6, true));
}

void writeIdx(const std::string &dir, bool gz)
{
    const auto put = [&](const std::string &name, const Bytes &bytes) {
        if (gz)
            writeGz(dir + "/" + name + ".gz", bytes);
        else
            writeFile(dir + "/" + name, bytes);
    };
    put("train-images-idx3-ubyte", idxImages(0, 9));
    put("train-labels-idx1-ubyte", idxLabels(0, 9));
    put("t10k-images-idx3-ubyte", idxImages(100, 4));
    put("t10k-labels-idx1-ubyte", idxLabels(100, 4));
}

// A data set of n images whose pixels encode their column (channel 0), row (channel 1) and index (channel 2,
// and the label), all non-zero so padding is recognisable.
qs::Dataset codedDataset(int64_t n, int64_t size = 32)
{
    auto images = torch::empty({n, 3, size, size}, torch::kUInt8);
    auto a = images.accessor<uint8_t, 4>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t y = 0; y < size; ++y)
            for (int64_t x = 0; x < size; ++x) {
                a[i][0][y][x] = uint8_t(1 + x);
                a[i][1][y][x] = uint8_t(1 + y);
                a[i][2][y][x] = uint8_t(1 + i % 255);
            }
    return {images, torch::arange(n, torch::kLong), n, "coded"};
}

qs::LoaderOptions rawOptions(int64_t batchSize)
{
    qs::LoaderOptions o; // mean 0, std 1: values are x / 255
    o.batchSize = batchSize;
    o.shuffle = false;
    return o;
}

bool sameTensor(const at::Tensor &a, const at::Tensor &b)
{
    return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() && a.equal(b);
}

} // namespace

Q_DECLARE_METATYPE(qs::DatasetKind)

class TestDatasets : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    std::string dir(const char *name) const
    {
        const auto path = m_tmp.path().toStdString() + "/" + name;
        std::filesystem::create_directories(path);
        return path;
    }

    // Expects loadDataset to throw a DatasetError whose one-line message names `file` and contains
    // `fragment`.
    static void expectDatasetError(const qs::DatasetSpec &spec, bool train, const std::string &file,
                                   const QString &fragment)
    {
        try {
            qs::loadDataset(spec, train);
        } catch (const qs::DatasetError &e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.startsWith(QString::fromStdString(file) + QLatin1String(": ")), e.what());
            QVERIFY2(message.contains(fragment), e.what());
            QVERIFY2(!message.contains(QLatin1Char('\n')), e.what());
            // The path once: zlib's own messages already start with it.
            QVERIFY2(message.count(QString::fromStdString(file)) == 1, e.what());
            return;
        }
        QFAIL("no DatasetError");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        torch::manual_seed(3);
    }

    // ---- spec parsing ----

    void parseGoodSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qs::DatasetKind>("kind");
        QTest::addColumn<QString>("dir");
        QTest::addColumn<qint64>("count");
        QTest::newRow("cifar10") << "cifar10:/data/c10" << qs::DatasetKind::Cifar10 << "/data/c10" << 0ll;
        QTest::newRow("cifar100") << "cifar100:rel/dir" << qs::DatasetKind::Cifar100 << "rel/dir" << 0ll;
        QTest::newRow("mnist") << "mnist:/m" << qs::DatasetKind::Mnist << "/m" << 0ll;
        QTest::newRow("fashion dir") << "fashion-mnist:/f" << qs::DatasetKind::FashionMnist << "/f" << 0ll;
        QTest::newRow("fashion default") << "fashion-mnist" << qs::DatasetKind::FashionMnist << "" << 0ll;
        QTest::newRow("dir with colon") << "cifar10:/a:b" << qs::DatasetKind::Cifar10 << "/a:b" << 0ll;
        QTest::newRow("synthetic") << "synthetic" << qs::DatasetKind::Synthetic << "" << 0ll;
        QTest::newRow("synthetic n") << "synthetic:100" << qs::DatasetKind::Synthetic << "" << 100ll;
    }

    void parseGoodSpecs()
    {
        QFETCH(QString, text);
        QFETCH(qs::DatasetKind, kind);
        QFETCH(QString, dir);
        QFETCH(qint64, count);
        const auto spec = qs::parseDatasetSpec(text.toStdString());
        QVERIFY(spec.kind == kind);
        QCOMPARE(QString::fromStdString(spec.dir), dir);
        QCOMPARE(qint64(spec.syntheticCount), count);
        QCOMPARE(QString::fromStdString(qs::datasetKindName(kind)), text.section(QLatin1Char(':'), 0, 0));
    }

    void parseBadSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("unknown kind") << "imagenet:/x";
        QTest::newRow("upper case") << "CIFAR10:/x";
        QTest::newRow("cifar10 without dir") << "cifar10";
        QTest::newRow("cifar100 empty dir") << "cifar100:";
        QTest::newRow("mnist without dir") << "mnist";
        QTest::newRow("synthetic zero") << "synthetic:0";
        QTest::newRow("synthetic negative") << "synthetic:-5";
        QTest::newRow("synthetic words") << "synthetic:many";
        QTest::newRow("synthetic trailing") << "synthetic:12x";
        QTest::newRow("synthetic empty") << "synthetic:";
    }

    void parseBadSpecs()
    {
        QFETCH(QString, text);
        try {
            qs::parseDatasetSpec(text.toStdString());
            QFAIL("accepted");
        } catch (const std::invalid_argument &e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QLatin1Char('"') + text + QLatin1Char('"')), e.what());
            QVERIFY(!message.contains(QLatin1Char('\n')));
        }
    }

    // ---- loaders: exact round trips ----

    void cifar10RoundTrip()
    {
        const auto d = dir("cifar10");
        writeCifar10(d);
        const auto train = qs::loadDataset(qs::parseDatasetSpec("cifar10:" + d), true);
        QCOMPARE(train.numClasses, int64_t(10));
        QVERIFY(sameTensor(train.images, expectedImages(0, 50, 3, 32, 32))); // batches 1..5 in order
        QVERIFY(sameTensor(train.labels, torch::arange(50, torch::kLong) % 10));
        // Plane order: the first 1024 pixel bytes of record 0 are R, the next G, then B.
        const auto raw = readFile(d + "/data_batch_1.bin");
        QCOMPARE(int(train.images[0][0][0][5].item<uint8_t>()), int(raw[1 + 5]));
        QCOMPARE(int(train.images[0][1][0][5].item<uint8_t>()), int(raw[1 + 1024 + 5]));
        QCOMPARE(int(train.images[0][2][31][31].item<uint8_t>()), int(raw[3072]));
        QVERIFY(QString::fromStdString(train.description).contains(QLatin1String("50 images 3x32x32")));

        const auto test = qs::loadDataset(qs::parseDatasetSpec("cifar10:" + d), false);
        QVERIFY(sameTensor(test.images, expectedImages(1000, 7, 3, 32, 32)));
        QVERIFY(sameTensor(test.labels, (torch::arange(1000, 1007, torch::kLong) % 10)));
    }

    void cifar100UsesFineLabels()
    {
        const auto d = dir("cifar100");
        writeCifar100(d);
        const auto train = qs::loadDataset(qs::parseDatasetSpec("cifar100:" + d), true);
        QCOMPARE(train.numClasses, int64_t(100));
        QVERIFY(sameTensor(train.images, expectedImages(0, 12, 3, 32, 32)));
        QVERIFY(sameTensor(train.labels, (torch::arange(12, torch::kLong) * 7) % 100));
        const auto test = qs::loadDataset(qs::parseDatasetSpec("cifar100:" + d), false);
        QVERIFY(sameTensor(test.images, expectedImages(500, 6, 3, 32, 32)));
        QVERIFY(sameTensor(test.labels, (torch::arange(500, 506, torch::kLong) * 7) % 100));
    }

    void idxRoundTrip_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("gz");
        QTest::newRow("mnist plain") << "mnist" << false;
        QTest::newRow("mnist gz") << "mnist" << true;
        QTest::newRow("fashion-mnist plain") << "fashion-mnist" << false;
        QTest::newRow("fashion-mnist gz") << "fashion-mnist" << true;
    }

    void idxRoundTrip()
    {
        QFETCH(QString, kind);
        QFETCH(bool, gz);
        const auto d = dir(QTest::currentDataTag());
        writeIdx(d, gz);
        const auto spec = qs::parseDatasetSpec(kind.toStdString() + ":" + d);
        const auto train = qs::loadDataset(spec, true);
        QCOMPARE(train.numClasses, int64_t(10));
        QVERIFY(sameTensor(train.images, expectedImages(0, 9, 1, kIdxRows, kIdxCols)));
        QVERIFY(sameTensor(train.labels, (torch::arange(9, torch::kLong) * 3) % 10));
        const auto test = qs::loadDataset(spec, false);
        QVERIFY(sameTensor(test.images, expectedImages(100, 4, 1, kIdxRows, kIdxCols)));
        QVERIFY(sameTensor(test.labels, (torch::arange(100, 104, torch::kLong) * 3) % 10));
    }

    // ---- loaders: bad files ----

    void corruptFiles_data()
    {
        QTest::addColumn<QString>("format"); // cifar10, cifar100, idx, idxgz
        QTest::addColumn<QString>("file");   // the file that is damaged and must be named
        QTest::addColumn<QString>("damage"); // truncate:N (keep N bytes), poke:OFFSET:VALUE, remove
        QTest::addColumn<bool>("train");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("cifar10 wrong size")
            << "cifar10"
            << "data_batch_3.bin"
            << "truncate:30000" << true << "size 30000 bytes is not a multiple of the 3073-byte CIFAR-10";
        QTest::newRow("cifar10 empty") << "cifar10"
                                       << "test_batch.bin"
                                       << "truncate:0" << false << "empty";
        QTest::newRow("cifar10 label") << "cifar10"
                                       << "data_batch_2.bin"
                                       << "poke:6146:10" << true << "record 2 has label 10, outside 0..9";
        QTest::newRow("cifar10 missing") << "cifar10"
                                         << "data_batch_5.bin"
                                         << "remove" << true << "not found";
        QTest::newRow("cifar100 wrong size") << "cifar100"
                                             << "train.bin"
                                             << "truncate:3073" << true << "3074-byte CIFAR-100";
        QTest::newRow("cifar100 fine label")
            << "cifar100"
            << "test.bin"
            << "poke:3075:100" << false << "record 1 has label 100, outside 0..99";
        QTest::newRow("cifar100 coarse label") << "cifar100"
                                               << "train.bin"
                                               << "poke:0:20" << true << "coarse label 20";
        QTest::newRow("idx image magic")
            << "idx"
            << "train-images-idx3-ubyte"
            << "poke:3:1" << true << "magic 0x00000801 is not an IDX image file (0x00000803)";
        QTest::newRow("idx label magic")
            << "idx"
            << "t10k-labels-idx1-ubyte"
            << "poke:3:3" << false << "magic 0x00000803 is not an IDX label file (0x00000801)";
        QTest::newRow("idx label range") << "idx"
                                         << "train-labels-idx1-ubyte"
                                         << "poke:12:10" << true << "label 10 at index 4 is outside 0..9";
        QTest::newRow("idx count mismatch") << "idx"
                                            << "train-labels-idx1-ubyte"
                                            << "poke:7:8" << true << "8 labels for 9 images";
        QTest::newRow("idx truncated pixels") << "idx"
                                              << "train-images-idx3-ubyte"
                                              << "truncate:100" << true << "truncated";
        QTest::newRow("idx trailing bytes") << "idx"
                                            << "t10k-images-idx3-ubyte"
                                            << "poke:96:1" << false << "unexpected data";
        QTest::newRow("idx missing") << "idx"
                                     << "t10k-labels-idx1-ubyte"
                                     << "remove" << false << "not found";
        QTest::newRow("idx gz truncated") << "idxgz"
                                          << "train-images-idx3-ubyte.gz"
                                          << "truncate:40" << true << "gzip stream truncated";
        QTest::newRow("idx gz corrupt") << "idxgz"
                                        << "t10k-images-idx3-ubyte.gz"
                                        << "poke:-6:0" << false << "gzip";
    }

    void corruptFiles()
    {
        QFETCH(QString, format);
        QFETCH(QString, file);
        QFETCH(QString, damage);
        QFETCH(bool, train);
        QFETCH(QString, fragment);
        const auto d = dir(QTest::currentDataTag());
        std::string kind = format.toStdString();
        if (format == QLatin1String("cifar10"))
            writeCifar10(d);
        else if (format == QLatin1String("cifar100"))
            writeCifar100(d);
        else {
            writeIdx(d, format == QLatin1String("idxgz"));
            kind = "mnist";
        }

        const auto path = d + "/" + file.toStdString();
        const auto parts = damage.split(QLatin1Char(':'));
        if (parts[0] == QLatin1String("remove")) {
            QVERIFY(std::filesystem::remove(path));
        } else {
            auto bytes = readFile(path);
            QVERIFY(!bytes.empty());
            if (parts[0] == QLatin1String("truncate")) {
                bytes.resize(size_t(parts[1].toInt()));
            } else { // poke; a negative offset counts from the end, an offset at the end appends
                int offset = parts[1].toInt();
                if (offset < 0)
                    offset += int(bytes.size());
                if (offset == int(bytes.size()))
                    bytes.push_back(0);
                bytes.at(size_t(offset)) = uint8_t(parts[2].toInt());
            }
            writeFile(path, bytes);
        }
        expectDatasetError(qs::parseDatasetSpec(kind + ":" + d), train, path, fragment);
    }

    // A header is checked against what the file can hold before the images are allocated: 16 bytes claiming
    // 4e9 images of 4096x4096 would otherwise ask the allocator for 6.8e16 bytes.
    // A gzip file may expand 1032-fold (deflate's limit), so its bound is 1032 x its size.
    void idxHeaderCannotAskForMoreThanTheFileHolds_data()
    {
        QTest::addColumn<bool>("gz");
        QTest::addColumn<uint32_t>("count");
        QTest::newRow("plain, 4e9 images") << false << 0xFFFFFFFFu;
        QTest::newRow("plain, one image too many") << false << 5u;
        QTest::newRow("gzip, 4e9 images") << true << 0xFFFFFFFFu;
    }

    void idxHeaderCannotAskForMoreThanTheFileHolds()
    {
        QFETCH(bool, gz);
        QFETCH(uint32_t, count);
        const auto d = dir(QTest::currentDataTag());
        writeIdx(d, gz);
        Bytes header;
        putBigEndian32(header, 0x00000803);
        putBigEndian32(header, count);
        putBigEndian32(header, 4096);
        putBigEndian32(header, 4096);
        Bytes images = header;
        images.resize(header.size() + 4 * 4096 * 4096, 7); // four images' worth of pixels
        const std::string name = std::string("t10k-images-idx3-ubyte") + (gz ? ".gz" : "");
        if (gz)
            writeGz(d + "/" + name, images);
        else
            writeFile(d + "/" + name, images);
        expectDatasetError(qs::parseDatasetSpec("mnist:" + d), false, d + "/" + name,
                           QStringLiteral("images of 4096x4096, more than the file can hold"));
    }

    void missingDirectoryNamesTheFile()
    {
        const std::string d = m_tmp.path().toStdString() + "/does-not-exist";
        expectDatasetError(qs::parseDatasetSpec("cifar10:" + d), false, d + "/test_batch.bin",
                           QStringLiteral("file not found"));
        expectDatasetError(qs::parseDatasetSpec("mnist:" + d), true, d + "/train-images-idx3-ubyte",
                           QStringLiteral("train-images-idx3-ubyte.gz"));
    }

    // ---- real data ----

    void realFashionMnist()
    {
        const std::string d = "/usr/share/datasets/fashion-mnist";
        for (const char *name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
            if (!std::filesystem::exists(d + "/" + name + ".gz") && !std::filesystem::exists(d + "/" + name))
                QSKIP("Fashion-MNIST is not installed in /usr/share/datasets/fashion-mnist "
                      "(apt-get install dataset-fashion-mnist)");
        const auto spec = qs::parseDatasetSpec("fashion-mnist"); // the default directory
        const auto train = qs::loadDataset(spec, true);
        const auto test = qs::loadDataset(spec, false);
        QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
        QCOMPARE(test.images.sizes().vec(), (std::vector<int64_t>{10000, 1, 28, 28}));
        QCOMPARE(train.numClasses, int64_t(10));
        // Fashion-MNIST is balanced: 6000 train and 1000 test images per class.
        QVERIFY(sameTensor(torch::bincount(train.labels, {}, 10), torch::full({10}, 6000, torch::kLong)));
        QVERIFY(sameTensor(torch::bincount(test.labels, {}, 10), torch::full({10}, 1000, torch::kLong)));
        // Its published pixel mean, which defaultNormalization uses.
        QS_COMPARE_NEAR(train.images.to(torch::kDouble).mean().item<double>() / 255,
                        qs::defaultNormalization(qs::DatasetKind::FashionMnist).mean[0], 5e-4);
    }

    // ---- synthetic ----

    void syntheticIsDeterministicAndLearnable()
    {
        const auto a = qs::makeSyntheticDataset(200, 3, 16, 10, 7);
        const auto b = qs::makeSyntheticDataset(200, 3, 16, 10, 7);
        const auto c = qs::makeSyntheticDataset(200, 3, 16, 10, 8);
        QVERIFY(sameTensor(a.images, b.images));
        QVERIFY(sameTensor(a.labels, b.labels));
        QVERIFY(!a.images.equal(c.images));
        QCOMPARE(a.images.sizes().vec(), (std::vector<int64_t>{200, 3, 16, 16}));
        QCOMPARE(a.labels.min().item<int64_t>(), int64_t(0));
        QCOMPARE(a.labels.max().item<int64_t>(), int64_t(9));

        const auto train = qs::loadDataset(qs::parseDatasetSpec("synthetic"), true);
        const auto test = qs::loadDataset(qs::parseDatasetSpec("synthetic"), false);
        QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{512, 3, 32, 32}));
        QCOMPARE(test.images.sizes().vec(), (std::vector<int64_t>{256, 3, 32, 32}));
        QCOMPARE(train.numClasses, int64_t(10));
        QVERIFY(!train.images.slice(0, 0, 256).equal(test.images));
        QCOMPARE(qs::loadDataset(qs::parseDatasetSpec("synthetic:100"), true).images.size(0), int64_t(100));

        // Learnable: class means of the train split classify the test split.
        const auto x = train.images.to(torch::kFloat).flatten(1);
        auto means = torch::zeros({10, x.size(1)});
        means.index_add_(0, train.labels, x);
        means /= torch::bincount(train.labels, {}, 10).to(torch::kFloat).clamp_min(1).unsqueeze(1);
        const auto predicted = torch::cdist(test.images.to(torch::kFloat).flatten(1), means).argmin(1);
        const double accuracy = predicted.eq(test.labels).to(torch::kDouble).mean().item<double>();
        QVERIFY2(accuracy > 0.9, qPrintable(QString::number(accuracy)));
    }

    // ---- normalization ----

    void defaultNormalizations_data()
    {
        QTest::addColumn<qs::DatasetKind>("kind");
        QTest::addColumn<double>("mean0");
        QTest::addColumn<double>("std0");
        QTest::addColumn<int>("channels");
        QTest::newRow("cifar10") << qs::DatasetKind::Cifar10 << 0.491 << 0.247 << 3;
        QTest::newRow("cifar100") << qs::DatasetKind::Cifar100 << 0.507 << 0.267 << 3;
        QTest::newRow("mnist") << qs::DatasetKind::Mnist << 0.1307 << 0.3081 << 1;
        QTest::newRow("fashion-mnist") << qs::DatasetKind::FashionMnist << 0.2860 << 0.3530 << 1;
        QTest::newRow("synthetic") << qs::DatasetKind::Synthetic << 0.5 << 0.25 << 3;
    }

    void defaultNormalizations()
    {
        QFETCH(qs::DatasetKind, kind);
        QFETCH(double, mean0);
        QFETCH(double, std0);
        QFETCH(int, channels);
        const auto n = qs::defaultNormalization(kind);
        QCOMPARE(int(n.mean.size()), channels);
        QCOMPARE(int(n.std.size()), channels);
        QCOMPARE(n.mean[0], mean0);
        QCOMPARE(n.std[0], std0);
    }

    void normalizationMath()
    {
        const auto data = qs::makeSyntheticDataset(10, 3, 8, 4, 1);
        auto options = rawOptions(4);
        options.normalization = {{0.5, 0.25, 0.1}, {0.2, 0.3, 0.4}};
        qs::DataLoader loader(data, options);
        const auto batch = loader.batch(1);
        QCOMPARE(batch.images.scalar_type(), torch::kFloat);
        const auto mean = torch::tensor({0.5, 0.25, 0.1}, torch::kDouble).view({1, 3, 1, 1});
        const auto sd = torch::tensor({0.2, 0.3, 0.4}, torch::kDouble).view({1, 3, 1, 1});
        const auto expected = (data.images.slice(0, 4, 8).to(torch::kDouble) / 255 - mean) / sd;
        QS_COMPARE_NEAR((batch.images.to(torch::kDouble) - expected).abs().max().item<double>(), 0.0, 1e-5);
        QVERIFY(sameTensor(batch.labels, data.labels.slice(0, 4, 8)));

        // One value applies to every channel; a count that is neither 1 nor C is refused.
        options.normalization = {{0.5}, {0.5}};
        const auto all = qs::DataLoader(data, options).batch(0).images;
        QS_COMPARE_NEAR(
            (all.to(torch::kDouble) - (data.images.slice(0, 0, 4).to(torch::kDouble) / 255 - 0.5) / 0.5)
                .abs()
                .max()
                .item<double>(),
            0.0, 1e-5);
        options.normalization = {{0.5, 0.5}, {0.5, 0.5}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, (void)qs::DataLoader(data, options));
        options.normalization = {{0.5}, {0.0}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, (void)qs::DataLoader(data, options));
    }

    // ---- augmentation ----

    void augmentationIsCropAndFlip()
    {
        const int64_t n = 300, size = 32;
        auto options = rawOptions(64);
        options.augment = true;
        options.seed = 11;
        qs::DataLoader loader(codedDataset(n, size), options);
        loader.startEpoch(2);
        std::set<std::pair<int, int>> offsets;
        int flips = 0, samples = 0, padded = 0;
        for (int64_t b = 0; b < loader.batchesPerEpoch(); ++b) {
            const auto batch = loader.batch(b);
            QCOMPARE(batch.images.sizes().vec(), (std::vector<int64_t>{batch.labels.size(0), 3, size, size}));
            const auto raw = (batch.images * 255).round().to(torch::kInt);
            for (int64_t i = 0; i < batch.labels.size(0); ++i, ++samples) {
                const auto img = raw[i];
                const int64_t sample = batch.labels[i].item<int64_t>();
                // The unpadded centre pixel tells the source coordinates; find the offset and flip from two
                // points, then check every pixel against that crop with zero padding.
                const auto a = img.accessor<int, 3>();
                int match = 0;
                for (int dy = -4; dy <= 4; ++dy)
                    for (int dx = -4; dx <= 4; ++dx)
                        for (int flip = 0; flip <= 1; ++flip) {
                            bool ok = true;
                            for (int y = 0; y < size && ok; ++y)
                                for (int x = 0; x < size && ok; ++x) {
                                    const int sy = y + dy, sx = (flip ? size - 1 - x : x) + dx;
                                    const bool inside = sy >= 0 && sy < size && sx >= 0 && sx < size;
                                    ok = a[0][y][x] == (inside ? 1 + sx : 0) &&
                                         a[1][y][x] == (inside ? 1 + sy : 0) &&
                                         a[2][y][x] == (inside ? int(1 + sample % 255) : 0);
                                }
                            if (ok) {
                                ++match;
                                offsets.insert({dy, dx});
                                flips += flip;
                                padded += dx != 0 || dy != 0;
                            }
                        }
                QCOMPARE(match, 1); // exactly one crop within +-4 (and flip or not) explains the image
            }
        }
        QCOMPARE(samples, int(n));
        QVERIFY2(flips > n / 3 && flips < 2 * n / 3, qPrintable(QString::number(flips)));
        QVERIFY2(offsets.size() > 60, qPrintable(QString::number(offsets.size()))); // of 81
        QVERIFY(padded > 0);
    }

    void augmentationIsDeterministic()
    {
        const auto data = qs::makeSyntheticDataset(100, 3, 32, 10, 5);
        auto options = rawOptions(16);
        options.augment = true;
        options.shuffle = true;
        options.seed = 99;
        qs::DataLoader a(data, options), b(data, options);
        a.startEpoch(3);
        b.startEpoch(3);
        // Different call order and thread count give the same batches.
        const int threads = at::get_num_threads();
        at::set_num_threads(2);
        const auto a4 = a.batch(4), a1 = a.batch(1);
        at::set_num_threads(1);
        const auto b1 = b.batch(1), b4 = b.batch(4);
        at::set_num_threads(threads);
        QVERIFY(sameTensor(a1.images, b1.images));
        QVERIFY(sameTensor(a4.images, b4.images));
        QVERIFY(sameTensor(a1.labels, b1.labels));
        // A resumed run: a fresh loader that starts at epoch 3 matches one that went through 0..2.
        qs::DataLoader resumed(data, options);
        for (int e = 0; e <= 3; ++e)
            resumed.startEpoch(e);
        QVERIFY(sameTensor(resumed.batch(1).images, a1.images));
        // Another epoch or seed changes them.
        b.startEpoch(4);
        QVERIFY(!b.batch(1).images.equal(a1.images));
        options.seed = 100;
        qs::DataLoader c(data, options);
        c.startEpoch(3);
        QVERIFY(!c.batch(1).images.equal(a1.images));
    }

    // ---- order ----

    void shuffleIsAPermutation()
    {
        const int64_t n = 103;
        auto options = rawOptions(10);
        options.shuffle = true;
        options.seed = 4;
        qs::DataLoader loader(codedDataset(n, 4), options);
        std::vector<at::Tensor> epochs;
        for (int e = 0; e < 2; ++e) {
            loader.startEpoch(e);
            std::vector<at::Tensor> labels;
            for (int64_t b = 0; b < loader.batchesPerEpoch(); ++b) {
                const auto batch = loader.batch(b);
                // Images travel with their labels: channel 2 encodes the index.
                const auto code =
                    (batch.images.select(1, 2).select(1, 0).select(1, 0) * 255).round().to(torch::kLong);
                QVERIFY(sameTensor(code, batch.labels % 255 + 1));
                labels.push_back(batch.labels);
            }
            const auto order = torch::cat(labels);
            QVERIFY(sameTensor(std::get<0>(order.sort()), torch::arange(n, torch::kLong)));
            QVERIFY(!order.equal(torch::arange(n, torch::kLong)));
            epochs.push_back(order);
        }
        QVERIFY(!epochs[0].equal(epochs[1]));

        options.shuffle = false;
        qs::DataLoader ordered(codedDataset(n, 4), options);
        QVERIFY(sameTensor(ordered.batch(3).labels, torch::arange(30, 40, torch::kLong)));
    }

    void batchCounts_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<qint64>("batchSize");
        QTest::addColumn<bool>("dropLast");
        QTest::addColumn<qint64>("batches");
        QTest::addColumn<qint64>("lastSize");
        QTest::newRow("keep partial") << 10ll << 4ll << false << 3ll << 2ll;
        QTest::newRow("drop partial") << 10ll << 4ll << true << 2ll << 4ll;
        QTest::newRow("exact keep") << 12ll << 4ll << false << 3ll << 4ll;
        QTest::newRow("exact drop") << 12ll << 4ll << true << 3ll << 4ll;
        QTest::newRow("one short batch") << 3ll << 4ll << false << 1ll << 3ll;
        QTest::newRow("all dropped") << 3ll << 4ll << true << 0ll << 0ll;
    }

    void batchCounts()
    {
        QFETCH(qint64, n);
        QFETCH(qint64, batchSize);
        QFETCH(bool, dropLast);
        QFETCH(qint64, batches);
        QFETCH(qint64, lastSize);
        auto options = rawOptions(batchSize);
        options.dropLast = dropLast;
        options.shuffle = true;
        qs::DataLoader loader(codedDataset(n, 4), options);
        QCOMPARE(loader.size(), int64_t(n));
        QCOMPARE(loader.batchesPerEpoch(), int64_t(batches));
        if (batches > 0)
            QCOMPARE(loader.batch(batches - 1).labels.size(0), int64_t(lastSize));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, loader.batch(batches));
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, loader.batch(-1));
    }

    void loaderOutlivesTheDataset()
    {
        std::unique_ptr<qs::DataLoader> loader;
        at::Tensor expected;
        {
            auto data = qs::makeSyntheticDataset(8, 3, 8, 2, 3);
            expected = data.images.to(torch::kFloat) / 255;
            loader = std::make_unique<qs::DataLoader>(data, rawOptions(8));
        }
        QVERIFY(loader->batch(0).images.allclose(expected, 0, 1e-6));
    }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
