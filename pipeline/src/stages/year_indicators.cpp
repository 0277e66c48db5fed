#include "zonewatch/pipeline/stages/year_indicators.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/zonal_means.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {
namespace {

using kernels::BandRole;
using kernels::ConstTileView;
using kernels::LandClass;
using kernels::RseiComponent;
using kernels::Tile;
using kernels::Window;

constexpr int kComponents = kernels::kRseiComponentCount;
constexpr std::array<BandRole, 6> kSpectralRoles{BandRole::blue, BandRole::green, BandRole::red,
                                                 BandRole::nir,  BandRole::swir1, BandRole::swir2};
constexpr std::array<const char*, kComponents> kComponentRasters{"rsei_greenness", "rsei_wetness", "rsei_heat",
                                                                 "rsei_dryness"};
constexpr auto kNodataClass = static_cast<std::uint8_t>(LandClass::nodata);

// Unit means, in this order, then the land-class areas.
enum UnitPlane : int { ndvi_plane = 0, fvc_plane, rsei_plane, first_component_plane };
constexpr int kUnitPlanes = first_component_plane + kComponents;

// Working set per pixel of a tile in flight: raw bands (up to 16 bit) and their reflectance,
// the thermal band, the planes and the classes.
constexpr double kBytesPerPixel = 6 * 2 + 6 * 4 + 2 + 4 + (3 + 2 * kComponents) * 4 + 2;

bool has_roles(const Scene& scene, std::initializer_list<BandRole> roles) {
  for (BandRole role : roles) {
    if (!scene.has(role)) return false;
  }
  return true;
}

std::size_t index_of(RseiComponent component) { return static_cast<std::size_t>(component); }

/// The scene's bands (and thermal band) over one window.
struct RawYearTile {
  Window window;
  RawSceneTile scene, thermal;
};

class YearReader {
 public:
  YearReader(const YearScene& year, const AnalysisGrid& grid, bool with_thermal)
      : reader_(year.scene, grid, std::vector<BandRole>(kSpectralRoles.begin(), kSpectralRoles.end())) {
    if (with_thermal) {
      thermal_scene_ = thermal_radiance_scene(year.scene, *year.thermal);
      thermal_ = std::make_unique<SceneReader>(thermal_scene_, grid, std::vector<BandRole>{kThermalRadianceRole});
    }
  }
  RawYearTile read(const Window& window) {
    RawYearTile tile;
    tile.window = window;
    reader_.read(window, tile.scene);
    if (thermal_) thermal_->read(window, tile.thermal);
    return tile;
  }
  [[nodiscard]] const Scene& thermal_scene() const { return thermal_scene_; }

 private:
  SceneReader reader_;
  Scene thermal_scene_;
  std::unique_ptr<SceneReader> thermal_;
};

/// The per-pixel planes of one tile.
struct TilePlanes {
  Window window;
  Tile<float> ndvi;
  std::array<Tile<float>, kComponents> components;  // raw values (heat in kelvin); empty when absent
                                                    // and for greenness (NDVI itself)
  Tile<std::uint8_t> land;
  Tile<std::uint8_t> land_mask;  // 1 where neither water nor no data: what the fit and RSEI use
};

TilePlanes compute_planes(RawYearTile& raw, const YearScene& year, const Scene* thermal_scene,
                          const std::array<bool, kComponents>& components, const YearIndicatorOptions& options) {
  TilePlanes planes;
  planes.window = raw.window;
  const int w = raw.window.width, h = raw.window.height;
  const ReflectanceTile reflectance = to_reflectance_tile(
      raw.scene, year.scene.profile, std::vector<BandRole>(kSpectralRoles.begin(), kSpectralRoles.end()));
  raw.scene = RawSceneTile{};
  const kernels::BandSet bands = reflectance.band_set();

  planes.ndvi = Tile<float>(w, h, kernels::kUninitialized);
  kernels::compute_index(kernels::SpectralIndex::ndvi, bands, planes.ndvi.view());
  planes.land = Tile<std::uint8_t>(w, h, kernels::kUninitialized);
  kernels::compute_land_class(bands, options.land, planes.land.view());
  planes.land_mask = Tile<std::uint8_t>(w, h, kernels::kUninitialized);
  const auto& land = planes.land.values();
  auto& mask = planes.land_mask.values();
  for (std::size_t i = 0; i < land.size(); ++i) {
    mask[i] = land[i] != kNodataClass && land[i] != static_cast<std::uint8_t>(LandClass::water) ? 1 : 0;
  }

  // Greenness is NDVI (Xu 2013): component_tile() hands out planes.ndvi for it.
  if (components[index_of(RseiComponent::wetness)]) {
    auto& wetness = planes.components[index_of(RseiComponent::wetness)];
    wetness = Tile<float>(w, h, kernels::kUninitialized);
    kernels::compute_wetness(*year.wetness, bands, wetness.view());
  }
  if (components[index_of(RseiComponent::dryness)]) {
    auto& dryness = planes.components[index_of(RseiComponent::dryness)];
    dryness = Tile<float>(w, h, kernels::kUninitialized);
    kernels::compute_ndbsi(bands, dryness.view());
  }
  if (components[index_of(RseiComponent::heat)]) {
    const ReflectanceTile radiance = to_reflectance_tile(raw.thermal, thermal_scene->profile, {kThermalRadianceRole});
    raw.thermal = RawSceneTile{};
    auto& heat = planes.components[index_of(RseiComponent::heat)];
    heat = Tile<float>(w, h, kernels::kUninitialized);
    const auto& in = radiance[kThermalRadianceRole].values();
    auto& out = heat.values();
    for (std::size_t i = 0; i < in.size(); ++i) {
      out[i] = kernels::brightness_temperature_from_radiance(in[i], year.thermal->calibration);
    }
  }
  return planes;
}

/// The raw values of a component over the tile; empty when the scene lacks it.
const Tile<float>& component_tile(const TilePlanes& planes, std::size_t component) {
  return component == index_of(RseiComponent::greenness) ? planes.ndvi : planes.components[component];
}

kernels::RseiComponentViews component_views(const TilePlanes& planes) {
  kernels::RseiComponentViews views{};
  for (std::size_t c = 0; c < views.size(); ++c) {
    if (!component_tile(planes, c).values().empty()) views[c] = component_tile(planes, c).view();
  }
  return views;
}

std::string component_name(int component) {
  return std::string(kComponentRasters[static_cast<std::size_t>(component)]).substr(5);  // drop "rsei_"
}

TilePlan plan_for(const AnalysisGrid& grid, const ProcessingOptions& processing) {
  // Sides in multiples of the archive's chunks, so each chunk is written once.
  return plan_tiles(grid.width, grid.height, processing,
                    {.bytes_per_pixel = kBytesPerPixel,
                     .tokens = default_tile_tokens(),
                     .multiple = kArchiveChunkSide,
                     .min_side = kArchiveChunkSide,
                     .max_side = 16 * kArchiveChunkSide});
}

}  // namespace

void YearIndicatorOptions::validate() const {
  if (!(fvc.soil_percentile >= 0.0 && fvc.soil_percentile < fvc.vegetation_percentile &&
        fvc.vegetation_percentile <= 1.0)) {
    throw ConfigError("indicators.fvc: expected 0 <= soil_percentile < vegetation_percentile <= 1");
  }
  if (!(rsei.low_percentile >= 0.0 && rsei.low_percentile < rsei.high_percentile && rsei.high_percentile <= 1.0)) {
    throw ConfigError("indicators.rsei: expected 0 <= low_percentile < high_percentile <= 1");
  }
}

std::array<bool, kComponents> available_components(const YearScene& year) {
  const Scene& s = year.scene;
  std::array<bool, kComponents> present{};
  present[index_of(RseiComponent::greenness)] = has_roles(s, {BandRole::red, BandRole::nir});
  present[index_of(RseiComponent::wetness)] =
      year.wetness.has_value() &&
      has_roles(s, {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir, BandRole::swir1, BandRole::swir2});
  present[index_of(RseiComponent::heat)] = year.thermal.has_value();
  present[index_of(RseiComponent::dryness)] =
      has_roles(s, {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir, BandRole::swir1});
  return present;
}

RseiCalibration fit_calibration(const YearScene& year, int reference_year, const AnalysisGrid& grid,
                                const YearIndicatorOptions& options, const ProcessingOptions& processing,
                                const ProgressCallback& progress) {
  options.validate();
  const auto present = available_components(year);
  if (!present[index_of(RseiComponent::greenness)]) {
    throw InputError(year.scene.options.path + ": the scene has no red and nir bands, so no NDVI to assess");
  }
  require_bands(year.scene, {BandRole::green, BandRole::red, BandRole::nir}, "the land classes");
  YearReader reader(year, grid, present[index_of(RseiComponent::heat)]);
  const TilePlan plan = plan_for(grid, processing);
  struct Fit {
    kernels::RseiAccumulator rsei;
    kernels::NdviHistogramAccumulator ndvi;
  };
  Fit total{kernels::RseiAccumulator(present), kernels::NdviHistogramAccumulator()};
  int done = 0;
  run_tiles(
      plan.count(), default_tile_tokens(), [&](int index) { return reader.read(plan.core(index)); },
      [&](RawYearTile& raw) {
        const TilePlanes planes = compute_planes(raw, year, &reader.thermal_scene(), present, options);
        Fit fit{kernels::RseiAccumulator(present), kernels::NdviHistogramAccumulator()};
        fit.rsei.accumulate(component_views(planes), planes.land_mask.view());
        fit.ndvi.accumulate(planes.ndvi.view(), planes.land_mask.view());
        return fit;
      },
      [&](Fit&& fit) {
        total.rsei.merge(fit.rsei);
        total.ndvi.merge(fit.ndvi);
        if (progress) progress(static_cast<double>(++done) / plan.count(), "calibrating");
      });
  if (total.rsei.count() == 0) {
    throw InputError(year.scene.options.path + ": no valid land pixel on the grid to calibrate RSEI on");
  }
  RseiCalibration calibration;
  calibration.reference_year = reference_year;
  calibration.model = total.rsei.finalize(options.rsei);
  const kernels::FvcEndmembers endmembers = total.ndvi.finalize(options.fvc);
  calibration.soil_ndvi = endmembers.ndvi_soil;
  calibration.vegetation_ndvi = endmembers.ndvi_vegetation;
  auto log = logger("indicators");
  std::string loadings;
  for (int c = 0; c < kComponents; ++c) {
    const auto i = static_cast<std::size_t>(c);
    if (calibration.model.present[i])
      loadings += " " + component_name(c) + "=" + std::to_string(calibration.model.loadings[i]);
  }
  log->info(
      "{}: RSEI calibrated on {} ({} pixels): loadings{}, PC1 explains {:.1f} %; FVC endmembers NDVI {:.3f} / {:.3f}",
      year.scene.options.path, reference_year, total.rsei.count(), loadings,
      100.0 * calibration.model.explained_variance, calibration.soil_ndvi, calibration.vegetation_ndvi);
  return calibration;
}

std::vector<UnitYearIndicators> compute_year_indicators(const YearScene& year, const AnalysisGrid& grid,
                                                        const std::vector<ControlUnit>& units,
                                                        const RseiCalibration& calibration,
                                                        const YearIndicatorOptions& options,
                                                        const ProcessingOptions& processing, ArchiveYearWriter& writer,
                                                        const ProgressCallback& progress) {
  options.validate();
  const kernels::RseiModel& model = calibration.model;
  const auto available = available_components(year);
  for (int c = 0; c < kComponents; ++c) {
    const auto i = static_cast<std::size_t>(c);
    if (model.present[i] && !available[i]) {
      throw InputError(year.scene.options.path + ": the archive's RSEI was calibrated with the " + component_name(c) +
                       " component (reference year " + std::to_string(calibration.reference_year) +
                       "), which this scene cannot give; RSEI with and without it do not compare");
    }
  }
  require_bands(year.scene, {BandRole::green, BandRole::red, BandRole::nir}, "the land classes");
  const kernels::FvcEndmembers endmembers{calibration.soil_ndvi, calibration.vegetation_ndvi};
  const TilePlan plan = plan_for(grid, processing);
  YearReader reader(year, grid, model.present[index_of(RseiComponent::heat)]);

  std::vector<Window> unit_windows;
  for (const ControlUnit& unit : units) {
    unit_windows.push_back(kernels::covered_window(unit.pixel_rings, grid.width, grid.height));
  }
  const auto new_unit_sums = [] {
    return kernels::ZonalMeansAccumulator(kUnitPlanes, kernels::kLandClassCount, kNodataClass);
  };
  std::vector<kernels::ZonalMeansAccumulator> unit_sums(units.size(), new_unit_sums());

  struct TileResult {
    Window window;
    Tile<float> ndvi, fvc, rsei;
    std::array<Tile<float>, kComponents> normalized;  // empty when absent
    Tile<std::uint8_t> land;
    std::vector<std::pair<std::size_t, kernels::ZonalMeansAccumulator>> unit_sums;
  };
  int done = 0;
  run_tiles(
      plan.count(), default_tile_tokens(), [&](int index) { return reader.read(plan.core(index)); },
      [&](RawYearTile& raw) {
        TilePlanes planes = compute_planes(raw, year, &reader.thermal_scene(), model.present, options);
        TileResult result;
        result.window = planes.window;
        const int w = planes.window.width, h = planes.window.height;
        const std::size_t pixels = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
        result.fvc = Tile<float>(w, h, kernels::kUninitialized);
        kernels::compute_fvc(planes.ndvi.view(), endmembers, result.fvc.view());
        result.rsei = Tile<float>(w, h, kernels::kUninitialized);
        kernels::compute_rsei(component_views(planes), model, result.rsei.view());
        const auto& mask = planes.land_mask.values();
        for (std::size_t p = 0; p < pixels; ++p) {
          if (mask[p] == 0) result.rsei.values()[p] = kernels::kNaN;  // no RSEI on water
        }
        Tile<float> no_values;
        for (int c = 0; c < kComponents; ++c) {
          const auto i = static_cast<std::size_t>(c);
          if (!model.present[i]) continue;
          result.normalized[i] = Tile<float>(w, h, kernels::kUninitialized);
          const auto& in = component_tile(planes, i).values();
          auto& out = result.normalized[i].values();
          for (std::size_t p = 0; p < pixels; ++p) {
            out[p] = mask[p] == 0 ? kernels::kNaN
                                  : kernels::normalize_component(in[p], model, static_cast<RseiComponent>(c));
          }
        }
        result.ndvi = std::move(planes.ndvi);
        result.land = std::move(planes.land);

        // Unit sums over the tile, weighted by exact coverage.
        std::array<ConstTileView<float>, kUnitPlanes> full{};
        full[ndvi_plane] = result.ndvi.view();
        full[fvc_plane] = result.fvc.view();
        full[rsei_plane] = result.rsei.view();
        for (int c = 0; c < kComponents; ++c) {
          const auto i = static_cast<std::size_t>(c);
          if (result.normalized[i].values().empty()) {
            if (no_values.values().empty()) no_values = Tile<float>(w, h, kernels::kNaN);
            full[static_cast<std::size_t>(first_component_plane + c)] = no_values.view();
          } else {
            full[static_cast<std::size_t>(first_component_plane + c)] = result.normalized[i].view();
          }
        }
        Tile<float> coverage;
        for (std::size_t u = 0; u < units.size(); ++u) {
          if (!kernels::windows_intersect(unit_windows[u], result.window)) continue;
          const Window part = kernels::intersection(unit_windows[u], result.window);
          coverage = Tile<float>(part.width, part.height);
          kernels::coverage_fractions(units[u].pixel_rings, part, coverage.view());
          const int x = part.x0 - result.window.x0, y = part.y0 - result.window.y0;
          std::array<ConstTileView<float>, kUnitPlanes> views{};
          for (std::size_t p = 0; p < views.size(); ++p) views[p] = full[p].sub(x, y, part.width, part.height);
          kernels::ZonalMeansAccumulator sums = new_unit_sums();
          sums.accumulate(coverage.view(), views, result.land.view().sub(x, y, part.width, part.height),
                          grid.row_areas_m2(part.y0, part.height));
          result.unit_sums.emplace_back(u, std::move(sums));
        }
        return result;
      },
      [&](TileResult&& result) {
        writer.write_tile("ndvi", result.window, result.ndvi.view());
        writer.write_tile("fvc", result.window, result.fvc.view());
        writer.write_tile("rsei", result.window, result.rsei.view());
        for (int c = 0; c < kComponents; ++c) {
          const auto i = static_cast<std::size_t>(c);
          if (!result.normalized[i].values().empty()) {
            writer.write_tile(kComponentRasters[i], result.window, result.normalized[i].view());
          }
        }
        // The archive's class raster marks no data with its own fill value.
        for (auto& code : result.land.values()) {
          if (code == kNodataClass) code = kArchiveClassFill;
        }
        writer.write_tile("land_class", result.window, kernels::ConstTileView<std::uint8_t>(result.land.view()));
        for (const auto& [unit, sums] : result.unit_sums) unit_sums[unit].merge(sums);
        if (progress) progress(static_cast<double>(++done) / plan.count(), "indicators");
      });

  std::vector<UnitYearIndicators> rows;
  rows.reserve(units.size());
  for (std::size_t u = 0; u < units.size(); ++u) {
    const kernels::ZonalMeans means = unit_sums[u].finalize();
    UnitYearIndicators row;
    row.unit_code = units[u].code;
    row.area_m2 = means.area_m2;
    row.valid_area_m2 = means.valid_area_m2;
    row.ndvi_mean = means.means[ndvi_plane];
    row.fvc_mean = means.means[fvc_plane];
    row.rsei_mean = means.means[rsei_plane];
    for (std::size_t c = 0; c < row.component_means.size(); ++c) {
      row.component_means[c] = means.means[first_component_plane + c];
    }
    row.water_area_m2 = means.class_area_m2[static_cast<std::size_t>(LandClass::water)];
    row.built_bare_area_m2 = means.class_area_m2[static_cast<std::size_t>(LandClass::built_bare)];
    row.vegetation_area_m2 = means.class_area_m2[static_cast<std::size_t>(LandClass::vegetation)];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace zw
