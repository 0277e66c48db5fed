#pragma once
// A fresh folder per test (removed afterwards) and small file helpers, for tests that write
// outputs.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/core/atomic_output.hpp"

namespace zw::test {

namespace fs = std::filesystem;

/// A fresh folder per test, removed afterwards.
class TempFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ =
        fs::temp_directory_path() / ("zonewatch-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  [[nodiscard]] static std::vector<std::string> entry_names(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  [[nodiscard]] static bool has_staging_folder(const fs::path& folder) {
    for (const std::string& name : entry_names(folder)) {
      if (name.starts_with(OutputStaging::kStagingPrefix)) return true;
    }
    return false;
  }

  fs::path root_;
};

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Expects `call` to throw E whose message starts with `prefix`.
template <class E, class F>
void expect_throw_starting_with(F&& call, const std::string& prefix) {
  try {
    call();
    ADD_FAILURE() << "expected an exception for " << prefix;
  } catch (const E& error) {
    EXPECT_EQ(std::string(error.what()).rfind(prefix, 0), 0u) << error.what();
  }
}

}  // namespace zw::test
