#pragma once
// Scenes: a dated raster (multi-band file or folder of one file per band) whose bands are
// mapped to spectral roles by a sensor profile.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/pipeline/config.hpp"
#include "zonewatch/pipeline/sensor_profile.hpp"

namespace zw {

struct BandFile {
  std::string path;
  int band = 1;  // 1-based
};

struct Scene {
  std::string label;  // "before" or "after", used in messages
  SceneOptions options;
  SensorProfile profile;
  std::array<std::optional<BandFile>, kernels::kBandRoleCount> bands{};
  std::optional<BandFile> alpha;
  /// Why a declared role is absent (file not found, band index past the band count).
  std::array<std::string, kernels::kBandRoleCount> missing_reason{};

  [[nodiscard]] bool has(kernels::BandRole role) const { return bands[static_cast<int>(role)].has_value(); }
  [[nodiscard]] const BandFile& band(kernels::BandRole role) const { return *bands[static_cast<int>(role)]; }
  /// Distinct files the scene reads, in role order.
  [[nodiscard]] std::vector<std::string> files() const;
};

/// Finds the files and bands of every role the profile declares. Throws InputError when the
/// path does not exist or holds no raster at all.
Scene resolve_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile);

/// Throws InputError naming the scene, the file or folder and the band when a role is absent.
void require_bands(const Scene& scene, const std::vector<kernels::BandRole>& roles,
                   const std::string& needed_by);

}  // namespace zw
