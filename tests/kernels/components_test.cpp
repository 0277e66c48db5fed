#include "zonewatch/kernels/components.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {
namespace {

constexpr std::uint8_t kNodata = 255;

// '.' = no change, '1'..'5' = change class, 'x' = nodata.
Tile<std::uint8_t> classes_from_rows(const std::vector<std::string>& rows) {
  const int height = static_cast<int>(rows.size());
  const int width = static_cast<int>(rows.front().size());
  Tile<std::uint8_t> classes(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const char symbol = rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      classes(x, y) = symbol == '.'   ? std::uint8_t{0}
                      : symbol == 'x' ? kNodata
                                      : static_cast<std::uint8_t>(symbol - '0');
    }
  }
  return classes;
}

struct Scene {
  Tile<std::uint8_t> classes;
  Tile<float> greenness_before, greenness_after, magnitude;
  std::vector<double> row_area_m2;
};

Scene plain_scene(Tile<std::uint8_t> classes, double pixel_area = 100.0) {
  Scene scene;
  const int width = classes.width();
  const int height = classes.height();
  scene.classes = std::move(classes);
  scene.greenness_before = Tile<float>(width, height, 0.5f);
  scene.greenness_after = Tile<float>(width, height, 0.25f);
  scene.magnitude = Tile<float>(width, height, 4.0f);
  scene.row_area_m2.assign(static_cast<std::size_t>(height), pixel_area);
  return scene;
}

struct Labelling {
  PatchTable table;
  Tile<std::uint32_t> patch_ids;  // final patch id per pixel (0 = none or dropped)
};

// The whole tiled flow: label each tile alone, collect its stats, seam-merge, then map
// every pixel's local label to its final patch id.
Labelling label_tiled(const Scene& scene, int tile_width, int tile_height, double min_area_m2 = 0.0) {
  const int width = scene.classes.width();
  const int height = scene.classes.height();
  const int tiles_x = (width + tile_width - 1) / tile_width;
  const int tiles_y = (height + tile_height - 1) / tile_height;
  SeamLabeler seams(tiles_x, tiles_y);
  Tile<std::uint32_t> local_labels(width, height);
  for (int ty = 0; ty < tiles_y; ++ty) {
    for (int tx = 0; tx < tiles_x; ++tx) {
      const Window window{tx * tile_width, ty * tile_height, std::min(tile_width, width - tx * tile_width),
                          std::min(tile_height, height - ty * tile_height)};
      const auto classes = scene.classes.view().sub(window.x0, window.y0, window.width, window.height);
      const auto labels = local_labels.view().sub(window.x0, window.y0, window.width, window.height);
      const std::uint32_t count = label_tile(classes, labels);
      const std::vector<double> rows(scene.row_area_m2.begin() + window.y0,
                                     scene.row_area_m2.begin() + window.y0 + window.height);
      const auto sub = [&](const Tile<float>& plane) {
        return plane.view().sub(window.x0, window.y0, window.width, window.height);
      };
      auto stats = tile_component_stats(classes, labels, count, window, width, rows, sub(scene.greenness_before),
                                        sub(scene.greenness_after), sub(scene.magnitude));
      seams.add_tile(tx, ty, classes, labels, std::move(stats));
    }
  }
  Labelling result;
  result.table = seams.finish(min_area_m2);
  result.patch_ids = Tile<std::uint32_t>(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const auto tile = static_cast<std::size_t>((y / tile_height) * tiles_x + x / tile_width);
      result.patch_ids(x, y) = result.table.local_to_patch[tile][local_labels(x, y)];
    }
  }
  return result;
}

Labelling label_whole(const Scene& scene, double min_area_m2 = 0.0) {
  return label_tiled(scene, scene.classes.width(), scene.classes.height(), min_area_m2);
}

void expect_same_stats(const ComponentStats& a, const ComponentStats& b, std::size_t index) {
  SCOPED_TRACE("patch index " + std::to_string(index));
  EXPECT_EQ(a.change_type, b.change_type);
  EXPECT_EQ(a.pixel_count, b.pixel_count);
  EXPECT_EQ(a.area_m2, b.area_m2);
  EXPECT_EQ(a.first_pixel, b.first_pixel);
  EXPECT_EQ(a.min_x, b.min_x);
  EXPECT_EQ(a.min_y, b.min_y);
  EXPECT_EQ(a.max_x, b.max_x);
  EXPECT_EQ(a.max_y, b.max_y);
  EXPECT_EQ(a.sum_greenness_before, b.sum_greenness_before);
  EXPECT_EQ(a.sum_greenness_after, b.sum_greenness_after);
  EXPECT_EQ(a.greenness_count, b.greenness_count);
  EXPECT_EQ(a.sum_magnitude, b.sum_magnitude);
}

void expect_same_labelling(const Labelling& expected, const Labelling& actual) {
  ASSERT_EQ(expected.table.patches.size(), actual.table.patches.size());
  for (std::size_t i = 0; i < expected.table.patches.size(); ++i) {
    expect_same_stats(expected.table.patches[i], actual.table.patches[i], i);
  }
  ASSERT_EQ(expected.patch_ids.values(), actual.patch_ids.values());
}

TEST(ComponentsLabelTile, LabelsEightConnectedSameClassRegionsInRasterOrder) {
  const auto classes = classes_from_rows({
      "11..2",
      ".1.22",
      "..1..",  // diagonal to the 1s above, and diagonal to a 2 of another class
      "3x..3",
      "33.44",
  });
  Tile<std::uint32_t> labels(5, 5, 99u);
  const std::uint32_t count = label_tile(classes.view(), labels.view());
  EXPECT_EQ(count, 5u);
  const std::vector<std::uint32_t> expected{
      1, 1, 0, 0, 2,  //
      0, 1, 0, 2, 2,  //
      0, 0, 1, 0, 0,  //
      3, 0, 0, 0, 4,  //
      3, 3, 0, 5, 5,
  };
  EXPECT_EQ(std::vector<std::uint32_t>(labels.values().begin(), labels.values().end()), expected);
}

TEST(ComponentsLabelTile, RespectsRowStrideOfSubViews) {
  // A 3x2 window inside a 5x4 buffer: the 1s outside the window must not leak in.
  const auto big = classes_from_rows({
      "11111",
      "1.2.1",
      "12..1",
      "11111",
  });
  Tile<std::uint32_t> label_buffer(5, 4, 7u);
  const auto labels = label_buffer.view().sub(1, 1, 3, 2);
  const std::uint32_t count = label_tile(big.view().sub(1, 1, 3, 2), labels);
  EXPECT_EQ(count, 1u);  // the two 2s touch diagonally
  EXPECT_EQ(labels(0, 0), 0u);
  EXPECT_EQ(labels(1, 0), 1u);
  EXPECT_EQ(labels(0, 1), 1u);
  EXPECT_EQ(labels(2, 1), 0u);
  EXPECT_EQ(label_buffer(0, 0), 7u);  // outside the view untouched
  EXPECT_EQ(label_buffer(4, 1), 7u);
}

TEST(ComponentsLabelTile, HandlesOneHugeRegionWithoutRecursion) {
  // A 1500x1500 serpentine of one class: a recursive flood fill would overflow the stack.
  const int size = 1500;
  Tile<std::uint8_t> classes(size, size, 0);
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) classes(x, y) = 1;
  }
  for (int y = 1; y < size; y += 2) classes((y / 2) % 2 == 0 ? size - 1 : 0, y) = 1;
  Tile<std::uint32_t> labels(size, size);
  EXPECT_EQ(label_tile(classes.view(), labels.view()), 1u);
  EXPECT_EQ(labels(0, size - 2), 1u);
}

TEST(ComponentStats, TileStatsSumPixelsOfEachLabel) {
  // Tile at grid (10, 20) in an image 100 pixels wide.
  const auto classes = classes_from_rows({
      "1.2",
      "11x",
  });
  Tile<std::uint32_t> labels(3, 2);
  const std::uint32_t count = label_tile(classes.view(), labels.view());
  ASSERT_EQ(count, 2u);
  Tile<float> before(3, 2, 0.5f), after(3, 2, 0.25f), magnitude(3, 2, 3.0f);
  before(1, 1) = kNaN;  // pixel drops out of the greenness sums only
  magnitude(0, 1) = 5.0f;
  const std::vector<double> row_area{100.0, 50.0};
  const auto stats = tile_component_stats(classes.view(), labels.view(), count, Window{10, 20, 3, 2}, 100, row_area,
                                          before.view(), after.view(), magnitude.view());
  ASSERT_EQ(stats.size(), 3u);
  const ComponentStats& ones = stats[1];
  EXPECT_EQ(ones.change_type, 1);
  EXPECT_EQ(ones.pixel_count, 3u);
  EXPECT_DOUBLE_EQ(ones.area_m2, 200.0);
  EXPECT_EQ(ones.first_pixel, 20 * 100 + 10);
  EXPECT_EQ(ones.min_x, 10);
  EXPECT_EQ(ones.max_x, 11);
  EXPECT_EQ(ones.min_y, 20);
  EXPECT_EQ(ones.max_y, 21);
  EXPECT_EQ(ones.greenness_count, 2u);
  EXPECT_DOUBLE_EQ(ones.sum_greenness_before, 1.0);
  EXPECT_DOUBLE_EQ(ones.sum_greenness_after, 0.5);
  EXPECT_DOUBLE_EQ(ones.sum_magnitude, 11.0);
  const ComponentStats& two = stats[2];
  EXPECT_EQ(two.change_type, 2);
  EXPECT_EQ(two.pixel_count, 1u);
  EXPECT_EQ(two.first_pixel, 20 * 100 + 12);
  EXPECT_EQ(two.min_x, 12);
  EXPECT_EQ(two.max_y, 20);
}

TEST(ComponentStats, TileStatsWithoutGreennessPlanesCountNoGreenness) {
  const auto classes = classes_from_rows({"11"});
  Tile<std::uint32_t> labels(2, 1);
  const std::uint32_t count = label_tile(classes.view(), labels.view());
  const auto stats =
      tile_component_stats(classes.view(), labels.view(), count, Window{0, 0, 2, 1}, 2, {1.0}, {}, {}, {});
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[1].greenness_count, 0u);
  EXPECT_EQ(stats[1].sum_magnitude, 0.0);
  EXPECT_EQ(stats[1].pixel_count, 2u);
}

TEST(ComponentStats, TileStatsRejectLabelsBeyondCount) {
  const auto classes = classes_from_rows({"11"});
  Tile<std::uint32_t> labels(2, 1, 3u);
  EXPECT_THROW((void)tile_component_stats(classes.view(), labels.view(), 1, Window{0, 0, 2, 1}, 2, {1.0}, {}, {}, {}),
               std::invalid_argument);
}

TEST(ComponentStats, MergeAddsSumsAndWidensBox) {
  ComponentStats a;
  a.change_type = 3;
  a.pixel_count = 2;
  a.area_m2 = 200.0;
  a.first_pixel = 57;
  a.min_x = 5, a.min_y = 0, a.max_x = 7, a.max_y = 1;
  a.sum_greenness_before = 1.0, a.sum_greenness_after = 0.5, a.greenness_count = 2;
  a.sum_magnitude = 8.0;
  ComponentStats b = a;
  b.pixel_count = 1;
  b.area_m2 = 100.0;
  b.first_pixel = 12;
  b.min_x = 2, b.min_y = 0, b.max_x = 2, b.max_y = 4;
  b.greenness_count = 0, b.sum_greenness_before = 0.0, b.sum_greenness_after = 0.0;
  b.sum_magnitude = 3.0;

  ComponentStats merged;  // empty: takes the first merge as is
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.change_type, 3);
  EXPECT_EQ(merged.pixel_count, 3u);
  EXPECT_EQ(merged.area_m2, 300.0);
  EXPECT_EQ(merged.first_pixel, 12);
  EXPECT_EQ(merged.min_x, 2);
  EXPECT_EQ(merged.max_x, 7);
  EXPECT_EQ(merged.min_y, 0);
  EXPECT_EQ(merged.max_y, 4);
  EXPECT_EQ(merged.greenness_count, 2u);
  EXPECT_EQ(merged.sum_greenness_before, 1.0);
  EXPECT_EQ(merged.sum_magnitude, 11.0);

  ComponentStats unchanged = a;
  unchanged.merge(ComponentStats{});  // merging nothing changes nothing
  EXPECT_EQ(unchanged.min_x, 5);
  EXPECT_EQ(unchanged.max_x, 7);
  EXPECT_EQ(unchanged.first_pixel, 57);
}

TEST(SeamLabeler, UShapedPatchAcrossSeamsIsOnePatch) {
  // The arms meet only in the bottom row, several tiles away from their tops.
  const Scene scene = plain_scene(classes_from_rows({
      ".1...1.",
      ".1...1.",
      ".1...1.",
      ".1...1.",
      ".11111.",
      ".......",
  }));
  const Labelling whole = label_whole(scene);
  ASSERT_EQ(whole.table.patches.size(), 1u);
  EXPECT_EQ(whole.table.patches[0].pixel_count, 13u);
  EXPECT_EQ(whole.table.patches[0].first_pixel, 1);
  for (const auto& [tile_width, tile_height] :
       std::vector<std::pair<int, int>>{{2, 2}, {3, 2}, {1, 1}, {7, 1}, {1, 6}, {4, 5}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    const Labelling tiled = label_tiled(scene, tile_width, tile_height);
    ASSERT_EQ(tiled.table.patches.size(), 1u);
    expect_same_labelling(whole, tiled);
  }
}

TEST(SeamLabeler, DiagonalChainsThroughTileCornersAreOnePatchEach) {
  // Class 1 runs down-right, class 2 down-left; they cross between rows 3 and 4, which
  // 8-connected components of different classes may do without merging.
  std::vector<std::string> rows(8, std::string(8, '.'));
  for (int i = 0; i < 8; ++i) {
    rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)] = '1';
    rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(7 - i)] = '2';
  }
  const Scene scene = plain_scene(classes_from_rows(rows));
  for (const auto& [tile_width, tile_height] :
       std::vector<std::pair<int, int>>{{8, 8}, {2, 2}, {1, 1}, {3, 3}, {2, 5}, {8, 1}, {1, 8}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    const Labelling tiled = label_tiled(scene, tile_width, tile_height);
    ASSERT_EQ(tiled.table.patches.size(), 2u);
    EXPECT_EQ(tiled.table.patches[0].change_type, 1);
    EXPECT_EQ(tiled.table.patches[0].pixel_count, 8u);
    EXPECT_EQ(tiled.table.patches[1].change_type, 2);
    EXPECT_EQ(tiled.table.patches[1].pixel_count, 8u);
    EXPECT_EQ(tiled.patch_ids(0, 0), 1u);
    EXPECT_EQ(tiled.patch_ids(7, 7), 1u);
    EXPECT_EQ(tiled.patch_ids(7, 0), 2u);
    EXPECT_EQ(tiled.patch_ids(0, 7), 2u);
  }
}

TEST(SeamLabeler, TouchingPatchesOfDifferentClassesStaySeparate) {
  const Scene scene = plain_scene(classes_from_rows({
      "1122",
      "1122",
      "3344",
      "3x44",
  }));
  for (const auto& [tile_width, tile_height] : std::vector<std::pair<int, int>>{{4, 4}, {2, 2}, {1, 1}, {3, 3}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    const Labelling tiled = label_tiled(scene, tile_width, tile_height);
    ASSERT_EQ(tiled.table.patches.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(tiled.table.patches[i].change_type, static_cast<std::uint8_t>(i + 1));
    }
    EXPECT_EQ(tiled.table.patches[2].pixel_count, 3u);  // nodata is no part of a patch
    EXPECT_EQ(tiled.patch_ids(1, 3), 0u);
  }
}

TEST(SeamLabeler, DropsPatchesBelowMinimumAreaAndRenumbers) {
  const Scene scene = plain_scene(classes_from_rows({
      "1..22",
      "...2.",
      "3....",
  }));
  for (const auto& [tile_width, tile_height] : std::vector<std::pair<int, int>>{{5, 3}, {2, 2}, {1, 1}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    // Areas 100, 300, 100 m2: a minimum of 300 keeps the 2s (equal is kept).
    const Labelling kept_one = label_tiled(scene, tile_width, tile_height, 300.0);
    ASSERT_EQ(kept_one.table.patches.size(), 1u);
    EXPECT_EQ(kept_one.table.patches[0].change_type, 2);
    EXPECT_EQ(kept_one.patch_ids(3, 0), 1u);
    EXPECT_EQ(kept_one.patch_ids(0, 0), 0u);
    EXPECT_EQ(kept_one.patch_ids(0, 2), 0u);

    const Labelling kept_all = label_tiled(scene, tile_width, tile_height, 100.0);
    ASSERT_EQ(kept_all.table.patches.size(), 3u);
    EXPECT_EQ(kept_all.patch_ids(0, 0), 1u);
    EXPECT_EQ(kept_all.patch_ids(3, 1), 2u);
    EXPECT_EQ(kept_all.patch_ids(0, 2), 3u);

    EXPECT_TRUE(label_tiled(scene, tile_width, tile_height, 300.5).table.patches.empty());
  }
}

// Reference labelling by brute force: union-find over all same-class 8-neighbour pairs.
std::vector<std::size_t> reference_components(const Tile<std::uint8_t>& classes) {
  const int width = classes.width();
  const int height = classes.height();
  std::vector<std::size_t> parent(static_cast<std::size_t>(width) * height);
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  const auto find = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i];
    return i;
  };
  const auto index = [&](int x, int y) { return static_cast<std::size_t>(y) * width + x; };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint8_t c = classes(x, y);
      if (c == 0 || c == kNodata) continue;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height || classes(nx, ny) != c) continue;
          const std::size_t a = find(index(x, y)), b = find(index(nx, ny));
          if (a != b) parent[std::max(a, b)] = std::min(a, b);
        }
      }
    }
  }
  std::vector<std::size_t> roots(parent.size());
  for (std::size_t i = 0; i < parent.size(); ++i) roots[i] = find(i);
  return roots;
}

Scene random_scene(int width, int height, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> class_of(0, 6);  // 6 stands for nodata
  std::uniform_real_distribution<float> value_of(-1.0f, 1.0f);
  std::uniform_int_distribution<int> percent(0, 99);
  Scene scene;
  scene.classes = Tile<std::uint8_t>(width, height);
  // Blocky classes with noise give both large seam-crossing patches and single pixels.
  std::vector<int> block_class(static_cast<std::size_t>((width / 5 + 1) * (height / 5 + 1)));
  for (int& c : block_class) c = class_of(random);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int c = block_class[static_cast<std::size_t>((y / 5) * (width / 5 + 1) + x / 5)];
      if (percent(random) < 30) c = class_of(random);
      scene.classes(x, y) = c == 6 ? kNodata : static_cast<std::uint8_t>(c);
    }
  }
  const auto random_plane = [&](int nan_percent) {
    Tile<float> plane(width, height);
    for (float& v : plane.values()) v = percent(random) < nan_percent ? kNaN : value_of(random);
    return plane;
  };
  scene.greenness_before = random_plane(10);
  scene.greenness_after = random_plane(10);
  scene.magnitude = random_plane(0);
  for (float& v : scene.magnitude.values()) v = 3.0f + 7.0f * std::abs(v);
  // Rows of a geographic grid differ in area, by amounts no binary fraction hits exactly.
  for (int y = 0; y < height; ++y) scene.row_area_m2.push_back(100.0 * std::cos(0.001 * y + 0.7));
  return scene;
}

TEST(SeamLabeler, RandomRasterGivesIdenticalPatchesForEveryTiling) {
  const Scene scene = random_scene(97, 61, 20240611u);
  const Labelling whole = label_whole(scene);

  // The whole-image result itself agrees with the brute-force reference: same partition,
  // ids ordered by first pixel.
  const std::vector<std::size_t> reference = reference_components(scene.classes);
  std::vector<std::size_t> first_pixel_of_patch;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const std::uint32_t id = whole.patch_ids.values()[i];
    const std::uint8_t c = scene.classes.values()[i];
    if (c == 0 || c == kNodata) {
      ASSERT_EQ(id, 0u) << "pixel " << i;
      continue;
    }
    if (reference[i] == i) first_pixel_of_patch.push_back(i);  // root = first pixel
    ASSERT_EQ(id, whole.patch_ids.values()[reference[i]]) << "pixel " << i;
  }
  ASSERT_EQ(whole.table.patches.size(), first_pixel_of_patch.size());
  for (std::size_t p = 0; p < first_pixel_of_patch.size(); ++p) {
    EXPECT_EQ(whole.patch_ids.values()[first_pixel_of_patch[p]], p + 1);
    EXPECT_EQ(whole.table.patches[p].first_pixel, static_cast<long long>(first_pixel_of_patch[p]));
  }
  // Enough structure for the comparison to mean something.
  EXPECT_GT(whole.table.patches.size(), 200u);
  const auto crosses_16_seam = [](const ComponentStats& patch) {
    return patch.min_x / 16 != patch.max_x / 16 || patch.min_y / 16 != patch.max_y / 16;
  };
  EXPECT_GT(std::count_if(whole.table.patches.begin(), whole.table.patches.end(), crosses_16_seam), 20);

  for (const auto& [tile_width, tile_height] :
       std::vector<std::pair<int, int>>{{16, 16}, {7, 13}, {97, 1}, {1, 61}, {1, 1}, {50, 31}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height));
    expect_same_labelling(whole, label_tiled(scene, tile_width, tile_height));
  }
  // With a minimum area the same tilings still agree, and something is dropped.
  const Labelling whole_min = label_whole(scene, 450.0);
  EXPECT_LT(whole_min.table.patches.size(), whole.table.patches.size());
  EXPECT_GT(whole_min.table.patches.size(), 0u);
  for (const auto& [tile_width, tile_height] : std::vector<std::pair<int, int>>{{16, 16}, {7, 13}, {97, 1}, {1, 61}}) {
    SCOPED_TRACE(std::to_string(tile_width) + "x" + std::to_string(tile_height) + " min area");
    expect_same_labelling(whole_min, label_tiled(scene, tile_width, tile_height, 450.0));
  }
}

TEST(SeamLabeler, RejectsTilesOutOfOrderAndEarlyFinish) {
  const auto classes = classes_from_rows({"1."});
  Tile<std::uint32_t> labels(2, 1);
  const std::uint32_t count = label_tile(classes.view(), labels.view());
  const auto stats = [&] {
    return tile_component_stats(classes.view(), labels.view(), count, Window{0, 0, 2, 1}, 4, {1.0}, {}, {}, {});
  };
  SeamLabeler out_of_order(2, 1);
  EXPECT_THROW(out_of_order.add_tile(1, 0, classes.view(), labels.view(), stats()), std::invalid_argument);
  SeamLabeler early(2, 1);
  early.add_tile(0, 0, classes.view(), labels.view(), stats());
  EXPECT_THROW((void)early.finish(0.0), std::logic_error);
  SeamLabeler complete(1, 1);
  complete.add_tile(0, 0, classes.view(), labels.view(), stats());
  EXPECT_EQ(complete.finish(0.0).patches.size(), 1u);
  EXPECT_THROW((void)complete.finish(0.0), std::logic_error);
}

}  // namespace
}  // namespace zw::kernels
