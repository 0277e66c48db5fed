#pragma once
// Scenes: a dated raster (multi-band file or folder of one file per band) whose bands are
// mapped to spectral roles by a sensor profile.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/quality.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"

namespace zw {

struct BandFile {
  std::string path;
  int band = 1;  // 1-based
};

/// A quality (cloud / fill) band: read onto the grid with nearest-neighbour resampling,
/// decoded by kernels::decode_quality and ANDed into the validity mask.
struct QualityBand {
  std::string path;
  int band = 1;  // 1-based
  kernels::QualityEncoding encoding = kernels::QualityEncoding::nonzero_is_clear;
};

struct Scene {
  std::string label;  // "before" or "after", used in messages
  SceneOptions options;
  SensorProfile profile;
  std::array<std::optional<BandFile>, kernels::kBandRoleCount> bands{};
  std::optional<BandFile> alpha;
  std::optional<QualityBand> quality;
  /// Why a declared role is absent (file not found, band index past the band count).
  std::array<std::string, kernels::kBandRoleCount> missing_reason{};

  [[nodiscard]] bool has(kernels::BandRole role) const { return bands[static_cast<int>(role)].has_value(); }
  [[nodiscard]] const BandFile& band(kernels::BandRole role) const { return *bands[static_cast<int>(role)]; }
  /// Distinct files the scene reads, in role order.
  [[nodiscard]] std::vector<std::string> files() const;
};

/// Finds the files and bands of every role the profile declares. Throws InputError when the
/// path does not exist or holds no raster at all.
/// A product path (a Sentinel-2 .SAFE folder, a Landsat *_MTL.txt or a folder holding exactly
/// one) is resolved from its metadata (catalog.hpp): band files, per-band scale/offset and
/// the quality band; options.date/sensor, when empty, are filled in from it.
Scene resolve_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile);

/// Throws InputError naming the scene, the file or folder and the band when a role is absent.
void require_bands(const Scene& scene, const std::vector<kernels::BandRole>& roles, const std::string& needed_by);

}  // namespace zw
