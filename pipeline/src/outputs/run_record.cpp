#include "zonewatch/pipeline/outputs/run_record.hpp"

#include <cstdint>
#include <fstream>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {
using kernels::ChangeType;
using nlohmann::json;

json grid_record(const AnalysisGrid& grid) {
  return {
      {"crs_wkt", grid.crs_wkt}, {"geotransform", grid.geotransform}, {"width", grid.width}, {"height", grid.height}};
}

json detection_counts(const DetectionResult& detection, const AnalysisGrid& grid) {
  json changed_pixels = json::object();
  for (int t = 1; t < kernels::kChangeTypeCount; ++t) {
    changed_pixels[std::string(kernels::to_string(static_cast<ChangeType>(t)))] =
        detection.changed_pixels[static_cast<std::size_t>(t)];
  }
  return {{"pixels", static_cast<std::uint64_t>(grid.width) * static_cast<std::uint64_t>(grid.height)},
          {"valid_pixels", detection.valid_pixels},
          {"changed_pixels", changed_pixels},
          {"components", detection.components_before_mmu}};
}

json reported_counts(const ScanResults& reported) {
  std::map<std::string, int> by_severity{{"high", 0}, {"medium", 0}, {"low", 0}};
  std::map<std::string, int> by_type;
  for (const Hotspot& h : reported.hotspots) {
    ++by_severity[std::string(to_string(h.severity))];
    ++by_type[std::string(kernels::to_string(h.change_type))];
  }
  return {{"hotspots", reported.hotspots.size()}, {"hotspots_by_severity", by_severity}, {"hotspots_by_type", by_type}};
}

json composite_record(const CompositeResult& composite, const ScanSide& side,
                      const std::filesystem::path& output_path) {
  json record = composite.to_json();
  record["path"] = output_path.string();
  record["period"] = side.period.text();
  record["composite"] = std::string(kernels::to_string(side.period.composite));
  json skipped = json::array();
  for (const auto& [path, reason] : side.skipped) skipped.push_back({{"path", path}, {"reason", reason}});
  record["skipped"] = skipped;
  return record;
}

json make_run_record(const RunRecordParts& parts) {
  json counts = detection_counts(parts.detection, parts.grid);
  for (const json& section : {parts.hotspots.to_json(), reported_counts(parts.reported), parts.judge.to_json()}) {
    counts.update(section);
  }
  counts["units"] = parts.units;
  counts["units_repaired"] = parts.units_repaired;
  json run = {{"program", "zonewatch"},
              {"version", kVersion},
              {"finished_utc", now_utc()},
              {"config", parts.config.resolved},
              {"inputs", parts.inputs},
              {"grid", grid_record(parts.grid)},
              {"detection", parts.detection.to_json(parts.config.detection.normalize)},
              {"counts", counts},
              {"timings_s", parts.timings}};
  if (parts.store) run["store"] = parts.store->to_json();
  if (parts.quality) run["quality"] = *parts.quality;
  for (const auto& [label, record] : parts.composites) run["composites"][label] = record;
  return run;
}

void write_run_record(const json& record, const std::filesystem::path& path, const std::string& shown_as) {
  std::ofstream out(path);
  out << record.dump(2) << '\n';
  if (!out) throw OutputError(shown_as + ": write failed");
}

}  // namespace zw
