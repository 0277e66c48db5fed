// Outputs appear complete or not at all: one file (AtomicFile) and one run's files
// (OutputStaging).
#include "zonewatch/pipeline/core/atomic_output.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using test::expect_throw_starting_with;
using test::read_bytes;
using test::write_text;

// ------------------------------------------------------------------------------------------
// AtomicFile

using AtomicFileTest = test::TempFolderTest;

TEST_F(AtomicFileTest, CommitRenamesTheCompleteFileOntoItsTarget) {
  const fs::path target = root_ / "composite.tif";
  write_text(target, "old");
  {
    AtomicFile file(target, "the composite");
    EXPECT_EQ(file.temporary().parent_path(), root_);
    EXPECT_TRUE(file.temporary().filename().string().starts_with(".composite.tif.zonewatch-new-" +
                                                                 std::to_string(::getpid()) + "-"));
    write_text(file.temporary(), "new");
    EXPECT_EQ(read_bytes(target), "old") << "replaced before commit";
    file.commit();
  }
  EXPECT_EQ(read_bytes(target), "new");
  EXPECT_EQ(entry_names(root_), std::vector<std::string>{"composite.tif"});
}

TEST_F(AtomicFileTest, WithoutCommitTheTemporaryIsRemovedAndTheTargetUntouched) {
  const fs::path target = root_ / "store.gpkg";
  {
    AtomicFile file(target, "the new store");
    write_text(file.temporary(), "half");
    write_text(file.temporary().string() + "-journal", "journal");
  }
  EXPECT_TRUE(entry_names(root_).empty());
}

TEST_F(AtomicFileTest, FailedRenameThrowsOutputErrorNamingTheTarget) {
  const fs::path target = root_ / "missing-folder" / "out.tif";
  AtomicFile file(target, "the composite");
  expect_throw_starting_with<OutputError>([&] { file.commit(); },
                                          target.string() + ": cannot move the composite into place");
}

TEST_F(AtomicFileTest, RemovesStaleTemporariesOfDeadProcessesOnly) {
  const fs::path target = root_ / "store.gpkg";
  const std::string prefix = ".store.gpkg" + std::string(AtomicFile::kTemporaryInfix);
  write_text(root_ / (prefix + "2147483000-abc"), "dead");
  write_text(root_ / (prefix + "2147483000-abc-journal"), "dead");
  write_text(root_ / (prefix + std::to_string(::getppid()) + "-abc"), "alive");
  write_text(root_ / ".other.gpkg.zonewatch-new-2147483000-abc", "another target");
  EXPECT_EQ(AtomicFile::remove_stale_temporaries(target), 2u);  // the temporary and its journal
  EXPECT_EQ(entry_names(root_), (std::vector<std::string>{".other.gpkg.zonewatch-new-2147483000-abc",
                                                          prefix + std::to_string(::getppid()) + "-abc"}));
}

// ------------------------------------------------------------------------------------------
// OutputStaging

using OutputStagingTest = test::TempFolderTest;

TEST_F(OutputStagingTest, CommitMovesFilesIntoPlaceAndRemovesStaging) {
  const fs::path out = root_ / "out";
  {
    OutputStaging staging(out);
    EXPECT_TRUE(fs::is_directory(staging.staging_dir()));
    EXPECT_EQ(staging.staging_dir().parent_path(), fs::absolute(out));
    const std::string name = staging.staging_dir().filename();
    EXPECT_TRUE(name.starts_with(std::string(OutputStaging::kStagingPrefix) + std::to_string(::getpid()) + "-"));

    const fs::path report = staging.staged("report.csv");
    EXPECT_EQ(report, staging.staging_dir() / "report.csv");
    EXPECT_EQ(staging.staged("report.csv"), report);  // same name, same path
    write_text(report, "a,b\r\n");
    write_text(staging.staged("alerts.json"), "{}");
    EXPECT_FALSE(fs::exists(out / "report.csv")) << "visible before commit";

    staging.commit();
    EXPECT_TRUE(staging.committed());
    EXPECT_FALSE(fs::exists(staging.staging_dir()));
  }
  EXPECT_EQ(entry_names(out), (std::vector<std::string>{"alerts.json", "report.csv"}));
  EXPECT_EQ(read_bytes(out / "report.csv"), "a,b\r\n");
}

TEST_F(OutputStagingTest, CommitReplacesExistingFiles) {
  write_text(root_ / "report.csv", "old");
  OutputStaging staging(root_);
  write_text(staging.staged("report.csv"), "new");
  EXPECT_EQ(read_bytes(root_ / "report.csv"), "old");
  staging.commit();
  EXPECT_EQ(read_bytes(root_ / "report.csv"), "new");
}

TEST_F(OutputStagingTest, DestructionWithoutCommitLeavesNothingVisible) {
  write_text(root_ / "previous.csv", "kept");
  {
    OutputStaging staging(root_);
    write_text(staging.staged("previous.csv"), "half written");
    write_text(staging.staged("alerts.gpkg"), "half written");
    EXPECT_TRUE(has_staging_folder(root_));
  }
  EXPECT_EQ(entry_names(root_), std::vector<std::string>{"previous.csv"});
  EXPECT_EQ(read_bytes(root_ / "previous.csv"), "kept");
}

TEST_F(OutputStagingTest, CreatesMissingNestedFolder) {
  const fs::path out = root_ / "a" / "b" / "c";
  OutputStaging staging(out);
  EXPECT_TRUE(fs::is_directory(out));
}

TEST_F(OutputStagingTest, UnwritableFolderThrowsOutputErrorNamingTheFolder) {
  // Tests run as root, where permissions do not stop writes; a path under a regular file
  // cannot be created by anyone.
  write_text(root_ / "blocker", "a regular file");
  const fs::path out = root_ / "blocker" / "out";
  expect_throw_starting_with<OutputError>([&] { OutputStaging staging(out); }, out.string());
  expect_throw_starting_with<OutputError>([&] { OutputStaging staging(root_ / "blocker"); },
                                          (root_ / "blocker").string());
}

TEST_F(OutputStagingTest, RejectsNamesThatAreNotBareFileNames) {
  OutputStaging staging(root_);
  for (const std::string bad : {"", ".", "..", "../escape.csv", "sub/file.csv", "/etc/passwd"}) {
    EXPECT_THROW((void)staging.staged(bad), InternalError) << bad;
  }
  staging.commit();
  EXPECT_THROW((void)staging.staged("late.csv"), InternalError);
}

TEST_F(OutputStagingTest, CommitFailsWithoutTouchingTheFolderWhenAnOutputWasNeverWritten) {
  OutputStaging staging(root_);
  write_text(staging.staged("written.csv"), "x");
  (void)staging.staged("forgotten.gpkg");
  expect_throw_starting_with<OutputError>([&] { staging.commit(); }, (root_ / "forgotten.gpkg").string());
  EXPECT_FALSE(fs::exists(root_ / "written.csv"));
  EXPECT_FALSE(staging.committed());
}

TEST_F(OutputStagingTest, RemovesStaleFoldersOfKilledRunsOnly) {
  const std::string prefix(OutputStaging::kStagingPrefix);
  const auto make_folder = [&](const std::string& name, bool old) {
    const fs::path folder = root_ / name;
    fs::create_directory(folder);
    write_text(folder / "alerts.gpkg", "half written");
    // Set the time after writing into it: adding a file updates a folder's mtime.
    if (old) fs::last_write_time(folder, fs::file_time_type::clock::now() - std::chrono::hours(24));
  };
  // Above any Linux pid_max (2^22), so certainly not running.
  const std::string dead_pid = "2147483000";
  make_folder(prefix + dead_pid + "-killed", true);
  make_folder(prefix + std::to_string(::getppid()) + "-live", true);  // owner still running
  make_folder(prefix + dead_pid + "-young", false);                   // younger than this process
  make_folder(prefix + "not-a-pid", true);
  make_folder("unrelated", true);

  EXPECT_EQ(OutputStaging::remove_stale_staging_folders(root_), 1u);
  EXPECT_FALSE(fs::exists(root_ / (prefix + dead_pid + "-killed")));
  EXPECT_EQ(entry_names(root_).size(), 4u);

  // Construction sweeps too.
  make_folder(prefix + dead_pid + "-killed-again", true);
  {
    OutputStaging staging(root_);
    EXPECT_FALSE(fs::exists(root_ / (prefix + dead_pid + "-killed-again")));
  }
  EXPECT_EQ(entry_names(root_).size(), 4u);
}

TEST_F(OutputStagingTest, CompletesTheCommitOfARunKilledBetweenTwoRenames) {
  // The previous run's complete set, then a run killed after moving alerts.gpkg but before
  // hotspots.csv: its staging folder holds the marker and what was not yet moved.
  write_text(root_ / "alerts.gpkg", "new");
  write_text(root_ / "hotspots.csv", "old");
  write_text(root_ / "run.json", "old");
  const std::string dead_pid = "2147483000";  // above any Linux pid_max
  const fs::path killed = root_ / (std::string(OutputStaging::kStagingPrefix) + dead_pid + "-committing");
  fs::create_directory(killed);
  write_text(killed / "hotspots.csv", "new");
  write_text(killed / "run.json", "new");
  write_text(killed / std::string(OutputStaging::kCommitMarker), "\n");
  // A run killed before its commit began: discarded, its file never reaches the folder.
  const fs::path unfinished = root_ / (std::string(OutputStaging::kStagingPrefix) + dead_pid + "-writing");
  fs::create_directory(unfinished);
  write_text(unfinished / "alerts.gpkg", "half written");
  for (const fs::path& folder : {killed, unfinished}) {
    fs::last_write_time(folder, fs::file_time_type::clock::now() - std::chrono::hours(1));
  }

  EXPECT_EQ(OutputStaging::remove_stale_staging_folders(root_), 2u);
  EXPECT_EQ(entry_names(root_), (std::vector<std::string>{"alerts.gpkg", "hotspots.csv", "run.json"}));
  EXPECT_EQ(test::read_bytes(root_ / "alerts.gpkg"), "new");
  EXPECT_EQ(test::read_bytes(root_ / "hotspots.csv"), "new");
  EXPECT_EQ(test::read_bytes(root_ / "run.json"), "new");
}

TEST_F(OutputStagingTest, ACompletedCommitLeavesNoMarkerBehind) {
  OutputStaging staging(root_);
  write_text(staging.staged("a.csv"), "1");
  staging.commit();
  EXPECT_EQ(entry_names(root_), (std::vector<std::string>{"a.csv"}));
}

TEST_F(OutputStagingTest, TwoRunsIntoOneFolderDoNotDisturbEachOther) {
  OutputStaging first(root_);
  OutputStaging second(root_);
  EXPECT_NE(first.staging_dir(), second.staging_dir());
  EXPECT_TRUE(fs::is_directory(first.staging_dir()));
  write_text(first.staged("a.csv"), "1");
  write_text(second.staged("b.csv"), "2");
  second.commit();
  first.commit();
  EXPECT_EQ(entry_names(root_), (std::vector<std::string>{"a.csv", "b.csv"}));
}

}  // namespace
}  // namespace zw
