// run.json from the stages' results: each section from one result, the counts merged
// from detection, hotspots, the judge and what is reported.
#include <string>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/outputs/run_record.hpp"

namespace zw {
namespace {

using nlohmann::json;

TEST(RunRecord, SectionsFromTheStagesResults) {
  ScanConfig config;
  config.resolved = json{{"name", "t"}};
  AnalysisGrid grid;
  grid.crs_wkt = "";
  grid.geotransform = {0, 10, 0, 0, 0, -10};
  grid.width = 30;
  grid.height = 20;
  DetectionResult detection;
  detection.plan.tile_width = detection.plan.tile_height = 16;
  detection.plan.tiles_x = 2;
  detection.plan.tiles_y = 2;
  detection.plan.halo = 3;
  detection.statistics.roles = {kernels::BandRole::red, kernels::BandRole::nir};
  detection.statistics.offsets = {0.5f, -0.25f};
  detection.statistics.weights = {2.0f, 0.0f};
  detection.statistics.threshold = 3.5;
  detection.statistics.automatic_threshold = kernels::kNaN;
  detection.statistics.sample_pixels = 600;
  detection.valid_pixels = 590;
  detection.components_before_mmu = 9;
  detection.changed_pixels[static_cast<int>(kernels::ChangeType::construction)] = 40;
  HotspotsResult spots;
  spots.patches = 4;
  spots.patches_outside_units = 1;
  spots.patches_not_alerting_by_rule = 1;
  JudgeResult judged;
  judged.units_flagged = 1;
  ScanResults reported;
  Hotspot h;
  h.severity = Severity::high;
  h.change_type = kernels::ChangeType::construction;
  reported.hotspots = {h, h};
  reported.hotspots[1].severity = Severity::low;
  IngestSummary store;
  store.scan_seq = 2;
  RunRecordParts parts{config,   json{{"units", json{{"path", "u.gpkg"}}}},
                       grid,     detection,
                       spots,    judged,
                       reported, 3,
                       1,        {{"after", json{{"period", "2018-06-01..2018-06-30"}}}},
                       store,    {{"total", 1.5}}};
  const json run = make_run_record(parts);

  EXPECT_EQ(run.at("program"), "zonewatch");
  EXPECT_EQ(run.at("config"), config.resolved);
  EXPECT_EQ(run.at("inputs").at("units").at("path"), "u.gpkg");
  EXPECT_EQ(run.at("grid"),
            (json{{"crs_wkt", ""}, {"geotransform", {0, 10, 0, 0, 0, -10}}, {"width", 30}, {"height", 20}}));
  const json& d = run.at("detection");
  EXPECT_EQ(d.at("bands").size(), 2u);
  EXPECT_EQ(d.at("bands")[0].at("band"), "red");
  EXPECT_DOUBLE_EQ(d.at("bands")[0].at("sigma_difference").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(d.at("bands")[1].at("sigma_difference").get<double>(), 0.0);
  EXPECT_TRUE(d.at("automatic_threshold").is_null());
  EXPECT_EQ(d.at("tiles"), (json{{"count", 4}, {"width", 16}, {"height", 16}, {"halo", 3}}));
  EXPECT_FALSE(d.contains("radiometric_normalization"));
  const json& c = run.at("counts");
  EXPECT_EQ(c.at("pixels"), 600);
  EXPECT_EQ(c.at("valid_pixels"), 590);
  EXPECT_EQ(c.at("changed_pixels").at("construction"), 40);
  EXPECT_EQ(c.at("changed_pixels").size(), static_cast<std::size_t>(kernels::kChangeTypeCount - 1));
  EXPECT_EQ(c.at("components"), 9);
  EXPECT_EQ(c.at("patches"), 4);
  EXPECT_EQ(c.at("patches_outside_units"), 1);
  EXPECT_EQ(c.at("patches_not_alerting_by_rule"), 1);
  EXPECT_EQ(c.at("hotspots"), 2);
  EXPECT_EQ(c.at("hotspots_by_severity"), (json{{"high", 1}, {"medium", 0}, {"low", 1}}));
  EXPECT_EQ(c.at("hotspots_by_type"), (json{{"construction", 2}}));
  EXPECT_EQ(c.at("units"), 3);
  EXPECT_EQ(c.at("units_repaired"), 1);
  EXPECT_EQ(c.at("units_flagged"), 1);
  EXPECT_EQ(c.at("units_not_assessable"), 0);
  EXPECT_EQ(c.size(), 14u);
  EXPECT_EQ(run.at("store").at("scan_seq"), 2);
  EXPECT_EQ(run.at("composites").at("after").at("period"), "2018-06-01..2018-06-30");
  EXPECT_DOUBLE_EQ(run.at("timings_s").at("total").get<double>(), 1.5);
  EXPECT_EQ(run.at("finished_utc").get<std::string>().size(), 20u);
}

TEST(RunRecord, WithoutStoreOrCompositesThoseSectionsAreAbsent) {
  ScanConfig config;
  AnalysisGrid grid;
  DetectionResult detection;
  config.detection.normalize = RadiometricNormalization::irmad;
  const HotspotsResult spots;
  const JudgeResult judged;
  const ScanResults reported;
  const json run =
      make_run_record({config, json::object(), grid, detection, spots, judged, reported, 0, 0, {}, {}, {}});
  EXPECT_FALSE(run.contains("store"));
  EXPECT_FALSE(run.contains("composites"));
  EXPECT_TRUE(run.at("detection").contains("radiometric_normalization"));
  EXPECT_EQ(run.at("counts").at("hotspots_by_type"), json::object());
}

}  // namespace
}  // namespace zw
