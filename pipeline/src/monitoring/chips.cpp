#include "zonewatch/pipeline/monitoring/chips.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "zonewatch/kernels/stretch.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

double scale_bar_metres(double width_m) {
  const double target = width_m / 4.0;
  const double power = std::pow(10.0, std::floor(std::log10(target)));
  for (double step : {5.0, 2.0, 1.0}) {
    if (step * power <= target) return step * power;
  }
  return power;
}

namespace {

void outlined_text(cv::Mat& image, const std::string& text, cv::Point at, double scale) {
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

}  // namespace

class ChipMaker::Renderer {
 public:
  Renderer(std::string store_crs, double store_metres_per_unit, int pixels)
      : store_crs_(std::move(store_crs)), unit_(store_metres_per_unit), pixels_(pixels) {}

  ChipPair make(const StoredHotspot& hotspot, const StoredScan& scan) {
    ChipPair chips;
    chips.before_date = scan.before.date;
    chips.after_date = scan.after.date;
    try {
      const auto& scenes = scenes_for(scan);
      OGRGeometryUniquePtr footprint = geo::from_wkt(hotspot.geometry_wkt, "hotspot " + hotspot.id);
      if (!footprint || footprint->IsEmpty()) {
        chips.problem = "the hotspot has no footprint";
        return chips;
      }
      OGREnvelope e;
      footprint->getEnvelope(&e);
      // Square window: the footprint with a margin of half its size, at least 150 m.
      const double size = std::max(e.MaxX - e.MinX, e.MaxY - e.MinY);
      const double side = size + 2.0 * std::max(0.5 * size, 150.0 / unit_);
      const double cx = (e.MinX + e.MaxX) / 2.0, cy = (e.MinY + e.MaxY) / 2.0;
      const double native = native_resolution(scan) / unit_;
      const double resolution = std::max(native, side / 400.0);  // at most 400 px read
      const int n = std::max(8, static_cast<int>(std::ceil(side / resolution)));
      AnalysisGrid grid;
      grid.crs_wkt = store_crs_;
      grid.geotransform = {cx - n * resolution / 2.0, resolution, 0.0, cy + n * resolution / 2.0, 0.0, -resolution};
      grid.width = grid.height = n;
      grid.linear_unit_m = unit_;

      std::array<std::array<kernels::Tile<float>, 3>, 2> bands;  // [scene][r,g,b]
      const std::array<kernels::BandRole, 3> roles{kernels::BandRole::red, kernels::BandRole::green,
                                                   kernels::BandRole::blue};
      for (int s = 0; s < 2; ++s) {
        const Scene& scene = s == 0 ? scenes.first : scenes.second;
        for (kernels::BandRole role : roles) {
          if (!scene.has(role)) {
            chips.problem = scene.label + " scene has no " + std::string(kernels::to_string(role)) + " band";
            return chips;
          }
        }
        SceneReader reader(scene, grid, {roles.begin(), roles.end()});
        ReflectanceTile reflectance = reader.read_reflectance(grid.full());
        for (std::size_t b = 0; b < 3; ++b) bands[static_cast<std::size_t>(s)][b] = std::move(reflectance[roles[b]]);
      }
      // One 2-98 % stretch per band over both dates, so colour differences are real.
      std::array<kernels::DisplayRange, 3> stretch{};
      for (std::size_t b = 0; b < 3; ++b) {
        std::vector<float> values;
        for (int s = 0; s < 2; ++s) {
          for (float v : bands[static_cast<std::size_t>(s)][b].values()) {
            if (kernels::is_valid(v)) values.push_back(v);
          }
        }
        stretch[b] = kernels::percentile_range(values);
      }
      const int scale = std::max(1, pixels_ / n);
      for (int s = 0; s < 2; ++s) {
        cv::Mat image(n, n, CV_8UC3);
        for (int y = 0; y < n; ++y) {
          auto* row = image.ptr<cv::Vec3b>(y);
          for (int x = 0; x < n; ++x) {
            for (std::size_t b = 0; b < 3; ++b) {
              const float v = bands[static_cast<std::size_t>(s)][b](x, y);
              row[x][static_cast<int>(2 - b)] = kernels::is_valid(v) ? stretch[b].to_byte(v) : std::uint8_t{0};
            }
          }
        }
        cv::Mat big;
        cv::resize(image, big, cv::Size(n * scale, n * scale), 0, 0, cv::INTER_NEAREST);
        draw_outline(big, *footprint, grid, scale);
        draw_scale_bar(big, n * resolution * unit_);
        draw_north_arrow(big);
        outlined_text(big, (s == 0 ? "before " + scan.before.date : "after " + scan.after.date), cv::Point(6, 18), 0.5);
        std::vector<std::uint8_t> png;
        if (!cv::imencode(".png", big, png)) {
          chips.problem = "PNG encoding failed";
          return chips;
        }
        (s == 0 ? chips.before_png : chips.after_png).assign(png.begin(), png.end());
      }
    } catch (const Error& e) {
      chips.before_png.clear();
      chips.after_png.clear();
      chips.problem = e.what();
    }
    return chips;
  }

 private:
  using ScenePair = std::pair<Scene, Scene>;

  const ScenePair& scenes_for(const StoredScan& scan) {
    auto it = scenes_.find(scan.scan_id);
    if (it == scenes_.end()) {
      const auto dirs = sensor_search_dirs(scan.config_dir);
      ScenePair pair{resolve_scene("before", scan.before, load_sensor_profile(scan.before.sensor, dirs)),
                     resolve_scene("after", scan.after, load_sensor_profile(scan.after.sensor, dirs))};
      it = scenes_.emplace(scan.scan_id, std::move(pair)).first;
    }
    return it->second;
  }

  /// The scan grid's pixel size in metres.
  [[nodiscard]] static double native_resolution(const StoredScan& scan) {
    if (scan.grid_resolution <= 0) return 10.0;
    if (scan.grid_crs_wkt.empty()) return scan.grid_resolution;
    const OGRSpatialReference srs = geo::srs_from_wkt(scan.grid_crs_wkt, "scan grid");
    if (srs.IsGeographic()) return scan.grid_resolution * 111320.0;
    return scan.grid_resolution * geo::metres_per_unit(srs);
  }

  static void draw_outline(cv::Mat& image, const OGRGeometry& footprint, const AnalysisGrid& grid, int scale) {
    const auto& gt = grid.geotransform;
    std::vector<std::vector<cv::Point>> rings;
    const auto add_ring = [&](const OGRLinearRing& ring) {
      std::vector<cv::Point> points;
      for (int i = 0; i < ring.getNumPoints(); ++i) {
        const double px = (ring.getX(i) - gt[0]) / gt[1] * scale;
        const double py = (ring.getY(i) - gt[3]) / gt[5] * scale;
        points.emplace_back(static_cast<int>(std::lround(px)), static_cast<int>(std::lround(py)));
      }
      rings.push_back(std::move(points));
    };
    const OGRGeometryUniquePtr multi = geo::as_multipolygon(OGRGeometryUniquePtr(footprint.clone()));
    for (const OGRGeometry* part : *multi->toMultiPolygon()) {
      const OGRPolygon* polygon = part->toPolygon();
      add_ring(*polygon->getExteriorRing());
      for (int i = 0; i < polygon->getNumInteriorRings(); ++i) add_ring(*polygon->getInteriorRing(i));
    }
    cv::polylines(image, rings, true, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
    cv::polylines(image, rings, true, cv::Scalar(0, 255, 255), 2, cv::LINE_AA);
  }

  static void draw_scale_bar(cv::Mat& image, double width_m) {
    const double metres = scale_bar_metres(width_m);
    const int length = static_cast<int>(std::lround(metres / width_m * image.cols));
    const int x0 = 10, y0 = image.rows - 14;
    cv::rectangle(image, cv::Point(x0 - 1, y0 - 1), cv::Point(x0 + length + 1, y0 + 6), cv::Scalar(0, 0, 0),
                  cv::FILLED);
    cv::rectangle(image, cv::Point(x0, y0), cv::Point(x0 + length / 2, y0 + 5), cv::Scalar(255, 255, 255), cv::FILLED);
    cv::rectangle(image, cv::Point(x0 + length / 2, y0), cv::Point(x0 + length, y0 + 5), cv::Scalar(160, 160, 160),
                  cv::FILLED);
    char label[32];
    if (metres >= 1000.0) {
      std::snprintf(label, sizeof label, "%g km", metres / 1000.0);
    } else {
      std::snprintf(label, sizeof label, "%g m", metres);
    }
    outlined_text(image, label, cv::Point(x0, y0 - 6), 0.45);
  }

  static void draw_north_arrow(cv::Mat& image) {
    const int x = image.cols - 16, y = 10;
    const std::vector<std::vector<cv::Point>> arrow{{{x, y}, {x - 6, y + 14}, {x, y + 10}, {x + 6, y + 14}}};
    cv::fillPoly(image, arrow, cv::Scalar(255, 255, 255), cv::LINE_AA);
    cv::polylines(image, arrow, true, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    outlined_text(image, "N", cv::Point(x - 5, y + 28), 0.45);
  }

  std::string store_crs_;
  double unit_;
  int pixels_;
  std::map<std::string, ScenePair> scenes_;
};

ChipMaker::ChipMaker(std::string store_crs, double store_metres_per_unit, int pixels)
    : renderer_(std::make_unique<Renderer>(std::move(store_crs), store_metres_per_unit, pixels)) {}

ChipMaker::~ChipMaker() = default;

ChipPair ChipMaker::make(const StoredHotspot& hotspot, const StoredScan& scan) {
  return renderer_->make(hotspot, scan);
}

}  // namespace zw
