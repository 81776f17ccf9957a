// Image codecs, image operations, the declared preprocessing pipeline and the demo datasets.
#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <clocale>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/data/image_codec.h"
#include "core/data/image_ops.h"
#include "core/demo/demo_datasets.h"
#include "test_support.h"

using namespace wb::data;
namespace fs = std::filesystem;

namespace {

// A smooth gradient with some texture: compresses like a photo, not like noise.
Image testImage(int w, int h, int c) {
  Image image = Image::zeros(w, h, c);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int ch = 0; ch < c; ++ch) {
        const double v = 128 + 60 * std::sin(0.11 * x + 0.7 * ch) + 50 * std::cos(0.07 * y);
        image.row(y)[x * c + ch] = std::uint8_t(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return image;
}

Image fromValues(int w, int h, int c, std::vector<int> values) {
  Image image = Image::zeros(w, h, c);
  for (std::size_t i = 0; i < values.size(); ++i) image.pixels[i] = std::uint8_t(values[i]);
  return image;
}

double meanAbsError(const Image& a, const Image& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / double(a.pixels.size());
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

QByteArray fileHash(const fs::path& path) {
  const std::string bytes = readFile(path);
  return QCryptographicHash::hash(QByteArrayView(bytes.data(), qsizetype(bytes.size())),
                                  QCryptographicHash::Sha256);
}

std::size_t countFiles(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

QString qs(const std::string& text) { return QString::fromStdString(text); }

// ---- hand-made PNGs: every colour type and depth, independent of our encoder ----

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xffffffffu;
}

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string pngChunk(const std::string& type, const std::string& data) {
  return be32(std::uint32_t(data.size())) + type + data + be32(crc32(type + data));
}

// `rows`: the scanlines without filter bytes (filter 0 is added). Stored deflate blocks.
std::string makePng(int w, int h, int bit_depth, int color_type,
                    const std::vector<std::string>& rows, const std::string& plte = {}) {
  std::string raw;
  for (const auto& row : rows) raw += '\0' + row;
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  const auto len = std::uint16_t(raw.size());
  std::string zlib = "\x78\x01";
  zlib += '\x01';  // final stored block
  zlib += {char(len & 0xff), char(len >> 8), char(~len & 0xff), char((~len >> 8) & 0xff)};
  zlib += raw + be32((b << 16) | a);
  const std::string ihdr = be32(std::uint32_t(w)) + be32(std::uint32_t(h)) +
                           std::string{char(bit_depth), char(color_type), 0, 0, 0};
  std::string png = "\x89PNG\r\n\x1a\n" + pngChunk("IHDR", ihdr);
  if (!plte.empty()) png += pngChunk("PLTE", plte);
  return png + pngChunk("IDAT", zlib) + pngChunk("IEND", {});
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += char(v);
  return out;
}

// Minimal RFC 4180 reader for the check of headlines.csv.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

}  // namespace

class TestImages : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  // ---- codecs ----
  void pngRoundTripIsExact_data();
  void pngRoundTripIsExact();
  void jpegRoundTripIsClose_data();
  void jpegRoundTripIsClose();
  void probeReportsSizeAndChannels();
  void decodeConvertsChannels();
  void cmykJpegDecodesToRgb();
  void jpegTrailingJunkIsTolerated();
  void badInputIsAnError_data();
  void badInputIsAnError();
  void pngColourTypesDecode_data();
  void pngColourTypesDecode();
  void pngCrcMismatchIsAnError();
  void decodingIsThreadSafe();
  void absurdSizeIsRejected();
  void thumbnailFitsAndKeepsAspect_data();
  void thumbnailFitsAndKeepsAspect();
  void readImageFileNamesThePath();
  // ---- operations ----
  void flipHorizontalMirrorsRows();
  void cropPadsOutsideWithZeros();
  void rotateQuarterTurnsArePermutations();
  void resizeKeepsConstantsAndAverages();
  void grayscaleUsesBt601();
  // ---- pipeline ----
  void pipelineRejectsBadSpecs_data();
  void pipelineRejectsBadSpecs();
  void pipelineOutputShape();
  void pipelineNormalizeIsExact();
  void pipelineEvalIsDeterministic();
  void pipelineTrainIsSeededAndRandom();
  void pipelineCropFlipMatchesReference();
  void pipelineJsonRoundTrip();
  void pipelineNeedsFitAndStats();
  void pipelineFitsMismatchedShapes();
  void fittedNormalizeIgnoresLocale();
  // ---- demo data ----
  void demoDatasetsAreDeterministicAndComplete();
  void demoHeadlinesIgnoreLocale();
};

void TestImages::initTestCase() {
  // The suite runs under a comma-decimal C locale, as the GUI does under LC_ALL=de_DE.UTF-8.
  QVERIFY2(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr,
           "de_DE.UTF-8 is not installed (packaging/install-deps.sh generates it)");
}

// Bug: the fitted mean/std went through to_chars then strtod, which under de_DE stops at the
// '.': a fitted normalize became mean 0, std 0 (and the spec saved them).
void TestImages::fittedNormalizeIgnoresLocale() {
  auto p = ImagePipeline::fromJson(nlohmann::json::parse(R"([{"name":"normalize"}])"));
  WB_VERIFY_OK(p);
  p->setNormalization({0.485f, 0.456f}, {0.229f, 0.224f});
  const auto spec = p->toJson();
  const auto& step = spec.back();
  QCOMPARE(step["mean"][0].get<double>(), 0.485);
  QCOMPARE(step["mean"][1].get<double>(), 0.456);
  QCOMPARE(step["std"][0].get<double>(), 0.229);
  QCOMPARE(step["std"][1].get<double>(), 0.224);
}

// Bug: "{d}" in a headline was printf("%.1f"), so the demo's text ("Inflation eases to 4,5%")
// and its hash depended on the process locale.
void TestImages::demoHeadlinesIgnoreLocale() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const fs::path c_dir = fs::path(tmp.path().toStdString()) / "c";
  const fs::path de_dir = fs::path(tmp.path().toStdString()) / "de";
  wb::demo::DemoDataOptions options;
  options.digits_per_class = 1;
  options.shapes_per_class = 1;
  options.headlines = 300;
  QVERIFY(std::setlocale(LC_ALL, "C") != nullptr);
  const auto in_c = wb::demo::writeDemoDatasets(c_dir, options);
  QVERIFY(std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr);
  WB_VERIFY_OK(in_c);
  WB_VERIFY_OK(wb::demo::writeDemoDatasets(de_dir, options));
  const std::string text = readFile(c_dir / "headlines.csv");
  QVERIFY(text.find("Inflation eases to ") != std::string::npos);  // a "{d}" template is used
  QCOMPARE(readFile(de_dir / "headlines.csv"), text);
}

// ---- codecs ----

void TestImages::pngRoundTripIsExact_data() {
  QTest::addColumn<int>("channels");
  QTest::newRow("gray") << 1;
  QTest::newRow("rgb") << 3;
}

void TestImages::pngRoundTripIsExact() {
  QFETCH(int, channels);
  const Image image = testImage(37, 23, channels);
  auto png = encodePng(image);
  WB_VERIFY_OK(png);
  QVERIFY(sniffImageFormat(png->data(), png->size()) == ImageFormat::Png);
  auto decoded = decodeImage(png->data(), png->size());
  WB_VERIFY_OK(decoded);
  QCOMPARE(decoded->width, 37);
  QCOMPARE(decoded->height, 23);
  QCOMPARE(decoded->channels, channels);
  QVERIFY(decoded->pixels == image.pixels);
}

void TestImages::jpegRoundTripIsClose_data() {
  QTest::addColumn<int>("channels");
  QTest::newRow("gray") << 1;
  QTest::newRow("rgb") << 3;
}

void TestImages::jpegRoundTripIsClose() {
  QFETCH(int, channels);
  const Image image = testImage(64, 48, channels);
  auto jpeg = encodeJpeg(image, 95);
  WB_VERIFY_OK(jpeg);
  QVERIFY(sniffImageFormat(jpeg->data(), jpeg->size()) == ImageFormat::Jpeg);
  auto decoded = decodeImage(jpeg->data(), jpeg->size());
  WB_VERIFY_OK(decoded);
  QCOMPARE(decoded->width, 64);
  QCOMPARE(decoded->height, 48);
  QCOMPARE(decoded->channels, channels);
  const double mae = meanAbsError(image, *decoded);
  QVERIFY2(mae < 2.5, qPrintable(QStringLiteral("mean abs error %1").arg(mae)));
}

void TestImages::probeReportsSizeAndChannels() {
  auto png = encodePng(testImage(17, 9, 1));
  auto jpeg = encodeJpeg(testImage(33, 21, 3));
  WB_VERIFY_OK(png);
  WB_VERIFY_OK(jpeg);
  auto p = probeImage(png->data(), png->size());
  WB_VERIFY_OK(p);
  QVERIFY(p->format == ImageFormat::Png);
  QCOMPARE(p->width, 17);
  QCOMPARE(p->height, 9);
  QCOMPARE(p->channels, 1);
  auto j = probeImage(jpeg->data(), jpeg->size());
  WB_VERIFY_OK(j);
  QVERIFY(j->format == ImageFormat::Jpeg);
  QCOMPARE(j->width, 33);
  QCOMPARE(j->height, 21);
  QCOMPARE(j->channels, 3);
  // Probing needs the header only: cut just after the start-of-scan marker.
  const std::size_t sos = jpeg->find("\xff\xda");
  QVERIFY(sos != std::string::npos);
  auto head = probeImage(jpeg->data(), sos + 16);
  WB_VERIFY_OK(head);
  QCOMPARE(head->width, 33);
}

void TestImages::decodeConvertsChannels() {
  const Image rgb = testImage(20, 10, 3);
  auto png = encodePng(rgb);
  WB_VERIFY_OK(png);
  auto gray = decodeImage(png->data(), png->size(), 1);
  WB_VERIFY_OK(gray);
  QCOMPARE(gray->channels, 1);
  QVERIFY(gray->pixels == toGrayscale(rgb).pixels);
  auto gray_png = encodePng(toGrayscale(rgb));
  WB_VERIFY_OK(gray_png);
  auto as_rgb = decodeImage(gray_png->data(), gray_png->size(), 3);
  WB_VERIFY_OK(as_rgb);
  QCOMPARE(as_rgb->channels, 3);
  QVERIFY(as_rgb->pixels == toRgb(toGrayscale(rgb)).pixels);
  auto jpeg = encodeJpeg(rgb, 95);
  WB_VERIFY_OK(jpeg);
  auto jpeg_gray = decodeImage(jpeg->data(), jpeg->size(), 1);
  WB_VERIFY_OK(jpeg_gray);
  QCOMPARE(jpeg_gray->channels, 1);
  QVERIFY(meanAbsError(*jpeg_gray, toGrayscale(rgb)) < 2.5);
  QVERIFY(!decodeImage(png->data(), png->size(), 2).ok());
}

void TestImages::cmykJpegDecodesToRgb() {
  // An 8×8 Adobe CMYK JPEG written by libjpeg-turbo's tjCompress2(TJPF_CMYK) from inks
  // C = 30x, M = 30y, Y = 128, K = 255; libjpeg-turbo itself refuses CMYK → RGB.
  const QByteArray jpeg = QByteArray::fromHex(
      "ffd8ffee000e41646f626500640000000002ffdb0043000201010101010201010102020202020403020202020504"
      "040304060506060605060606070908060709070606080b08090a0a0a0a0a06080b0c0b0a0c090a0a0affdb004301"
      "020202020202050303050a0706070a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
      "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0affc00014080008000804011100021101031101041100ffc4001f0000"
      "010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
      "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
      "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a83"
      "8485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4"
      "d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f01000301010101010101010100000000"
      "00000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241"
      "510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a"
      "434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a9293949596"
      "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7"
      "e8e9eaf2f3f4f5f6f7f8f9faffda000e040100021103110400003f00f4dfda8ffe0a87ff001f3ff151faff00cb5f"
      "afbd7c8f087847f0feeff03a3e913e062fdf7eebbf43f7f2bfffd9");
  auto info = probeImage(jpeg.constData(), std::size_t(jpeg.size()));
  WB_VERIFY_OK(info);
  QCOMPARE(info->channels, 3);
  auto rgb = decodeImage(jpeg.constData(), std::size_t(jpeg.size()));
  WB_VERIFY_OK(rgb);
  QCOMPARE(rgb->width, 8);
  QCOMPARE(rgb->channels, 3);
  double err = 0;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const std::uint8_t* p = rgb->row(y) + x * 3;
      err += std::abs(p[0] - 30 * x) + std::abs(p[1] - 30 * y) + std::abs(p[2] - 128);
    }
  }
  QVERIFY2(err / (64 * 3) < 3.0, qPrintable(QString::number(err / (64 * 3))));
  auto gray = decodeImage(jpeg.constData(), std::size_t(jpeg.size()), 1);
  WB_VERIFY_OK(gray);
  QCOMPARE(gray->channels, 1);
}

void TestImages::jpegTrailingJunkIsTolerated() {
  // Stray bytes before EOI only raise libjpeg's "extraneous bytes" warning: the image is whole.
  const Image image = testImage(32, 16, 3);
  auto jpeg = encodeJpeg(image, 95);
  WB_VERIFY_OK(jpeg);
  std::string junk = *jpeg;
  junk.insert(junk.size() - 2, std::string("\x00\x11\x22", 3));
  auto clean = decodeImage(jpeg->data(), jpeg->size());
  auto decoded = decodeImage(junk.data(), junk.size());
  WB_VERIFY_OK(clean);
  WB_VERIFY_OK(decoded);
  QVERIFY(decoded->pixels == clean->pixels);
  // A failed decode must not poison the thread's decoder for the next image.
  QVERIFY(!probeImage(jpeg->data(), 300).ok());
  WB_VERIFY_OK(decodeImage(jpeg->data(), jpeg->size()));
}

void TestImages::badInputIsAnError_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("expected");
  auto jpeg = encodeJpeg(testImage(64, 64, 3), 90);
  auto png = encodePng(testImage(64, 64, 3));
  QVERIFY(jpeg.ok() && png.ok());
  const QByteArray j(jpeg->data(), qsizetype(jpeg->size()));
  const QByteArray p(png->data(), qsizetype(png->size()));
  QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
  QTest::newRow("random bytes") << QByteArray("\x12\x34 this is not an image at all", 31)
                                << QStringLiteral("not a JPEG or PNG");
  QTest::newRow("jpeg truncated in data")
      << j.left(j.size() / 2) << QStringLiteral("truncated JPEG");
  QTest::newRow("jpeg truncated in header") << j.left(300) << QStringLiteral("truncated JPEG");
  QTest::newRow("jpeg magic only") << j.left(3) << QStringLiteral("JPEG");
  QTest::newRow("png truncated in data") << p.left(p.size() / 2) << QStringLiteral("truncated PNG");
  QTest::newRow("png without IEND") << p.left(p.size() - 12) << QStringLiteral("truncated PNG");
  QTest::newRow("png cut in IDAT CRC") << p.left(p.size() - 14) << QStringLiteral("truncated PNG");
  QTest::newRow("png signature only") << p.left(8) << QStringLiteral("PNG");
}

void TestImages::badInputIsAnError() {
  QFETCH(QByteArray, bytes);
  QFETCH(QString, expected);
  auto decoded = decodeImage(bytes.constData(), std::size_t(bytes.size()));
  QVERIFY(!decoded.ok());
  QVERIFY2(qs(decoded.error().text()).contains(expected), decoded.error().text().c_str());
  auto thumb = decodeImageThumbnail(bytes.constData(), std::size_t(bytes.size()), 16);
  QVERIFY(!thumb.ok());
}

void TestImages::pngColourTypesDecode_data() {
  QTest::addColumn<QByteArray>("png");
  QTest::addColumn<int>("channels");  // requested
  QTest::addColumn<int>("stored");    // what probe reports
  QTest::addColumn<QByteArray>("expected");
  auto qb = [](const std::string& s) { return QByteArray(s.data(), qsizetype(s.size())); };
  // 2×1 images throughout.
  QTest::newRow("gray 8") << qb(makePng(2, 1, 8, 0, {bytes({10, 250})})) << 0 << 1
                          << qb(bytes({10, 250}));
  QTest::newRow("gray 1-bit scaled")
      << qb(makePng(2, 1, 1, 0, {bytes({0x80})})) << 0 << 1 << qb(bytes({255, 0}));
  QTest::newRow("gray 16 → 8") << qb(makePng(2, 1, 16, 0, {bytes({0x12, 0x34, 0xff, 0xff})})) << 0
                               << 1 << qb(bytes({0x12, 0xff}));
  QTest::newRow("gray+alpha drops alpha")
      << qb(makePng(2, 1, 8, 4, {bytes({10, 0, 250, 128})})) << 0 << 1 << qb(bytes({10, 250}));
  QTest::newRow("gray+alpha as rgb") << qb(makePng(2, 1, 8, 4, {bytes({10, 0, 250, 128})})) << 3
                                     << 1 << qb(bytes({10, 10, 10, 250, 250, 250}));
  QTest::newRow("rgba drops alpha") << qb(makePng(2, 1, 8, 6, {bytes({1, 2, 3, 0, 4, 5, 6, 255})}))
                                    << 0 << 3 << qb(bytes({1, 2, 3, 4, 5, 6}));
  QTest::newRow("rgb 16 → 8") << qb(makePng(2, 1, 16, 2,
                                            {bytes({1, 0, 2, 0, 3, 0, 0xfe, 0, 0xfd, 0, 0xfc, 0})}))
                              << 0 << 3 << qb(bytes({1, 2, 3, 0xfe, 0xfd, 0xfc}));
  QTest::newRow("palette") << qb(makePng(2, 1, 8, 3, {bytes({1, 0})},
                                         bytes({9, 8, 7, 200, 100, 50})))
                           << 0 << 3 << qb(bytes({200, 100, 50, 9, 8, 7}));
  QTest::newRow("palette 2-bit as gray")
      << qb(makePng(2, 1, 2, 3, {bytes({0x40})}, bytes({0, 0, 0, 255, 0, 0}))) << 1 << 3
      << qb(bytes({76, 0}));
}

void TestImages::pngColourTypesDecode() {
  QFETCH(QByteArray, png);
  QFETCH(int, channels);
  QFETCH(int, stored);
  QFETCH(QByteArray, expected);
  auto info = probeImage(png.constData(), std::size_t(png.size()));
  WB_VERIFY_OK(info);
  QCOMPARE(info->channels, stored);
  auto image = decodeImage(png.constData(), std::size_t(png.size()), channels);
  WB_VERIFY_OK(image);
  QCOMPARE(image->width, 2);
  QCOMPARE(image->channels, channels == 0 ? stored : channels);
  QCOMPARE(QByteArray(reinterpret_cast<const char*>(image->pixels.data()),
                      qsizetype(image->pixels.size())),
           expected);
}

void TestImages::decodingIsThreadSafe() {
  // Per-thread JPEG handles, per-call PNG contexts: concurrent decodes give identical results.
  auto jpeg = encodeJpeg(testImage(96, 64, 3));
  auto png = encodePng(testImage(96, 64, 3));
  WB_VERIFY_OK(jpeg);
  WB_VERIFY_OK(png);
  const auto ref_jpeg = decodeImage(jpeg->data(), jpeg->size());
  WB_VERIFY_OK(ref_jpeg);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        auto j = decodeImage(jpeg->data(), jpeg->size());
        auto p = decodeImage(png->data(), png->size());
        auto bad = decodeImage(jpeg->data(), jpeg->size() / 2);  // errors interleaved
        if (!j.ok() || j->pixels != ref_jpeg->pixels || !p.ok() || bad.ok()) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  QCOMPARE(mismatches.load(), 0);
}

void TestImages::pngCrcMismatchIsAnError() {
  auto png = encodePng(testImage(16, 16, 3));
  WB_VERIFY_OK(png);
  std::string bad = *png;
  bad[19] = char(bad[19] ^ 0x01);  // IHDR width 16 → 17: the chunk's CRC no longer matches
  auto decoded = decodeImage(bad.data(), bad.size());
  QVERIFY(!decoded.ok());
  QVERIFY2(qs(decoded.error().message).contains(QStringLiteral("CRC")),
           decoded.error().message.c_str());
}

void TestImages::absurdSizeIsRejected() {
  // A valid PNG header (correct CRC) claiming 20000 × 20000 pixels: rejected before any
  // allocation, by probe and decode alike.
  const std::string big = makePng(20000, 20000, 8, 0, {});
  auto probe = probeImage(big.data(), big.size());
  QVERIFY(!probe.ok());
  QVERIFY2(qs(probe.error().message).contains(QStringLiteral("too large")),
           probe.error().message.c_str());
  QVERIFY(!decodeImage(big.data(), big.size()).ok());
}

void TestImages::thumbnailFitsAndKeepsAspect_data() {
  QTest::addColumn<QString>("format");
  QTest::addColumn<int>("width");
  QTest::addColumn<int>("height");
  QTest::addColumn<int>("max_side");
  QTest::newRow("jpeg landscape") << QStringLiteral("jpeg") << 640 << 480 << 100;
  QTest::newRow("jpeg portrait") << QStringLiteral("jpeg") << 300 << 500 << 64;
  QTest::newRow("jpeg small stays") << QStringLiteral("jpeg") << 40 << 30 << 64;
  QTest::newRow("png landscape") << QStringLiteral("png") << 200 << 50 << 64;
  QTest::newRow("png small stays") << QStringLiteral("png") << 20 << 10 << 64;
}

void TestImages::thumbnailFitsAndKeepsAspect() {
  QFETCH(QString, format);
  QFETCH(int, width);
  QFETCH(int, height);
  QFETCH(int, max_side);
  const Image image = testImage(width, height, 3);
  auto bytes = format == QStringLiteral("jpeg") ? encodeJpeg(image) : encodePng(image);
  WB_VERIFY_OK(bytes);
  auto thumb = decodeImageThumbnail(bytes->data(), bytes->size(), max_side);
  WB_VERIFY_OK(thumb);
  QVERIFY(std::max(thumb->width, thumb->height) <= max_side);
  QCOMPARE(thumb->channels, 3);
  if (std::max(width, height) <= max_side) {
    QCOMPARE(thumb->width, width);  // never upscaled
    QCOMPARE(thumb->height, height);
  } else {
    QCOMPARE(std::max(thumb->width, thumb->height), max_side);
    const double aspect = double(width) / height, got = double(thumb->width) / thumb->height;
    QVERIFY2(std::abs(got - aspect) / aspect < 0.05, qPrintable(QString::number(got)));
    // The content is a shrunk copy of the original: compare against a plain resize.
    const Image reference = resize(image, thumb->width, thumb->height);
    QVERIFY(meanAbsError(reference, *thumb) < 6.0);
  }
}

void TestImages::readImageFileNamesThePath() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const fs::path dir = tmp.path().toStdString();
  auto png = encodePng(testImage(8, 6, 3));
  WB_VERIFY_OK(png);
  { std::ofstream(dir / "a.png", std::ios::binary) << *png; }
  auto image = readImageFile(dir / "a.png");
  WB_VERIFY_OK(image);
  QCOMPARE(image->width, 8);
  auto missing = readImageFile(dir / "missing.png");
  QVERIFY(!missing.ok());
  QVERIFY(qs(missing.error().text()).contains(QStringLiteral("missing.png")));
}

// ---- operations ----

void TestImages::flipHorizontalMirrorsRows() {
  const Image image = fromValues(3, 1, 1, {1, 2, 3});
  QCOMPARE(flipHorizontal(image).pixels, (std::vector<std::uint8_t>{3, 2, 1}));
  const Image rgb = fromValues(2, 1, 3, {1, 2, 3, 4, 5, 6});
  QCOMPARE(flipHorizontal(rgb).pixels, (std::vector<std::uint8_t>{4, 5, 6, 1, 2, 3}));
}

void TestImages::cropPadsOutsideWithZeros() {
  const Image image = fromValues(2, 2, 1, {1, 2, 3, 4});
  const Image out = crop(image, -1, 0, 3, 3);
  QCOMPARE(out.width, 3);
  QCOMPARE(out.height, 3);
  QCOMPARE(out.pixels, (std::vector<std::uint8_t>{0, 1, 2, 0, 3, 4, 0, 0, 0}));
  QCOMPARE(crop(image, 1, 1, 1, 1).pixels, (std::vector<std::uint8_t>{4}));
  QCOMPARE(crop(image, 5, 5, 2, 1).pixels, (std::vector<std::uint8_t>{0, 0}));
}

void TestImages::rotateQuarterTurnsArePermutations() {
  // 3×3: a b c / d e f / g h i
  const Image image = fromValues(3, 3, 1, {10, 20, 30, 40, 50, 60, 70, 80, 90});
  // Counter-clockwise 90°: the right column becomes the top row.
  QCOMPARE(rotate(image, 90).pixels,
           (std::vector<std::uint8_t>{30, 60, 90, 20, 50, 80, 10, 40, 70}));
  QCOMPARE(rotate(image, 180).pixels,
           (std::vector<std::uint8_t>{90, 80, 70, 60, 50, 40, 30, 20, 10}));
  QCOMPARE(rotate(image, -90).pixels, rotate(image, 270).pixels);
  QCOMPARE(rotate(image, 0).pixels, image.pixels);
  // An even-sized square too (its centre lies between pixels).
  const Image four = testImage(4, 4, 1);
  const Image turned = rotate(four, 90);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) QCOMPARE(turned.row(y)[x], four.row(x)[3 - y]);
  }
  // A small angle keeps the centre pixel of a constant image and fills corners with 0.
  const Image flat = fromValues(7, 7, 1, std::vector<int>(49, 200));
  const Image tilted = rotate(flat, 45);
  QCOMPARE(int(tilted.row(3)[3]), 200);
  QCOMPARE(int(tilted.row(0)[0]), 0);
}

void TestImages::resizeKeepsConstantsAndAverages() {
  const Image flat = fromValues(10, 6, 3, std::vector<int>(180, 77));
  for (auto [w, h] : {std::pair{5, 3}, std::pair{23, 17}, std::pair{2, 1}, std::pair{10, 6}}) {
    const Image r = resize(flat, w, h);
    QCOMPARE(r.width, w);
    QCOMPARE(r.height, h);
    QVERIFY(std::all_of(r.pixels.begin(), r.pixels.end(), [](auto v) { return v == 77; }));
  }
  // 2× down averages pixel pairs; 4× down (area) averages blocks.
  QCOMPARE(resize(fromValues(4, 1, 1, {0, 100, 200, 250}), 2, 1).pixels,
           (std::vector<std::uint8_t>{50, 225}));
  QCOMPARE(resize(fromValues(8, 1, 1, {0, 0, 0, 40, 100, 100, 100, 100}), 2, 1).pixels,
           (std::vector<std::uint8_t>{10, 100}));
  // A stripe pattern shrunk 8× is flat grey, not aliased stripes.
  Image stripes = Image::zeros(64, 8, 1);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 64; ++x) stripes.row(y)[x] = x % 2 ? 255 : 0;
  }
  const Image small = resize(stripes, 8, 1);
  for (auto v : small.pixels) QVERIFY(std::abs(int(v) - 128) <= 1);
  // Upscaling 1×2 → 4×2 interpolates between the pixel centres.
  QCOMPARE(resize(fromValues(2, 1, 1, {0, 200}), 4, 1).pixels,
           (std::vector<std::uint8_t>{0, 50, 150, 200}));
}

void TestImages::grayscaleUsesBt601() {
  const Image rgb = fromValues(3, 1, 3, {255, 0, 0, 0, 255, 0, 10, 20, 30});
  const Image gray = toGrayscale(rgb);
  QCOMPARE(gray.channels, 1);
  QCOMPARE(int(gray.pixels[0]), 76);   // 0.299 * 255
  QCOMPARE(int(gray.pixels[1]), 150);  // 0.587 * 255
  QCOMPARE(int(gray.pixels[2]), 18);   // 2.99 + 11.74 + 3.42
  QCOMPARE(toRgb(gray).pixels, (std::vector<std::uint8_t>{76, 76, 76, 150, 150, 150, 18, 18, 18}));
}

// ---- pipeline ----

void TestImages::pipelineRejectsBadSpecs_data() {
  QTest::addColumn<QString>("spec");
  QTest::addColumn<QString>("expected");
  QTest::newRow("not an array") << QStringLiteral(R"({"name":"resize"})")
                                << QStringLiteral("array");
  QTest::newRow("unknown name") << QStringLiteral(R"([{"name":"resize","size":8},{"name":"blur"}])")
                                << QStringLiteral("transform 1");
  QTest::newRow("missing name") << QStringLiteral(R"([{"size":8}])")
                                << QStringLiteral("transform 0");
  QTest::newRow("bad size") << QStringLiteral(R"([{"name":"center_crop","size":-3}])")
                            << QStringLiteral("transform 0 (center_crop)");
  QTest::newRow("size triple") << QStringLiteral(R"([{"name":"resize","size":[1,2,3]}])")
                               << QStringLiteral("size");
  QTest::newRow("unknown param")
      << QStringLiteral(R"([{"name":"hflip"},{"name":"random_crop","size":4,"pad":2}])")
      << QStringLiteral("transform 1 (random_crop): unknown parameter \"pad\"");
  QTest::newRow("bad p") << QStringLiteral(R"([{"name":"hflip","p":2}])")
                         << QStringLiteral("transform 0");
  QTest::newRow("std zero") << QStringLiteral(R"([{"name":"normalize","mean":[0.5],"std":[0]}])")
                            << QStringLiteral("transform 0 (normalize)");
  QTest::newRow("mean without std")
      << QStringLiteral(R"([{"name":"normalize","mean":[0.5]}])") << QStringLiteral("transform 0");
  QTest::newRow("normalize not last")
      << QStringLiteral(R"([{"name":"normalize"},{"name":"hflip"}])")
      << QStringLiteral("transform 1");
  QTest::newRow("degrees string") << QStringLiteral(R"([{"name":"rotation","degrees":"10"}])")
                                  << QStringLiteral("degrees");
}

void TestImages::pipelineRejectsBadSpecs() {
  QFETCH(QString, spec);
  QFETCH(QString, expected);
  auto pipeline = ImagePipeline::fromJson(nlohmann::json::parse(spec.toStdString()));
  QVERIFY(!pipeline.ok());
  QVERIFY2(qs(pipeline.error().text()).contains(expected), pipeline.error().text().c_str());
}

void TestImages::pipelineOutputShape() {
  auto p = ImagePipeline::fromJson(
      nlohmann::json::parse(R"([{"name":"resize","size":256},{"name":"center_crop","size":224}])"));
  WB_VERIFY_OK(p);
  int w = 0, h = 0, c = 0;
  p->outputShape(500, 375, 3, w, h, c);
  QCOMPARE(w, 224);
  QCOMPARE(h, 224);
  QCOMPARE(c, 3);
  auto r = ImagePipeline::fromJson(nlohmann::json::parse(R"([{"name":"resize","size":100}])"));
  WB_VERIFY_OK(r);
  r->outputShape(500, 375, 3, w, h, c);
  QCOMPARE(w, 133);  // shorter side to 100, the other truncated like torchvision
  QCOMPARE(h, 100);
  auto g =
      ImagePipeline::fromJson(nlohmann::json::parse(R"([{"name":"hflip"},{"name":"grayscale"}])"));
  WB_VERIFY_OK(g);
  g->outputShape(28, 30, 3, w, h, c);
  QCOMPARE(w, 28);
  QCOMPARE(h, 30);
  QCOMPARE(c, 1);
  ImagePipeline empty;
  empty.outputShape(7, 5, 1, w, h, c);
  QCOMPARE(w, 7);
  QCOMPARE(h, 5);
  QCOMPARE(c, 1);
}

void TestImages::pipelineNormalizeIsExact() {
  auto p = ImagePipeline::fromJson(
      nlohmann::json::parse(R"([{"name":"normalize","mean":[0.5],"std":[0.25]}])"));
  WB_VERIFY_OK(p);
  const Image flat = fromValues(4, 3, 1, std::vector<int>(12, 128));
  std::vector<float> out(12);
  std::mt19937_64 rng(1);
  WB_VERIFY_OK(p->apply(flat, ImagePipeline::Mode::Eval, rng, out.data(), 4, 3, 1));
  const float expected = float((128.0 / 255.0 - 0.5) / 0.25);
  for (float v : out) QVERIFY(std::abs(v - expected) < 1e-6f);

  // Per-channel, CHW order; an RGB image into a 3-channel normalize.
  auto rgb = ImagePipeline::fromJson(
      nlohmann::json::parse(R"([{"name":"normalize","mean":[0.0,0.5,1.0],"std":[1.0,0.5,0.25]}])"));
  WB_VERIFY_OK(rgb);
  const Image px = fromValues(2, 1, 3, {255, 0, 51, 0, 255, 102});
  std::vector<float> o(6);
  WB_VERIFY_OK(rgb->apply(px, ImagePipeline::Mode::Eval, rng, o.data(), 2, 1, 3));
  const std::vector<float> want = {
      1.0f, 0.0f, -1.0f, 1.0f, float((0.2 - 1) / 0.25), float((0.4 - 1) / 0.25)};
  for (int i = 0; i < 6; ++i)
    QVERIFY2(std::abs(o[i] - want[i]) < 1e-6f, qPrintable(QString::number(i)));

  // Without normalize: plain [0, 1].
  ImagePipeline none;
  WB_VERIFY_OK(none.apply(px, ImagePipeline::Mode::Eval, rng, o.data(), 2, 1, 3));
  QVERIFY(std::abs(o[0] - 1.0f) < 1e-7f && std::abs(o[2] - 0.0f) < 1e-7f);
  QVERIFY(std::abs(o[4] - 51 / 255.0f) < 1e-7f);
}

void TestImages::pipelineEvalIsDeterministic() {
  auto p = ImagePipeline::fromJson(nlohmann::json::parse(
      R"([{"name":"random_crop","size":24,"padding":4},{"name":"hflip"},
          {"name":"rotation","degrees":20},{"name":"normalize","mean":[0.5],"std":[0.5]}])"));
  WB_VERIFY_OK(p);
  const Image image = testImage(32, 32, 3);
  std::vector<float> a(3 * 24 * 24), b(a.size()), ref(a.size());
  std::mt19937_64 rng1(1), rng2(999);
  WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Eval, rng1, a.data(), 24, 24, 3));
  WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Eval, rng2, b.data(), 24, 24, 3));
  QVERIFY(a == b);
  // Eval = centre crop, no flip, no rotation.
  const Image centre = crop(image, 4, 4, 24, 24);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 24; ++y) {
      for (int x = 0; x < 24; ++x) {
        const float want = (centre.row(y)[x * 3 + c] / 255.0f - 0.5f) / 0.5f;
        QVERIFY(std::abs(a[std::size_t(c) * 576 + y * 24 + x] - want) < 1e-6f);
      }
    }
  }
  QVERIFY(!p->apply(image, ImagePipeline::Mode::Unknown, rng1, a.data(), 24, 24, 3).ok());
}

void TestImages::pipelineTrainIsSeededAndRandom() {
  auto p = ImagePipeline::fromJson(nlohmann::json::parse(
      R"([{"name":"random_crop","size":[20,16],"padding":2},{"name":"hflip","p":0.5}])"));
  WB_VERIFY_OK(p);
  const Image image = testImage(32, 24, 3);
  const std::size_t n = 3 * 20 * 16;
  std::mt19937_64 r1(42), r2(42);
  std::vector<std::vector<float>> first, second;
  for (int i = 0; i < 8; ++i) {
    std::vector<float> a(n), b(n);
    WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Train, r1, a.data(), 20, 16, 3));
    WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Train, r2, b.data(), 20, 16, 3));
    first.push_back(a);
    second.push_back(b);
  }
  QVERIFY(first == second);  // same seed, same samples
  int distinct = 0;
  for (int i = 1; i < 8; ++i) distinct += first[i] != first[0] ? 1 : 0;
  QVERIFY(distinct > 0);  // and they do vary
}

void TestImages::pipelineCropFlipMatchesReference() {
  // The fused index arithmetic must equal crop → flip done with the plain operations: find
  // the (offset, flip) each train sample used among all candidates.
  auto p = ImagePipeline::fromJson(nlohmann::json::parse(
      R"([{"name":"random_crop","size":6,"padding":1},{"name":"hflip","p":0.5}])"));
  WB_VERIFY_OK(p);
  const Image image = testImage(9, 7, 3);
  std::mt19937_64 rng(3);
  int flipped = 0;
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<float> out(3 * 36);
    WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Train, rng, out.data(), 6, 6, 3));
    bool found = false;
    for (int y = -1; y <= 2 && !found; ++y) {
      for (int x = -1; x <= 4 && !found; ++x) {
        for (int f = 0; f < 2 && !found; ++f) {
          Image ref = crop(image, x, y, 6, 6);
          if (f) ref = flipHorizontal(ref);
          bool same = true;
          for (int c = 0; c < 3 && same; ++c) {
            for (int i = 0; i < 36 && same; ++i) {
              same =
                  std::abs(out[std::size_t(c) * 36 + i] - ref.pixels[i * 3 + c] / 255.0f) < 1e-6f;
            }
          }
          if (same) {
            found = true;
            flipped += f;
          }
        }
      }
    }
    QVERIFY2(found, qPrintable(QStringLiteral("trial %1").arg(trial)));
  }
  QVERIFY(flipped > 0 && flipped < 12);
}

void TestImages::pipelineJsonRoundTrip() {
  const auto spec = nlohmann::json::parse(
      R"([{"name":"resize","size":[40,30]},{"name":"center_crop","size":28},
          {"name":"random_crop","size":24,"padding":2},{"name":"hflip","p":0.25},
          {"name":"rotation","degrees":12.5},{"name":"grayscale"},{"name":"rgb"},
          {"name":"normalize","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}])");
  auto p = ImagePipeline::fromJson(spec);
  WB_VERIFY_OK(p);
  const auto json = p->toJson();
  QCOMPARE(json, spec);
  auto again = ImagePipeline::fromJson(json);
  WB_VERIFY_OK(again);
  QCOMPARE(again->toJson(), json);
  // Defaults are spelled out.
  auto d = ImagePipeline::fromJson(
      nlohmann::json::parse(R"([{"name":"random_crop","size":8},{"name":"hflip"}])"));
  WB_VERIFY_OK(d);
  QCOMPARE(d->toJson()[0]["padding"].get<int>(), 0);
  QCOMPARE(d->toJson()[1]["p"].get<double>(), 0.5);
}

void TestImages::pipelineNeedsFitAndStats() {
  auto p = ImagePipeline::fromJson(
      nlohmann::json::parse(R"([{"name":"center_crop","size":2},{"name":"normalize"}])"));
  WB_VERIFY_OK(p);
  QVERIFY(p->needsFit());
  const Image image = fromValues(4, 4, 1, {0, 0, 0, 0, 0, 100, 200, 0, 0, 100, 200, 0, 0, 0, 0, 0});
  std::vector<float> out(4);
  std::mt19937_64 rng(0);
  QVERIFY(!p->apply(image, ImagePipeline::Mode::Eval, rng, out.data(), 2, 2, 1).ok());
  // Statistics over what normalize sees: the centre 2×2 = {100, 200, 100, 200}.
  ChannelStats stats;
  WB_VERIFY_OK(p->accumulateStats(image, 2, 2, 1, stats));
  QCOMPARE(stats.pixelCount(), std::uint64_t(4));
  QVERIFY(std::abs(stats.mean()[0] - 150 / 255.0f) < 1e-6f);
  QVERIFY(std::abs(stats.std()[0] - 50 / 255.0f) < 1e-6f);
  p->setNormalization(stats.mean(), stats.std());
  QVERIFY(!p->needsFit());
  WB_VERIFY_OK(p->apply(image, ImagePipeline::Mode::Eval, rng, out.data(), 2, 2, 1));
  QVERIFY(std::abs(out[0] + 1.0f) < 1e-4f && std::abs(out[1] - 1.0f) < 1e-4f);
  auto reparsed = ImagePipeline::fromJson(p->toJson());
  WB_VERIFY_OK(reparsed);
  QVERIFY(!reparsed->needsFit());
  // ChannelStats refuses mixed channel counts.
  QVERIFY(!stats.add(testImage(2, 2, 3)).ok());
}

void TestImages::pipelineFitsMismatchedShapes() {
  // Images of other sizes or channel counts still fill the batch shape.
  auto p = ImagePipeline::fromJson(nlohmann::json::parse(R"([{"name":"grayscale"}])"));
  WB_VERIFY_OK(p);
  std::mt19937_64 rng(0);
  std::vector<float> out(3 * 8 * 8);
  WB_VERIFY_OK(p->apply(testImage(16, 16, 3), ImagePipeline::Mode::Eval, rng, out.data(), 8, 8, 3));
  // grayscale, then replicated into the 3 channels requested
  QCOMPARE(out[0], out[64]);
  QCOMPARE(out[5], out[128 + 5]);
  auto geo = p->applyGeometry(testImage(16, 16, 3), ImagePipeline::Mode::Eval, rng, 8, 8, 1);
  WB_VERIFY_OK(geo);
  QCOMPARE(geo->width, 8);
  QCOMPARE(geo->channels, 1);
  QVERIFY(geo->pixels == resize(toGrayscale(testImage(16, 16, 3)), 8, 8).pixels);
}

// ---- demo data ----

void TestImages::demoDatasetsAreDeterministicAndComplete() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const fs::path a = fs::path(tmp.path().toStdString()) / "a";
  const fs::path b = fs::path(tmp.path().toStdString()) / "b";
  wb::demo::DemoDataOptions options;
  options.digits_per_class = 12;
  options.shapes_per_class = 7;
  options.headlines = 60;
  const auto start = std::chrono::steady_clock::now();
  WB_VERIFY_OK(wb::demo::writeDemoDatasets(a, options));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  qInfo("writeDemoDatasets (small): %.1f ms", ms);
  WB_VERIFY_OK(wb::demo::writeDemoDatasets(b, options));

  for (const char* rel : {"digits/0/00000.png", "digits/7/00011.png", "digits/9/00005.png",
                          "shapes/circle/00000.jpg", "shapes/square/00006.jpg", "headlines.csv"}) {
    QVERIFY2(fs::exists(a / rel), rel);
    QCOMPARE(fileHash(a / rel), fileHash(b / rel));
  }
  for (int d = 0; d < 10; ++d) {
    const fs::path dir = a / "digits" / std::to_string(d);
    QCOMPARE(countFiles(dir), std::size_t(12));
    for (const auto& entry : fs::directory_iterator(dir)) {
      auto image = readImageFile(entry.path());
      WB_VERIFY_OK(image);
      QCOMPARE(image->width, 28);
      QCOMPARE(image->height, 28);
      QCOMPARE(image->channels, 1);
      int ink = 0;
      for (auto v : image->pixels) ink += v > 128 ? 1 : 0;
      QVERIFY2(ink > 15 && ink < 400, entry.path().c_str());  // a stroke, not blank or full
    }
  }
  // Distinct samples within a class.
  QVERIFY(fileHash(a / "digits/3/00000.png") != fileHash(a / "digits/3/00001.png"));
  for (const auto& cls : wb::demo::shapeClassNames()) {
    const fs::path dir = a / "shapes" / cls;
    QCOMPARE(countFiles(dir), std::size_t(7));
    for (const auto& entry : fs::directory_iterator(dir)) {
      auto image = readImageFile(entry.path());
      WB_VERIFY_OK(image);
      QCOMPARE(image->width, 64);
      QCOMPARE(image->height, 64);
      QCOMPARE(image->channels, 3);
    }
  }
  // Another seed gives other data.
  const fs::path c = fs::path(tmp.path().toStdString()) / "c";
  options.seed = 8;
  WB_VERIFY_OK(wb::demo::writeDemoDatasets(c, options));
  QVERIFY(fileHash(a / "digits/0/00000.png") != fileHash(c / "digits/0/00000.png"));

  const auto rows = parseCsv(readFile(a / "headlines.csv"));
  QCOMPARE(rows.size(), std::size_t(61));
  QCOMPARE(rows[0], (std::vector<std::string>{"id", "title", "body", "label"}));
  int real = 0, fake = 0, quoted = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    QCOMPARE(rows[i].size(), std::size_t(4));
    QCOMPARE(rows[i][0], std::to_string(i));
    QVERIFY(!rows[i][1].empty() && !rows[i][2].empty());
    real += rows[i][3] == "real" ? 1 : 0;
    fake += rows[i][3] == "fake" ? 1 : 0;
    quoted += rows[i][1].find_first_of(",\"") != std::string::npos ||
                      rows[i][2].find_first_of(",\"") != std::string::npos
                  ? 1
                  : 0;
  }
  QCOMPARE(real + fake, 60);
  QCOMPARE(real, 30);
  QVERIFY(quoted > 0);
}

QTEST_GUILESS_MAIN(TestImages)
#include "tst_images.moc"
