#include "zonewatch/pipeline/stages/composite.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <span>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/overview.hpp"
#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/raster_writer.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;
using kernels::Tile;
using kernels::Window;

std::vector<BandRole> common_roles(const std::vector<Scene>& scenes) {
  std::vector<BandRole> roles;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto role = static_cast<BandRole>(r);
    if (!scenes.empty() && std::all_of(scenes.begin(), scenes.end(), [&](const Scene& s) { return s.has(role); })) {
      roles.push_back(role);
    }
  }
  return roles;
}

namespace {

/// Days since 1970-01-01 of a scene or period date (validated upstream: a bad one is a bug).
long long days_of(const std::string& date) {
  const auto parsed = Date::parse_iso(date);
  if (!parsed) throw InternalError("'" + date + "' is not a calendar date YYYY-MM-DD");
  return parsed->days();
}

}  // namespace

float date_score(const std::string& date, const std::string& first, const std::string& last) {
  const double f = static_cast<double>(days_of(first)), l = static_cast<double>(days_of(last));
  const double half = (l - f) / 2.0;
  if (half <= 0.0) return 1.0f;
  const double distance = std::abs(static_cast<double>(days_of(date)) - (f + l) / 2.0);
  return static_cast<float>(std::clamp(1.0 - distance / half, 0.0, 1.0));
}

nlohmann::json CompositeResult::to_json() const {
  nlohmann::json bands = nlohmann::json::array();
  for (BandRole r : roles) bands.push_back(std::string(kernels::to_string(r)));
  nlohmann::json observations = nlohmann::json::array();
  for (std::size_t i = 0; i < scene_paths.size(); ++i) {
    observations.push_back({{"path", scene_paths[i]}, {"date", scene_dates[i]}});
  }
  return {{"path", path.string()},
          {"bands", bands},
          {"count_band", count_band},
          {"scenes", observations},
          {"median_date", median_date},
          {"pixels", pixels},
          {"pixels_without_clear_observation", pixels_without_clear},
          {"mean_clear_observations", mean_clear_count},
          {"tile_size", tile_size},
          {"seconds", seconds}};
}

namespace {

constexpr int kBlock = 256;
constexpr double kReflectanceScale = 10000.0;
constexpr std::int16_t kNoData = -32768;

/// Per pixel of a tile in flight: raw (up to 4 bytes) and float reflectance of every band of
/// every scene, their masks, the float composite, the count and the encoded output.
double bytes_per_pixel(std::size_t scenes, std::size_t bands) {
  return static_cast<double>(scenes) * (static_cast<double>(bands) * 8.0 + 1.0) + static_cast<double>(bands) * 6.0 +
         6.0;
}

/// The composite's GeoTIFF: one Int16 band per role (reflectance x 10000) then the clear
/// count, tiled like the other rasters on the grid (the intermediate the COG is made from; the
/// writer picks the codecs).
RasterWriterOptions composite_raster(const std::vector<BandRole>& roles, const CompositeOptions& options,
                                     const std::string& scene_list) {
  const std::string block = std::to_string(kBlock);
  RasterWriterOptions raster;
  raster.bands = static_cast<int>(roles.size()) + 1;
  raster.type = GDT_Int16;
  raster.creation_options = {"TILED=YES",
                             "BLOCKXSIZE=" + block,
                             "BLOCKYSIZE=" + block,
                             "PREDICTOR=2",
                             "INTERLEAVE=BAND",
                             "BIGTIFF=IF_SAFER",
                             "NUM_THREADS=" + gdal_thread_count()};
  for (BandRole role : roles) {
    raster.band_info.push_back({std::string(kernels::to_string(role)), kNoData, 1.0 / kReflectanceScale, 0.0});
  }
  raster.band_info.push_back({"clear_count", kNoData, {}, {}});
  raster.metadata = {{"ZONEWATCH_COMPOSITE", std::string(kernels::to_string(options.method))},
                     {"ZONEWATCH_PERIOD", options.first + ".." + options.last},
                     {"ZONEWATCH_SCENES", scene_list}};
  return raster;
}

/// One tile window read from every scene.
struct CompositeInput {
  Window window;
  std::vector<RawSceneTile> raw;  // per scene
};

/// One composited tile, encoded for the writer.
struct CompositeWork {
  Window window;
  std::vector<std::int16_t> planes;  // encoded bands then the count, band-sequential
  /// The tile's part of each overview level (kernels::average_overviews), laid out as planes.
  std::vector<std::pair<Window, std::vector<std::int16_t>>> overviews;
  std::uint64_t without_clear = 0;
  std::uint64_t clear_sum = 0;
};

/// The tile's part of overview levels 1..`levels`: every plane of `work.planes` averaged
/// without its nodata (which the clear count, 0 or more, never takes).
void add_overviews(CompositeWork& work, std::size_t planes, int levels) {
  if (levels == 0) return;
  const Window& w = work.window;
  const std::size_t pixels = static_cast<std::size_t>(w.pixel_count());
  std::vector<kernels::Tile<std::int16_t>> plane_levels;
  for (std::size_t plane = 0; plane < planes; ++plane) {
    const kernels::ConstTileView<std::int16_t> view(work.planes.data() + plane * pixels, w.width, w.height);
    kernels::average_overviews<std::int16_t>(view, kNoData, levels, plane_levels);
    if (plane == 0) work.overviews.resize(plane_levels.size());
    for (std::size_t k = 0; k < plane_levels.size(); ++k) {
      const kernels::Tile<std::int16_t>& part = plane_levels[k];
      auto& [window, values] = work.overviews[k];
      if (plane == 0) {
        const int factor = 1 << (k + 1);
        window = Window{w.x0 / factor, w.y0 / factor, part.width(), part.height()};
        values.reserve(part.values().size() * planes);
      }
      values.insert(values.end(), part.values().begin(), part.values().end());
    }
  }
}

int role_index(const std::vector<BandRole>& roles, BandRole role) {
  const auto it = std::find(roles.begin(), roles.end(), role);
  return it == roles.end() ? -1 : static_cast<int>(it - roles.begin());
}

using Clock = std::chrono::steady_clock;

}  // namespace

CompositeResult build_composite(const std::vector<Scene>& scenes, const AnalysisGrid& grid,
                                const CompositeOptions& options, const ProcessingOptions& processing,
                                const fs::path& path, const ProgressCallback& progress) {
  const auto start = Clock::now();
  auto log = logger("composite");
  if (scenes.empty())
    throw InputError(options.label + " period " + options.first + ".." + options.last + ": no scene to composite");
  CompositeResult result;
  result.path = path;
  result.roles = common_roles(scenes);
  if (result.roles.empty()) {
    throw InputError(scenes.front().options.path + ": the " + std::to_string(scenes.size()) + " scenes of the " +
                     options.label + " period share no band role");
  }
  const std::size_t n = scenes.size();
  const std::size_t bands = result.roles.size();
  result.count_band = static_cast<int>(bands) + 1;

  kernels::CompositeSpec spec;
  spec.method = options.method;
  spec.red = role_index(result.roles, BandRole::red);
  spec.nir = role_index(result.roles, BandRole::nir);
  spec.green = role_index(result.roles, BandRole::green);
  spec.blue = role_index(result.roles, BandRole::blue);
  if (spec.method == kernels::CompositeMethod::max_ndvi &&
      (spec.red < 0 || (spec.nir < 0 && (spec.green < 0 || spec.blue < 0)))) {
    throw InputError(scenes.front().options.path + ": the " + options.label +
                     " period's max_ndvi composite needs red and nir (or red, green and blue) in every scene");
  }

  std::vector<float> scores(n, 0.0f);
  std::vector<long long> days;
  std::string scene_list;
  for (std::size_t i = 0; i < n; ++i) {
    const Scene& s = scenes[i];
    result.scene_paths.push_back(s.options.path);
    result.scene_dates.push_back(s.options.date);
    scene_list += (i ? ";" : "") + s.options.date + " " + s.options.path;
    if (!s.options.date.empty()) {
      days.push_back(days_of(s.options.date));
      if (options.method == kernels::CompositeMethod::best_available && !options.first.empty()) {
        scores[i] = date_score(s.options.date, options.first, options.last);
      }
    }
  }
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    const std::size_t mid = days.size() / 2;
    result.median_date = Date::from_days(days.size() % 2 == 1 ? days[mid] : (days[mid - 1] + days[mid]) / 2).iso();
  }

  std::vector<std::unique_ptr<SceneReader>> readers;
  for (const Scene& s : scenes) readers.push_back(std::make_unique<SceneReader>(s, grid, result.roles));
  // One tile in flight per worker and one being read: a composite tile holds every scene.
  const int tokens = tbb::this_task_arena::max_concurrency() + 1;
  const TilePlan plan = plan_tiles(grid.width, grid.height, processing,
                                   {.bytes_per_pixel = bytes_per_pixel(n, bands),
                                    .tokens = tokens,
                                    .multiple = kBlock,
                                    .min_side = kBlock,
                                    .max_side = 16 * kBlock});
  result.tile_size = std::max(plan.tile_width, plan.tile_height);
  log->info("{} period {}..{}: {} composite of {} scenes, bands {}, {} tiles of {} px", options.label, options.first,
            options.last, kernels::to_string(options.method), n, bands, plan.count(), result.tile_size);

  fs::create_directories(path.parent_path());
  // A Cloud Optimized GeoTIFF once closed: reflectance overviews are averages.
  RasterWriter writer(path, grid, composite_raster(result.roles, options, scene_list), CogOptions::for_reflectance());
  // The COG's averaged overviews from each tile while it is here, not by GDAL reading the
  // whole composite back in close() (12 scenes of 10980²: the layout took 16 s with GDAL's,
  // 8 s with these), for as many levels as the tiles split no block of.
  const int overview_levels = writer.provide_overviews(plan.aligned_halvings());
  int done = 0;
  run_tiles(
      plan.count(), tokens,
      [&](int index) {
        CompositeInput input;
        input.window = plan.core(index);
        input.raw.resize(n);
        // Readers are independent datasets: decode the scenes side by side.
        tsan_release(&input);
        tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
          tsan_acquire(&input);
          readers[i]->read(input.window, input.raw[i]);
          tsan_release(&input.raw[i]);
        });
        for (std::size_t i = 0; i < n; ++i) tsan_acquire(&input.raw[i]);
        return input;
      },
      [&](CompositeInput& input) {
        CompositeWork work;
        work.window = input.window;
        const int w = work.window.width, h = work.window.height;
        std::vector<ReflectanceTile> reflectance(n);
        std::vector<kernels::Observation> observations(n);
        for (std::size_t i = 0; i < n; ++i) {
          reflectance[i] = to_reflectance_tile(input.raw[i], scenes[i].profile, result.roles);
          input.raw[i] = RawSceneTile{};
          for (BandRole role : result.roles) observations[i].bands.push_back(reflectance[i][role].view());
          observations[i].score = scores[i];
        }
        std::vector<Tile<float>> composite;
        std::vector<kernels::TileView<float>> views;
        for (std::size_t b = 0; b < bands; ++b) composite.emplace_back(w, h);
        for (auto& t : composite) views.push_back(t.view());
        Tile<std::uint16_t> count(w, h);
        kernels::composite_tile(observations, spec, views, count.view());
        reflectance.clear();

        const std::size_t pixels = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
        work.planes.resize(pixels * (bands + 1));
        for (std::size_t b = 0; b < bands; ++b) {
          kernels::reflectance_to_int16(composite[b].values(), kReflectanceScale, kNoData,
                                        std::span<std::int16_t>(work.planes.data() + b * pixels, pixels));
        }
        std::int16_t* counts = work.planes.data() + bands * pixels;
        const auto& c = count.values();
        for (std::size_t p = 0; p < pixels; ++p) {
          counts[p] = static_cast<std::int16_t>(std::min<int>(c[p], 32767));
          work.clear_sum += c[p];
          work.without_clear += c[p] == 0 ? 1 : 0;
        }
        add_overviews(work, bands + 1, overview_levels);
        return work;
      },
      [&](CompositeWork&& work) {
        writer.write_bands<std::int16_t>(work.window, work.planes);
        for (std::size_t level = 0; level < work.overviews.size(); ++level) {
          const auto& [window, planes] = work.overviews[level];
          writer.write_overview_bands<std::int16_t>(static_cast<int>(level) + 1, window, planes);
        }
        result.pixels += static_cast<std::uint64_t>(work.window.pixel_count());
        result.pixels_without_clear += work.without_clear;
        result.mean_clear_count += static_cast<double>(work.clear_sum);
        ++done;
        if (progress) progress(static_cast<double>(done) / plan.count(), "compositing " + options.label);
      });
  readers.clear();
  writer.close();
  result.mean_clear_count = result.pixels > 0 ? result.mean_clear_count / static_cast<double>(result.pixels) : 0.0;

  // A scene over the composite, so detection reads it like any other.
  SensorProfile profile;
  profile.name = "composite";
  profile.description = std::string(kernels::to_string(options.method)) + " composite of " + std::to_string(n) +
                        " scenes, reflectance x10000";
  for (std::size_t b = 0; b < bands; ++b) {
    BandLocation location;
    location.index = static_cast<int>(b) + 1;
    profile.bands[static_cast<int>(result.roles[b])] = location;
  }
  profile.scale = 1.0 / kReflectanceScale;
  profile.offset = 0.0;
  profile.nodata = kNoData;
  SceneOptions scene_options;
  scene_options.path = path.string();
  scene_options.date = options.last.empty() ? result.median_date : options.last;
  scene_options.sensor = "composite";
  result.scene = resolve_scene(options.label, scene_options, profile);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  log->info("{} composite: {:.2f} clear observations per pixel on average, {} pixels without any; {:.1f} s",
            options.label, result.mean_clear_count, result.pixels_without_clear, result.seconds);
  return result;
}

CompositeResult composite_period(const ScanSide& side, const AnalysisGrid& grid, const ProcessingOptions& processing,
                                 const fs::path& path, const ProgressCallback& progress) {
  const CompositeOptions options{side.label, side.period.first, side.period.last, side.period.composite};
  return build_composite(side.scenes, grid, options, processing, path, progress);
}

std::string composite_file_name(const ScanSide& side) { return "composite_" + side.label + ".tif"; }
std::string composite_profile_file_name(const ScanSide& side) { return "composite_" + side.label + ".yaml"; }

void write_composite_profile(const CompositeResult& composite, const fs::path& path) {
  using nlohmann::json;
  const SensorProfile& profile = composite.scene.profile;
  std::ofstream out(path);
  out << "# The sensor profile of " << path.stem().string() << ".tif, written by zonewatch scan: reads the\n"
      << "# composite as a scene (zonewatch dispatch cuts its chips from it).\n";
  out << "name: " << json(profile.name).dump() << "\ndescription: " << json(profile.description).dump() << "\nbands:\n";
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto& band = profile.bands[static_cast<std::size_t>(r)];
    if (band)
      out << "  " << kernels::to_string(static_cast<kernels::BandRole>(r)) << ": {index: " << band->index << "}\n";
  }
  out << "scale: " << json(profile.scale).dump() << "\noffset: " << json(profile.offset).dump() << "\n";
  if (profile.nodata) out << "nodata: " << json(*profile.nodata).dump() << "\n";
  if (!out) throw OutputError(path.string() + ": write failed");
}

SceneOptions composite_scene_options(const ScanSide& side, const CompositeResult& composite,
                                     const fs::path& output_dir) {
  SceneOptions options = composite.scene.options;
  options.path = (output_dir / composite_file_name(side)).string();
  options.date = side.date;
  options.sensor = (output_dir / composite_profile_file_name(side)).string();
  return options;
}

}  // namespace zw
