#include "zonewatch/kernels/byte_runs.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace zw::kernels {
namespace {

void put_varint(std::uint64_t value, std::vector<std::uint8_t>& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

/// Where the run of `value` starting at `begin` ends, within [begin, end). Eight bytes at a
/// time: runs of "no change" span thousands of pixels.
const std::uint8_t* run_end(const std::uint8_t* begin, const std::uint8_t* end, std::uint8_t value) {
  std::uint64_t pattern = 0x0101010101010101ULL * value;
  const std::uint8_t* p = begin;
  for (; end - p >= 8; p += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    if (word != pattern) break;
  }
  while (p < end && *p == value) ++p;
  return p;
}

}  // namespace

void pack_byte_runs(ConstTileView<std::uint8_t> tile, std::vector<std::uint8_t>& out) {
  std::uint64_t length = 0;
  std::uint8_t value = 0;
  for (int y = 0; y < tile.height; ++y) {
    const std::uint8_t* p = tile.row(y);
    const std::uint8_t* const end = p + tile.width;
    while (p < end) {
      if (length == 0 || *p != value) {
        if (length > 0) {
          out.push_back(value);
          put_varint(length, out);
        }
        value = *p;
        length = 0;
      }
      const std::uint8_t* next = run_end(p, end, value);
      length += static_cast<std::uint64_t>(next - p);
      p = next;
    }
  }
  if (length > 0) {
    out.push_back(value);
    put_varint(length, out);
  }
}

void unpack_byte_runs(std::span<const std::uint8_t> packed, TileView<std::uint8_t> tile) {
  if (tile.width <= 0 || tile.height <= 0) {
    if (!packed.empty()) throw std::invalid_argument("unpack_byte_runs: runs for an empty tile");
    return;
  }
  std::size_t at = 0;
  int x = 0, y = 0;
  while (at < packed.size()) {
    const std::uint8_t value = packed[at++];
    std::uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      if (shift > 63) throw std::invalid_argument("unpack_byte_runs: run length longer than 64 bits");
      if (at >= packed.size()) throw std::invalid_argument("unpack_byte_runs: input ends inside a run length");
      const std::uint8_t byte = packed[at++];
      if (shift == 63 && (byte & 0x7e) != 0)
        throw std::invalid_argument("unpack_byte_runs: run length longer than 64 bits");
      length |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (length == 0) throw std::invalid_argument("unpack_byte_runs: a run of length 0");
    while (length > 0) {
      if (y >= tile.height) throw std::invalid_argument("unpack_byte_runs: runs longer than the tile");
      const auto step = static_cast<int>(std::min<std::uint64_t>(length, static_cast<std::uint64_t>(tile.width - x)));
      std::fill_n(tile.row(y) + x, step, value);
      length -= static_cast<std::uint64_t>(step);
      x += step;
      if (x == tile.width) {
        x = 0;
        ++y;
      }
    }
  }
  if (y < tile.height) throw std::invalid_argument("unpack_byte_runs: runs shorter than the tile");
}

}  // namespace zw::kernels
