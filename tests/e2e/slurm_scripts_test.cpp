// The Slurm scripts (scripts/slurm/): their logic runs without Slurm (no srun here), so the
// test checks the command each would launch under a simulated Slurm environment, and runs one
// region of the array script for real on the bundled sample.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "e2e/e2e_support.hpp"

namespace zw::e2e {
namespace {

const fs::path kSlurmDir = kSourceDir / "scripts" / "slurm";

struct ShellResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// The sanitizers' settings of this process (scripts/sanitize.sh), as `NAME='value' ...`, so
/// that a binary the script starts reads the same suppressions.
std::string sanitizer_settings() {
  std::string settings;
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "OMP_TOOL_LIBRARIES"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::string_view(value).find('\'') == std::string_view::npos) {
      settings += std::string(name) + "='" + value + "' ";
    }
  }
  return settings;
}

/// Runs `env -i PATH=... <environment> bash <script> <args>` and captures its output. A clean
/// environment keeps a real Slurm allocation around the test from leaking in; only the
/// sanitizers' settings pass.
ShellResult run_script(const std::string& script, const std::string& environment, const std::string& args) {
  const std::string command = "env -i PATH=/usr/bin:/bin HOME=/tmp " + sanitizer_settings() + environment + " bash " +
                              (kSlurmDir / script).string() + " " + args + " 2>&1";
  ShellResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class SlurmScriptsTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    config_ = write_config(sample_config(root_ / "unused"), root_ / "sample.yaml");
  }
  fs::path config_;
};

TEST_F(SlurmScriptsTest, ProvinceScanUnderSlurmStartsOneRankPerTaskWithItsCoresAndMemory) {
  // 8 CPUs per task at 2000 MiB each: 16000 MiB per rank, 80 % of it for tiles.
  const auto r = run_script("scan_province.sbatch",
                            "ZONEWATCH_DRY_RUN=1 ZONEWATCH=" + kBinary.string() +
                                " SLURM_JOB_ID=42 SLURM_CPUS_PER_TASK=8 SLURM_MEM_PER_CPU=2000",
                            config_.string() + " " + (root_ / "out").string() + " --top 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "srun --cpu-bind=cores " + kBinary.string() + " --no-progress --threads 8 scan --config " +
                          config_.string() + " --out " + (root_ / "out").string() + " --memory-mb 12800 --top 5 \n");
}

TEST_F(SlurmScriptsTest, ProvinceScanMemoryPerNodeIsSharedByTheNodesTasks) {
  const auto r = run_script("scan_province.sbatch",
                            "ZONEWATCH_DRY_RUN=1 ZONEWATCH=" + kBinary.string() +
                                " SLURM_JOB_ID=42 SLURM_CPUS_PER_TASK=4 SLURM_MEM_PER_NODE=64000"
                                " 'SLURM_NTASKS_PER_NODE=4(x2)'",
                            config_.string() + " " + (root_ / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--threads 4 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--memory-mb 12800"), std::string::npos) << r.output;  // 64000 / 4 * 0.8
}

TEST_F(SlurmScriptsTest, ProvinceScanOutsideSlurmUsesMpirunForSeveralRanksAndThePlainBinaryForOne) {
  const std::string env = "ZONEWATCH_DRY_RUN=1 ZONEWATCH=" + kBinary.string();
  const std::string args = config_.string() + " " + (root_ / "out").string();
  const auto three = run_script("scan_province.sbatch", env + " RANKS=3", args);
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_EQ(three.output.rfind("mpirun -n 3 " + kBinary.string() + " --no-progress --threads ", 0), 0u) << three.output;
  EXPECT_NE(three.output.find("--memory-mb 1024"), std::string::npos) << three.output;
  const auto one = run_script("scan_province.sbatch", env, args);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_EQ(one.output.rfind(kBinary.string() + " --no-progress", 0), 0u) << one.output;
}

TEST_F(SlurmScriptsTest, WrongUseIsExitTwoAndAMissingBinaryExit127) {
  const auto no_args = run_script("scan_province.sbatch", "", "");
  EXPECT_EQ(no_args.exit_code, 2) << no_args.output;
  EXPECT_NE(no_args.output.find("usage: scan_province.sbatch CONFIG OUT"), std::string::npos);

  const auto no_config = run_script("scan_province.sbatch", "", (root_ / "missing.yaml").string() + " out");
  EXPECT_EQ(no_config.exit_code, 2) << no_config.output;
  EXPECT_NE(no_config.output.find("missing.yaml not found"), std::string::npos) << no_config.output;

  const auto no_binary = run_script("scan_province.sbatch", "ZONEWATCH=/nonexistent/zonewatch",
                                    config_.string() + " " + (root_ / "out").string());
  EXPECT_EQ(no_binary.exit_code, 127) << no_binary.output;
  EXPECT_NE(no_binary.output.find("'/nonexistent/zonewatch' not found"), std::string::npos) << no_binary.output;
}

TEST_F(SlurmScriptsTest, RegionArrayTaskScansItsRegionIntoItsOwnFolder) {
  write_bytes(root_ / "regions.txt",
              "# name config\n\nfirst sample.yaml\n  # a comment line\nsecond " + config_.string() + "\n");
  const auto r = run_script("scan_regions.sbatch",
                            "ZONEWATCH=" + kBinary.string() + " SLURM_ARRAY_TASK_ID=1 SLURM_CPUS_PER_TASK=2",
                            (root_ / "regions.txt").string() + " " + (root_ / "results").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& name : kOutputs) EXPECT_TRUE(fs::exists(root_ / "results" / "second" / name)) << name;
  EXPECT_FALSE(fs::exists(root_ / "results" / "first"));
}

TEST_F(SlurmScriptsTest, RegionArrayRefusesATaskWithoutARegionAndMalformedLines) {
  write_bytes(root_ / "regions.txt", "first sample.yaml\nbad/name sample.yaml\nthree words here\n");
  const std::string env = "ZONEWATCH_DRY_RUN=1 ZONEWATCH=" + kBinary.string();
  const std::string args = (root_ / "regions.txt").string() + " " + (root_ / "results").string();

  const auto relative = run_script("scan_regions.sbatch", env + " SLURM_ARRAY_TASK_ID=0", args);
  ASSERT_EQ(relative.exit_code, 0) << relative.output;  // relative to the regions file's folder
  EXPECT_NE(relative.output.find("--config " + config_.string() + " --out " + (root_ / "results" / "first").string()),
            std::string::npos)
      << relative.output;

  const auto bad_name = run_script("scan_regions.sbatch", env + " SLURM_ARRAY_TASK_ID=1", args);
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name.output;
  EXPECT_NE(bad_name.output.find("region name 'bad/name'"), std::string::npos) << bad_name.output;

  const auto three_words = run_script("scan_regions.sbatch", env + " SLURM_ARRAY_TASK_ID=2", args);
  EXPECT_EQ(three_words.exit_code, 2) << three_words.output;
  EXPECT_NE(three_words.output.find("expected 'NAME CONFIG'"), std::string::npos) << three_words.output;

  const auto beyond = run_script("scan_regions.sbatch", env + " SLURM_ARRAY_TASK_ID=3", args);
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  EXPECT_NE(beyond.output.find("has no region for task 3"), std::string::npos) << beyond.output;
}

}  // namespace
}  // namespace zw::e2e
