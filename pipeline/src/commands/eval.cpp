#include "zonewatch/pipeline/commands/eval.hpp"

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "zonewatch/kernels/patch_scoring.hpp"
#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::ChangeType;

void Confusion::merge(const Confusion& o) {
  true_positive += o.true_positive;
  false_positive += o.false_positive;
  false_negative += o.false_negative;
  true_negative += o.true_negative;
}

std::uint64_t Confusion::total() const { return true_positive + false_positive + false_negative + true_negative; }

namespace {
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

double Confusion::precision() const {
  return ratio(static_cast<double>(true_positive), static_cast<double>(true_positive + false_positive));
}
double Confusion::recall() const {
  return ratio(static_cast<double>(true_positive), static_cast<double>(true_positive + false_negative));
}
double Confusion::f1() const {
  const double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}
double Confusion::overall_accuracy() const {
  return ratio(static_cast<double>(true_positive + true_negative), static_cast<double>(total()));
}
double Confusion::kappa() const {
  const double n = static_cast<double>(total());
  if (n <= 0) return 0.0;
  const double tp = static_cast<double>(true_positive), fp = static_cast<double>(false_positive);
  const double fn = static_cast<double>(false_negative), tn = static_cast<double>(true_negative);
  const double observed = (tp + tn) / n;
  const double expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n);
  return expected < 1.0 ? (observed - expected) / (1.0 - expected) : 0.0;
}

namespace {

struct PairInputs {
  std::string name;
  SceneOptions before, after;
  std::string truth, truth_negative;
};

/// Reads a label raster window (first band, non-zero = marked) on the analysis grid.
class LabelRaster {
 public:
  LabelRaster(const std::string& path, const AnalysisGrid& grid) : path_(path) {
    if (path.empty()) return;
    dataset_ = open_raster(path);
    if (dataset_->GetRasterXSize() != grid.width || dataset_->GetRasterYSize() != grid.height) {
      throw InputError(path + ": labels are " + std::to_string(dataset_->GetRasterXSize()) + "x" +
                       std::to_string(dataset_->GetRasterYSize()) + " pixels, the analysis grid (before image) " +
                       std::to_string(grid.width) + "x" + std::to_string(grid.height));
    }
  }
  [[nodiscard]] bool present() const { return dataset_ != nullptr; }
  std::vector<std::uint8_t> read(kernels::Window w) {
    std::vector<std::uint8_t> values(static_cast<std::size_t>(w.pixel_count()));
    if (dataset_->GetRasterBand(1)->RasterIO(GF_Read, w.x0, w.y0, w.width, w.height, values.data(), w.width, w.height,
                                             GDT_Byte, 0, 0, nullptr) != CE_None) {
      throw InputError(path_ + ": read failed" + gdal_error_suffix());
    }
    return values;
  }

 private:
  std::string path_;
  DatasetPtr dataset_;
};

SiteScore score_pair(const PairInputs& pair, const EvalOptions& options, const std::vector<ChangeType>& counted,
                     const ProgressCallback& progress) {
  const auto dirs = sensor_search_dirs({});
  const std::string sensor = options.sensor.empty() ? "sentinel2-l1c" : options.sensor;
  const SensorProfile profile = load_sensor_profile(sensor, dirs);
  const Scene before = resolve_scene("before", pair.before, profile);
  const Scene after = resolve_scene("after", pair.after, profile);
  AnalysisGrid grid = make_analysis_grid(before, GridOptions{});
  if (options.pixel_size_m > 0.0) {
    if (!grid.crs_wkt.empty()) {
      throw UsageError("eval: --pixel-size is for images without georeferencing, and " + pair.before.path +
                       " has a coordinate system that gives its pixel size");
    }
    grid.linear_unit_m = options.pixel_size_m;
  }
  check_overlap(grid, after);
  LabelRaster truth(pair.truth, grid);
  LabelRaster negative(pair.truth_negative, grid);

  SiteScore score;
  score.site = pair.name;
  const fs::path work = fs::temp_directory_path() / ("zonewatch-eval-" + std::to_string(::getpid()));
  std::array<bool, 256> is_counted{};
  for (ChangeType t : counted) is_counted[static_cast<std::size_t>(t)] = true;
  // Whole-image truth (kernels::kTruth*) and patch ids of counted types, for patch scoring
  // (eval scenes are small). The ids are the detector's final patches, after cleanup and
  // the minimum mapping unit, i.e. what an inspector would be sent to.
  const std::size_t image_width = static_cast<std::size_t>(grid.width);
  kernels::Tile<std::uint8_t> truth_image(grid.width, grid.height, kernels::kTruthUnchanged);
  kernels::Tile<std::uint32_t> patch_image(grid.width, grid.height, 0u);
  const std::vector<ControlUnit> no_units;
  const DetectionResult result = run_detection(
      {before, after, grid, no_units}, options.detection, options.processing, work,
      [&](kernels::Window core, kernels::ConstTileView<std::uint8_t> classes,
          kernels::ConstTileView<std::uint32_t> patch_ids) {
        const auto marked = truth.read(core);
        const auto unchanged = negative.present() ? negative.read(core) : std::vector<std::uint8_t>{};
        for (int y = 0; y < core.height; ++y) {
          for (int x = 0; x < core.width; ++x) {
            const std::size_t i =
                static_cast<std::size_t>(y) * static_cast<std::size_t>(core.width) + static_cast<std::size_t>(x);
            const bool changed = marked[i] != 0;
            const bool predicted = is_counted[classes(x, y)];
            const std::size_t image_i =
                static_cast<std::size_t>(core.y0 + y) * image_width + static_cast<std::size_t>(core.x0 + x);
            if (predicted) patch_image.values()[image_i] = patch_ids(x, y);
            // Sparse labels: only pixels marked in one of the two rasters are scored.
            if (negative.present() && !changed && unchanged[i] == 0) {
              truth_image.values()[image_i] = kernels::kTruthUnlabelled;
              continue;
            }
            if (changed) truth_image.values()[image_i] = kernels::kTruthChange;
            if (predicted && changed)
              ++score.confusion.true_positive;
            else if (predicted)
              ++score.confusion.false_positive;
            else if (changed)
              ++score.confusion.false_negative;
            else
              ++score.confusion.true_negative;
          }
        }
      },
      progress);
  std::error_code ec;
  fs::remove_all(work, ec);
  score.threshold = result.statistics.threshold;
  score.patches = kernels::score_patches(truth_image.view(), patch_image.view());
  return score;
}

std::vector<ChangeType> counted_types(const std::vector<std::string>& names) {
  std::vector<ChangeType> types;
  for (const auto& name : names) {
    const auto t = kernels::change_type_from_string(name);
    if (!t || !kernels::is_change(*t)) {
      throw UsageError("--change-types: '" + name + "' is not a change type (expected " +
                       kernels::change_type_listing() + ")");
    }
    types.push_back(*t);
  }
  if (types.empty()) {
    for (int t = 1; t < kernels::kChangeTypeCount; ++t) types.push_back(static_cast<ChangeType>(t));
  }
  return types;
}

}  // namespace

EvalReport run_eval(const EvalOptions& options, const ProgressCallback& progress) {
  init_gdal();
  const auto counted = counted_types(options.change_types);
  std::vector<PairInputs> pairs;
  if (!options.suite_dir.empty()) {
    if (!options.before.empty() || !options.after.empty())
      throw UsageError("eval: give --suite or --before/--after, not both");
    if (!fs::is_directory(options.suite_dir)) throw InputError(options.suite_dir + ": not a folder");
    std::vector<fs::path> sites;
    for (const auto& entry : fs::directory_iterator(options.suite_dir)) {
      if (entry.is_directory()) sites.push_back(entry.path());
    }
    std::sort(sites.begin(), sites.end());
    for (const auto& site : sites) {
      // Unlabelled sites (e.g. OSCD's chongqing) cannot be scored.
      if (!fs::exists(site / "change.tif") || !fs::is_directory(site / "imgs_1") ||
          !fs::is_directory(site / "imgs_2")) {
        logger("eval")->info("{}: skipped: not a labelled site (it needs imgs_1, imgs_2 and change.tif)",
                             site.string());
        continue;
      }
      PairInputs pair;
      pair.name = site.filename().string();
      pair.before = {(site / "imgs_1").string(), "", ""};
      pair.after = {(site / "imgs_2").string(), "", ""};
      pair.truth = (site / "change.tif").string();
      pairs.push_back(pair);
    }
    if (pairs.empty()) throw InputError(options.suite_dir + ": no site with imgs_1, imgs_2 and change.tif");
  } else {
    if (options.before.empty() || options.after.empty() || options.truth.empty()) {
      throw UsageError("eval: give --suite DIR, or --before A --after B --truth T");
    }
    if (options.sensor.empty()) throw UsageError("eval: --sensor is required with --before/--after");
    PairInputs pair;
    pair.name = fs::path(options.before).parent_path().filename().string();
    if (pair.name.empty()) pair.name = fs::path(options.before).stem().string();
    pair.before = {options.before, "", ""};
    pair.after = {options.after, "", ""};
    pair.truth = options.truth;
    pair.truth_negative = options.truth_negative;
    pairs.push_back(pair);
  }
  EvalReport report;
  for (const auto& pair : pairs) {
    // Named first, so that the stages' warnings below it are read as this site's.
    logger("eval")->info("{}: scoring {} against {}", pair.name, pair.after.path, pair.truth);
    report.sites.push_back(score_pair(pair, options, counted, progress));
    report.pooled.merge(report.sites.back().confusion);
    report.pooled_patches.merge(report.sites.back().patches);
  }
  return report;
}

std::string format_eval_report(const EvalReport& report) {
  std::string out;
  char line[512];
  // Pixel columns, then patches: scored detected patches, labelled change objects, patch
  // precision, recall and F1.
  std::snprintf(line, sizeof line, "%-14s %10s %9s %9s %9s %9s %9s %7s %7s %7s %7s %8s %8s %7s %7s %7s\n", "site",
                "scored", "TP", "FP", "FN", "threshold", "accuracy", "prec", "recall", "F1", "kappa", "patches",
                "objects", "p.prec", "p.rec", "p.F1");
  out += line;
  for (const auto& s : report.sites) {
    const auto& c = s.confusion;
    const auto& pc = s.patches;
    std::snprintf(line, sizeof line,
                  "%-14s %10llu %9llu %9llu %9llu %9.3f %9.3f %7.3f %7.3f %7.3f %7.3f %8llu %8llu %7.3f %7.3f %7.3f\n",
                  s.site.c_str(), static_cast<unsigned long long>(c.total()),
                  static_cast<unsigned long long>(c.true_positive), static_cast<unsigned long long>(c.false_positive),
                  static_cast<unsigned long long>(c.false_negative), s.threshold, c.overall_accuracy(), c.precision(),
                  c.recall(), c.f1(), c.kappa(), static_cast<unsigned long long>(pc.scored_patches),
                  static_cast<unsigned long long>(pc.truth_objects), pc.precision(), pc.recall(), pc.f1());
    out += line;
  }
  const auto& p = report.pooled;
  std::snprintf(line, sizeof line,
                "pooled: precision %.3f recall %.3f f1 %.3f kappa %.3f accuracy %.3f (%zu sites, %llu pixels)\n",
                p.precision(), p.recall(), p.f1(), p.kappa(), p.overall_accuracy(), report.sites.size(),
                static_cast<unsigned long long>(p.total()));
  out += line;
  const auto& pp = report.pooled_patches;
  std::snprintf(line, sizeof line,
                "pooled patches: precision %.3f recall %.3f f1 %.3f (%llu of %llu scored patches hit, %llu "
                "detected; %llu of %llu change objects found)\n",
                pp.precision(), pp.recall(), pp.f1(), static_cast<unsigned long long>(pp.hit_patches),
                static_cast<unsigned long long>(pp.scored_patches),
                static_cast<unsigned long long>(pp.detected_patches), static_cast<unsigned long long>(pp.found_objects),
                static_cast<unsigned long long>(pp.truth_objects));
  out += line;
  return out;
}

namespace {

nlohmann::json pixels_json(const Confusion& c) {
  return {{"scored", c.total()},
          {"true_positive", c.true_positive},
          {"false_positive", c.false_positive},
          {"false_negative", c.false_negative},
          {"true_negative", c.true_negative},
          {"precision", c.precision()},
          {"recall", c.recall()},
          {"f1", c.f1()},
          {"kappa", c.kappa()},
          {"accuracy", c.overall_accuracy()}};
}

nlohmann::json patches_json(const kernels::PatchCounts& p) {
  return {{"detected", p.detected_patches}, {"scored", p.scored_patches},
          {"hits", p.hit_patches},          {"objects", p.truth_objects},
          {"found", p.found_objects},       {"precision", p.precision()},
          {"recall", p.recall()},           {"f1", p.f1()}};
}

}  // namespace

nlohmann::json eval_report_json(const EvalReport& report) {
  nlohmann::json sites = nlohmann::json::array();
  for (const auto& s : report.sites) {
    sites.push_back({{"site", s.site},
                     {"threshold", s.threshold},
                     {"pixels", pixels_json(s.confusion)},
                     {"patches", patches_json(s.patches)}});
  }
  return {{"sites", std::move(sites)},
          {"pooled", {{"pixels", pixels_json(report.pooled)}, {"patches", patches_json(report.pooled_patches)}}}};
}

namespace commands {

std::string eval(EvalOptions options, const std::string& config_path, const std::vector<std::string>& sets,
                 const ProgressCallback& progress, bool json) {
  options.detection = load_detection_options(config_path, sets);
  const EvalReport report = run_eval(options, progress);
  return json ? eval_report_json(report).dump(2) + "\n" : format_eval_report(report);
}

}  // namespace commands

}  // namespace zw
