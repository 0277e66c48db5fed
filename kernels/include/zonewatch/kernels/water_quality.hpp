#pragma once
// Water quality from imagery: water extraction (a per-scene threshold on MNDWI or NDWI)
// and four per-pixel water-quality indices. Per-pixel math as small inline functions, tile
// functions that only schedule them; NaN (nodata) in any input, or a zero denominator,
// gives NaN out.
//
//   NDTI  normalized difference turbidity index, (red - green) / (red + green)
//         (Lacaux et al. 2007, Remote Sensing of Environment 106:66-74): rises with
//         suspended sediment.
//   NDCI  normalized difference chlorophyll index, (RE1 - red) / (RE1 + red), RE1 = the
//         705 nm red-edge band, Sentinel-2 B5 (Mishra & Mishra 2012, Remote Sensing of
//         Environment 117:394-406): rises with chlorophyll-a, i.e. algal blooms.
//   FAI   floating algae index, NIR - [red + (SWIR - red) (lambda_NIR - lambda_red) /
//         (lambda_SWIR - lambda_red)] (Hu 2009, Remote Sensing of Environment
//         113:2118-2129): NIR above the red-SWIR baseline; rises with floating algae
//         (cyanobacteria scums, Ulva). Wavelengths in nm from the sensor profile.
//   BOI   black-and-odorous water index (黑臭水体指数), (green - red) / (blue + green + red)
//         (温爽, 王桥, 李云梅 et al. 2018, 基于高分影像的城市黑臭水体遥感识别：以南京为例,
//         环境科学 39(1):57-67, on GF-2): black-odorous water is dark and flat across the
//         visible bands, so LOW values mean black water (the paper separates it at
//         BOI <= 0.065 on remote-sensing reflectance); it FALLS as water turns black.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Normalized difference turbidity index (red - green) / (red + green).
[[nodiscard]] inline float ndti(float red, float green) {
  const float sum = red + green;
  if (std::isnan(sum) || sum == 0.0f) return kNaN;
  return (red - green) / sum;
}

/// Normalized difference chlorophyll index (RE1 - red) / (RE1 + red).
[[nodiscard]] inline float ndci(float rededge1, float red) {
  const float sum = rededge1 + red;
  if (std::isnan(sum) || sum == 0.0f) return kNaN;
  return (rededge1 - red) / sum;
}

/// Band centre wavelengths (nm) the floating algae index interpolates by.
struct FaiWavelengths {
  float red = 665.0f;    // Sentinel-2 B4
  float nir = 842.0f;    // Sentinel-2 B8 (B8A: 865)
  float swir = 1610.0f;  // Sentinel-2 B11
};

/// Floating algae index NIR - [red + (SWIR - red) (lNIR - lred) / (lSWIR - lred)].
/// NaN when lSWIR == lred.
[[nodiscard]] inline float fai(float red, float nir, float swir, const FaiWavelengths& w) {
  const float span = w.swir - w.red;
  if (span == 0.0f) return kNaN;
  const float baseline = red + (swir - red) * ((w.nir - w.red) / span);
  return nir - baseline;  // NaN in any band propagates
}

/// Black-and-odorous water index (green - red) / (blue + green + red); low = black water.
[[nodiscard]] inline float boi(float blue, float green, float red) {
  const float sum = blue + green + red;
  if (std::isnan(sum) || sum == 0.0f) return kNaN;
  return (green - red) / sum;
}

enum class WaterIndex : std::uint8_t { ndti = 0, ndci, fai, boi };
inline constexpr int kWaterIndexCount = 4;

inline constexpr EnumNames kWaterIndexNames{std::array{
    EnumName<WaterIndex>{WaterIndex::ndti, "ndti", "浊度指数"},
    EnumName<WaterIndex>{WaterIndex::ndci, "ndci", "叶绿素指数"},
    EnumName<WaterIndex>{WaterIndex::fai, "fai", "漂浮藻类指数"},
    EnumName<WaterIndex>{WaterIndex::boi, "boi", "黑臭水体指数"},
}};

[[nodiscard]] constexpr std::string_view to_string(WaterIndex index) { return kWaterIndexNames.name(index); }
[[nodiscard]] constexpr std::optional<WaterIndex> water_index_from_string(std::string_view name) {
  return kWaterIndexNames.parse_any_case(name);
}

/// +1 where a rise means worse water (NDTI, NDCI, FAI), -1 where a fall does (BOI).
[[nodiscard]] constexpr int worsening_sign(WaterIndex index) { return index == WaterIndex::boi ? -1 : 1; }

/// The index's value range for histograms: [-1, 1] for the normalized ratios, [-0.5, 0.5]
/// (reflectance) for FAI.
struct IndexRange {
  double lo, hi;
};
[[nodiscard]] constexpr IndexRange water_index_range(WaterIndex index) {
  return index == WaterIndex::fai ? IndexRange{-0.5, 0.5} : IndexRange{-1.0, 1.0};
}

/// Band roles an index needs, in the order of its per-pixel function's arguments.
[[nodiscard]] std::vector<BandRole> water_index_bands(WaterIndex index);

/// Computes `index` over a tile (`wavelengths` is read by FAI only). Throws
/// std::invalid_argument when a needed band is missing or differs in size from `out`.
void compute_water_index(WaterIndex index, const BandSet& bands, const FaiWavelengths& wavelengths,
                         TileView<float> out);

// ---------------------------------------------------------------------------------------
// Water extraction

/// Histogram the per-scene water threshold is found on: [-1, 1) in 200 bins (0.01 wide).
[[nodiscard]] HistogramAccumulator water_index_histogram();

/// The per-scene water threshold: Otsu's threshold of the MNDWI/NDWI histogram clamped into
/// [lo, hi] (Otsu on a scene with little water splits land classes instead, far below 0);
/// `fallback` when the histogram gives none (empty, or one bin). Throws
/// std::invalid_argument unless lo <= fallback <= hi.
[[nodiscard]] double water_threshold(const HistogramAccumulator& histogram, double lo, double hi, double fallback);

/// Pixel value of water in stable_water's output (label_tile labels it as a region).
inline constexpr std::uint8_t kWaterPixel = 1;

/// kWaterPixel where the water index is at or above its date's threshold in BOTH dates
/// (stable water: where quality can be compared), 0 elsewhere and where either is NaN.
/// Throws std::invalid_argument on a size mismatch.
void stable_water(ConstTileView<float> index_before, ConstTileView<float> index_after, double threshold_before,
                  double threshold_after, TileView<std::uint8_t> out);

// ---------------------------------------------------------------------------------------
// Per water body

/// Robust spread of a histogram: interquartile range / 1.349 (sigma for a normal
/// distribution); NaN when empty.
[[nodiscard]] double robust_spread(const HistogramAccumulator& histogram);

/// The departure rule of one index: a water body departs when its after median is worse
/// than its before median by more than k x max(spread of the before pixels, min_spread),
/// or, where `limit` is set, when the after median is beyond the limit (above it, or below
/// it for BOI). "Worse" follows worsening_sign.
struct DepartureRule {
  double k = 3.0;
  double min_spread = 0.02;
  std::optional<double> limit;
};

struct DepartureTest {
  double change = kNaN;    // after median - before median
  double allowed = kNaN;   // k x max(spread, min_spread)
  bool by_change = false;  // worsened by more than allowed
  bool by_limit = false;   // after median beyond the limit
  [[nodiscard]] bool departs() const { return by_change || by_limit; }
};

/// Applies `rule` to a body's medians and before spread (NaN anywhere: nothing departs
/// by change; by limit needs only the after median).
[[nodiscard]] DepartureTest test_departure(WaterIndex index, double before_median, double after_median,
                                           double before_spread, const DepartureRule& rule);

/// Whether one pixel of a departing body departs: its after value is worse than the body's
/// before median by more than `allowed` (when the body departs by change), or beyond the
/// limit (when it departs by limit). NaN never departs.
[[nodiscard]] bool pixel_departs(WaterIndex index, float after_value, double before_median, const DepartureTest& test,
                                 const DepartureRule& rule);

}  // namespace zw::kernels
