// Verdict CSV import (monitoring/verdicts.cpp): the fuzz input is the CSV an inspector sends
// back, checked (dry run: nothing is written) against a monitoring store made once with three
// hotspots (tests/support/store_fixture.hpp).
#include "fuzz_support.hpp"
#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/monitoring/verdicts.hpp"

namespace {

const std::string& store_path() {
  static const std::string path = [] {
    using namespace zw::store_test;
    const fs::path root = zw::fuzz::scratch_dir();
    zw::StoreOptions options;
    options.path = (root / "store.gpkg").string();
    const std::string unit = "ZH50011610001";
    const SyntheticScan scan{"s1",
                             "2018-04-02",
                             {patch("p-a", unit, 0, 0, 100, 100),
                              patch("p-b", unit, 500, 0, 60, 60, zw::kernels::ChangeType::vegetation_loss),
                              patch("p-c", unit, 0, 500, 30, 30)}};
    zw::JudgeOptions judge_options;
    for (zw::UnitRule& rule : judge_options.rules.by_type) {
      rule.severity_high_m2 = 2000.0;
      rule.severity_medium_m2 = 500.0;
    }
    const zw::Judge judge(judge_options);
    zw::ScanResults results = results_for(scan);
    (void)zw::ingest_scan(options, record_for(scan, root), results, judge, {});
    return options.path;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string& store = store_path();
  const std::string csv = zw::fuzz::write_scratch("verdicts.csv", zw::fuzz::bytes(data, size));
  zw::fuzz::expect_clean([&] { (void)zw::import_verdicts({store, csv, true, "2018-05-31"}); });
  return 0;
}
