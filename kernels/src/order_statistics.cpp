#include "zonewatch/kernels/order_statistics.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>

namespace zw::kernels {
namespace {

/// The float's bits turned into an unsigned key in the floats' order (negatives reversed
/// below the positives); -0 is keyed as +0, as the two compare equal. Integer operations only:
/// a float comparison with 0 here made the histogram loop eight times slower.
std::uint32_t ordered_key(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t flip = static_cast<std::uint32_t>(static_cast<std::int32_t>(bits) >> 31) | 0x80000000u;
  const std::uint32_t key = bits ^ flip;
  constexpr std::uint32_t kMinusZero = 0x7FFFFFFFu, kPlusZero = 0x80000000u;
  return key == kMinusZero ? kPlusZero : key;
}

constexpr int kBucketBits = 16;  // 65,536 counters: 256 KiB, in a core's L2 cache
constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;
std::uint32_t bucket_of(float value) { return ordered_key(value) >> (32 - kBucketBits); }

}  // namespace

std::vector<float> order_statistics(std::span<const float> values, std::span<const std::size_t> ranks) {
  std::vector<float> result(ranks.size());
  if (ranks.empty()) return result;
  // A small sample: the selection itself is cheaper than 256 KiB of counters.
  if (values.size() < kBuckets) {
    std::vector<float> copy(values.begin(), values.end());
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(ranks[i]), copy.end());
      result[i] = copy[ranks[i]] == 0.0f ? 0.0f : copy[ranks[i]];
    }
    return result;
  }
  std::vector<std::uint32_t> counts(kBuckets, 0);
  for (const float v : values) ++counts[bucket_of(v)];
  // Each rank's bucket, and its rank among that bucket's values.
  std::vector<std::uint32_t> bucket(ranks.size());
  std::vector<std::size_t> rank_in_bucket(ranks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    std::size_t below = 0;
    std::uint32_t b = 0;
    while (below + counts[b] <= ranks[i]) below += counts[b++];
    bucket[i] = b;
    rank_in_bucket[i] = ranks[i] - below;
  }
  // The values of the buckets asked for, gathered in one pass, bucket by bucket.
  std::vector<std::uint32_t> wanted(bucket);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<std::vector<float>> members(wanted.size());
  for (std::size_t w = 0; w < wanted.size(); ++w) members[w].reserve(counts[wanted[w]]);
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> slot(kBuckets, kNone);  // bucket -> index in `wanted`
  for (std::size_t w = 0; w < wanted.size(); ++w) slot[wanted[w]] = static_cast<std::uint32_t>(w);
  for (const float v : values) {
    const std::uint32_t s = slot[bucket_of(v)];
    if (s != kNone) members[s].push_back(v == 0.0f ? 0.0f : v);
  }
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    auto& in_bucket = members[slot[bucket[i]]];
    const auto nth = in_bucket.begin() + static_cast<std::ptrdiff_t>(rank_in_bucket[i]);
    std::nth_element(in_bucket.begin(), nth, in_bucket.end());
    result[i] = *nth;
  }
  return result;
}

double median(std::span<const float> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return order_statistics(values, std::array{middle})[0];
  const std::vector<float> pair = order_statistics(values, std::array{middle - 1, middle});
  return 0.5 * (static_cast<double>(pair[0]) + static_cast<double>(pair[1]));
}

}  // namespace zw::kernels
