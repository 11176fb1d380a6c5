// Tests of nac_data: IDX files, image folders and files, noise specs and the class-balanced subset.
#include "engine/data/data_source.h"
#include "engine/data/image_header.h"
#include "engine/error.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#ifdef NAC_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#endif

#ifdef NAC_WITH_ZLIB
#include <zlib.h>
#endif

#include <sys/stat.h>

using namespace nac::engine;

namespace {

// Pixel values go through float division and normalisation; 1e-5 is far below one grey level (0.004).
constexpr double kTolerance = 1e-5;
constexpr const char* kFashionMnistImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

std::string toStd(const QString& text) { return text.toStdString(); }

void writeBytes(const QString& path, const QByteArray& bytes) {
    std::ofstream file(toStd(path), std::ios::binary);
    file.write(bytes.constData(), bytes.size());
    QVERIFY2(file.good(), qPrintable("cannot write fixture " + path));
}

QByteArray bigEndian32(quint32 value) {
    QByteArray bytes(4, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = char((value >> (24 - 8 * i)) & 0xff);
    return bytes;
}

QByteArray littleEndian(quint32 value, int byteCount) {
    QByteArray bytes(byteCount, '\0');
    for (int i = 0; i < byteCount && i < 4; ++i)  // zero padding past the 32 bits
        bytes[i] = char((value >> (8 * i)) & 0xff);
    return bytes;
}

// An IDX file: magic, big-endian dimensions, then payloadBytes bytes counting up (mod 251).
QByteArray idxFile(quint32 magic, const QList<int>& dims, int payloadBytes) {
    QByteArray bytes = bigEndian32(magic);
    for (int dim : dims)
        bytes += bigEndian32(quint32(dim));
    for (int i = 0; i < payloadBytes; ++i)
        bytes += char(i % 251);
    return bytes;
}

QByteArray idxLabels(const QList<int>& labels) {
    QByteArray bytes = bigEndian32(0x00000801) + bigEndian32(quint32(labels.size()));
    for (int label : labels)
        bytes += char(label);
    return bytes;
}

// gzip format (not zlib), as the Fashion-MNIST downloads.
QByteArray gzipped(const QByteArray& plain) {
#ifdef NAC_WITH_ZLIB
    z_stream stream{};
    constexpr int kGzipWindowBits = 15 + 16;
    deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY);
    QByteArray compressed(int(deflateBound(&stream, uLong(plain.size()))), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.constData()));
    stream.avail_in = uInt(plain.size());
    stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
    stream.avail_out = uInt(compressed.size());
    deflate(&stream, Z_FINISH);
    compressed.resize(int(stream.total_out));
    deflateEnd(&stream);
    return compressed;
#else
    return plain;
#endif
}

// A gzip stream of prefix followed by zeroBytes zeros, deflated in chunks (about 1000:1), so a
// file that inflates to gigabytes is made in a few megabytes of memory.
QByteArray gzipWithZeros(const QByteArray& prefix, qint64 zeroBytes) {
#ifdef NAC_WITH_ZLIB
    z_stream stream{};
    constexpr int kGzipWindowBits = 15 + 16;
    deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 9, Z_DEFAULT_STRATEGY);
    QByteArray out;
    QByteArray buffer(1 << 20, '\0');
    const QByteArray zeros(1 << 20, '\0');
    auto pump = [&](const QByteArray& input, qint64 length, int flush) {
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.constData()));
        stream.avail_in = uInt(length);
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
            stream.avail_out = uInt(buffer.size());
            deflate(&stream, flush);
            out.append(buffer.constData(), buffer.size() - int(stream.avail_out));
        } while (stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0));
    };
    pump(prefix, prefix.size(), Z_NO_FLUSH);
    for (qint64 left = zeroBytes; left > 0; left -= zeros.size())
        pump(zeros, std::min<qint64>(left, zeros.size()), Z_NO_FLUSH);
    pump(QByteArray(), 0, Z_FINISH);
    deflateEnd(&stream);
    return out;
#else
    Q_UNUSED(zeroBytes);
    return prefix;
#endif
}

quint32 crc32Of(const QByteArray& bytes) {
    quint32 crc = 0xffffffffu;
    for (char byte : bytes) {
        crc ^= quint8(byte);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// A PNG signature and a real IHDR chunk (8-bit RGB) with these dimensions, and no pixel data.
QByteArray pngHeader(quint32 width, quint32 height) {
    const QByteArray body = QByteArray("IHDR") + bigEndian32(width) + bigEndian32(height) +
                            QByteArray::fromHex("0802000000");  // depth 8, RGB, deflate, no filter/interlace
    return QByteArray::fromHex("89504e470d0a1a0a") + bigEndian32(13) + body + bigEndian32(crc32Of(body));
}

// SOI, an APP0 segment to step over, then a baseline frame header.
QByteArray jpegHeader(quint32 width, quint32 height) {
    QByteArray bytes = QByteArray::fromHex("ffd8ffe000104a46494600010100000100010000");
    bytes += QByteArray::fromHex("ffc0001108") + bigEndian32(height).right(2) + bigEndian32(width).right(2);
    bytes += QByteArray::fromHex("03012200021101031101");
    return bytes;
}

QByteArray bmpHeader(qint32 width, qint32 height) {
    return QByteArray("BM") + littleEndian(0, 12) + littleEndian(40, 4) + littleEndian(quint32(width), 4) +
           littleEndian(quint32(height), 4) + littleEndian(1, 2) + littleEndian(24, 2) + littleEndian(0, 24);
}

QByteArray webpHeader(const QByteArray& fourCc, const QByteArray& payload) {
    return QByteArray("RIFF") + littleEndian(quint32(12 + payload.size()), 4) + "WEBP" + fourCc +
           littleEndian(quint32(payload.size()), 4) + payload;
}

template <typename Function>
std::optional<Error> captureError(Function&& function) {
    try {
        function();
    } catch (const Error& error) {
        return error;
    }
    return std::nullopt;
}

InputSpec makeSpec(int channels, int height, int width, std::vector<float> mean = {0.0f},
                   std::vector<float> std = {1.0f}) {
    InputSpec spec;
    spec.channels = channels;
    spec.height = height;
    spec.width = width;
    spec.mean = std::move(mean);
    spec.std = std::move(std);
    return spec;
}

std::vector<float> loadImage(const Dataset& dataset, std::size_t index, const InputSpec& spec,
                             std::string* note = nullptr) {
    std::vector<float> values(spec.valuesPerImage(), -99.0f);
    dataset.load(index, spec, values.data(), note);
    return values;
}

#ifdef NAC_WITH_OPENCV
// Constant test images; "rgb" is R 200, G 100, B 50 (stored BGR as OpenCV does).
cv::Mat makeImage(const QString& kind, int width, int height) {
    if (kind == "rgb")
        return cv::Mat(height, width, CV_8UC3, cv::Scalar(50, 100, 200));
    if (kind == "rgba")
        return cv::Mat(height, width, CV_8UC4, cv::Scalar(50, 100, 200, 0));
    if (kind == "gray128")
        return cv::Mat(height, width, CV_8UC1, cv::Scalar(128));
    if (kind == "gray100")
        return cv::Mat(height, width, CV_8UC1, cv::Scalar(100));
    if (kind == "gray16")
        return cv::Mat(height, width, CV_16UC1, cv::Scalar(40000));
    if (kind == "checkerboard") {
        cv::Mat image(height, width, CV_8UC1);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x)
                image.at<std::uint8_t>(y, x) = (x + y) % 2 ? 255 : 0;
        return image;
    }
    return {};
}

void writeImage(const QString& path, const cv::Mat& image, const std::vector<int>& parameters = {}) {
    QVERIFY2(cv::imwrite(toStd(path), image, parameters), qPrintable("cannot write fixture " + path));
}
#endif

// Labels given by the test; load() is never called.
class FakeDataset final : public Dataset {
public:
    explicit FakeDataset(QList<int> labels) : m_labels(std::move(labels)) {}
    std::size_t size() const override { return std::size_t(m_labels.size()); }
    std::string description() const override { return "fake"; }
    std::string sourceName(std::size_t index) const override { return "fake#" + std::to_string(index); }
    int label(std::size_t index) const override { return m_labels.at(qsizetype(index)); }
    void load(std::size_t, const InputSpec&, float*, std::string*) const override {}

private:
    QList<int> m_labels;
};

}  // namespace

class TestDataSource : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void openIdx_data();
    void openIdx();
    void idxPixels_data();
    void idxPixels();
    void idxResize();
    void idxRangeReadsPrefix_data();
    void idxRangeReadsPrefix();

    void imageConversion_data();
    void imageConversion();
    void shrinkUsesAreaAverage();
    void imageErrors_data();
    void imageErrors();
    void imageHeaderOfRealFiles_data();
    void imageHeaderOfRealFiles();

    void imageFolder_data();
    void imageFolder();
    void hostileFiles_data();
    void hostileFiles();
    void openDatasetDispatch_data();
    void openDatasetDispatch();
    void imageFilesAreCheckedOnLoad();

    void noiseSpec_data();
    void noiseSpec();
    void noiseIsDeterministic();
    void noiseValueRange_data();
    void noiseValueRange();

    void subset_data();
    void subset();
    void subsetIsDeterministic();

    void fashionMnist();

private:
    // A fresh empty folder inside the temporary directory, one per row.
    QString newFolder();

    QTemporaryDir m_dir;
    int m_folderCount = 0;
};

void TestDataSource::initTestCase() { QVERIFY2(m_dir.isValid(), qPrintable(m_dir.errorString())); }

QString TestDataSource::newFolder() {
    const QString path = m_dir.filePath(QString("case%1").arg(++m_folderCount));
    QDir().mkpath(path);
    return path;
}

// ---- IDX -------------------------------------------------------------------------------------------

void TestDataSource::openIdx_data() {
    QTest::addColumn<QString>("imagesName");
    QTest::addColumn<QByteArray>("imagesBytes");
    QTest::addColumn<bool>("gzipImages");
    QTest::addColumn<QString>("labelsName");  // empty: no labels file
    QTest::addColumn<QByteArray>("labelsBytes");
    QTest::addColumn<bool>("gzipLabels");
    QTest::addColumn<int>("expectedCount");  // -1: opening must fail
    QTest::addColumn<QList<int>>("expectedLabels");
    QTest::addColumn<QString>("errorFile");  // the file the message must name
    QTest::addColumn<QString>("errorText");

    const QByteArray threeGray = idxFile(0x00000803, {3, 2, 2}, 12);
    const QByteArray labels = idxLabels({7, 0, 2});
    QTest::newRow("idx3 plain, labels beside") << "a-images-idx3-ubyte" << threeGray << false << "a-labels-idx1-ubyte"
                                               << labels << false << 3 << QList<int>{7, 0, 2} << "" << "";
    QTest::newRow("idx3 gzip, gzip labels") << "a-images-idx3-ubyte.gz" << threeGray << true
                                            << "a-labels-idx1-ubyte.gz" << labels << true << 3
                                            << QList<int>{7, 0, 2} << "" << "";
    QTest::newRow("idx3 gzip, plain labels") << "a-images-idx3-ubyte.gz" << threeGray << true << "a-labels-idx1-ubyte"
                                             << labels << false << 3 << QList<int>{7, 0, 2} << "" << "";
    QTest::newRow("idx3 plain, gzip labels") << "a-images-idx3-ubyte" << threeGray << false
                                             << "a-labels-idx1-ubyte.gz" << labels << true << 3
                                             << QList<int>{7, 0, 2} << "" << "";
    QTest::newRow("idx4 colour, labels beside") << "t-images-idx4-ubyte" << idxFile(0x00000804, {2, 2, 2, 3}, 24)
                                                << false << "t-labels-idx1-ubyte" << idxLabels({4, 5}) << false << 2
                                                << QList<int>{4, 5} << "" << "";
    QTest::newRow("idx3 without labels file") << "a-images-idx3-ubyte" << threeGray << false << "" << QByteArray()
                                              << false << 3 << QList<int>{-1, -1, -1} << "" << "";
    QTest::newRow("idx found by magic, any name") << "pictures.bin" << threeGray << false << "" << QByteArray() << false
                                                  << 3 << QList<int>{-1, -1, -1} << "" << "";
    QTest::newRow("gzip found by magic, no .gz") << "pictures.dat" << threeGray << true << "" << QByteArray() << false
                                                 << 3 << QList<int>{-1, -1, -1} << "" << "";

    QTest::newRow("labels file given as images")
        << "a-labels-idx1-ubyte" << labels << false << "" << QByteArray() << false << -1 << QList<int>{}
        << "a-labels-idx1-ubyte" << "magic number 0x00000801 found, expected 0x00000803";
    QTest::newRow("float IDX") << "f-images-idx3-ubyte" << idxFile(0x00000d03, {1, 2, 2}, 16) << false << ""
                               << QByteArray() << false << -1 << QList<int>{} << "f-images-idx3-ubyte"
                               << "magic number 0x00000d03 found";
    QTest::newRow("truncated") << "a-images-idx3-ubyte" << idxFile(0x00000803, {3, 2, 2}, 11) << false << ""
                               << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte"
                               << "truncated";
    QTest::newRow("truncated gzip") << "a-images-idx3-ubyte.gz" << idxFile(0x00000803, {3, 2, 2}, 11) << true << ""
                                    << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte.gz"
                                    << "truncated";
    QTest::newRow("trailing bytes") << "a-images-idx3-ubyte" << idxFile(0x00000803, {3, 2, 2}, 15) << false << ""
                                    << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte"
                                    << "3 more bytes follow";
    QTest::newRow("trailing bytes gzip") << "a-images-idx3-ubyte.gz" << idxFile(0x00000803, {3, 2, 2}, 15) << true
                                         << "" << QByteArray() << false << -1 << QList<int>{}
                                         << "a-images-idx3-ubyte.gz" << "3 more bytes follow";
    QTest::newRow("header cut short") << "a-images-idx3-ubyte" << QByteArray::fromHex("000008030000") << false << ""
                                      << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte"
                                      << "ends inside its IDX header";
    QTest::newRow("zero images") << "a-images-idx3-ubyte" << idxFile(0x00000803, {0, 2, 2}, 0) << false << ""
                                 << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte"
                                 << "size of zero";
    QTest::newRow("absurd height") << "a-images-idx3-ubyte" << idxFile(0x00000803, {1, 100000, 2}, 4) << false << ""
                                   << QByteArray() << false << -1 << QList<int>{} << "a-images-idx3-ubyte"
                                   << "header is damaged";
    QTest::newRow("four channels") << "t-images-idx4-ubyte" << idxFile(0x00000804, {1, 2, 2, 4}, 16) << false << ""
                                   << QByteArray() << false << -1 << QList<int>{} << "t-images-idx4-ubyte"
                                   << "only 1 (gray) or 3 (RGB) channels";
    QTest::newRow("labels count differs") << "a-images-idx3-ubyte" << threeGray << false << "a-labels-idx1-ubyte"
                                          << idxLabels({1, 2}) << false << -1 << QList<int>{}
                                          << "a-labels-idx1-ubyte" << "has 2 labels but";
    QTest::newRow("labels file with images magic")
        << "a-images-idx3-ubyte" << threeGray << false << "a-labels-idx1-ubyte" << threeGray << false << -1
        << QList<int>{} << "a-labels-idx1-ubyte" << "expected 0x00000801";
    QTest::newRow("neither IDX nor image") << "notes.txt" << QByteArray("hello, world\n") << false << "" << QByteArray()
                                           << false << -1 << QList<int>{} << "notes.txt"
                                           << "neither an IDX images file (it starts with 0x68656c6c";
}

void TestDataSource::openIdx() {
    QFETCH(QString, imagesName);
    QFETCH(QByteArray, imagesBytes);
    QFETCH(bool, gzipImages);
    QFETCH(QString, labelsName);
    QFETCH(QByteArray, labelsBytes);
    QFETCH(bool, gzipLabels);
    QFETCH(int, expectedCount);
    QFETCH(QList<int>, expectedLabels);
    QFETCH(QString, errorFile);
    QFETCH(QString, errorText);
#ifndef NAC_WITH_ZLIB
    if (gzipImages || gzipLabels)
        QSKIP("this build has no zlib, so gzip files cannot be read");
#endif

    const QString folder = newFolder();
    const QString imagesPath = folder + "/" + imagesName;
    writeBytes(imagesPath, gzipImages ? gzipped(imagesBytes) : imagesBytes);
    if (!labelsName.isEmpty())
        writeBytes(folder + "/" + labelsName, gzipLabels ? gzipped(labelsBytes) : labelsBytes);

    std::unique_ptr<Dataset> dataset;
    const auto error = captureError([&] { dataset = openDataset(toStd(imagesPath)); });
    if (expectedCount < 0) {
        QVERIFY2(error.has_value(), "opening should have failed");
        const QString message = QString::fromStdString(error->what());
        QCOMPARE(error->kind(), ErrorKind::BadInput);
        QVERIFY2(message.contains(errorFile), qPrintable(message));
        QVERIFY2(message.contains(errorText), qPrintable(message));
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    QCOMPARE(dataset->size(), std::size_t(expectedCount));
    for (int i = 0; i < expectedLabels.size(); ++i)
        QCOMPARE(dataset->label(std::size_t(i)), expectedLabels[i]);
    QCOMPARE(QString::fromStdString(dataset->sourceName(1)), imagesName + "#1");
    QCOMPARE(QString::fromStdString(dataset->description()),
             "idx:" + imagesPath + QString(" (%1 images)").arg(expectedCount));
    QVERIFY(dataset->classNames().empty());
}

// Issue 9: files that ask for more than they hold, or never end, are refused quickly and before
// the memory is taken (each row runs in well under a second; before, minutes or gigabytes).
void TestDataSource::hostileFiles_data() {
    QTest::addColumn<QString>("kind");  // what to make: see hostileFiles()
    QTest::addColumn<QString>("errorText");

    QTest::newRow("gzip bomb: 64 MiB of zeros, header asks 6 GiB") << "bomb" << "gzip bomb";
    QTest::newRow("gzip: 128 MiB of zeros after a valid payload") << "trailing" << "more than 1048576 more bytes follow";
    QTest::newRow("labels with another count are not read") << "labels" << "has 100000000 labels but";
    QTest::newRow("16384x16384 images") << "bigimages" << "megapixels";
    QTest::newRow("/dev/zero") << "/dev/zero" << "not a regular file";
    QTest::newRow("FIFO named like an image") << "fifo" << "not a regular file";
    QTest::newRow("range over /dev/zero") << "/dev/zero@0-9" << "not a regular file";
}

void TestDataSource::hostileFiles() {
    QFETCH(QString, kind);
    QFETCH(QString, errorText);
#ifndef NAC_WITH_ZLIB
    if (kind == "bomb" || kind == "trailing" || kind == "labels")
        QSKIP("this build has no zlib, so gzip files cannot be read");
#endif
    const QString folder = newFolder();
    QString spec = kind;
    if (kind == "bomb") {
        // 8,000,000 images of 28x28: 6.3e9 bytes promised, a 64 MiB stream of zeros given.
        spec = folder + "/bomb-images-idx3-ubyte.gz";
        const QByteArray header = bigEndian32(0x00000803) + bigEndian32(8000000) + bigEndian32(28) + bigEndian32(28);
        writeBytes(spec, gzipWithZeros(header, qint64(64) << 20));
    } else if (kind == "trailing") {
        spec = folder + "/trailing-images-idx3-ubyte.gz";
        writeBytes(spec, gzipWithZeros(idxFile(0x00000803, {3, 2, 2}, 12), qint64(128) << 20));
    } else if (kind == "labels") {
        // The labels file says 10^8 labels (and holds them, deflated): its count is refused
        // before its 100 MB are inflated.
        spec = folder + "/c-images-idx3-ubyte";
        writeBytes(spec, idxFile(0x00000803, {3, 2, 2}, 12));
        writeBytes(folder + "/c-labels-idx1-ubyte.gz",
                   gzipWithZeros(bigEndian32(0x00000801) + bigEndian32(100000000), 100000000));
    } else if (kind == "bigimages") {
        spec = folder + "/big-images-idx3-ubyte";
        writeBytes(spec, idxFile(0x00000803, {1, 16384, 16384}, 16));
    } else if (kind == "fifo") {
        spec = folder + "/pipe.png";
        QVERIFY(::mkfifo(qPrintable(spec), 0600) == 0);
    }
    QElapsedTimer timer;
    timer.start();
    const auto error = captureError([&] { openDataset(toStd(spec)); });
    QVERIFY2(error.has_value(), "opening should have failed");
    const QString message = QString::fromStdString(error->what());
    QCOMPARE(error->kind(), ErrorKind::BadInput);
    QVERIFY2(message.contains(QString(spec).section('@', 0, 0)), qPrintable(message));
    QVERIFY2(message.contains(errorText), qPrintable(message));
    qInfo("%s: refused in %lld ms", qPrintable(kind), timer.elapsed());
}

void TestDataSource::idxPixels_data() {
    QTest::addColumn<QByteArray>("idx");  // holds 2 images; the second one is checked
    QTest::addColumn<int>("side");        // of the images, and of the spec: no resizing here
    QTest::addColumn<int>("channels");
    QTest::addColumn<QList<double>>("mean");
    QTest::addColumn<QList<double>>("std");
    QTest::addColumn<QList<double>>("expected");  // CHW
    QTest::addColumn<QString>("noteText");

    const QByteArray gray = bigEndian32(0x00000803) + bigEndian32(2) + bigEndian32(2) + bigEndian32(2) +
                            QByteArray::fromHex("01020304" "003366ff");
    // (v/255 - 0.5) / 0.25 for v = 0, 51, 102, 255 is -2, -1.2, -0.4, 2.
    QTest::newRow("gray normalised") << gray << 2 << 1 << QList<double>{0.5} << QList<double>{0.25}
                                     << QList<double>{-2.0, -1.2, -0.4, 2.0} << "";
    QTest::newRow("gray to three channels")
        << gray << 2 << 3 << QList<double>{0.0} << QList<double>{1.0}
        << QList<double>{0.0, 0.2, 0.4, 1.0, 0.0, 0.2, 0.4, 1.0, 0.0, 0.2, 0.4, 1.0} << "repeated over 3 channels";

    const QByteArray colour = bigEndian32(0x00000804) + bigEndian32(2) + bigEndian32(1) + bigEndian32(1) +
                              bigEndian32(3) + QByteArray::fromHex("000000" "c86432");  // RGB 200 100 50
    // 0.299*200/255 + 0.587*100/255 + 0.114*50/255 = 124.2/255 = 0.487059
    QTest::newRow("colour to gray by luma") << colour << 1 << 1 << QList<double>{0.0} << QList<double>{1.0}
                                            << QList<double>{124.2 / 255.0} << "converted to gray";
    // (200/255 - 0.5)/0.5, (100/255 - 0.4)/0.2, (50/255 - 0.3)/0.1
    QTest::newRow("colour per-channel mean and std")
        << colour << 1 << 3 << QList<double>{0.5, 0.4, 0.3} << QList<double>{0.5, 0.2, 0.1}
        << QList<double>{0.568627, -0.039216, -1.039216} << "";
}

void TestDataSource::idxPixels() {
    QFETCH(QByteArray, idx);
    QFETCH(int, side);
    QFETCH(int, channels);
    QFETCH(QList<double>, mean);
    QFETCH(QList<double>, std);
    QFETCH(QList<double>, expected);
    QFETCH(QString, noteText);

    const QString path = newFolder() + "/p-images-idx3-ubyte";
    writeBytes(path, idx);
    const auto dataset = openDataset(toStd(path));
    const InputSpec spec = makeSpec(channels, side, side, std::vector<float>(mean.begin(), mean.end()),
                                    std::vector<float>(std.begin(), std.end()));
    std::string note = "stale";
    const std::vector<float> values = loadImage(*dataset, 1, spec, &note);
    QCOMPARE(values.size(), std::size_t(expected.size()));
    for (int i = 0; i < expected.size(); ++i)
        QVERIFY2(std::abs(values[std::size_t(i)] - expected[i]) < kTolerance,
                 qPrintable(QString("value %1 is %2, expected %3")
                                .arg(i)
                                .arg(values[std::size_t(i)])
                                .arg(expected[i])));
    if (noteText.isEmpty())
        QVERIFY2(note.empty(), note.c_str());
    else
        QVERIFY2(QString::fromStdString(note).contains(noteText), note.c_str());
}

void TestDataSource::idxRangeReadsPrefix_data() {
    QTest::addColumn<bool>("gzip");
    QTest::addColumn<QString>("damage");  // "", "truncated", "extra"
    QTest::addColumn<QString>("suffix");  // the range spec after the path
    QTest::addColumn<QList<int>>("expectedImages");
    QTest::addColumn<QString>("errorText");
    for (const bool gzip : {false, true}) {
        const QString kind = gzip ? "gzip " : "plain ";
        QTest::newRow(qPrintable(kind + "prefix")) << gzip << "" << "@0-1" << QList<int>{0, 1} << "";
        QTest::newRow(qPrintable(kind + "middle")) << gzip << "" << "@2-4" << QList<int>{2, 3, 4} << "";
        QTest::newRow(qPrintable(kind + "nested")) << gzip << "" << "@2-5@1-2" << QList<int>{3, 4} << "";
        QTest::newRow(qPrintable(kind + "whole")) << gzip << "" << "@0-5" << QList<int>{0, 1, 2, 3, 4, 5} << "";
        QTest::newRow(qPrintable(kind + "truncated")) << gzip << "truncated" << "@0-1" << QList<int>{} << "truncated";
        QTest::newRow(qPrintable(kind + "extra bytes")) << gzip << "extra" << "@0-1" << QList<int>{} << "more bytes follow";
        QTest::newRow(qPrintable(kind + "past the end")) << gzip << "" << "@4-6" << QList<int>{} << "images 0-5";
    }
}

// A range reads only the images it needs, and the file is still checked against its header.
void TestDataSource::idxRangeReadsPrefix() {
    QFETCH(bool, gzip);
    QFETCH(QString, damage);
    QFETCH(QString, suffix);
    QFETCH(QList<int>, expectedImages);
    QFETCH(QString, errorText);
#ifndef NAC_WITH_ZLIB
    if (gzip)
        QSKIP("this build has no zlib, so gzip files cannot be read");
#endif
    // Six 3x3 images; pixel values count up (mod 251), so image i starts at 9 * i.
    QByteArray idx = idxFile(0x00000803, {6, 3, 3}, 6 * 9);
    if (damage == "truncated")
        idx.chop(12);
    else if (damage == "extra")
        idx += QByteArray(9, char(7));
    QByteArray bytes = gzip ? gzipped(idx) : idx;
    if (gzip && damage == "truncated")
        bytes = gzipped(idxFile(0x00000803, {6, 3, 3}, 6 * 9)).chopped(10);  // a cut-off download
    const QString path = newFolder() + "/r-images-idx3-ubyte" + (gzip ? ".gz" : "");
    writeBytes(path, bytes);

    std::unique_ptr<Dataset> dataset;
    const auto error = captureError([&] { dataset = openDataset(toStd(path + suffix)); });
    if (!errorText.isEmpty()) {
        QVERIFY2(error.has_value(), "opening should have failed");
        QVERIFY2(QString::fromStdString(error->what()).contains(errorText), error->what());
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    QCOMPARE(dataset->size(), std::size_t(expectedImages.size()));
    const InputSpec spec = makeSpec(1, 3, 3);
    for (int i = 0; i < expectedImages.size(); ++i) {
        const std::vector<float> values = loadImage(*dataset, std::size_t(i), spec);
        for (int p = 0; p < 9; ++p)
            QVERIFY(std::abs(values[std::size_t(p)] - float(9 * expectedImages[i] + p) / 255.0f) < kTolerance);
        QCOMPARE(QString::fromStdString(dataset->sourceName(std::size_t(i))),
                 QString("r-images-idx3-ubyte%1#%2").arg(gzip ? ".gz" : "").arg(expectedImages[i]));
    }
}

void TestDataSource::idxResize() {
    // Two constant 2x2 images (value 51) asked for at 4x4.
    const QString path = newFolder() + "/r-images-idx3-ubyte";
    writeBytes(path,
               bigEndian32(0x00000803) + bigEndian32(2) + bigEndian32(2) + bigEndian32(2) + QByteArray(8, char(51)));
    const auto dataset = openDataset(toStd(path));
    std::string note;
    std::vector<float> values;
    const auto error = captureError([&] { values = loadImage(*dataset, 1, makeSpec(1, 4, 4), &note); });
#ifdef NAC_WITH_OPENCV
    QVERIFY2(!error, error ? error->what() : "");
    QCOMPARE(QString::fromStdString(note), QString("resized from 2x2 to 4x4 pixels"));
    for (float value : values)
        QVERIFY2(std::abs(value - 0.2) < kTolerance, qPrintable(QString::number(value)));
#else
    QVERIFY2(error.has_value(), "without OpenCV a size mismatch must be refused");
    QVERIFY2(QString(error->what()).contains("r-images-idx3-ubyte#1 is 2x2 pixels but the model takes 4x4"),
             error->what());
#endif
}

// ---- image files -----------------------------------------------------------------------------------

void TestDataSource::imageConversion_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("imageSide");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("side");
    QTest::addColumn<QList<double>>("mean");
    QTest::addColumn<QList<double>>("std");
    QTest::addColumn<QList<double>>("expected");  // one value per channel; the images are constant
    QTest::addColumn<QString>("noteText");        // empty: no conversion; else the note or the error must hold it
    QTest::addColumn<bool>("fails");

    const QList<double> none{0.0};
    const QList<double> unit{1.0};
    const QList<double> rgb{200 / 255.0, 100 / 255.0, 50 / 255.0};
    QTest::newRow("colour keeps RGB order") << "rgb" << 4 << 3 << 4 << none << unit << rgb << "" << false;
    QTest::newRow("alpha dropped") << "rgba" << 4 << 3 << 4 << none << unit << rgb << "" << false;
    QTest::newRow("colour to gray") << "rgb" << 4 << 1 << 4 << none << unit << QList<double>{124.2 / 255.0}
                                    << "colour image converted to gray" << false;
    QTest::newRow("gray to colour") << "gray128" << 4 << 3 << 4 << none << unit
                                    << QList<double>{128 / 255.0, 128 / 255.0, 128 / 255.0}
                                    << "gray image repeated over 3 channels" << false;
    QTest::newRow("16-bit gray") << "gray16" << 4 << 1 << 4 << none << unit << QList<double>{40000 / 65535.0} << ""
                                 << false;
    QTest::newRow("shrink 32 to 28") << "gray100" << 32 << 1 << 28 << none << unit << QList<double>{100 / 255.0}
                                     << "resized from 32x32 to 28x28 pixels" << false;
    QTest::newRow("grow 2 to 4") << "gray100" << 2 << 1 << 4 << none << unit << QList<double>{100 / 255.0}
                                 << "resized from 2x2 to 4x4 pixels" << false;
    QTest::newRow("per-channel normalisation") << "rgb" << 4 << 3 << 4 << QList<double>{0.5, 0.4, 0.3}
                                               << QList<double>{0.5, 0.2, 0.1}
                                               << QList<double>{0.568627, -0.039216, -1.039216} << "" << false;
    // (200/255 - 0.5)/0.25, (100/255 - 0.5)/0.25, (50/255 - 0.5)/0.25
    QTest::newRow("one mean for all channels") << "rgb" << 4 << 3 << 4 << QList<double>{0.5} << QList<double>{0.25}
                                               << QList<double>{1.137255, -0.431373, -1.215686} << "" << false;

    QTest::newRow("mean of two for three channels") << "rgb" << 4 << 3 << 4 << QList<double>{0.5, 0.5} << unit
                                                    << QList<double>{} << "mean has 2 values" << true;
    QTest::newRow("std of zero") << "rgb" << 4 << 3 << 4 << none << QList<double>{0.0} << QList<double>{}
                                 << "every std must be a finite number other than zero" << true;
    QTest::newRow("colour for four channels") << "rgb" << 4 << 4 << 4 << none << unit << QList<double>{}
                                              << "has 3 channels and the model takes 4" << true;
}

void TestDataSource::imageConversion() {
#ifndef NAC_WITH_OPENCV
    QSKIP("this build has no OpenCV to write and read image files");
#else
    QFETCH(QString, kind);
    QFETCH(int, imageSide);
    QFETCH(int, channels);
    QFETCH(int, side);
    QFETCH(QList<double>, mean);
    QFETCH(QList<double>, std);
    QFETCH(QList<double>, expected);
    QFETCH(QString, noteText);
    QFETCH(bool, fails);

    const QString path = newFolder() + "/image.png";
    writeImage(path, makeImage(kind, imageSide, imageSide));
    const auto dataset = openImageFiles({toStd(path)});
    const InputSpec spec = makeSpec(channels, side, side, std::vector<float>(mean.begin(), mean.end()),
                                    std::vector<float>(std.begin(), std.end()));
    std::string note = "stale";
    std::vector<float> values;
    const auto error = captureError([&] { values = loadImage(*dataset, 0, spec, &note); });
    if (fails) {
        QVERIFY2(error.has_value(), "loading should have failed");
        QCOMPARE(error->kind(), ErrorKind::BadInput);
        QVERIFY2(QString(error->what()).contains(noteText), error->what());
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    const std::size_t planeSize = std::size_t(side) * std::size_t(side);
    for (int c = 0; c < channels; ++c) {
        for (std::size_t i = 0; i < planeSize; ++i) {
            const float value = values[std::size_t(c) * planeSize + i];
            QVERIFY2(std::abs(value - expected[c]) < kTolerance,
                     qPrintable(QString("channel %1 pixel %2 is %3, expected %4")
                                    .arg(c)
                                    .arg(i)
                                    .arg(value)
                                    .arg(expected[c])));
        }
    }
    if (noteText.isEmpty())
        QVERIFY2(note.empty(), note.c_str());
    else
        QVERIFY2(QString::fromStdString(note).contains(noteText), note.c_str());
#endif
}

void TestDataSource::shrinkUsesAreaAverage() {
#ifndef NAC_WITH_OPENCV
    QSKIP("this build has no OpenCV to write and read image files");
#else
    // A one-pixel checkerboard shrunk by 3: each output pixel averages a 3x3 block holding five
    // pixels of its top-left colour, so 4/9 or 5/9. Bilinear sampling would give 0 or 1 instead.
    const QString path = newFolder() + "/checkerboard.png";
    writeImage(path, makeImage("checkerboard", 84, 84));
    const auto dataset = openImageFiles({toStd(path)});
    const std::vector<float> values = loadImage(*dataset, 0, makeSpec(1, 28, 28));
    for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
            const double expected = (x + y) % 2 ? 5.0 / 9.0 : 4.0 / 9.0;
            QVERIFY2(std::abs(values[std::size_t(y * 28 + x)] - expected) < kTolerance,
                     qPrintable(QString("pixel %1,%2 is %3").arg(x).arg(y).arg(values[std::size_t(y * 28 + x)])));
        }
    }
#endif
}

void TestDataSource::imageErrors_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("bytes");  // empty with writeFile false: the file is missing
    QTest::addColumn<bool>("writeFile");
    QTest::addColumn<QString>("errorText");
    QTest::addColumn<bool>("decoderFinds");  // the header passes; only OpenCV can tell the file is bad
    const QString notReadable = "is not a readable image (PNG, JPEG, BMP or WebP)";

    QByteArray randomBytes(4096, '\0');
    std::mt19937 generator(7);
    for (char& byte : randomBytes)
        byte = char(generator() & 0xff);
    QTest::newRow("random bytes named png") << "corrupt.png" << randomBytes << true << notReadable << false;
    QTest::newRow("text named jpg") << "letter.jpg" << QByteArray("Dear reader,\nthis is not a photo.\n") << true
                                    << notReadable << false;
    QTest::newRow("empty file") << "empty.png" << QByteArray() << true << notReadable << false;
    QTest::newRow("png header, no pixel data") << "cut.png" << pngHeader(8, 8) << true << notReadable << true;
    QTest::newRow("png of zero width") << "zero.png" << pngHeader(0, 8) << true << notReadable << false;
    QTest::newRow("missing file") << "gone.png" << QByteArray() << false << "gone.png does not exist" << false;
    QTest::newRow("png of 400 megapixels")
        << "photo.png" << pngHeader(20000, 20000) << true
        << "photo.png is 20000x20000 pixels (400 megapixels); the limit is 50 megapixels" << false;
    QTest::newRow("jpeg of 60 megapixels") << "photo.jpg" << jpegHeader(10000, 6000) << true
                                           << "photo.jpg is 10000x6000 pixels (60 megapixels)" << false;
    QTest::newRow("bmp of 72 megapixels, top-down") << "photo.bmp" << bmpHeader(9000, -8000) << true
                                                    << "photo.bmp is 9000x8000 pixels (72 megapixels)" << false;
    QTest::newRow("webp VP8X of 268 megapixels")
        << "photo.webp"
        << webpHeader("VP8X", QByteArray::fromHex("00000000") + littleEndian(16383, 3) + littleEndian(16383, 3))
        << true << "photo.webp is 16384x16384 pixels (268.44 megapixels)" << false;
    QTest::newRow("webp VP8L of 100 megapixels")
        << "lossless.webp" << webpHeader("VP8L", QByteArray::fromHex("2f") + littleEndian(9999 | 9999u << 14, 4))
        << true << "lossless.webp is 10000x10000 pixels (100 megapixels)" << false;
    QTest::newRow("webp VP8 of 100 megapixels")
        << "lossy.webp"
        << webpHeader("VP8 ", QByteArray::fromHex("0000009d012a") + littleEndian(10000, 2) + littleEndian(10000, 2))
        << true << "lossy.webp is 10000x10000 pixels (100 megapixels)" << false;
    QTest::newRow("just above the limit") << "edge.png" << pngHeader(10000, 5001) << true
                                          << "edge.png is 10000x5001 pixels (50.01 megapixels)" << false;
}

void TestDataSource::imageErrors() {
    QFETCH(QString, fileName);
    QFETCH(QByteArray, bytes);
    QFETCH(bool, writeFile);
    QFETCH(QString, errorText);
    QFETCH(bool, decoderFinds);
#ifndef NAC_WITH_OPENCV
    if (decoderFinds)
        QSKIP("this build has no OpenCV to decode image files");
#else
    Q_UNUSED(decoderFinds);
#endif

    const QString folder = newFolder();
    const QString path = folder + "/" + fileName;
    if (writeFile)
        writeBytes(path, bytes);
    const auto dataset = openImageFiles({toStd(path)});
    QCOMPARE(dataset->size(), std::size_t(1));
    const auto error = captureError([&] { loadImage(*dataset, 0, makeSpec(1, 8, 8)); });
    QVERIFY2(error.has_value(), "loading should have failed");
    QCOMPARE(error->kind(), ErrorKind::BadInput);
    QVERIFY2(QString(error->what()).contains(errorText), error->what());
    QVERIFY2(QString(error->what()).contains(path), error->what());
}

void TestDataSource::imageHeaderOfRealFiles_data() {
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<int>("quality");  // WebP: 101 is lossless (VP8L), below that lossy (VP8)
    QTest::addColumn<int>("format");
    QTest::newRow("png") << "real.png" << 0 << int(ImageFormat::Png);
    QTest::newRow("jpeg") << "real.jpg" << 0 << int(ImageFormat::Jpeg);
    QTest::newRow("bmp") << "real.bmp" << 0 << int(ImageFormat::Bmp);
    QTest::newRow("webp lossy") << "lossy.webp" << 80 << int(ImageFormat::WebP);
    QTest::newRow("webp lossless") << "lossless.webp" << 101 << int(ImageFormat::WebP);
}

void TestDataSource::imageHeaderOfRealFiles() {
#ifndef NAC_WITH_OPENCV
    QSKIP("this build has no OpenCV to write image files");
#else
    QFETCH(QString, fileName);
    QFETCH(int, quality);
    QFETCH(int, format);
    if (fileName.endsWith(".webp") && !cv::haveImageWriter(toStd(fileName)))
        QSKIP("this OpenCV cannot write WebP");

    // Odd sizes, so swapped or off-by-one fields show.
    const QString path = newFolder() + "/" + fileName;
    std::vector<int> parameters;
    if (quality > 0)
        parameters = {cv::IMWRITE_WEBP_QUALITY, quality};
    writeImage(path, makeImage("rgb", 37, 23), parameters);
    const auto header = readImageHeader(toStd(path));
    QVERIFY(header.has_value());
    QCOMPARE(int(header->format), format);
    QCOMPARE(header->width, 37u);
    QCOMPARE(header->height, 23u);

    // And it decodes: a constant colour survives every format within a few grey levels.
    const auto dataset = openImageFiles({toStd(path)});
    std::string note;
    const std::vector<float> values = loadImage(*dataset, 0, makeSpec(3, 23, 37), &note);
    QVERIFY2(note.empty(), note.c_str());
    QVERIFY2(std::abs(values.front() - 200 / 255.0) < 0.03, qPrintable(QString::number(values.front())));
    QVERIFY2(std::abs(values.back() - 50 / 255.0) < 0.03, qPrintable(QString::number(values.back())));
#endif
}

// ---- folders and dispatch --------------------------------------------------------------------------

void TestDataSource::imageFolder_data() {
    QTest::addColumn<QStringList>("files");  // relative paths; .png files get a real image, others text
    QTest::addColumn<QStringList>("folders");  // extra empty folders
    QTest::addColumn<QStringList>("expectedOrder");  // empty: opening must fail
    QTest::addColumn<QList<int>>("expectedLabels");
    QTest::addColumn<QStringList>("expectedClasses");

    QTest::newRow("two classes, root images, ignored files")
        << QStringList{"dog/d2.png", "dog/d1.png", "cat/c1.png", "cat/deeper/c9.png", "cat/notes.txt",
                       ".thumbnails/t.png", "root.png", "Z.PNG", "readme.txt", "image.png.txt"}
        << QStringList{"emu"}
        << QStringList{"Z.PNG", "cat/c1.png", "dog/d1.png", "dog/d2.png", "root.png"}
        << QList<int>{-1, 0, 1, 1, -1} << QStringList{"cat", "dog", "emu"};
    QTest::newRow("only root images") << QStringList{"b.bmp", "a.jpeg"} << QStringList{}
                                      << QStringList{"a.jpeg", "b.bmp"} << QList<int>{-1, -1} << QStringList{};
    QTest::newRow("empty folder") << QStringList{} << QStringList{} << QStringList{} << QList<int>{}
                                  << QStringList{};
    QTest::newRow("no accepted extension") << QStringList{"a.txt", "b.tiff", "c.gif"} << QStringList{"empty"}
                                           << QStringList{} << QList<int>{} << QStringList{};
    QTest::newRow("images only two levels down") << QStringList{"cls/sub/a.png"} << QStringList{} << QStringList{}
                                                 << QList<int>{} << QStringList{};
}

void TestDataSource::imageFolder() {
    QFETCH(QStringList, files);
    QFETCH(QStringList, folders);
    QFETCH(QStringList, expectedOrder);
    QFETCH(QList<int>, expectedLabels);
    QFETCH(QStringList, expectedClasses);

    const QString root = newFolder();
    for (const QString& folder : folders)
        QDir(root).mkpath(folder);
    for (const QString& file : files) {
        const QString path = root + "/" + file;
        QDir().mkpath(QFileInfo(path).path());
        // Listing needs no decoding, so the bytes only have to be an image where one is loaded.
        writeBytes(path, file.endsWith("png", Qt::CaseInsensitive) ? pngHeader(2, 2) : QByteArray("text"));
    }

    std::unique_ptr<Dataset> dataset;
    const auto error = captureError([&] { dataset = openDataset(toStd(root)); });
    if (expectedOrder.isEmpty()) {
        QVERIFY2(error.has_value(), "opening should have failed");
        QCOMPARE(error->kind(), ErrorKind::BadInput);
        QVERIFY2(QString(error->what()).contains(root), error->what());
        QVERIFY2(QString(error->what()).contains("png, jpg, jpeg, bmp, webp"), error->what());
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    QCOMPARE(dataset->size(), std::size_t(expectedOrder.size()));
    for (int i = 0; i < expectedOrder.size(); ++i) {
        QCOMPARE(QString::fromStdString(dataset->sourceName(std::size_t(i))), root + "/" + expectedOrder[i]);
        QCOMPARE(dataset->label(std::size_t(i)), expectedLabels[i]);
    }
    QStringList classes;
    for (const std::string& name : dataset->classNames())
        classes << QString::fromStdString(name);
    QCOMPARE(classes, expectedClasses);
    QVERIFY2(QString::fromStdString(dataset->description()).startsWith("folder:" + root),
             dataset->description().c_str());
}

void TestDataSource::openDatasetDispatch_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("descriptionStart");  // empty: opening must fail
    QTest::addColumn<QString>("errorText");

    QTest::newRow("noise spec") << "noise" << "noise:gaussian:4:seed=1 (4 images)" << "";
    QTest::newRow("folder") << "folder" << "folder:" << "";
    QTest::newRow("single image") << "image" << "image:" << "";
    QTest::newRow("idx file") << "idx" << "idx:" << "";
    QTest::newRow("missing path") << "missing" << "" << "does not exist";
    QTest::newRow("empty spec") << "empty" << "" << "no data set was given";
    QTest::newRow("text file") << "text" << "" << "neither an IDX images file";
}

void TestDataSource::openDatasetDispatch() {
    QFETCH(QString, kind);
    QFETCH(QString, descriptionStart);
    QFETCH(QString, errorText);

    const QString folder = newFolder();
    QString spec;
    if (kind == "noise") {
        spec = "noise:gaussian:4";
    } else if (kind == "folder") {
        spec = folder;
        writeBytes(folder + "/a.png", pngHeader(2, 2));
    } else if (kind == "image") {
        spec = folder + "/a.png";
        writeBytes(spec, pngHeader(2, 2));
    } else if (kind == "idx") {
        spec = folder + "/x-images-idx3-ubyte";
        writeBytes(spec, idxFile(0x00000803, {1, 2, 2}, 4));
    } else if (kind == "missing") {
        spec = folder + "/nothing-here";
    } else if (kind == "text") {
        spec = folder + "/notes.md";
        writeBytes(spec, "# notes\n");
    }

    std::unique_ptr<Dataset> dataset;
    const auto error = captureError([&] { dataset = openDataset(toStd(spec)); });
    if (descriptionStart.isEmpty()) {
        QVERIFY2(error.has_value(), "opening should have failed");
        QCOMPARE(error->kind(), ErrorKind::BadInput);
        QVERIFY2(QString(error->what()).contains(errorText), error->what());
        QVERIFY2(QString(error->what()).contains(spec), error->what());
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    QVERIFY2(QString::fromStdString(dataset->description()).startsWith(descriptionStart),
             dataset->description().c_str());
}

void TestDataSource::imageFilesAreCheckedOnLoad() {
    QVERIFY(captureError([] { openImageFiles({}); }).has_value());
#ifndef NAC_WITH_OPENCV
    QSKIP("this build has no OpenCV to write and read image files");
#else
    const QString folder = newFolder();
    writeImage(folder + "/good.png", makeImage("gray128", 3, 3));
    writeBytes(folder + "/bad.png", QByteArray("not a png"));
    const auto dataset = openImageFiles({toStd(folder + "/good.png"), toStd(folder + "/bad.png"),
                                         toStd(folder + "/gone.png")});
    QCOMPARE(dataset->size(), std::size_t(3));
    QCOMPARE(dataset->label(2), -1);
    QCOMPARE(QString::fromStdString(dataset->sourceName(2)), folder + "/gone.png");
    const InputSpec spec = makeSpec(1, 3, 3);
    QVERIFY(!captureError([&] { loadImage(*dataset, 0, spec); }));
    const auto bad = captureError([&] { loadImage(*dataset, 1, spec); });
    QVERIFY(bad && QString(bad->what()).contains("bad.png"));
    const auto gone = captureError([&] { loadImage(*dataset, 2, spec); });
    QVERIFY(gone && QString(gone->what()).contains("gone.png does not exist"));
    // The good file still loads after the failures.
    QCOMPARE(loadImage(*dataset, 0, spec).front(), 128 / 255.0f);
#endif
}

// ---- noise -----------------------------------------------------------------------------------------

void TestDataSource::noiseSpec_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("expectedCount");  // -1: the spec must be refused
    QTest::addColumn<QString>("expectedDescription");  // or the error text

    QTest::newRow("gaussian") << "noise:gaussian:5" << 5 << "noise:gaussian:5:seed=1 (5 images)";
    QTest::newRow("uniform with seed") << "noise:uniform:3:seed=7" << 3 << "noise:uniform:3:seed=7 (3 images)";
    QTest::newRow("largest count") << "noise:gaussian:10000000" << 10000000
                                   << "noise:gaussian:10000000:seed=1 (10000000 images)";
    QTest::newRow("zero images") << "noise:gaussian:0" << -1 << "give a whole number from 1 to 10000000";
    QTest::newRow("count not a number") << "noise:gaussian:abc" << -1 << "image count 'abc'";
    QTest::newRow("negative count") << "noise:gaussian:-5" << -1 << "image count '-5'";
    QTest::newRow("count too large") << "noise:gaussian:10000001" << -1 << "image count '10000001'";
    QTest::newRow("unknown kind") << "noise:pink:5" << -1 << "unknown kind 'pink'";
    QTest::newRow("count missing") << "noise:gaussian" << -1 << "is not understood";
    QTest::newRow("bad seed") << "noise:gaussian:5:seed=x" << -1 << "give seed=S";
    QTest::newRow("seed too large") << "noise:gaussian:5:seed=4294967296" << -1 << "give seed=S";
    QTest::newRow("unknown option") << "noise:gaussian:5:size=3" << -1 << "ends in 'size=3'";
    QTest::newRow("too many parts") << "noise:gaussian:5:seed=1:x" << -1 << "is not understood";
}

void TestDataSource::noiseSpec() {
    QFETCH(QString, spec);
    QFETCH(int, expectedCount);
    QFETCH(QString, expectedDescription);

    std::unique_ptr<Dataset> dataset;
    const auto error = captureError([&] { dataset = openDataset(toStd(spec)); });
    if (expectedCount < 0) {
        QVERIFY2(error.has_value(), "the spec should have been refused");
        QCOMPARE(error->kind(), ErrorKind::BadInput);
        QVERIFY2(QString(error->what()).contains(spec), error->what());
        QVERIFY2(QString(error->what()).contains(expectedDescription), error->what());
        return;
    }
    QVERIFY2(!error, error ? error->what() : "");
    QCOMPARE(dataset->size(), std::size_t(expectedCount));
    QCOMPARE(QString::fromStdString(dataset->description()), expectedDescription);
    QCOMPARE(dataset->label(0), -1);
}

void TestDataSource::noiseIsDeterministic() {
    const InputSpec spec = makeSpec(3, 8, 8, {0.5f}, {0.25f});
    const auto first = openDataset("noise:gaussian:10:seed=3");
    const auto second = openDataset("noise:gaussian:10:seed=3");
    const auto otherSeed = openDataset("noise:gaussian:10:seed=4");

    // Image 7 is the same whether it is loaded first or after others.
    const std::vector<float> direct = loadImage(*first, 7, spec);
    for (std::size_t index = 0; index < 7; ++index)
        loadImage(*second, index, spec);
    QCOMPARE(loadImage(*second, 7, spec), direct);
    QCOMPARE(loadImage(*first, 7, spec), direct);
    QVERIFY(loadImage(*first, 6, spec) != direct);
    QVERIFY(loadImage(*otherSeed, 7, spec) != direct);
    QVERIFY(loadImage(*openDataset("noise:uniform:10:seed=3"), 7, spec) != direct);
    QCOMPARE(QString::fromStdString(first->sourceName(7)), QString("noise:gaussian#7"));
    QCOMPARE(first->label(7), -1);
}

void TestDataSource::noiseValueRange_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<double>("expectedMean");
    QTest::addColumn<double>("expectedStdDev");  // clipping at 0 and 1 trims the Gaussian's 0.25 a little

    QTest::newRow("gaussian") << "noise:gaussian:2" << 0.5 << 0.24;
    QTest::newRow("uniform") << "noise:uniform:2" << 0.5 << std::sqrt(1.0 / 12.0);
}

void TestDataSource::noiseValueRange() {
    QFETCH(QString, spec);
    QFETCH(double, expectedMean);
    QFETCH(double, expectedStdDev);
    // 3x64x64 = 12288 values: the sample mean is within 0.01 of the true one with near certainty.
    constexpr double kStatisticsTolerance = 0.01;

    const auto dataset = openDataset(toStd(spec));
    const std::vector<float> values = loadImage(*dataset, 1, makeSpec(3, 64, 64));  // mean 0, std 1: raw pixels
    double sum = 0.0;
    double sumOfSquares = 0.0;
    for (float value : values) {
        QVERIFY2(value >= 0.0f && value <= 1.0f, qPrintable(QString::number(value)));
        sum += value;
        sumOfSquares += double(value) * value;
    }
    const double mean = sum / double(values.size());
    const double stdDev = std::sqrt(sumOfSquares / double(values.size()) - mean * mean);
    QVERIFY2(std::abs(mean - expectedMean) < kStatisticsTolerance, qPrintable(QString::number(mean)));
    QVERIFY2(std::abs(stdDev - expectedStdDev) < kStatisticsTolerance, qPrintable(QString::number(stdDev)));
}

// ---- class-balanced subset -------------------------------------------------------------------------

void TestDataSource::subset_data() {
    QTest::addColumn<QList<int>>("labels");
    QTest::addColumn<int>("count");
    QTest::addColumn<uint>("seed");
    QTest::addColumn<QList<int>>("exclude");
    QTest::addColumn<QList<int>>("expected");  // exact result, or empty to check only perClass
    QTest::addColumn<QList<int>>("perClass");  // expected count of label 0, 1, ...

    QList<int> twoBlocks;
    for (int i = 0; i < 20; ++i)
        twoBlocks << i / 10;
    // numpy 1.24: np.random.RandomState(1).shuffle(np.arange(10)) gives 2 9 6 4 0 3 1 7 8 5.
    QTest::newRow("matches numpy RandomState shuffle")
        << twoBlocks << 18 << 1u << QList<int>{}
        << QList<int>{2, 9, 6, 4, 0, 3, 1, 7, 8, 12, 19, 16, 14, 10, 13, 11, 17, 18} << QList<int>{9, 9};

    QList<int> threeInterleaved;
    for (int i = 0; i < 30; ++i)
        threeInterleaved << i % 3;
    QTest::newRow("floor of count over classes") << threeInterleaved << 10 << 1u << QList<int>{} << QList<int>{}
                                                 << QList<int>{3, 3, 3};
    QTest::newRow("count below class count") << threeInterleaved << 2 << 1u << QList<int>{} << QList<int>{}
                                             << QList<int>{0, 0, 0};

    QList<int> alternating;
    for (int i = 0; i < 20; ++i)
        alternating << i % 2;
    QTest::newRow("excluded indices never chosen") << alternating << 8 << 5u << QList<int>{0, 2, 4, 6, 8, 99}
                                                   << QList<int>{} << QList<int>{4, 4};
    QTest::newRow("small class gives what it has") << QList<int>{0, 0, 1, 1, 1, 1, 1, 1, 1, 1} << 8 << 1u
                                                   << QList<int>{} << QList<int>{} << QList<int>{2, 4};
    QTest::newRow("unlabelled skipped beside labelled") << QList<int>{0, 0, 0, -1, 1, 1, 1, -1} << 4 << 1u
                                                        << QList<int>{} << QList<int>{} << QList<int>{2, 2};

    QList<int> unlabelled(20, -1);
    // numpy 1.24: sorted(RandomState(1).permutation-by-shuffle of arange(20))[:5] = 2 3 6 10 16.
    QTest::newRow("no labels: seeded shuffle, ascending")
        << unlabelled << 5 << 1u << QList<int>{} << QList<int>{2, 3, 6, 10, 16} << QList<int>{};
    QTest::newRow("count equals size") << QList<int>{0, 1, 0, 1, 2} << 5 << 1u << QList<int>{}
                                       << QList<int>{0, 1, 2, 3, 4} << QList<int>{};
    QTest::newRow("count above size after exclusion") << QList<int>{0, 1, 0, 1, 2, 2} << 4 << 1u << QList<int>{1, 3}
                                                      << QList<int>{0, 2, 4, 5} << QList<int>{};
    QTest::newRow("empty data set") << QList<int>{} << 10 << 1u << QList<int>{} << QList<int>{} << QList<int>{};
}

void TestDataSource::subset() {
    QFETCH(QList<int>, labels);
    QFETCH(int, count);
    QFETCH(uint, seed);
    QFETCH(QList<int>, exclude);
    QFETCH(QList<int>, expected);
    QFETCH(QList<int>, perClass);

    const FakeDataset dataset(labels);
    const std::vector<std::size_t> excluded(exclude.begin(), exclude.end());
    const std::vector<std::size_t> chosen = classBalancedSubset(dataset, std::size_t(count), seed, excluded);

    if (!expected.isEmpty() || perClass.isEmpty())
        QCOMPARE(chosen, std::vector<std::size_t>(expected.begin(), expected.end()));

    std::vector<std::size_t> unique = chosen;
    std::sort(unique.begin(), unique.end());
    QVERIFY2(std::adjacent_find(unique.begin(), unique.end()) == unique.end(), "an index was chosen twice");
    for (std::size_t index : chosen) {
        QVERIFY(index < dataset.size());
        QVERIFY2(!exclude.contains(int(index)), qPrintable(QString("excluded index %1 was chosen").arg(index)));
    }
    if (!perClass.isEmpty()) {
        QList<int> counts(perClass.size(), 0);
        int previousLabel = -1;
        for (std::size_t index : chosen) {
            const int label = dataset.label(index);
            QVERIFY2(label >= 0, "an unlabelled image was chosen beside labelled ones");
            QVERIFY2(label >= previousLabel, "the result is not grouped by ascending class");
            previousLabel = label;
            ++counts[label];
        }
        QCOMPARE(counts, perClass);
    }
}

void TestDataSource::subsetIsDeterministic() {
    QList<int> labels;
    for (int i = 0; i < 300; ++i)
        labels << i % 3;
    const FakeDataset dataset(labels);
    const auto first = classBalancedSubset(dataset, 30, 1);
    QCOMPARE(classBalancedSubset(dataset, 30, 1), first);
    QVERIFY(classBalancedSubset(dataset, 30, 2) != first);
}

// ---- the real data ---------------------------------------------------------------------------------

void TestDataSource::fashionMnist() {
    if (!QFileInfo::exists(kFashionMnistImages))
        QSKIP("Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist");
#ifndef NAC_WITH_ZLIB
    QSKIP("this build has no zlib to read the .gz file");
#endif
    const auto dataset = openDataset(kFashionMnistImages);
    QCOMPARE(dataset->size(), std::size_t(60000));
    QCOMPARE(dataset->label(0), 9);  // Ankle boot
    QCOMPARE(dataset->label(1), 0);  // T-shirt/top
    QCOMPARE(dataset->label(59999), 5);
    QCOMPARE(QString::fromStdString(dataset->sourceName(3)), QString("train-images-idx3-ubyte.gz#3"));

    // The first image's pixels add up to 76247 (of 255 each), its brightest is 255.
    std::string note = "stale";
    const std::vector<float> values = loadImage(*dataset, 0, makeSpec(1, 28, 28), &note);
    QVERIFY2(note.empty(), note.c_str());
    double sum = 0.0;
    for (float value : values)
        sum += value;
    QVERIFY2(std::abs(sum - 76247.0 / 255.0) < 1e-3, qPrintable(QString::number(sum, 'f', 6)));
    QCOMPARE(*std::max_element(values.begin(), values.end()), 1.0f);
}

QTEST_APPLESS_MAIN(TestDataSource)
#include "tst_data_source.moc"
