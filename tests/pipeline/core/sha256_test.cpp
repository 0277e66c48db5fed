// SHA-256 (FIPS 180-4) of strings and files, as recorded in run.json for every input.
#include "zonewatch/pipeline/core/sha256.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

// FIPS 180-2 appendix B / NIST CSRC example vectors.
TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),  // 448 bits
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopq"
                       "rsmnopqrstnopqrstu"),  // 896 bits
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the padding boundaries (55 bytes fit one block with the length, 56 do not).
// Reference values from Python's hashlib.
TEST(Sha256Test, PaddingBoundaries) {
  EXPECT_EQ(sha256_hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(63, 'a')), "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(sha256_hex(std::string(65, 'a')), "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

TEST(Sha256Test, BinaryBytesIncludingNul) {
  std::string bytes;
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  EXPECT_EQ(sha256_hex(bytes), "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363");
}

class Sha256FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-sha256-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  fs::path root_;
};

TEST_F(Sha256FileTest, FileHashEqualsStringHash) {
  // Larger than the 1 MiB read buffer, and not a multiple of it.
  std::string bytes;
  std::mt19937 random(42);
  for (int i = 0; i < 3 * 1024 * 1024 + 17; ++i) bytes.push_back(static_cast<char>(random() & 0xFF));
  const fs::path path = root_ / "data.bin";
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(sha256_file(path), sha256_hex(bytes));

  const fs::path million = root_ / "million-a.txt";
  std::ofstream(million, std::ios::binary) << std::string(1000000, 'a');
  EXPECT_EQ(sha256_file(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  const fs::path empty = root_ / "empty";
  std::ofstream{empty};
  EXPECT_EQ(sha256_file(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(Sha256FileTest, MissingFileIsAnInputErrorNamingIt) {
  const fs::path missing = root_ / "missing.tif";
  try {
    (void)sha256_file(missing);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(missing.string(), 0), 0u) << e.what();
  }
  try {
    (void)sha256_file(root_);
    ADD_FAILURE() << "a folder has no SHA-256";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), root_.string() + ": is a folder, not a file");
  }
}

// Inputs may be any path GDAL opens, /vsizip/ archives included: their hash is that of the
// member's bytes.
TEST_F(Sha256FileTest, GdalVirtualFileSystemPaths) {
  GDALAllRegister();
  const std::string zip = "/vsizip/" + (root_ / "inputs.zip").string() + "/units.geojson";
  VSILFILE* file = VSIFOpenL(zip.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string text = R"({"type": "FeatureCollection", "features": []})";
  ASSERT_EQ(VSIFWriteL(text.data(), 1, text.size(), file), text.size());
  VSIFCloseL(file);
  EXPECT_EQ(sha256_file(zip), sha256_hex(text));

  const std::string memory = "/vsimem/zonewatch-sha256-test.bin";
  VSILFILE* mem = VSIFileFromMemBuffer(memory.c_str(), reinterpret_cast<GByte*>(const_cast<char*>("abc")), 3, FALSE);
  ASSERT_NE(mem, nullptr);
  VSIFCloseL(mem);
  EXPECT_EQ(sha256_file(memory), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  VSIUnlink(memory.c_str());
}

}  // namespace
}  // namespace zw
