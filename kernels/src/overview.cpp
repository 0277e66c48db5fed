#include "zonewatch/kernels/overview.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace zw::kernels {

namespace {

/// Sums and valid counts of one level's blocks.
int halved(int size) { return (size + 1) / 2; }

struct BlockSums {
  int width = 0, height = 0;
  std::vector<std::int64_t> sum;
  std::vector<std::int64_t> count;

  /// Zeroed sums of the blocks that halve a finer_width x finer_height level.
  static BlockSums halving(int finer_width, int finer_height) {
    BlockSums level;
    level.width = halved(finer_width);
    level.height = halved(finer_height);
    const auto cells = static_cast<std::size_t>(level.width) * static_cast<std::size_t>(level.height);
    level.sum.assign(cells, 0);
    level.count.assign(cells, 0);
    return level;
  }
};

template <class T>
BlockSums first_level(ConstTileView<T> tile, std::optional<T> nodata) {
  BlockSums level = BlockSums::halving(tile.width, tile.height);
  for (int y = 0; y < tile.height; ++y) {
    const T* row = tile.row(y);
    std::int64_t* sum = level.sum.data() + static_cast<std::size_t>(y / 2) * static_cast<std::size_t>(level.width);
    std::int64_t* count = level.count.data() + static_cast<std::size_t>(y / 2) * static_cast<std::size_t>(level.width);
    for (int x = 0; x < tile.width; ++x) {
      const bool valid = !nodata || row[x] != *nodata;
      sum[x / 2] += valid ? static_cast<std::int64_t>(row[x]) : 0;
      count[x / 2] += valid ? 1 : 0;
    }
  }
  return level;
}

BlockSums next_level(const BlockSums& finer) {
  BlockSums level = BlockSums::halving(finer.width, finer.height);
  for (int y = 0; y < finer.height; ++y) {
    const std::size_t from = static_cast<std::size_t>(y) * static_cast<std::size_t>(finer.width);
    const std::size_t to = static_cast<std::size_t>(y / 2) * static_cast<std::size_t>(level.width);
    for (int x = 0; x < finer.width; ++x) {
      level.sum[to + static_cast<std::size_t>(x / 2)] += finer.sum[from + static_cast<std::size_t>(x)];
      level.count[to + static_cast<std::size_t>(x / 2)] += finer.count[from + static_cast<std::size_t>(x)];
    }
  }
  return level;
}

template <class T>
Tile<T> means(const BlockSums& level, std::optional<T> nodata) {
  Tile<T> out(level.width, level.height, kUninitialized);
  for (std::size_t i = 0; i < level.sum.size(); ++i) {
    const std::int64_t n = level.count[i];
    // The quotient of two exact integers is correctly rounded, so a true half stays a half
    // and std::llround takes it away from zero.
    out.values()[i] = n == 0 ? nodata.value_or(T{})
                             : static_cast<T>(std::llround(static_cast<double>(level.sum[i]) / static_cast<double>(n)));
  }
  return out;
}

}  // namespace

template <class T>
void average_overviews(ConstTileView<T> tile, std::optional<T> nodata, int levels, std::vector<Tile<T>>& out) {
  if (levels < 0 || levels > 30) throw std::invalid_argument("average_overviews: levels must be 0..30");
  out.clear();
  if (levels == 0) return;
  BlockSums level = first_level(tile, nodata);
  out.push_back(means(level, nodata));
  for (int k = 2; k <= levels; ++k) {
    level = next_level(level);
    out.push_back(means(level, nodata));
  }
}

template <class T>
void nearest_overviews(ConstTileView<T> tile, int levels, std::vector<Tile<T>>& out) {
  if (levels < 0 || levels > 30) throw std::invalid_argument("nearest_overviews: levels must be 0..30");
  out.clear();
  int width = tile.width, height = tile.height;
  for (int k = 1; k <= levels; ++k) {
    width = halved(width);
    height = halved(height);
    const int factor = 1 << k, centre = factor / 2;
    Tile<T> level(width, height, kUninitialized);
    for (int y = 0; y < height; ++y) {
      const T* source = tile.row(std::min(y * factor + centre, tile.height - 1));
      T* target = level.view().row(y);
      for (int x = 0; x < width; ++x) target[x] = source[std::min(x * factor + centre, tile.width - 1)];
    }
    out.push_back(std::move(level));
  }
}

template void average_overviews<std::int16_t>(ConstTileView<std::int16_t>, std::optional<std::int16_t>, int,
                                              std::vector<Tile<std::int16_t>>&);
template void average_overviews<std::uint16_t>(ConstTileView<std::uint16_t>, std::optional<std::uint16_t>, int,
                                               std::vector<Tile<std::uint16_t>>&);
template void average_overviews<std::uint8_t>(ConstTileView<std::uint8_t>, std::optional<std::uint8_t>, int,
                                              std::vector<Tile<std::uint8_t>>&);

template void nearest_overviews<std::uint8_t>(ConstTileView<std::uint8_t>, int, std::vector<Tile<std::uint8_t>>&);
template void nearest_overviews<std::int16_t>(ConstTileView<std::int16_t>, int, std::vector<Tile<std::int16_t>>&);
template void nearest_overviews<std::uint16_t>(ConstTileView<std::uint16_t>, int, std::vector<Tile<std::uint16_t>>&);

}  // namespace zw::kernels
