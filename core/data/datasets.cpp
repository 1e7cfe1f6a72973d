#include "core/data/datasets.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <ATen/Parallel.h>
#include <torch/torch.h>
#include <zlib.h>

namespace qs {
namespace {

namespace fs = std::filesystem;

constexpr const char *kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kSyntheticTrain = 512, kSyntheticTest = 256;
constexpr uint64_t kSyntheticTrainSeed = 1, kSyntheticTestSeed = 2;

[[noreturn]] void fail(const std::string &path, const std::string &what)
{
    throw DatasetError(path + ": " + what);
}

// splitmix64: tiny, fast, and identical on every platform and torch version, unlike torch's generators.
struct SplitMix64
{
    uint64_t state;
    uint64_t next()
    {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; } // [0, 1)
};

uint64_t mix(uint64_t a, uint64_t b)
{
    return SplitMix64{a ^ SplitMix64{b}.next()}.next();
}

std::string joinPath(const std::string &dir, const std::string &name)
{
    return (fs::path(dir) / name).string();
}

void requireRegularFile(const std::string &path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status))
        fail(path, "file not found");
    if (!fs::is_regular_file(status))
        fail(path, "not a regular file");
}

// ---- CIFAR binary ---------------------------------------------------------------------------------------

struct CifarFormat
{
    const char *name;
    int labelBytes; // CIFAR-100: coarse then fine
    int64_t classes;
};

constexpr int64_t kCifarPixels = 3 * 32 * 32;

Dataset loadCifar(const std::string &dir, const std::vector<std::string> &names, const CifarFormat &format)
{
    const int64_t recordBytes = format.labelBytes + kCifarPixels;
    std::vector<std::pair<std::string, int64_t>> files; // path, records
    int64_t total = 0;
    for (const auto &name : names) {
        const auto path = joinPath(dir, name);
        requireRegularFile(path);
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        if (ec)
            fail(path, "cannot read its size: " + ec.message());
        if (size == 0)
            fail(path, "file is empty");
        if (size % uint64_t(recordBytes) != 0)
            fail(path, "size " + std::to_string(size) + " bytes is not a multiple of the " +
                           std::to_string(recordBytes) + "-byte " + format.name + " record");
        files.emplace_back(path, int64_t(size / uint64_t(recordBytes)));
        total += files.back().second;
    }

    auto images = at::empty({total, 3, 32, 32}, at::kByte);
    auto labels = at::empty({total}, at::kLong);
    auto *img = images.data_ptr<uint8_t>();
    auto *lab = labels.data_ptr<int64_t>();
    constexpr int64_t kChunk = 1024; // records per read: 3 MB of buffer, not a second copy of the set
    std::vector<char> buffer(size_t(kChunk * recordBytes));
    int64_t out = 0;
    for (const auto &[path, records] : files) {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            fail(path, std::string("cannot open: ") + std::strerror(errno));
        for (int64_t first = 0; first < records; first += kChunk) {
            const int64_t k = std::min(kChunk, records - first);
            in.read(buffer.data(), std::streamsize(k * recordBytes));
            if (in.gcount() != std::streamsize(k * recordBytes))
                fail(path, "read failed at record " + std::to_string(first + in.gcount() / recordBytes));
            for (int64_t r = 0; r < k; ++r, ++out) {
                const auto *rec = reinterpret_cast<const uint8_t *>(buffer.data() + r * recordBytes);
                const int64_t label = rec[format.labelBytes - 1];
                if (format.labelBytes == 2 && rec[0] >= 20)
                    fail(path, "record " + std::to_string(first + r) + " has coarse label " +
                                   std::to_string(rec[0]) + ", outside 0..19");
                if (label >= format.classes)
                    fail(path, "record " + std::to_string(first + r) + " has label " + std::to_string(label) +
                                   ", outside 0.." + std::to_string(format.classes - 1));
                lab[out] = label;
                // The record's R, G, B planes are already the [C, H, W] layout.
                std::memcpy(img + out * kCifarPixels, rec + format.labelBytes, kCifarPixels);
            }
        }
    }
    return {images, labels, format.classes, ""};
}

// ---- IDX (plain or gzip) --------------------------------------------------------------------------------

// gzread reads plain files transparently, so one reader serves both and fills the tensor without a copy.
class GzReader
{
public:
    explicit GzReader(std::string path) : m_path(std::move(path))
    {
        requireRegularFile(m_path);
        m_file = gzopen(m_path.c_str(), "rb");
        if (!m_file)
            fail(m_path, std::string("cannot open: ") + std::strerror(errno));
        gzbuffer(m_file, 1 << 20);
    }
    ~GzReader() { gzclose(m_file); }
    GzReader(const GzReader &) = delete;
    GzReader &operator=(const GzReader &) = delete;

    const std::string &path() const { return m_path; }

    // The most bytes this file can yield: its size when plain, deflate's maximum expansion (1032:1, zlib's
    // FAQ) of it when gzip. A header is checked against this before anything is allocated, so a few
    // corrupt bytes cannot ask for terabytes.
    uint64_t maxContentBytes()
    {
        std::error_code ec;
        const uint64_t size = fs::file_size(m_path, ec);
        if (ec)
            fail(m_path, "cannot read its size: " + ec.message());
        return gzdirect(m_file) ? size : size * 1032;
    }

    void readExactly(void *dst, int64_t bytes, const std::string &what)
    {
        auto *p = static_cast<char *>(dst);
        int64_t got = 0;
        while (got < bytes) {
            const auto chunk = unsigned(std::min<int64_t>(bytes - got, int64_t(1) << 30));
            const int r = gzread(m_file, p + got, chunk);
            if (r > 0)
                got += r;
            if (r < int(chunk)) {
                checkError();
                if (r <= 0)
                    fail(m_path, "truncated: expected " + std::to_string(bytes) + " bytes of " + what +
                                     ", the file ends after " + std::to_string(got));
            }
        }
    }

    uint32_t readBigEndian32(const std::string &what)
    {
        unsigned char b[4];
        readExactly(b, 4, what);
        return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
    }

    void expectEnd()
    {
        char c;
        const int r = gzread(m_file, &c, 1);
        checkError();
        if (r > 0)
            fail(m_path, "unexpected data after the last item");
    }

private:
    void checkError()
    {
        int code = Z_OK;
        const char *message = gzerror(m_file, &code);
        if (code == Z_OK)
            return;
        if (code == Z_BUF_ERROR)
            fail(m_path, "gzip stream truncated (unexpected end of file)");
        if (code == Z_ERRNO)
            fail(m_path, std::string("read error: ") + std::strerror(errno));
        // zlib's message is "PATH: what" (gz_error prefixes the path it was opened with): keep only "what",
        // fail() names the path once.
        std::string what = message ? message : "unknown";
        if (const std::string prefix = m_path + ": "; what.compare(0, prefix.size(), prefix) == 0)
            what.erase(0, prefix.size());
        fail(m_path, "gzip error: " + what);
    }

    std::string m_path;
    gzFile m_file = nullptr;
};

std::string hex32(uint32_t v)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", v);
    return text;
}

std::string findIdx(const std::string &dir, const std::string &name)
{
    const auto plain = joinPath(dir, name);
    std::error_code ec;
    if (fs::exists(plain, ec))
        return plain;
    if (fs::exists(plain + ".gz", ec))
        return plain + ".gz";
    fail(plain, "file not found (nor " + name + ".gz)");
}

Dataset loadIdx(const std::string &dir, const std::string &prefix, int64_t classes)
{
    GzReader imagesFile(findIdx(dir, prefix + "-images-idx3-ubyte"));
    const uint32_t magic = imagesFile.readBigEndian32("the header");
    if (magic != 0x00000803)
        fail(imagesFile.path(), "magic " + hex32(magic) + " is not an IDX image file (0x00000803)");
    const int64_t n = imagesFile.readBigEndian32("the header");
    const int64_t rows = imagesFile.readBigEndian32("the header");
    const int64_t cols = imagesFile.readBigEndian32("the header");
    if (n == 0 || rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        fail(imagesFile.path(), "implausible shape " + std::to_string(n) + " x " + std::to_string(rows) +
                                    " x " + std::to_string(cols));
    if (uint64_t(n * rows * cols) > imagesFile.maxContentBytes())
        fail(imagesFile.path(), "header says " + std::to_string(n) + " images of " + std::to_string(rows) +
                                    "x" + std::to_string(cols) + ", more than the file can hold");
    auto images = at::empty({n, 1, rows, cols}, at::kByte);
    imagesFile.readExactly(images.data_ptr<uint8_t>(), n * rows * cols, std::to_string(n) + " images");
    imagesFile.expectEnd();

    GzReader labelsFile(findIdx(dir, prefix + "-labels-idx1-ubyte"));
    const uint32_t labelMagic = labelsFile.readBigEndian32("the header");
    if (labelMagic != 0x00000801)
        fail(labelsFile.path(), "magic " + hex32(labelMagic) + " is not an IDX label file (0x00000801)");
    const int64_t count = labelsFile.readBigEndian32("the header");
    if (count != n)
        fail(labelsFile.path(),
             std::to_string(count) + " labels for " + std::to_string(n) + " images in " + imagesFile.path());
    if (uint64_t(n) > labelsFile.maxContentBytes())
        fail(labelsFile.path(), "header says " + std::to_string(n) + " labels, more than the file can hold");
    auto bytes = at::empty({n}, at::kByte);
    labelsFile.readExactly(bytes.data_ptr<uint8_t>(), n, std::to_string(n) + " labels");
    labelsFile.expectEnd();
    const auto *b = bytes.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i)
        if (b[i] >= classes)
            fail(labelsFile.path(), "label " + std::to_string(b[i]) + " at index " + std::to_string(i) +
                                        " is outside 0.." + std::to_string(classes - 1));
    return {images, bytes.to(at::kLong), classes, ""};
}

std::string shapeText(const at::Tensor &images)
{
    return std::to_string(images.size(1)) + "x" + std::to_string(images.size(2)) + "x" +
           std::to_string(images.size(3));
}

} // namespace

DatasetSpec parseDatasetSpec(const std::string &text)
{
    const auto colon = text.find(':');
    const std::string name = text.substr(0, colon);
    const bool hasArg = colon != std::string::npos;
    const std::string arg = hasArg ? text.substr(colon + 1) : std::string();
    DatasetSpec spec;
    if (name == "synthetic") {
        spec.kind = DatasetKind::Synthetic;
        if (hasArg) {
            // Digits only: stoll would accept "12abc", " 5" and "-3".
            const bool digits =
                !arg.empty() && arg.size() <= 9 &&
                std::all_of(arg.begin(), arg.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!digits || std::stoll(arg) == 0)
                throw std::invalid_argument("data set \"" + text +
                                            "\": synthetic:N needs a positive image count N");
            spec.syntheticCount = std::stoll(arg);
        }
        return spec;
    }
    if (name == "cifar10")
        spec.kind = DatasetKind::Cifar10;
    else if (name == "cifar100")
        spec.kind = DatasetKind::Cifar100;
    else if (name == "mnist")
        spec.kind = DatasetKind::Mnist;
    else if (name == "fashion-mnist")
        spec.kind = DatasetKind::FashionMnist;
    else
        throw std::invalid_argument("data set \"" + text +
                                    "\": expected cifar10:DIR, cifar100:DIR, mnist:DIR, fashion-mnist[:DIR] "
                                    "or synthetic[:N]");
    spec.dir = arg;
    if (spec.dir.empty() && spec.kind != DatasetKind::FashionMnist)
        throw std::invalid_argument("data set \"" + text + "\": " + name + " needs a directory, as " + name +
                                    ":DIR");
    return spec;
}

std::string datasetKindName(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::Cifar10:
        return "cifar10";
    case DatasetKind::Cifar100:
        return "cifar100";
    case DatasetKind::Mnist:
        return "mnist";
    case DatasetKind::FashionMnist:
        return "fashion-mnist";
    case DatasetKind::Synthetic:
        return "synthetic";
    }
    return "unknown";
}

Dataset loadDataset(const DatasetSpec &spec, bool train)
{
    const std::string split = train ? "train" : "test";
    if (spec.kind == DatasetKind::Synthetic) {
        const int64_t n = spec.syntheticCount > 0 ? spec.syntheticCount
                          : train                 ? kSyntheticTrain
                                                  : kSyntheticTest;
        const uint64_t seed = train ? kSyntheticTrainSeed : kSyntheticTestSeed;
        auto data = makeSyntheticDataset(n, 3, 32, 10, seed);
        data.description = "synthetic " + split + ": " + data.description;
        return data;
    }
    std::string dir = spec.dir;
    if (dir.empty() && spec.kind == DatasetKind::FashionMnist)
        dir = kFashionMnistDefaultDir;
    if (dir.empty())
        throw std::invalid_argument(datasetKindName(spec.kind) + " needs a directory");

    Dataset data;
    std::string title;
    switch (spec.kind) {
    case DatasetKind::Cifar10: {
        std::vector<std::string> names;
        if (train)
            for (int i = 1; i <= 5; ++i)
                names.push_back("data_batch_" + std::to_string(i) + ".bin");
        else
            names.push_back("test_batch.bin");
        data = loadCifar(dir, names, {"CIFAR-10", 1, 10});
        title = "CIFAR-10";
        break;
    }
    case DatasetKind::Cifar100:
        data = loadCifar(dir, {train ? "train.bin" : "test.bin"}, {"CIFAR-100", 2, 100});
        title = "CIFAR-100";
        break;
    case DatasetKind::Mnist:
    case DatasetKind::FashionMnist:
        data = loadIdx(dir, train ? "train" : "t10k", 10);
        title = spec.kind == DatasetKind::Mnist ? "MNIST" : "Fashion-MNIST";
        break;
    case DatasetKind::Synthetic:
        break;
    }
    data.description = title + " " + split + ": " + std::to_string(data.images.size(0)) + " images " +
                       shapeText(data.images) + ", " + std::to_string(data.numClasses) + " classes, from " +
                       dir;
    return data;
}

Dataset makeSyntheticDataset(int64_t n, int64_t channels, int64_t size, int64_t classes, uint64_t seed)
{
    TORCH_CHECK(n > 0 && channels > 0 && size > 0 && classes > 0,
                "makeSyntheticDataset: sizes must be positive");
    const int64_t plane = size * size, pixels = channels * plane;
    // Class patterns: one smooth wave per (class, channel), from a fixed stream so every seed shares them.
    std::vector<float> patterns(size_t(classes * pixels));
    SplitMix64 fixed{0x5EED5EED5EED5EEDull};
    constexpr double kTwoPi = 6.283185307179586;
    for (int64_t k = 0; k < classes; ++k)
        for (int64_t c = 0; c < channels; ++c) {
            const double fx = 1 + double(fixed.next() % 3), fy = double(fixed.next() % 3);
            const double phase = kTwoPi * fixed.uniform();
            float *p = patterns.data() + (k * channels + c) * plane;
            for (int64_t y = 0; y < size; ++y)
                for (int64_t x = 0; x < size; ++x)
                    p[y * size + x] = float(128 + 60 * std::sin(kTwoPi * (fx * x + fy * y) / size + phase));
        }

    auto images = at::empty({n, channels, size, size}, at::kByte);
    auto labels = at::empty({n}, at::kLong);
    auto *img = images.data_ptr<uint8_t>();
    auto *lab = labels.data_ptr<int64_t>();
    SplitMix64 rng{mix(seed, 0x51D7E71Cull)};
    for (int64_t i = 0; i < n; ++i) {
        const int64_t label = int64_t(rng.next() % uint64_t(classes));
        lab[i] = label;
        const float *p = patterns.data() + label * pixels;
        uint8_t *out = img + i * pixels;
        for (int64_t j = 0; j < pixels; ++j) {
            const float noise = float(rng.uniform() * 128 - 64);
            out[j] = uint8_t(std::clamp(p[j] + noise, 0.0f, 255.0f) + 0.5f);
        }
    }
    const std::string shape =
        std::to_string(channels) + "x" + std::to_string(size) + "x" + std::to_string(size);
    return {images, labels, classes,
            std::to_string(n) + " images " + shape + ", " + std::to_string(classes) + " classes, seed " +
                std::to_string(seed)};
}

Normalization defaultNormalization(DatasetKind kind)
{
    switch (kind) {
    case DatasetKind::Cifar10: // the APoT reference's CIFAR-10 transform
        return {{0.491, 0.482, 0.447}, {0.247, 0.243, 0.262}};
    case DatasetKind::Cifar100:
        return {{0.507, 0.487, 0.441}, {0.267, 0.256, 0.276}};
    case DatasetKind::Mnist:
        return {{0.1307}, {0.3081}};
    case DatasetKind::FashionMnist:
        return {{0.2860}, {0.3530}};
    case DatasetKind::Synthetic:
        return {{0.5, 0.5, 0.5}, {0.25, 0.25, 0.25}};
    }
    return {};
}

DataLoader::DataLoader(const Dataset &data, LoaderOptions options) : m_options(std::move(options))
{
    if (!data.images.defined() || data.images.dim() != 4 || data.images.scalar_type() != at::kByte)
        throw std::invalid_argument("DataLoader: images must be a uint8 [N, C, H, W] tensor");
    if (!data.labels.defined() || data.labels.dim() != 1 || data.labels.scalar_type() != at::kLong ||
        data.labels.size(0) != data.images.size(0))
        throw std::invalid_argument("DataLoader: labels must be an int64 [N] tensor matching the images");
    if (m_options.batchSize <= 0)
        throw std::invalid_argument("DataLoader: batch size must be positive");
    m_images = data.images.contiguous(); // no copy when already contiguous
    m_labels = data.labels.contiguous();
    m_count = m_images.size(0);
    m_channels = m_images.size(1);
    m_height = m_images.size(2);
    m_width = m_images.size(3);

    const auto &norm = m_options.normalization;
    if (norm.mean.size() != norm.std.size() ||
        (norm.mean.size() > 1 && int64_t(norm.mean.size()) != m_channels))
        throw std::invalid_argument("DataLoader: normalization needs one mean and std per channel (" +
                                    std::to_string(m_channels) + ") or one for all");
    for (int64_t c = 0; c < m_channels; ++c) {
        const size_t i = norm.mean.size() > 1 ? size_t(c) : 0;
        const double mean = norm.mean.empty() ? 0.0 : norm.mean[i];
        const double sd = norm.std.empty() ? 1.0 : norm.std[i];
        if (!(sd > 0))
            throw std::invalid_argument("DataLoader: normalization std must be positive");
        m_scale.push_back(float(1.0 / (255.0 * sd)));
        m_shift.push_back(float(-mean / sd));
    }
    startEpoch(0);
}

void DataLoader::startEpoch(int64_t epoch)
{
    m_epoch = epoch;
    m_order.resize(size_t(m_count));
    for (int64_t i = 0; i < m_count; ++i)
        m_order[size_t(i)] = i;
    if (!m_options.shuffle)
        return;
    SplitMix64 rng{mix(mix(m_options.seed, 0x5A0FF1Eull), uint64_t(epoch))};
    for (int64_t i = m_count - 1; i > 0; --i) // Fisher-Yates
        std::swap(m_order[size_t(i)], m_order[size_t(rng.next() % uint64_t(i + 1))]);
}

int64_t DataLoader::batchesPerEpoch() const
{
    const int64_t b = m_options.batchSize;
    return m_options.dropLast ? m_count / b : (m_count + b - 1) / b;
}

Batch DataLoader::batch(int64_t index) const
{
    if (index < 0 || index >= batchesPerEpoch())
        throw std::out_of_range("DataLoader: batch " + std::to_string(index) + " outside 0.." +
                                std::to_string(batchesPerEpoch() - 1));
    const int64_t first = index * m_options.batchSize;
    const int64_t count = std::min(m_options.batchSize, m_count - first);
    const int64_t C = m_channels, H = m_height, W = m_width, plane = H * W;
    auto images = at::empty({count, C, H, W}, at::kFloat);
    auto labels = at::empty({count}, at::kLong);
    const auto *src = m_images.data_ptr<uint8_t>();
    const auto *srcLabels = m_labels.data_ptr<int64_t>();
    auto *dst = images.data_ptr<float>();
    auto *dstLabels = labels.data_ptr<int64_t>();
    const uint64_t epochSeed = mix(mix(m_options.seed, 0xA6611E57ull), uint64_t(m_epoch));

    // Each sample depends only on its position in the epoch, so the split over threads cannot change it.
    at::parallel_for(0, count, 8, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t position = first + i, sample = m_order[size_t(position)];
            dstLabels[i] = srcLabels[sample];
            int64_t dx = 0, dy = 0;
            bool flip = false;
            if (m_options.augment) {
                const uint64_t r = mix(epochSeed, uint64_t(position));
                dy = int64_t(r % 9) - 4; // crop offset of torchvision's padding 4: top - 4 in [-4, 4]
                dx = int64_t(r / 9 % 9) - 4;
                flip = (r >> 32 & 1) != 0;
            }
            for (int64_t c = 0; c < C; ++c) {
                const float scale = m_scale[size_t(c)], shift = m_shift[size_t(c)];
                const uint8_t *in = src + (sample * C + c) * plane;
                float *out = dst + (i * C + c) * plane;
                for (int64_t y = 0; y < H; ++y, out += W) {
                    const int64_t sy = y + dy;
                    if (sy < 0 || sy >= H) {
                        std::fill(out, out + W, shift); // zero padding, normalized
                        continue;
                    }
                    const uint8_t *row = in + sy * W;
                    if (dx == 0 && !flip) {
                        for (int64_t x = 0; x < W; ++x)
                            out[x] = float(row[x]) * scale + shift;
                        continue;
                    }
                    // out(x) = crop(flip ? W-1-x : x), crop(x') = src(x' + dx) or padding.
                    for (int64_t x = 0; x < W; ++x) {
                        const int64_t sx = (flip ? W - 1 - x : x) + dx;
                        out[x] = sx >= 0 && sx < W ? float(row[sx]) * scale + shift : shift;
                    }
                }
            }
        }
    });
    return {images, labels};
}

} // namespace qs
