#include "zonewatch/kernels/box_average.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace zw::kernels {

namespace {

constexpr double kSumScale = 16777216.0;  // 2^24
// Its inverse, exact (a power of two): a run's sum is scaled back by a multiplication, as
// exact as the division and far cheaper where runs are a few pixels long.
constexpr double kInverseSumScale = 1.0 / kSumScale;
// Adding and subtracting 1.5 x 2^52 rounds |x| < 2^51 to an integer (ties to even, as
// nearbyint; binary_grid.hpp). A float times 2^24 beyond that is already an integer whose
// significand ends in 29 or more zero bits in units of the sum's last place, so the same two
// operations give it back exactly, and no summand needs round_to_integer's general path.
constexpr double kRoundShift = 6755399441055744.0;  // 1.5 x 2^52

}  // namespace

BoxAverage::BoxAverage(int raster_width_, int raster_height_, int frame_width_, int frame_height_, double factor_,
                       int planes_, int stride_)
    : raster_width(raster_width_),
      raster_height(raster_height_),
      frame_width(frame_width_),
      frame_height(frame_height_),
      factor(factor_),
      planes(planes_),
      stride(stride_),
      cells{0, 0, frame_width_, frame_height_} {
  if (raster_width < 1 || raster_height < 1 || frame_width < 1 || frame_height < 1 || planes < 1 || stride < 1 ||
      !(factor >= 1.0)) {
    throw std::invalid_argument("BoxAverage: sizes and the stride must be at least 1 and the factor at least 1");
  }
  const auto n =
      static_cast<std::size_t>(planes) * static_cast<std::size_t>(frame_width) * static_cast<std::size_t>(frame_height);
  sums.assign(n, 0.0);
  counts.assign(n, 0);
}

int BoxAverage::cell_x(int x) const {
  return std::min(frame_width - 1, static_cast<int>(std::floor((x + 0.5) / factor)));
}

int BoxAverage::cell_y(int y) const {
  return std::min(frame_height - 1, static_cast<int>(std::floor((y + 0.5) / factor)));
}

BoxAverage BoxAverage::part(const Window& window) const {
  BoxAverage p;
  p.raster_width = raster_width;
  p.raster_height = raster_height;
  p.frame_width = frame_width;
  p.frame_height = frame_height;
  p.factor = factor;
  p.planes = planes;
  p.stride = stride;
  if (window.width <= 0 || window.height <= 0) return p;
  const int x0 = cell_x(window.x0), y0 = cell_y(window.y0);
  p.cells = {x0, y0, cell_x(window.x0 + window.width - 1) - x0 + 1, cell_y(window.y0 + window.height - 1) - y0 + 1};
  const auto n = static_cast<std::size_t>(planes) * static_cast<std::size_t>(p.cells.width) *
                 static_cast<std::size_t>(p.cells.height);
  p.sums.assign(n, 0.0);
  p.counts.assign(n, 0);
  return p;
}

void BoxAverage::accumulate(int plane, const Window& window, ConstTileView<float> values) {
  if (values.width != window.width || values.height != window.height) {
    throw std::invalid_argument("BoxAverage::accumulate: the view is not the window's size");
  }
  if (plane < 0 || plane >= planes)
    throw std::invalid_argument("BoxAverage::accumulate: no plane " + std::to_string(plane));
  if (window.width <= 0 || window.height <= 0) return;
  const int first_x = cell_x(window.x0), last_x = cell_x(window.x0 + window.width - 1);
  const int first_y = cell_y(window.y0), last_y = cell_y(window.y0 + window.height - 1);
  if (first_x < cells.x0 || first_y < cells.y0 || last_x >= cells.x0 + cells.width ||
      last_y >= cells.y0 + cells.height) {
    throw std::invalid_argument("BoxAverage::accumulate: the window reaches outside the partial's cells");
  }
  // Columns fall into cells in runs: a run's pixels are summed in locals and its cell touched
  // once. The run sums stay exact (integers of the 2^-24 grid below 2^53), so the cell sums
  // are the same as adding pixel by pixel.
  struct Run {
    int end_x;         // one past the run's last column in the window
    std::size_t cell;  // column of the cell within the partial's cells
  };
  std::vector<Run> runs;
  const auto first_on_lattice = [&](int origin) { return (stride - origin % stride) % stride; };
  for (int x = first_on_lattice(window.x0); x < window.width; x += stride) {
    const auto cell = static_cast<std::size_t>(cell_x(window.x0 + x) - cells.x0);
    if (runs.empty() || runs.back().cell != cell) runs.push_back({x, cell});
    runs.back().end_x = x + 1;
  }
  const std::size_t plane_offset =
      static_cast<std::size_t>(plane) * static_cast<std::size_t>(cells.width) * static_cast<std::size_t>(cells.height);
  for (int y = first_on_lattice(window.y0); y < window.height; y += stride) {
    const std::size_t row_offset = plane_offset + static_cast<std::size_t>(cell_y(window.y0 + y) - cells.y0) *
                                                      static_cast<std::size_t>(cells.width);
    const float* in = values.row(y);
    int x = first_on_lattice(window.x0);
    for (const Run& run : runs) {
      double grid_units = 0.0;  // the run's sum in units of 2^-24
      std::uint32_t count = 0;
      // Branch-free: a missing value adds +0 and no count.
      for (; x < run.end_x; x += stride) {
        const float v = in[x];
        const bool finite = std::isfinite(v);
        const double scaled = finite ? static_cast<double>(v) * kSumScale : 0.0;
        grid_units += (scaled + kRoundShift) - kRoundShift;
        count += static_cast<std::uint32_t>(finite);
      }
      sums[row_offset + run.cell] += grid_units * kInverseSumScale;
      counts[row_offset + run.cell] += count;
    }
  }
}

void BoxAverage::merge(const BoxAverage& other) {
  if (other.frame_width != frame_width || other.frame_height != frame_height || other.planes != planes) {
    throw std::invalid_argument("BoxAverage::merge: another frame");
  }
  for (int p = 0; p < planes; ++p) {
    for (int y = 0; y < other.cells.height; ++y) {
      for (int x = 0; x < other.cells.width; ++x) {
        const int cx = other.cells.x0 + x - cells.x0, cy = other.cells.y0 + y - cells.y0;
        if (cx < 0 || cy < 0 || cx >= cells.width || cy >= cells.height) {
          throw std::invalid_argument("BoxAverage::merge: the other's cells reach outside these");
        }
        const std::size_t from =
            (static_cast<std::size_t>(p) * other.cells.height + static_cast<std::size_t>(y)) * other.cells.width +
            static_cast<std::size_t>(x);
        const std::size_t to =
            (static_cast<std::size_t>(p) * cells.height + static_cast<std::size_t>(cy)) * cells.width +
            static_cast<std::size_t>(cx);
        sums[to] += other.sums[from];
        counts[to] += other.counts[from];
      }
    }
  }
}

std::vector<float> BoxAverage::means(int plane) const {
  std::vector<float> out(static_cast<std::size_t>(frame_width) * static_cast<std::size_t>(frame_height), kNaN);
  if (plane < 0 || plane >= planes) throw std::invalid_argument("BoxAverage::means: no plane " + std::to_string(plane));
  for (int y = 0; y < cells.height; ++y) {
    for (int x = 0; x < cells.width; ++x) {
      const std::size_t i =
          (static_cast<std::size_t>(plane) * cells.height + static_cast<std::size_t>(y)) * cells.width +
          static_cast<std::size_t>(x);
      if (counts[i] == 0) continue;
      out[static_cast<std::size_t>(cells.y0 + y) * static_cast<std::size_t>(frame_width) +
          static_cast<std::size_t>(cells.x0 + x)] = static_cast<float>(sums[i] / counts[i]);
    }
  }
  return out;
}

}  // namespace zw::kernels
