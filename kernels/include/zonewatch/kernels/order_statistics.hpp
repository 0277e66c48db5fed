#pragma once
// Exact order statistics of large float samples (the statistics pass's medians and MADs of a
// few million band differences, a quick-look's 2 % and 98 % stretch): the value std::sort would
// put at each rank, found by a radix-bucket histogram of the values' ordered bit patterns and
// a selection inside the one or two buckets that hold the ranks. Two linear passes instead of
// std::nth_element's partitioning of the whole sample per rank, and the sample is not reordered.
#include <cstddef>
#include <span>
#include <vector>

namespace zw::kernels {

/// The values at `ranks` (0-based, each < values.size()) of `values` in ascending order; no
/// value may be NaN. -0 and +0 are equal, as for std::sort: a rank among zeros gives +0.
[[nodiscard]] std::vector<float> order_statistics(std::span<const float> values, std::span<const std::size_t> ranks);

/// The median: the middle value, or the mean of the two middle ones for an even count (in
/// double, so that it is exact); NaN for no values. No value may be NaN.
[[nodiscard]] double median(std::span<const float> values);

}  // namespace zw::kernels
