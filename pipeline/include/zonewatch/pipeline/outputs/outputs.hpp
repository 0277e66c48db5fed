#pragma once
// Result writers (GeoPackage, CSV, GeoJSON). Each file appears complete or not at all
// (core/atomic_output.hpp). Every failure throws zw::OutputError whose message starts with
// the file concerned.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

struct QualityResult;
struct WaterQualityResult;

/// The Chinese name of a change type as written in reports and attribute tables,
/// e.g. vegetation_loss -> 植被减少.
[[nodiscard]] std::string_view chinese_name(kernels::ChangeType type);

/// GeoPackage with layer `hotspots` (one polygon per hotspot, severity then area order)
/// and layer `units` (every control unit with its statistics and flag), both in
/// ScanResults::grid_crs_wkt. NaN values are written as NULL. Replaces an existing file.
/// With `quality` (the scan's environmental-quality step), the units layer also holds each
/// pollutant's period means and change and the unit's quality verdict. With `water` (the
/// scan's water-quality stage), a layer `water_bodies`: one polygon per water body with its
/// index medians, departures and flag.
void write_alerts_gpkg(const std::filesystem::path& path, const ScanResults& results,
                       const QualityResult* quality = nullptr, const WaterQualityResult* water = nullptr);

/// The hotspots table as UTF-8 CSV with a byte-order mark (so Excel shows Chinese),
/// RFC 4180 quoting and CRLF line ends; the hotspots layer's columns without geometry,
/// rows by severity (high first) then area (largest first). NaN cells are empty.
void write_hotspots_csv(const std::filesystem::path& path, const ScanResults& results);

/// The hotspots as an RFC 7946 GeoJSON FeatureCollection in WGS84 (longitude, latitude;
/// 7 decimals), same properties and order as the CSV. NaN properties are null.
void write_hotspots_geojson(const std::filesystem::path& path, const ScanResults& results);

}  // namespace zw
