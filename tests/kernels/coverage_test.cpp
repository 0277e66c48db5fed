#include "zonewatch/kernels/coverage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {
namespace {

Ring ring_of(const std::vector<std::pair<double, double>>& points) {
  Ring ring;
  for (const auto& [x, y] : points) {
    ring.x.push_back(x);
    ring.y.push_back(y);
  }
  return ring;
}

Ring box_ring(double x0, double y0, double x1, double y1) { return ring_of({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}); }

Ring reversed(Ring ring) {
  std::reverse(ring.x.begin(), ring.x.end());
  std::reverse(ring.y.begin(), ring.y.end());
  return ring;
}

Tile<double> coverage_of(const MultiPolygonRings& polygon, Window window) {
  Tile<double> out(window.width, window.height, -1.0);
  coverage_fractions(polygon, window, out.view());
  return out;
}

double sum_of(const Tile<double>& tile) {
  double sum = 0.0;
  for (const double v : tile.values()) sum += v;
  return sum;
}

// --- Independent reference: clip each ring to one cell square and take its area. -------

using Points = std::vector<std::pair<double, double>>;

double shoelace(const Points& points) {
  double twice = 0.0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& [xa, ya] = points[i];
    const auto& [xb, yb] = points[(i + 1) % points.size()];
    twice += xa * yb - xb * ya;
  }
  return 0.5 * twice;
}

// Sutherland-Hodgman against one axis-aligned half-plane: coordinate `axis` (0 = x, 1 = y)
// on the side of `limit` given by `keep_above`.
Points clip_half_plane(const Points& points, int axis, double limit, bool keep_above) {
  const auto coordinate = [&](const std::pair<double, double>& p) { return axis == 0 ? p.first : p.second; };
  const auto inside = [&](const std::pair<double, double>& p) {
    return keep_above ? coordinate(p) >= limit : coordinate(p) <= limit;
  };
  Points out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& a = points[i];
    const auto& b = points[(i + 1) % points.size()];
    if (inside(a)) out.push_back(a);
    if (inside(a) != inside(b)) {
      const double t = (limit - coordinate(a)) / (coordinate(b) - coordinate(a));
      out.emplace_back(a.first + t * (b.first - a.first), a.second + t * (b.second - a.second));
    }
  }
  return out;
}

double reference_fraction(const MultiPolygonRings& polygon, int column, int row) {
  double area = 0.0;
  for (const PolygonRings& part : polygon) {
    for (std::size_t r = 0; r < part.rings.size(); ++r) {
      Points points;
      for (std::size_t i = 0; i < part.rings[r].x.size(); ++i) {
        points.emplace_back(part.rings[r].x[i], part.rings[r].y[i]);
      }
      const double ring_area = shoelace(points);
      points = clip_half_plane(points, 0, column, true);
      points = clip_half_plane(points, 0, column + 1.0, false);
      points = clip_half_plane(points, 1, row, true);
      points = clip_half_plane(points, 1, row + 1.0, false);
      const double sign = (r == 0 ? 1.0 : -1.0) * (ring_area > 0.0 ? 1.0 : -1.0);
      area += sign * shoelace(points);
    }
  }
  return std::clamp(area, 0.0, 1.0);
}

// A non-convex 7-pointed star with a triangular hole in its core.
MultiPolygonRings star_with_hole() {
  Points star;
  for (int k = 0; k < 14; ++k) {
    const double radius = k % 2 == 0 ? 5.0 : 2.0;
    const double angle = 0.3 + k * std::numbers::pi / 7.0;
    star.emplace_back(6.3 + radius * std::cos(angle), 5.1 + radius * std::sin(angle));
  }
  PolygonRings polygon;
  polygon.rings.push_back(ring_of(star));
  polygon.rings.push_back(ring_of({{5.6, 4.2}, {7.4, 4.9}, {6.1, 6.3}}));
  return {polygon};
}

double area_of(const MultiPolygonRings& polygon) {
  double area = 0.0;
  for (const PolygonRings& part : polygon) {
    for (std::size_t r = 0; r < part.rings.size(); ++r) {
      Points points;
      for (std::size_t i = 0; i < part.rings[r].x.size(); ++i) {
        points.emplace_back(part.rings[r].x[i], part.rings[r].y[i]);
      }
      area += (r == 0 ? 1.0 : -1.0) * std::abs(shoelace(points));
    }
  }
  return area;
}

// --- Tests ------------------------------------------------------------------------------

TEST(Coverage, AxisAlignedSquareAtHalfPixelOffsets) {
  const std::vector<double> expected{
      0.25, 0.5, 0.25, 0.0,  //
      0.5,  1.0, 0.5,  0.0,  //
      0.25, 0.5, 0.25, 0.0,  //
      0.0,  0.0, 0.0,  0.0,
  };
  const Ring square = box_ring(0.5, 0.5, 2.5, 2.5);
  Ring closed = square;  // closing vertex repeated
  closed.x.push_back(0.5);
  closed.y.push_back(0.5);
  for (const Ring& ring : {square, reversed(square), closed}) {
    const Tile<double> fractions = coverage_of({PolygonRings{{ring}}}, Window{0, 0, 4, 4});
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(fractions.values()[i], expected[i], 1e-15) << "cell " << i;
    }
  }
}

TEST(Coverage, FloatOutputIsRoundedDoubleOutput) {
  const MultiPolygonRings star = star_with_hole();
  const Window window{0, 0, 13, 11};
  const Tile<double> in_double = coverage_of(star, window);
  Tile<float> in_float(window.width, window.height, -1.0f);
  coverage_fractions(star, window, in_float.view());
  for (std::size_t i = 0; i < in_float.values().size(); ++i) {
    EXPECT_EQ(in_float.values()[i], static_cast<float>(in_double.values()[i])) << "cell " << i;
  }
}

TEST(Coverage, CellBoundariesOnGridLinesGiveExactZerosAndOnes) {
  const Tile<double> fractions = coverage_of({PolygonRings{{box_ring(1, 1, 3, 2)}}}, Window{0, 0, 4, 3});
  const std::vector<double> expected{0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<double>(fractions.values().begin(), fractions.values().end()), expected);
}

TEST(Coverage, TriangleFractionsMatchHandValuesAndSumToArea) {
  // Legs 4 along x and 3 along y: hypotenuse y = 3 - 0.75 x, area 6.
  const MultiPolygonRings triangle{PolygonRings{{ring_of({{0, 0}, {4, 0}, {0, 3}})}}};
  const Tile<double> fractions = coverage_of(triangle, Window{0, 0, 5, 4});
  EXPECT_NEAR(fractions(0, 0), 1.0, 1e-15);
  EXPECT_NEAR(fractions(3, 0), 0.375, 1e-15);      // integral of 3 - 0.75x over [3, 4]
  EXPECT_NEAR(fractions(2, 1), 1.0 / 6.0, 1e-15);  // integral of 2 - 0.75x over [2, 8/3]
  EXPECT_NEAR(fractions(0, 2), 0.625, 1e-15);      // integral of 1 - 0.75x over [0, 1]
  EXPECT_EQ(fractions(3, 2), 0.0);
  EXPECT_EQ(fractions(4, 0), 0.0);
  EXPECT_NEAR(sum_of(fractions), 6.0, 1e-12);
}

TEST(Coverage, HoleIsSubtractedWhateverItsOrientation) {
  const Ring exterior = box_ring(0, 0, 4, 4);
  const Ring hole = box_ring(1.5, 1.5, 2.5, 2.5);
  for (const Ring& hole_ring : {hole, reversed(hole)}) {
    const Tile<double> fractions = coverage_of({PolygonRings{{exterior, hole_ring}}}, Window{0, 0, 4, 4});
    EXPECT_NEAR(fractions(1, 1), 0.75, 1e-15);
    EXPECT_NEAR(fractions(2, 1), 0.75, 1e-15);
    EXPECT_NEAR(fractions(1, 2), 0.75, 1e-15);
    EXPECT_NEAR(fractions(2, 2), 0.75, 1e-15);
    EXPECT_EQ(fractions(0, 0), 1.0);
    EXPECT_EQ(fractions(3, 3), 1.0);
    EXPECT_NEAR(sum_of(fractions), 15.0, 1e-12);
  }
}

TEST(Coverage, RotatedSquareSumsToItsArea) {
  // Half-diagonal 3, so area 2 * 3^2 = 18, rotated by 30 degrees off the grid.
  Points corners;
  for (int k = 0; k < 4; ++k) {
    const double angle = std::numbers::pi / 6.0 + k * std::numbers::pi / 2.0;
    corners.emplace_back(5.3 + 3.0 * std::cos(angle), 4.7 + 3.0 * std::sin(angle));
  }
  const MultiPolygonRings square{PolygonRings{{ring_of(corners)}}};
  const Tile<double> fractions = coverage_of(square, Window{0, 0, 11, 10});
  EXPECT_NEAR(sum_of(fractions), 18.0, 1e-9);
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 11; ++x) {
      EXPECT_NEAR(fractions(x, y), reference_fraction(square, x, y), 1e-12) << "cell " << x << "," << y;
    }
  }
  EXPECT_EQ(fractions(5, 4), 1.0);  // the centre cell lies well inside
  EXPECT_EQ(fractions(0, 0), 0.0);
}

TEST(Coverage, NonConvexStarWithHoleMatchesPerCellClipping) {
  const MultiPolygonRings star = star_with_hole();
  const Window window{-1, -1, 15, 13};
  const Tile<double> fractions = coverage_of(star, window);
  int partial_cells = 0;
  for (int y = 0; y < window.height; ++y) {
    for (int x = 0; x < window.width; ++x) {
      const double expected = reference_fraction(star, window.x0 + x, window.y0 + y);
      EXPECT_NEAR(fractions(x, y), expected, 1e-12) << "cell " << x << "," << y;
      if (expected > 0.0 && expected < 1.0) ++partial_cells;
    }
  }
  EXPECT_GT(partial_cells, 30);
  EXPECT_NEAR(sum_of(fractions), area_of(star), 1e-9);
}

TEST(Coverage, WindowsThatCutThePolygonAgreeBitForBit) {
  const MultiPolygonRings star = star_with_hole();
  const Window big{-3, -3, 20, 18};
  const Tile<double> whole = coverage_of(star, big);
  for (const Window window : {Window{3, 2, 5, 4}, Window{0, 0, 14, 1}, Window{7, 6, 7, 6}, Window{-2, -3, 5, 5},
                              Window{6, 9, 1, 1}, Window{9, 0, 2, 12}}) {
    SCOPED_TRACE(std::to_string(window.x0) + "," + std::to_string(window.y0) + " " + std::to_string(window.width) +
                 "x" + std::to_string(window.height));
    const Tile<double> part = coverage_of(star, window);
    for (int y = 0; y < window.height; ++y) {
      for (int x = 0; x < window.width; ++x) {
        ASSERT_EQ(part(x, y), whole(window.x0 + x - big.x0, window.y0 + y - big.y0)) << "cell " << x << "," << y;
      }
    }
  }
}

TEST(Coverage, WindowsBesideThePolygonAreEmpty) {
  const MultiPolygonRings star = star_with_hole();
  // Left of, right of, above and below the star. Above it every edge lies below the band
  // and adds its full-height extent; those must cancel exactly to zero.
  for (const Window window : {Window{-6, 0, 5, 12}, Window{12, 0, 4, 12}, Window{0, -5, 13, 5}, Window{0, 11, 13, 4}}) {
    const Tile<double> fractions = coverage_of(star, window);
    for (const double v : fractions.values()) EXPECT_EQ(v, 0.0);
  }
}

TEST(Coverage, TinyPolygonInsideOneCell) {
  const MultiPolygonRings tiny{PolygonRings{{ring_of({{2.2, 3.1}, {2.3, 3.1}, {2.2, 3.3}})}}};
  const Tile<double> fractions = coverage_of(tiny, Window{0, 0, 5, 5});
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 5; ++x) {
      if (x == 2 && y == 3) {
        EXPECT_NEAR(fractions(x, y), 0.01, 1e-14);
      } else {
        EXPECT_EQ(fractions(x, y), 0.0) << "cell " << x << "," << y;
      }
    }
  }
}

TEST(Coverage, MultiPolygonPartsAdd) {
  const MultiPolygonRings parts{PolygonRings{{box_ring(0.5, 0, 1, 1)}}, PolygonRings{{box_ring(0, 0, 0.25, 1)}},
                                PolygonRings{{box_ring(2, 1, 3, 2)}}};
  const Tile<double> fractions = coverage_of(parts, Window{0, 0, 3, 2});
  EXPECT_NEAR(fractions(0, 0), 0.75, 1e-15);
  EXPECT_EQ(fractions(2, 1), 1.0);
  EXPECT_EQ(fractions(1, 0), 0.0);
  EXPECT_EQ(fractions(2, 0), 0.0);
}

TEST(Coverage, EmptyAndDegenerateInputsCoverNothing) {
  const Tile<double> nothing = coverage_of({}, Window{0, 0, 3, 3});
  for (const double v : nothing.values()) EXPECT_EQ(v, 0.0);
  const MultiPolygonRings segment{PolygonRings{{ring_of({{0.2, 0.2}, {2.5, 1.5}})}}};
  const Tile<double> flat = coverage_of(segment, Window{0, 0, 3, 3});
  for (const double v : flat.values()) EXPECT_EQ(v, 0.0);
}

TEST(Coverage, RejectsMismatchedOutputAndRings) {
  const MultiPolygonRings square{PolygonRings{{box_ring(0, 0, 1, 1)}}};
  Tile<float> wrong(2, 3);
  EXPECT_THROW(coverage_fractions(square, Window{0, 0, 3, 3}, wrong.view()), std::invalid_argument);
  Ring broken = box_ring(0, 0, 1, 1);
  broken.y.pop_back();
  Tile<float> out(3, 3);
  EXPECT_THROW(coverage_fractions({PolygonRings{{broken}}}, Window{0, 0, 3, 3}, out.view()), std::invalid_argument);
}

TEST(Coverage, BoundsOfExteriorRing) {
  const PolygonRings polygon{{ring_of({{1.5, 2.0}, {4.0, -1.0}, {3.0, 7.5}}), box_ring(-9, -9, 9, 9)}};
  const std::array<double, 4> box = polygon.bounds();
  EXPECT_EQ(box, (std::array<double, 4>{1.5, -1.0, 4.0, 7.5}));  // holes do not count
  const std::array<double, 4> none = PolygonRings{}.bounds();
  EXPECT_GT(none[0], none[2]);
}

TEST(Coverage, CoveredWindowSpansTouchedCellsWithinTheGrid) {
  EXPECT_EQ(covered_window({PolygonRings{{box_ring(0.5, 0.5, 2.5, 2.5)}}}, 10, 10), (Window{0, 0, 3, 3}));
  EXPECT_EQ(covered_window({PolygonRings{{box_ring(1, 1, 3, 3)}}}, 10, 10), (Window{1, 1, 2, 2}));
  EXPECT_EQ(covered_window({PolygonRings{{box_ring(-4.5, 8.2, 3.1, 20)}}}, 10, 12), (Window{0, 8, 4, 4}));
  EXPECT_EQ(covered_window({PolygonRings{{box_ring(1, 1, 2, 2)}}, PolygonRings{{box_ring(6.5, 3, 7, 4)}}}, 10, 10),
            (Window{1, 1, 6, 3}));
  EXPECT_TRUE(covered_window({PolygonRings{{box_ring(11, 1, 12, 2)}}}, 10, 10).empty());
  EXPECT_TRUE(covered_window({}, 10, 10).empty());
}

TEST(Coverage, LargeWindowStaysExactOverManyRows) {
  // A 2000-vertex circle over a few hundred rows: sum equals the polygon's own area.
  Points circle;
  for (int k = 0; k < 2000; ++k) {
    const double angle = 2.0 * std::numbers::pi * k / 2000.0;
    circle.emplace_back(250.3 + 180.0 * std::cos(angle), 210.7 + 180.0 * std::sin(angle));
  }
  const MultiPolygonRings disc{PolygonRings{{ring_of(circle)}}};
  const Window window = covered_window(disc, 1000, 1000);
  EXPECT_EQ(window, (Window{70, 30, 361, 361}));
  const Tile<double> fractions = coverage_of(disc, window);
  EXPECT_NEAR(sum_of(fractions), std::abs(shoelace(circle)), 1e-7);
  for (const double v : fractions.values()) {
    ASSERT_GE(v, 0.0);
    ASSERT_LE(v, 1.0);
  }
  EXPECT_EQ(fractions(250 - 70, 210 - 30), 1.0);
}

}  // namespace
}  // namespace zw::kernels
