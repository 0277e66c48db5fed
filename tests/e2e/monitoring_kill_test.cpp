// End to end: runs killed with SIGKILL at every store crash point, or at any moment of a
// scan, leave the store as it was (or hold the scan whole), and the next run completes the
// scan; on the real Sentinel-2 sample. Scans, packets and verdicts: monitoring_test.cpp.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "monitoring_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

constexpr int kKilled = 128 + SIGKILL;

/// Runs zonewatch with ZONEWATCH_CRASH_POINT set to `point` (killed with SIGKILL there).
RunResult run_crashing_at(const std::string& point, const std::function<RunResult()>& run) {
  ::setenv("ZONEWATCH_CRASH_POINT", point.c_str(), 1);
  RunResult result = run();
  ::unsetenv("ZONEWATCH_CRASH_POINT");
  return result;
}

TEST_F(MonitoringTest, KilledRunsLeaveTheStoreAsItWasAndTheNextRunCompletes) {
  // Killed while creating the store: no store, no outputs.
  RunResult killed =
      run_crashing_at("store.create", [&] { return scan_named("s1", kSampleDir / "after", "2018-04-02"); });
  ASSERT_EQ(killed.exit_code, kKilled) << killed;
  EXPECT_FALSE(fs::exists(store_)) << "a half-created store is in place";
  EXPECT_FALSE(fs::exists(out("s1") / "hotspots.csv"));
  const RunResult s1 = scan_named("s1", kSampleDir / "after", "2018-04-02");
  ASSERT_EQ(s1.exit_code, 0) << s1;
  for (const auto& name : entry_names(root_)) EXPECT_EQ(name.find("programme.gpkg.tmp"), std::string::npos) << name;
  const std::string after_s1 = store_snapshot(store_);

  // Killed inside the ingest transaction: the store is as it was.
  const fs::path after2 = root_ / "after-2018-05";
  copy_folder(kSampleDir / "after", after2);
  killed = run_crashing_at("store.ingest", [&] { return scan_named("s2", after2, "2018-05-02"); });
  ASSERT_EQ(killed.exit_code, kKilled) << killed;
  EXPECT_EQ(store_snapshot(store_), after_s1) << "a killed ingest changed the store";
  EXPECT_FALSE(fs::exists(out("s2") / "hotspots.csv"));
  EXPECT_EQ(integrity_check(store_), "ok") << "SQLite's own check, after the killed writer's journal was rolled back";

  // Killed after the store committed but before the outputs were in place: the next run
  // reuses what the store recorded, writes the outputs and changes nothing else.
  killed = run_crashing_at("store.ingested", [&] { return scan_named("s2", after2, "2018-05-02"); });
  ASSERT_EQ(killed.exit_code, kKilled) << killed;
  EXPECT_FALSE(fs::exists(out("s2") / "hotspots.csv")) << "outputs of a killed run are in place";
  const std::string committed = store_snapshot(store_);
  EXPECT_NE(committed, after_s1);
  const auto scans = read_layer(store_, "scans");
  ASSERT_EQ(scans.size(), 2u);
  EXPECT_EQ(scans[1].at("outputs_written"), "0");
  // --since-last must not skip the unfinished scan.
  const RunResult completed = scan(config("s2", after2, "2018-05-02"), root_, {"--since-last"});
  ASSERT_EQ(completed.exit_code, 0) << completed;
  EXPECT_NE(completed.out.find("already ingested"), std::string::npos) << completed;
  EXPECT_TRUE(fs::exists(out("s2") / "hotspots.csv"));
  EXPECT_EQ(read_layer(store_, "scans")[1].at("outputs_written"), "1");

  // The completed scan reports what an uninterrupted run reports: every scan-1 hotspot
  // persisting under its ID (the picture did not change), nothing new.
  const auto s1_rows = rows_by_id(out("s1") / "hotspots.csv");
  const auto s2_rows = rows_by_id(out("s2") / "hotspots.csv");
  EXPECT_EQ(s2_rows.size(), s1_rows.size());
  for (const auto& [id, row] : s2_rows) {
    EXPECT_TRUE(s1_rows.contains(id)) << id;
    EXPECT_EQ(row.at("times_seen"), "2") << id;
  }
  EXPECT_EQ(feature_count(store_, "hotspots"), static_cast<long long>(s1_rows.size()));

  // Killed while applying verdicts: none applied; the same file imports cleanly afterwards.
  const std::string id = s2_rows.begin()->first;
  const fs::path verdicts = root_ / "verdicts.csv";
  write_bytes(verdicts, "hotspot_id,verdict,verdict_date,approval\n" + id + ",legal,2018-05-20,渝审2018-1\n");
  const std::string before_verify = store_snapshot(store_);
  killed = run_crashing_at("verify.apply", [&] {
    return run_zonewatch({"verify", "--store", store_.string(), "--results", verdicts.string()}, root_);
  });
  ASSERT_EQ(killed.exit_code, kKilled) << killed;
  EXPECT_EQ(store_snapshot(store_), before_verify);
  const RunResult verified =
      run_zonewatch({"verify", "--store", store_.string(), "--results", verdicts.string()}, root_);
  ASSERT_EQ(verified.exit_code, 0) << verified;
  EXPECT_EQ(feature_count(store_, "verdicts"), 1);

  // Killed while marking a packet's hotspots dispatched: nothing marked, no packet.
  const std::string region = s2_rows.begin()->second.at("region");
  const std::vector<std::string> dispatch{
      "dispatch", "--store", store_.string(), "--region", region, "--out", (root_ / "packet").string()};
  const std::string before_dispatch = store_snapshot(store_);
  killed = run_crashing_at("dispatch.mark", [&] { return run_zonewatch(dispatch, root_); });
  ASSERT_EQ(killed.exit_code, kKilled) << killed;
  EXPECT_EQ(store_snapshot(store_), before_dispatch);
  EXPECT_FALSE(fs::exists(root_ / "packet" / "index.html"));
  const RunResult packet = run_zonewatch(dispatch, root_);
  ASSERT_EQ(packet.exit_code, 0) << packet;
  EXPECT_TRUE(fs::exists(root_ / "packet" / "index.html"));
  EXPECT_EQ(feature_count(store_, "dispatches"), 1);
}

TEST_F(MonitoringTest, KilledAtAnyMomentTheStoreHoldsTheScanWholeOrNotAtAll) {
  const RunResult s1 = scan_named("s1", kSampleDir / "after", "2018-04-02");
  ASSERT_EQ(s1.exit_code, 0) << s1;
  const std::string after_s1 = store_snapshot(store_);
  const fs::path after2 = root_ / "after-2018-05";
  copy_folder(kSampleDir / "after", after2);
  const fs::path s2_config = config("s2", after2, "2018-05-02");
  const std::vector<std::string> args{"scan", "--no-progress", "--config", s2_config.string()};

  // Kill scan 2 after a growing delay, from before the store is opened to after it
  // committed. Each time the store must be as it was, or hold scan 2 complete.
  int killed = 0, committed_before_kill = 0;
  for (const int delay_ms : {100, 400, 700, 1000, 1300, 1600, 1900, 2300}) {
    const pid_t pid = spawn_zonewatch(args);
    ASSERT_GT(pid, 0);
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
    EXPECT_EQ(integrity_check(store_), "ok") << "after a kill at " << delay_ms << " ms";
    const auto scans = read_layer(store_, "scans");
    if (scans.size() == 1) {
      EXPECT_EQ(store_snapshot(store_), after_s1) << "a scan killed at " << delay_ms << " ms left part of itself";
    } else {
      ASSERT_EQ(scans.size(), 2u);
      ++committed_before_kill;
      // Whole: every patch the scan row counts is in the observations.
      long long observations = 0;
      for (const auto& o : read_layer(store_, "observations"))
        observations += o.at("scan_id") == scans[1].at("scan_id");
      EXPECT_GE(observations, std::stoll(scans[1].at("patches"))) << "after a kill at " << delay_ms << " ms";
      break;  // from here on the scan is in the store; reruns only complete its outputs
    }
  }
  EXPECT_GT(killed, 0) << "no run was killed: the delays are too long for this machine";
  ::usleep(1'200'000);  // the next run sweeps staging folders older than itself (1 s resolution)
  const RunResult completed = run_zonewatch(args, root_);
  ASSERT_EQ(completed.exit_code, 0) << completed;
  const auto scans = read_layer(store_, "scans");
  ASSERT_EQ(scans.size(), 2u) << "the completing run ingested the scan twice or not at all";
  EXPECT_EQ(scans[1].at("outputs_written"), "1");
  EXPECT_TRUE(fs::exists(out("s2") / "hotspots.csv"));
  EXPECT_TRUE(leftover_folders(out("s2")).empty()) << ::testing::PrintToString(entry_names(out("s2")));
  std::cerr << killed << " runs killed, " << committed_before_kill << " of them after the store commit\n";
}

}  // namespace
}  // namespace zw::e2e
