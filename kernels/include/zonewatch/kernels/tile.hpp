#pragma once
// Typed, non-owning 2-D views over tile memory and a small owning tile buffer.
// Kernels take views in and write views out; they never allocate images themselves
// unless they return an owning Tile.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace zw::kernels {

/// Rectangle in analysis-grid pixel coordinates (column x0, row y0).
struct Window {
  int x0 = 0;
  int y0 = 0;
  int width = 0;
  int height = 0;

  [[nodiscard]] long long pixel_count() const { return static_cast<long long>(width) * height; }
  [[nodiscard]] int x1() const { return x0 + width; }
  [[nodiscard]] int y1() const { return y0 + height; }
  [[nodiscard]] bool empty() const { return width <= 0 || height <= 0; }
  friend bool operator==(const Window&, const Window&) = default;
};

/// Whether two windows share at least one pixel.
[[nodiscard]] inline bool windows_intersect(const Window& a, const Window& b) {
  return a.x0 < b.x1() && b.x0 < a.x1() && a.y0 < b.y1() && b.y0 < a.y1();
}

/// The pixels two windows share (empty, with zero width or height, when none).
[[nodiscard]] inline Window intersection(const Window& a, const Window& b) {
  const int x0 = a.x0 > b.x0 ? a.x0 : b.x0, y0 = a.y0 > b.y0 ? a.y0 : b.y0;
  const int x1 = a.x1() < b.x1() ? a.x1() : b.x1(), y1 = a.y1() < b.y1() ? a.y1() : b.y1();
  return {x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
}

/// Non-owning view over a row-major 2-D array with a row stride in elements.
template <class T>
struct TileView {
  T* data = nullptr;
  int width = 0;
  int height = 0;
  std::ptrdiff_t stride = 0;  // elements between the starts of two rows

  TileView() = default;
  TileView(T* d, int w, int h, std::ptrdiff_t s) : data(d), width(w), height(h), stride(s) {}
  TileView(T* d, int w, int h) : TileView(d, w, h, w) {}
  // A mutable view converts to a const one.
  template <class U>
  requires std::is_same_v<const U, T> TileView(const TileView<U>& other)  // NOLINT(google-explicit-constructor)
      : data(other.data), width(other.width), height(other.height), stride(other.stride) {}

  [[nodiscard]] T& operator()(int x, int y) const {
    assert(x >= 0 && x < width && y >= 0 && y < height);
    return data[static_cast<std::ptrdiff_t>(y) * stride + x];
  }
  [[nodiscard]] T* row(int y) const { return data + static_cast<std::ptrdiff_t>(y) * stride; }
  [[nodiscard]] bool empty() const { return data == nullptr || width <= 0 || height <= 0; }
  [[nodiscard]] long long pixel_count() const { return static_cast<long long>(width) * height; }

  /// Sub-view of a rectangle given in this view's own coordinates.
  [[nodiscard]] TileView sub(int x, int y, int w, int h) const {
    assert(x >= 0 && y >= 0 && x + w <= width && y + h <= height);
    return TileView(row(y) + x, w, h, stride);
  }
};

template <class T>
using ConstTileView = TileView<const T>;

/// Owning, contiguous tile buffer.
/// Allocator that leaves new elements of trivial types uninitialized (default-initialised),
/// so a buffer that a kernel overwrites completely is not zero-filled first.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// Tag for a Tile whose pixels the caller writes before reading them.
struct Uninitialized {};
inline constexpr Uninitialized kUninitialized{};

template <class T>
class Tile {
 public:
  using Storage = std::vector<T, DefaultInitAllocator<T>>;

  Tile() = default;
  Tile(int width, int height, T fill = T{})
      : width_(width), height_(height), data_(static_cast<std::size_t>(width) * height, fill) {}
  /// Pixels left unset: for buffers a kernel writes in full (saves a fill and, for fresh
  /// memory, the page faults it would take).
  Tile(int width, int height, Uninitialized)
      : width_(width), height_(height), data_(static_cast<std::size_t>(width) * height) {}

  [[nodiscard]] TileView<T> view() { return {data_.data(), width_, height_, width_}; }
  [[nodiscard]] ConstTileView<T> view() const { return {data_.data(), width_, height_, width_}; }
  [[nodiscard]] T& operator()(int x, int y) { return data_[static_cast<std::size_t>(y) * width_ + x]; }
  [[nodiscard]] const T& operator()(int x, int y) const { return data_[static_cast<std::size_t>(y) * width_ + x]; }
  [[nodiscard]] int width() const { return width_; }
  [[nodiscard]] int height() const { return height_; }
  [[nodiscard]] T* data() { return data_.data(); }
  [[nodiscard]] const T* data() const { return data_.data(); }
  [[nodiscard]] Storage& values() { return data_; }
  [[nodiscard]] const Storage& values() const { return data_; }
  void fill(T value) { std::fill(data_.begin(), data_.end(), value); }

 private:
  int width_ = 0;
  int height_ = 0;
  Storage data_;
};

/// Float rasters carry nodata as NaN everywhere inside the kernels.
inline constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

[[nodiscard]] inline bool is_valid(float v) { return !std::isnan(v); }

}  // namespace zw::kernels
