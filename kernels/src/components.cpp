#include "zonewatch/kernels/components.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "binary_grid.hpp"
#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {

namespace {

// Summands on binary grids (binary_grid.hpp): exact up to ~1.4e11 m2 of area and ~8.6e9 in
// summed index values, far beyond one 10980 x 10980 scene.
constexpr double kAreaScale = 65536.0;     // 2^16
constexpr double kValueScale = 1048576.0;  // 2^20

struct PixelPosition {
  int x;
  int y;
};

void require(bool condition, const char* message) {
  if (!condition) throw std::invalid_argument(message);
}

}  // namespace

std::uint32_t label_tile(ConstTileView<std::uint8_t> classes, TileView<std::uint32_t> labels) {
  require(labels.width == classes.width && labels.height == classes.height,
          "label_tile: labels and classes differ in size");
  const int width = classes.width;
  const int height = classes.height;
  for (int y = 0; y < height; ++y) std::fill_n(labels.row(y), width, 0u);

  // Scanning in raster order and flooding each new region at once numbers regions by their
  // first pixel. An explicit stack keeps tile-sized regions off the call stack.
  std::vector<PixelPosition> pending;
  std::uint32_t label_count = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint8_t region_class = classes(x, y);
      if (!is_change(region_class) || labels(x, y) != 0) continue;
      ++label_count;
      labels(x, y) = label_count;
      pending.push_back({x, y});
      while (!pending.empty()) {
        const PixelPosition pixel = pending.back();
        pending.pop_back();
        const int ny_begin = std::max(pixel.y - 1, 0);
        const int ny_end = std::min(pixel.y + 1, height - 1);
        const int nx_begin = std::max(pixel.x - 1, 0);
        const int nx_end = std::min(pixel.x + 1, width - 1);
        for (int ny = ny_begin; ny <= ny_end; ++ny) {
          const std::uint8_t* class_row = classes.row(ny);
          std::uint32_t* label_row = labels.row(ny);
          for (int nx = nx_begin; nx <= nx_end; ++nx) {
            if (class_row[nx] == region_class && label_row[nx] == 0) {
              label_row[nx] = label_count;
              pending.push_back({nx, ny});
            }
          }
        }
      }
    }
  }
  return label_count;
}

void ComponentStats::merge(const ComponentStats& other) {
  if (other.pixel_count == 0) return;
  if (pixel_count == 0) {
    *this = other;
    return;
  }
  pixel_count += other.pixel_count;
  area_m2 += other.area_m2;
  first_pixel = std::min(first_pixel, other.first_pixel);
  min_x = std::min(min_x, other.min_x);
  min_y = std::min(min_y, other.min_y);
  max_x = std::max(max_x, other.max_x);
  max_y = std::max(max_y, other.max_y);
  sum_greenness_before += other.sum_greenness_before;
  sum_greenness_after += other.sum_greenness_after;
  greenness_count += other.greenness_count;
  sum_magnitude += other.sum_magnitude;
  peak_magnitude = std::max(peak_magnitude, other.peak_magnitude);
}

std::vector<ComponentStats> tile_component_stats(ConstTileView<std::uint8_t> classes,
                                                 ConstTileView<std::uint32_t> labels, std::uint32_t label_count,
                                                 Window window, int image_width, const std::vector<double>& row_area_m2,
                                                 ConstTileView<float> greenness_before,
                                                 ConstTileView<float> greenness_after, ConstTileView<float> magnitude,
                                                 ConstTileView<float> peak_magnitude) {
  const int width = window.width;
  const int height = window.height;
  const auto matches_window = [&](auto view) { return view.width == width && view.height == height; };
  require(matches_window(classes) && matches_window(labels),
          "tile_component_stats: classes/labels differ from the window size");
  require(static_cast<long long>(row_area_m2.size()) >= height,
          "tile_component_stats: row_area_m2 shorter than the window");
  const bool has_greenness = !greenness_before.empty() && !greenness_after.empty();
  require(!has_greenness || (matches_window(greenness_before) && matches_window(greenness_after)),
          "tile_component_stats: greenness planes differ from the window size");
  const bool has_magnitude = !magnitude.empty();
  require(!has_magnitude || matches_window(magnitude),
          "tile_component_stats: magnitude plane differs from the window size");
  const bool has_peak_plane = !peak_magnitude.empty();
  require(!has_peak_plane || matches_window(peak_magnitude),
          "tile_component_stats: peak magnitude plane differs from the window size");

  std::vector<ComponentStats> stats(static_cast<std::size_t>(label_count) + 1);
  for (int y = 0; y < height; ++y) {
    const int grid_y = window.y0 + y;
    const double pixel_area = round_to_binary_grid(row_area_m2[y], kAreaScale);
    const std::uint8_t* class_row = classes.row(y);
    const std::uint32_t* label_row = labels.row(y);
    for (int x = 0; x < width; ++x) {
      const std::uint32_t label = label_row[x];
      if (label == 0) continue;
      if (label > label_count) {
        throw std::invalid_argument("tile_component_stats: label " + std::to_string(label) + " exceeds label_count " +
                                    std::to_string(label_count));
      }
      ComponentStats& component = stats[label];
      const int grid_x = window.x0 + x;
      if (component.pixel_count == 0) {
        // Raster scan: the first pixel seen is the component's first pixel.
        component.change_type = class_row[x];
        component.first_pixel = static_cast<long long>(grid_y) * image_width + grid_x;
        component.min_x = component.max_x = grid_x;
        component.min_y = component.max_y = grid_y;
      } else {
        component.min_x = std::min(component.min_x, grid_x);
        component.max_x = std::max(component.max_x, grid_x);
        component.max_y = grid_y;
      }
      ++component.pixel_count;
      component.area_m2 += pixel_area;
      if (has_greenness) {
        const float before = greenness_before(x, y);
        const float after = greenness_after(x, y);
        if (is_valid(before) && is_valid(after)) {
          component.sum_greenness_before += round_to_binary_grid(before, kValueScale);
          component.sum_greenness_after += round_to_binary_grid(after, kValueScale);
          ++component.greenness_count;
        }
      }
      if (has_magnitude) {
        const float value = magnitude(x, y);
        if (is_valid(value)) {
          component.sum_magnitude += round_to_binary_grid(value, kValueScale);
          if (!has_peak_plane) component.peak_magnitude = std::max(component.peak_magnitude, value);
        }
      }
      if (has_peak_plane) {
        const float value = peak_magnitude(x, y);
        if (is_valid(value)) component.peak_magnitude = std::max(component.peak_magnitude, value);
      }
    }
  }
  return stats;
}

SeamLabeler::SeamLabeler(int tiles_x, int tiles_y) : tiles_x_(tiles_x), tiles_y_(tiles_y) {
  require(tiles_x > 0 && tiles_y > 0, "SeamLabeler: tile grid must not be empty");
  base_.push_back(0);
  bottom_above_.resize(static_cast<std::size_t>(tiles_x));
  bottom_current_.resize(static_cast<std::size_t>(tiles_x));
  tile_widths_.assign(static_cast<std::size_t>(tiles_x), 0);
}

std::uint32_t SeamLabeler::find(std::uint32_t id) {
  // Path halving: every visited node skips to its grandparent, flattening the tree.
  while (parent_[id] != id) {
    parent_[id] = parent_[parent_[id]];
    id = parent_[id];
  }
  return id;
}

void SeamLabeler::unite(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t root_a = find(a);
  const std::uint32_t root_b = find(b);
  if (root_a == root_b) return;
  // The smaller id stays root so the forest does not depend on the order of unions.
  if (root_a < root_b) {
    parent_[root_b] = root_a;
  } else {
    parent_[root_a] = root_b;
  }
}

void SeamLabeler::add_tile(int tx, int ty, ConstTileView<std::uint8_t> classes, ConstTileView<std::uint32_t> labels,
                           std::vector<ComponentStats> stats) {
  if (finished_) throw std::logic_error("SeamLabeler::add_tile after finish");
  require(next_tile_ < tiles_x_ * tiles_y_ && tx == next_tile_ % tiles_x_ && ty == next_tile_ / tiles_x_,
          "SeamLabeler::add_tile: tiles must come in raster order");
  require(labels.width == classes.width && labels.height == classes.height && !classes.empty(),
          "SeamLabeler::add_tile: labels and classes differ in size or are empty");
  require(!stats.empty(), "SeamLabeler::add_tile: stats lack the unused index 0");
  const int width = classes.width;
  const int height = classes.height;
  if (tx == 0) row_height_ = height;
  require(height == row_height_, "SeamLabeler::add_tile: tiles of a tile row differ in height");
  if (ty == 0) tile_widths_[tx] = width;
  require(width == tile_widths_[tx], "SeamLabeler::add_tile: tiles of a tile column differ in width");

  const auto label_count = static_cast<std::uint32_t>(stats.size() - 1);
  const std::uint32_t base = base_.back();
  const auto provisional_id = [&](int x, int y) {
    const std::uint32_t label = labels(x, y);
    if (label == 0) return kNoComponent;
    require(label <= label_count, "SeamLabeler::add_tile: label exceeds the stats size");
    return base + label - 1;
  };

  for (std::uint32_t label = 1; label <= label_count; ++label) {
    parent_.push_back(base + label - 1);
    stats_.push_back(std::move(stats[label]));
  }
  base_.push_back(base + label_count);

  const auto unite_if_same_class = [&](std::uint32_t id, std::uint8_t id_class, const EdgeStrip& strip, int index) {
    const auto i = static_cast<std::size_t>(index);
    if (strip.ids[i] != kNoComponent && strip.classes[i] == id_class) unite(id, strip.ids[i]);
  };

  // Left seam: each left-column pixel touches up to three pixels of the left tile's right
  // column (west and both diagonals).
  if (tx > 0) {
    for (int y = 0; y < height; ++y) {
      const std::uint32_t id = provisional_id(0, y);
      if (id == kNoComponent) continue;
      for (int ny = std::max(y - 1, 0); ny <= std::min(y + 1, height - 1); ++ny) {
        unite_if_same_class(id, classes(0, y), right_of_left_, ny);
      }
    }
  }
  if (ty > 0) {
    // Top seam, the same way against the bottom row of the tile above.
    const EdgeStrip& above = bottom_above_[tx];
    for (int x = 0; x < width; ++x) {
      const std::uint32_t id = provisional_id(x, 0);
      if (id == kNoComponent) continue;
      for (int nx = std::max(x - 1, 0); nx <= std::min(x + 1, width - 1); ++nx) {
        unite_if_same_class(id, classes(x, 0), above, nx);
      }
    }
    // Corners: the top-left pixel touches the bottom-right pixel of the tile above-left,
    // the top-right pixel the bottom-left pixel of the tile above-right.
    if (tx > 0) {
      const std::uint32_t id = provisional_id(0, 0);
      const EdgeStrip& above_left = bottom_above_[tx - 1];
      if (id != kNoComponent) {
        unite_if_same_class(id, classes(0, 0), above_left, static_cast<int>(above_left.ids.size()) - 1);
      }
    }
    if (tx + 1 < tiles_x_) {
      const std::uint32_t id = provisional_id(width - 1, 0);
      if (id != kNoComponent) unite_if_same_class(id, classes(width - 1, 0), bottom_above_[tx + 1], 0);
    }
  }

  // Keep what later tiles need: this tile's right column and bottom row.
  right_of_left_.ids.resize(static_cast<std::size_t>(height));
  right_of_left_.classes.resize(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    right_of_left_.ids[static_cast<std::size_t>(y)] = provisional_id(width - 1, y);
    right_of_left_.classes[static_cast<std::size_t>(y)] = classes(width - 1, y);
  }
  EdgeStrip& bottom = bottom_current_[tx];
  bottom.ids.resize(static_cast<std::size_t>(width));
  bottom.classes.resize(static_cast<std::size_t>(width));
  for (int x = 0; x < width; ++x) {
    bottom.ids[static_cast<std::size_t>(x)] = provisional_id(x, height - 1);
    bottom.classes[static_cast<std::size_t>(x)] = classes(x, height - 1);
  }

  ++next_tile_;
  if (tx == tiles_x_ - 1) std::swap(bottom_above_, bottom_current_);
}

PatchTable SeamLabeler::finish(double min_area_m2, float min_peak_magnitude) {
  if (finished_) throw std::logic_error("SeamLabeler::finish called twice");
  if (next_tile_ != tiles_x_ * tiles_y_) {
    throw std::logic_error("SeamLabeler::finish before all tiles were added");
  }
  finished_ = true;

  const auto component_count = static_cast<std::uint32_t>(parent_.size());
  for (std::uint32_t id = 0; id < component_count; ++id) {
    const std::uint32_t root = find(id);
    if (root != id) stats_[root].merge(stats_[id]);
  }

  std::vector<std::uint32_t> kept_roots;
  for (std::uint32_t id = 0; id < component_count; ++id) {
    if (parent_[id] == id && stats_[id].area_m2 >= min_area_m2 && stats_[id].peak_magnitude >= min_peak_magnitude) {
      kept_roots.push_back(id);
    }
  }
  std::sort(kept_roots.begin(), kept_roots.end(),
            [&](std::uint32_t a, std::uint32_t b) { return stats_[a].first_pixel < stats_[b].first_pixel; });

  PatchTable table;
  std::vector<std::uint32_t> patch_of_root(component_count, 0);
  table.patches.reserve(kept_roots.size());
  for (std::size_t i = 0; i < kept_roots.size(); ++i) {
    patch_of_root[kept_roots[i]] = static_cast<std::uint32_t>(i + 1);
    table.patches.push_back(stats_[kept_roots[i]]);
  }

  const std::size_t tile_count = base_.size() - 1;
  table.local_to_patch.resize(tile_count);
  for (std::size_t tile = 0; tile < tile_count; ++tile) {
    const std::uint32_t label_count = base_[tile + 1] - base_[tile];
    std::vector<std::uint32_t>& mapping = table.local_to_patch[tile];
    mapping.assign(static_cast<std::size_t>(label_count) + 1, 0);
    for (std::uint32_t label = 1; label <= label_count; ++label) {
      mapping[label] = patch_of_root[find(base_[tile] + label - 1)];
    }
  }
  return table;
}

}  // namespace zw::kernels
