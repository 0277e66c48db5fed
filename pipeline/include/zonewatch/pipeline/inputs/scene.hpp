#pragma once
// Scenes: a dated raster (multi-band file or folder of one file per band) whose bands are
// mapped to spectral roles by a sensor profile. A scene path is inspected once (its product
// metadata read, its date and sensor found); the scene's bands are resolved from that.
#include <array>
#include <filesystem>
#include <memory>
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

/// What a scene path's own metadata says: its product metadata file (Landsat MTL, Sentinel-2
/// MTD, the XML beside a Chinese-sensor raster) or, failing that, its file name. Empty where it
/// says nothing.
struct SceneMetadata {
  std::string date;     // acquisition date, YYYY-MM-DD
  std::string profile;  // the sensor profile the product calls for
  std::string source;   // where they come from: the metadata file, "the file name", or ""
};

/// The parsed metadata of a Landsat or Sentinel-2 product (MTL, MTD): where its band files,
/// per-band calibration and quality band come from. Defined in inputs/ (products.hpp).
struct ProductMetadata;

/// A scene path inspected once (inspect_scene): its metadata, and the options with date and
/// sensor filled in from it. resolve_scene finds the bands from this without reading the
/// path's metadata again.
struct InspectedScene {
  std::string label;  // "before" or "after", used in messages
  SceneOptions options;
  SceneMetadata metadata;
  std::shared_ptr<const ProductMetadata> product;  // a Landsat or Sentinel-2 product; null otherwise
};

struct Scene {
  std::string label;  // "before" or "after", used in messages
  SceneOptions options;
  /// What the path's metadata says, as inspected (InspectedScene::metadata): from inspect_scene
  /// and the catalog everything; from resolve_scene(label, options, profile) only what a
  /// product's MTL or MTD gives.
  SceneMetadata metadata;
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

/// Inspects a scene path once: a Sentinel-2 SAFE folder or MTD file, a Landsat MTL file or a
/// folder holding exactly one, a Chinese-sensor raster with its XML, or a date in the file name.
/// Date and sensor left empty in `options` are filled in from what it says; a value given is
/// kept (with a warning when the metadata disagrees). Throws InputError for a path that does not
/// exist (unless date and sensor are both given: resolve_scene reports it then) or whose
/// metadata is broken, and ConfigError "<label>.date: ..." / "<label>.sensor: ..." when neither
/// the options nor the metadata give one.
InspectedScene inspect_scene(const std::string& label, const SceneOptions& options);

/// Finds the files and bands of every role the profile declares. Throws InputError when the
/// path does not exist or holds no raster at all.
/// A product (a Sentinel-2 .SAFE folder, a Landsat *_MTL.txt or a folder holding exactly one)
/// is resolved from its parsed metadata: band files, per-band scale/offset and the quality
/// band.
Scene resolve_scene(const InspectedScene& inspected, const SensorProfile& profile);

/// resolve_scene for a path not inspected yet, with the profile given: reads a product's
/// metadata (MTL, MTD) for its bands (warning when options.date differs from its date);
/// options.date/sensor, when empty, are filled in from it.
Scene resolve_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile);

/// Throws InputError naming the scene, the file or folder and the band when a role is absent.
void require_bands(const Scene& scene, const std::vector<kernels::BandRole>& roles, const std::string& needed_by);

}  // namespace zw
