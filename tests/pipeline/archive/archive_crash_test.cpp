// The assessment archive survives kill -9: a child process appending (or replacing) a year
// is killed with SIGKILL at random moments; the archive must still open and hold exactly the
// previous years with their values, or the new year complete. Never a mix.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "archive_fixture.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kSide = 768;  // 8 rasters of 0.6 Mpx: long enough to be killed mid-write
constexpr int kTile = 200;  // tiles that do not line up with the 256-px chunks
constexpr int kIterations = 20;
constexpr int kReplacedVariant = 7;

/// Forks a child that appends `year` (values of `variant`) and exits 0, or 1 on an error.
pid_t start_append(const fs::path& archive, const ArchiveContents& header, int year, int variant) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      test::write_archive_year(archive, header, year, kTile, kTile, variant);
    } catch (const std::exception& error) {
      std::cerr << "child: " << error.what() << "\n";
      code = 1;
    }
    ::_exit(code);
  }
  return pid;
}

/// Which variant a year holds in full (index rasters, classes and indicators), or -1.
int complete_variant(const fs::path& archive, const ArchiveContents& header, int year,
                     std::initializer_list<int> variants) {
  const int last_index = static_cast<int>(test::archive_index_names().size()) - 1;
  const auto indicators = read_archive(archive).indicators.at(year);
  for (int variant : variants) {
    const auto expected = test::archive_indicators(header, year, 0.001 * variant);
    if (indicators[0].ndvi_mean != expected[0].ndvi_mean) continue;
    if (test::archive_raster_mismatch(archive, header, year, 0, variant).empty() &&
        test::archive_raster_mismatch(archive, header, year, last_index, variant).empty() &&
        test::archive_class_mismatch(archive, header, year, variant).empty()) {
      return variant;
    }
  }
  return -1;
}

class ArchiveCrashTest : public test::TempFolderTest {};

TEST_F(ArchiveCrashTest, AWriterKilledAtAnyMomentLeavesThePreviousYearsWhole) {
  const ArchiveContents header = test::archive_header(kSide, kSide);
  const fs::path archive = root_ / "programme.h5";
  test::write_archive_year(archive, header, 2019, kTile, kTile);
  test::write_archive_year(archive, header, 2021, kTile, kTile);
  const fs::path baseline = root_ / "baseline.h5";
  fs::copy_file(archive, baseline);

  // How long an uninterrupted append takes here, measured on a copy, sets the kill window.
  const fs::path timing_folder = root_ / "timing";
  fs::create_directories(timing_folder);
  fs::copy_file(baseline, timing_folder / "programme.h5");
  const Clock::time_point start = Clock::now();
  const pid_t timed = start_append(timing_folder / "programme.h5", header, 2020, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(timed, &status, 0), timed);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "an uninterrupted append failed";
  const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  EXPECT_EQ(archived_years(timing_folder / "programme.h5"), (std::vector<int>{2019, 2020, 2021}));

  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  std::uniform_int_distribution<long long> delay_us(0, duration.count() * 13 / 10);
  int untouched = 0, completed = 0;
  for (int i = 0; i < kIterations; ++i) {
    fs::copy_file(baseline, archive, fs::copy_options::overwrite_existing);
    const bool replace = i % 2 == 1;  // odd iterations replace 2021, even ones add 2020
    const int year = replace ? 2021 : 2020;
    const int variant = replace ? kReplacedVariant : 0;
    const auto delay = std::chrono::microseconds(delay_us(random));
    SCOPED_TRACE("iteration " + std::to_string(i) + ", seed " + std::to_string(seed) + ", killed after " +
                 std::to_string(delay.count()) + " us of " + std::to_string(duration.count()));

    const pid_t child = start_append(archive, header, year, variant);
    std::this_thread::sleep_for(delay);
    ::kill(child, SIGKILL);
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << "the child failed";

    const std::vector<int> years = archived_years(archive);
    EXPECT_EQ(complete_variant(archive, header, 2019, {0}), 0) << "2019 changed";
    if (replace) {
      ASSERT_EQ(years, (std::vector<int>{2019, 2021}));
      const int held = complete_variant(archive, header, 2021, {0, kReplacedVariant});
      EXPECT_NE(held, -1) << "2021 is neither the old year nor the new one";
      (held == kReplacedVariant ? completed : untouched) += 1;
    } else {
      EXPECT_EQ(complete_variant(archive, header, 2021, {0}), 0) << "2021 changed";
      if (years == std::vector<int>{2019, 2021}) {
        ++untouched;
      } else {
        ASSERT_EQ(years, (std::vector<int>{2019, 2020, 2021}));
        EXPECT_EQ(complete_variant(archive, header, 2020, {0}), 0) << "2020 is incomplete";
        ++completed;
      }
    }
  }
  std::cout << "[ kills    ] " << untouched << " left the archive as it was, " << completed
            << " came after the new archive was in place (append takes " << duration.count() / 1000 << " ms)\n";

  // The next append clears the working copies the killed children left.
  test::write_archive_year(archive, header, 2022, kTile, kTile);
  EXPECT_EQ(archived_years(archive), (std::vector<int>{2019, 2021, 2022}));
  for (const std::string& name : entry_names(root_)) {
    EXPECT_EQ(name.find(AtomicFile::kTemporaryInfix), std::string::npos) << name << " left behind";
  }
}

}  // namespace
}  // namespace zw
