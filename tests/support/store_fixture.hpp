#pragma once
// Synthetic scans for the monitoring-store tests: square patches in UTM 48N (metres), so
// overlap, gaps and added areas are exact, ingested without any imagery.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw::store_test {

namespace fs = std::filesystem;

class GdalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
  }
};

inline std::string utm48n_wkt() {
  OGRSpatialReference srs;
  srs.importFromEPSG(32648);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt;
  CPLFree(wkt);
  return out;
}

/// Axis-aligned rectangle [x, x + w] x [y, y + h] as polygon WKT.
inline std::string rect_wkt(double x, double y, double w, double h) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "POLYGON ((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))", x, y, x + w, y,
                x + w, y + h, x, y + h, x, y);
  return buffer;
}

/// Near Chongqing: 106.3 E, 29.4 N is about (629000, 3253000) in UTM 48N.
constexpr double kX0 = 629000.0, kY0 = 3253000.0;

inline Hotspot patch(const std::string& id, const std::string& unit, double x, double y, double w, double h,
                     kernels::ChangeType type = kernels::ChangeType::construction) {
  Hotspot p;
  p.id = id;
  p.change_type = type;
  p.area_m2 = w * h;
  p.pixel_count = static_cast<std::uint64_t>(w * h / 100.0);
  p.unit_code = unit;
  p.unit_name = "单元 " + unit;
  p.unit_region = "重庆市江津区";
  p.unit_type = UnitType::priority;
  p.mean_greenness_before = 0.70;
  p.mean_greenness_after = 0.20;
  p.mean_magnitude = 5.0;
  p.severity = w * h >= 2000 ? Severity::high : w * h >= 500 ? Severity::medium : Severity::low;
  p.rule = "test";
  p.geometry_wkt = rect_wkt(kX0 + x, kY0 + y, w, h);
  return p;
}

/// A scan of patches with an after date; its identity is `name`.
struct SyntheticScan {
  std::string name;
  std::string after_date;
  std::vector<Hotspot> patches;
};

inline UnitResult unit_result(const std::string& code) {
  UnitResult u;
  u.code = code;
  u.name = "单元 " + code;
  u.region = "重庆市江津区";
  u.type = UnitType::priority;
  u.stats.area_m2 = 1e6;
  u.stats.valid_area_m2 = 1e6;
  u.stats.valid_share = 1.0;
  return u;
}

inline ScanRecord record_for(const SyntheticScan& scan, const fs::path& root) {
  ScanRecord r;
  r.scan_id = "scan-" + scan.name;
  r.name = scan.name;
  r.before = {(root / "before").string(), "2017-04-14", "sentinel2-l1c"};
  r.after = {(root / "after").string(), scan.after_date, "sentinel2-l1c"};
  r.config_dir = root.string();
  r.units_path = (root / "units.gpkg").string();
  r.output_dir = (root / ("out-" + scan.name)).string();
  r.grid_crs_wkt = utm48n_wkt();
  r.grid_resolution = 10.0;
  r.centre_lon_wgs84 = 106.3;
  r.centre_lat_wgs84 = 29.4;
  r.inputs = nlohmann::json::object();
  r.config = nlohmann::json{{"name", scan.name}};
  UnitRule priority;
  priority.rectification_days = 30;
  r.rules.by_type[static_cast<int>(UnitType::priority)] = priority;
  return r;
}

inline ScanResults results_for(const SyntheticScan& scan) {
  ScanResults results;
  results.grid_crs_wkt = utm48n_wkt();
  for (Hotspot p : scan.patches) {
    p.after_date = scan.after_date;
    p.before_date = "2017-04-14";
    results.hotspots.push_back(std::move(p));
  }
  sort_for_report(results.hotspots);
  results.units = {unit_result("ZH50011610001"), unit_result("ZH50011610002")};
  return results;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
    options_.path = (root_ / "store.gpkg").string();
    options_.match_distance_m = 30.0;
    options_.expansion_min_area_m2 = 400.0;
    options_.expansion_min_share = 0.1;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  /// The judge of the synthetic scans: severity by area as patch() rates it (high from
  /// 2000 m2, medium from 500 m2).
  static Judge test_judge() {
    JudgeOptions options;
    for (UnitRule& rule : options.rules.by_type) {
      rule.severity_high_m2 = 2000.0;
      rule.severity_medium_m2 = 500.0;
    }
    return Judge(options);
  }

  /// Ingests a synthetic scan; merged hotspots are rated again by test_judge().
  ScanResults ingest(const SyntheticScan& scan, IngestSummary* summary = nullptr, const GreennessProbe& probe = {},
                     const HotspotTracer& tracer = {}) {
    ScanResults results = results_for(scan);
    IngestSummary s = ingest_scan(options_, record_for(scan, root_), results, judge_, probe, tracer);
    if (summary != nullptr) *summary = s;
    return results;
  }

  static const Hotspot* find(const ScanResults& results, const std::string& id) {
    for (const Hotspot& h : results.hotspots) {
      if (h.id == id) return &h;
    }
    return nullptr;
  }

  fs::path root_;
  StoreOptions options_;
  Judge judge_ = test_judge();
};

}  // namespace zw::store_test
