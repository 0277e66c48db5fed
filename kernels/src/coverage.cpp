#include "zonewatch/kernels/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

// How the fractions are computed.
//
// For a closed ring of signed (shoelace) area S, -integral(y dx) around the ring equals S,
// and vertical segments add nothing to it. Clipping the ring to the row band [r, r+1]
// (Sutherland-Hodgman against y >= r and y <= r+1) replaces every excursion outside the
// band by a segment along the band edge. Along y = r such a segment adds nothing to
// -integral((y - r) dx), and along y = r+1 it adds -(x travelled), which is the same as
// following the excursion with y clamped to r+1. So the clipped ring's integral equals the
// integral of -(clamp(y, r, r+1) - r) dx over the unclipped edges, and splitting every edge
// at integer x gives each cell of the band its own area: the part of the clipped ring in a
// column, closed by vertical segments that add nothing.
//
// Per row band an edge is therefore one of three kinds:
//   above  (y <= r everywhere):    adds nothing;
//   below  (y >= r+1 everywhere):  adds -dx, i.e. its x extent at full height;
//   active (crosses the band):     its in-band piece adds the exact trapezoids, its part
//                                  below the band adds -dx like a below edge.
// Rows are swept bottom-up so that each edge joins the running "below" sums once, keeping
// the cost near O(edges + crossings + cells) instead of O(rows x edges).
//
// Every cell's value is built by the same sequence of additions whatever the window (edges
// in a fixed order, whole columns counted as integers), so coverage over a window equals
// the matching part of coverage over any larger window, bit for bit.

namespace zw::kernels {

namespace {

// Cancelling contributions of the edges leave round-off residue (~1e-16) in cells the
// polygon does not touch or fully covers; residue this small is snapped away.
constexpr double kSnap = 1e-12;

struct Edge {
  double x_lo, y_lo, x_hi, y_hi;  // endpoints ordered so that x_lo < x_hi
  double y_min, y_max;
  double weight;  // +-1: ring sign times the sign of -dx along the ring
};

double signed_area(const Ring& ring, std::size_t vertex_count) {
  // Shoelace relative to the first vertex, so large coordinates do not cancel each other.
  double twice_area = 0.0;
  const double origin_x = ring.x[0];
  const double origin_y = ring.y[0];
  for (std::size_t i = 0; i < vertex_count; ++i) {
    const std::size_t next = (i + 1) % vertex_count;
    twice_area +=
        (ring.x[i] - origin_x) * (ring.y[next] - origin_y) - (ring.x[next] - origin_x) * (ring.y[i] - origin_y);
  }
  return 0.5 * twice_area;
}

// Edges that can reach a cell of `window`, in ring order.
std::vector<Edge> collect_edges(const MultiPolygonRings& polygon, Window window) {
  std::vector<Edge> edges;
  for (const PolygonRings& part : polygon) {
    for (std::size_t ring_index = 0; ring_index < part.rings.size(); ++ring_index) {
      const Ring& ring = part.rings[ring_index];
      if (ring.x.size() != ring.y.size()) {
        throw std::invalid_argument("coverage_fractions: ring has x and y of different length");
      }
      const std::size_t vertex_count = ring.x.size();
      if (vertex_count < 3) continue;
      const double area = signed_area(ring, vertex_count);
      if (area == 0.0) continue;
      // Exterior counts positively, holes negatively, whatever the input orientation.
      const double ring_sign = (ring_index == 0 ? 1.0 : -1.0) * (area > 0.0 ? 1.0 : -1.0);
      for (std::size_t i = 0; i < vertex_count; ++i) {
        const std::size_t next = (i + 1) % vertex_count;
        const double xa = ring.x[i], ya = ring.y[i];
        const double xb = ring.x[next], yb = ring.y[next];
        if (xa == xb) continue;  // vertical: adds nothing to integral(y dx)
        Edge edge{};
        if (xa < xb) {
          edge = {xa, ya, xb, yb, 0.0, 0.0, -ring_sign};
        } else {
          edge = {xb, yb, xa, ya, 0.0, 0.0, ring_sign};
        }
        edge.y_min = std::min(ya, yb);
        edge.y_max = std::max(ya, yb);
        // Pieces only reach their own column, and edges above the window reach no band.
        if (edge.x_hi <= window.x0 || edge.x_lo >= window.x1() || edge.y_max <= window.y0) {
          continue;
        }
        edges.push_back(edge);
      }
    }
  }
  return edges;
}

// Integer index range [first, last] of grid units a real interval touches, limited to
// [lo, hi]; empty when first > last. Computed in double first so huge coordinates cannot
// overflow the conversion.
struct IndexRange {
  int first;
  int last;
};

IndexRange clamp_range(double first, double last, int lo, int hi) {
  const double clamped_first = std::max(first, static_cast<double>(lo));
  const double clamped_last = std::min(last, static_cast<double>(hi));
  if (clamped_first > clamped_last) return {1, 0};
  return {static_cast<int>(clamped_first), static_cast<int>(clamped_last)};
}

// Per-column sums of one window row: whole columns as integer steps (exact), the rest as
// fractions.
struct ColumnSums {
  int x0;
  std::vector<int> steps;  // difference array: column c gets the sum of steps[0..c]
  std::vector<double> fractions;

  ColumnSums(int window_x0, int width)
      : x0(window_x0), steps(static_cast<std::size_t>(width) + 1, 0), fractions(static_cast<std::size_t>(width), 0.0) {}

  [[nodiscard]] int width() const { return static_cast<int>(fractions.size()); }

  void clear() {
    std::fill(steps.begin(), steps.end(), 0);
    std::fill(fractions.begin(), fractions.end(), 0.0);
  }

  void add_fraction(double column, double value) {
    const double local = column - x0;
    if (local >= 0.0 && local < width()) fractions[static_cast<std::size_t>(local)] += value;
  }

  // Adds `weight` times the overlap of [from, to] with each column.
  void add_extent(double from, double to, double weight) {
    if (!(to > from)) return;
    const double first_column = std::floor(from);
    const double last_column = std::floor(to);
    if (first_column == last_column) {
      add_fraction(first_column, weight * (to - from));
      return;
    }
    add_fraction(first_column, weight * (first_column + 1.0 - from));
    const IndexRange whole = clamp_range(first_column + 1.0 - x0, last_column - 1.0 - x0, 0, width() - 1);
    if (whole.first <= whole.last) {
      const int step = static_cast<int>(weight);
      steps[static_cast<std::size_t>(whole.first)] += step;
      steps[static_cast<std::size_t>(whole.last) + 1] -= step;
    }
    if (to > last_column) add_fraction(last_column, weight * (to - last_column));
  }
};

// Adds an active edge's share of band [row, row + 1].
void add_band_part(const Edge& edge, int row, ColumnSums& sums) {
  const double top = row;
  const double bottom = top + 1.0;
  const double dx = edge.x_hi - edge.x_lo;
  const double dy = edge.y_hi - edge.y_lo;
  const auto x_at = [&](double y) { return std::clamp(edge.x_lo + (y - edge.y_lo) * dx / dy, edge.x_lo, edge.x_hi); };
  const auto depth_at = [&](double x) {  // y - row, clamped to the band
    return std::clamp(edge.y_lo + (x - edge.x_lo) * dy / dx - top, 0.0, 1.0);
  };

  double band_from = edge.x_lo;  // x interval of the piece inside the band
  double band_to = edge.x_hi;
  if (dy > 0.0) {  // y grows with x: above, then band, then below
    if (edge.y_lo < top) band_from = x_at(top);
    if (edge.y_hi > bottom) {
      band_to = x_at(bottom);
      sums.add_extent(band_to, edge.x_hi, edge.weight);
    }
  } else if (dy < 0.0) {  // below, then band, then above
    if (edge.y_lo > bottom) {
      band_from = x_at(bottom);
      sums.add_extent(edge.x_lo, band_from, edge.weight);
    }
    if (edge.y_hi < top) band_to = x_at(top);
  }
  // Active horizontal edges lie inside the band over their whole extent.
  if (!(band_to > band_from)) return;

  const IndexRange columns =
      clamp_range(std::floor(band_from), std::ceil(band_to) - 1.0, sums.x0, sums.x0 + sums.width() - 1);
  for (int column = columns.first; column <= columns.last; ++column) {
    const double from = std::max(band_from, static_cast<double>(column));
    const double to = std::min(band_to, static_cast<double>(column) + 1.0);
    if (!(to > from)) continue;
    const double trapezoid = 0.5 * (depth_at(from) + depth_at(to)) * (to - from);
    sums.fractions[static_cast<std::size_t>(column - sums.x0)] += edge.weight * trapezoid;
  }
}

}  // namespace

std::array<double, 4> PolygonRings::bounds() const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::array<double, 4> box{kInf, kInf, -kInf, -kInf};
  if (rings.empty()) return box;
  const Ring& exterior = rings.front();
  for (std::size_t i = 0; i < std::min(exterior.x.size(), exterior.y.size()); ++i) {
    box[0] = std::min(box[0], exterior.x[i]);
    box[1] = std::min(box[1], exterior.y[i]);
    box[2] = std::max(box[2], exterior.x[i]);
    box[3] = std::max(box[3], exterior.y[i]);
  }
  return box;
}

Window covered_window(const MultiPolygonRings& polygon, int width, int height) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::array<double, 4> box{kInf, kInf, -kInf, -kInf};
  for (const PolygonRings& part : polygon) {
    const std::array<double, 4> part_box = part.bounds();
    box[0] = std::min(box[0], part_box[0]);
    box[1] = std::min(box[1], part_box[1]);
    box[2] = std::max(box[2], part_box[2]);
    box[3] = std::max(box[3], part_box[3]);
  }
  // Cells [floor(min), ceil(max)) touch the box; limited to the grid in double first.
  const double x0 = std::max(std::floor(box[0]), 0.0);
  const double y0 = std::max(std::floor(box[1]), 0.0);
  const double x1 = std::min(std::ceil(box[2]), static_cast<double>(width));
  const double y1 = std::min(std::ceil(box[3]), static_cast<double>(height));
  if (!(x1 > x0) || !(y1 > y0)) return {};
  const int ix0 = static_cast<int>(x0);
  const int iy0 = static_cast<int>(y0);
  return {ix0, iy0, static_cast<int>(x1) - ix0, static_cast<int>(y1) - iy0};
}

namespace {

template <class T>
void write_coverage(const MultiPolygonRings& polygon, Window window, TileView<T> out) {
  if (window.empty()) return;
  if (out.width != window.width || out.height != window.height) {
    throw std::invalid_argument("coverage_fractions: output differs from the window size");
  }
  const std::vector<Edge> edges = collect_edges(polygon, window);

  // Edges in the order they become "below" while sweeping rows upwards: lowest top first;
  // stable, so ties keep ring order and every window sees the same order.
  std::vector<std::size_t> by_top(edges.size());
  std::iota(by_top.begin(), by_top.end(), std::size_t{0});
  std::stable_sort(by_top.begin(), by_top.end(),
                   [&](std::size_t a, std::size_t b) { return edges[a].y_min > edges[b].y_min; });
  // Active edges of each window row, in ring order.
  std::vector<std::vector<std::size_t>> active_by_row(static_cast<std::size_t>(window.height));
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const IndexRange rows =
        clamp_range(std::floor(edges[i].y_min), std::ceil(edges[i].y_max) - 1.0, window.y0, window.y1() - 1);
    for (int row = rows.first; row <= rows.last; ++row) {
      active_by_row[static_cast<std::size_t>(row - window.y0)].push_back(i);
    }
  }

  ColumnSums below(window.x0, window.width);
  ColumnSums band(window.x0, window.width);
  std::size_t next_below = 0;
  for (int row = window.y1() - 1; row >= window.y0; --row) {
    const double band_bottom = static_cast<double>(row) + 1.0;
    while (next_below < by_top.size() && edges[by_top[next_below]].y_min >= band_bottom) {
      const Edge& edge = edges[by_top[next_below]];
      below.add_extent(edge.x_lo, edge.x_hi, edge.weight);
      ++next_below;
    }
    band.clear();
    for (const std::size_t i : active_by_row[static_cast<std::size_t>(row - window.y0)]) {
      add_band_part(edges[i], row, band);
    }

    T* out_row = out.row(row - window.y0);
    int whole_columns = 0;
    for (int x = 0; x < window.width; ++x) {
      const auto column = static_cast<std::size_t>(x);
      whole_columns += below.steps[column] + band.steps[column];
      double fraction = static_cast<double>(whole_columns) + below.fractions[column] + band.fractions[column];
      if (fraction < kSnap) fraction = 0.0;
      if (fraction > 1.0 - kSnap) fraction = 1.0;
      out_row[x] = static_cast<T>(fraction);
    }
  }
}

}  // namespace

void coverage_fractions(const MultiPolygonRings& polygon, Window window, TileView<float> out) {
  write_coverage(polygon, window, out);
}

void coverage_fractions(const MultiPolygonRings& polygon, Window window, TileView<double> out) {
  write_coverage(polygon, window, out);
}

}  // namespace zw::kernels
