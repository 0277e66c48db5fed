#include "zonewatch/kernels/patch_scoring.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "zonewatch/kernels/components.hpp"

namespace zw::kernels {

void PatchCounts::merge(const PatchCounts& other) {
  detected_patches += other.detected_patches;
  scored_patches += other.scored_patches;
  hit_patches += other.hit_patches;
  truth_objects += other.truth_objects;
  found_objects += other.found_objects;
}

namespace {
double ratio(std::uint64_t a, std::uint64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }
}  // namespace

double PatchCounts::precision() const { return ratio(hit_patches, scored_patches); }
double PatchCounts::recall() const { return ratio(found_objects, truth_objects); }
double PatchCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

PatchCounts score_patches(ConstTileView<std::uint8_t> truth, ConstTileView<std::uint32_t> patch_ids) {
  if (truth.width != patch_ids.width || truth.height != patch_ids.height) {
    throw std::invalid_argument("score_patches: truth and patch ids differ in size");
  }
  const int width = truth.width, height = truth.height;
  PatchCounts counts;

  // Truth objects: 8-connected components of labelled change (unlabelled pixels break them).
  Tile<std::uint8_t> change_mask(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) change_mask(x, y) = truth(x, y) == kTruthChange ? std::uint8_t{1} : std::uint8_t{0};
  }
  Tile<std::uint32_t> objects(width, height);
  const std::uint32_t object_count = width > 0 && height > 0 ? label_tile(change_mask.view(), objects.view()) : 0;
  counts.truth_objects = object_count;

  // Per detected patch: labelled change and labelled unchanged pixels. Per object: its size,
  // and the pixels each overlapping patch covers (pairs object << 32 | patch index).
  struct PatchTally {
    std::uint64_t changed = 0, unchanged = 0;
  };
  std::unordered_map<std::uint32_t, std::uint32_t> patch_index;  // patch id -> dense index
  std::vector<PatchTally> tallies;
  std::vector<std::uint64_t> object_pixels(static_cast<std::size_t>(object_count) + 1, 0);
  std::vector<std::uint64_t> overlaps;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint32_t object = objects(x, y);
      if (object != 0) ++object_pixels[object];
      const std::uint32_t id = patch_ids(x, y);
      if (id == 0) continue;
      const auto [it, added] = patch_index.try_emplace(id, static_cast<std::uint32_t>(tallies.size()));
      if (added) tallies.emplace_back();
      PatchTally& tally = tallies[it->second];
      const std::uint8_t t = truth(x, y);
      if (t == kTruthChange) {
        ++tally.changed;
        overlaps.push_back(static_cast<std::uint64_t>(object) << 32 | it->second);
      } else if (t == kTruthUnchanged) {
        ++tally.unchanged;
      }
    }
  }

  counts.detected_patches = tallies.size();
  for (const PatchTally& tally : tallies) {
    // A patch with no labelled pixel at all (possible with sparse labels) says nothing about
    // precision: it is left out of the scored patches.
    if (tally.changed + tally.unchanged == 0) continue;
    ++counts.scored_patches;
    // At least half of its labelled pixels are change (exactly half counts), and it touches
    // one: with dense labels the same as "changed >= labelled / 2".
    if (tally.changed > 0 && tally.changed >= tally.unchanged) ++counts.hit_patches;
  }

  // Found: one patch covers at least a quarter of the object's pixels.
  std::sort(overlaps.begin(), overlaps.end());
  std::vector<bool> found(static_cast<std::size_t>(object_count) + 1, false);
  for (std::size_t i = 0; i < overlaps.size();) {
    std::size_t j = i;
    while (j < overlaps.size() && overlaps[j] == overlaps[i]) ++j;
    const auto object = static_cast<std::uint32_t>(overlaps[i] >> 32);
    if (4 * static_cast<std::uint64_t>(j - i) >= object_pixels[object]) found[object] = true;
    i = j;
  }
  counts.found_objects = static_cast<std::uint64_t>(std::count(found.begin() + 1, found.end(), true));
  return counts;
}

PatchCounts score_change_mask(ConstTileView<std::uint8_t> truth, ConstTileView<std::uint8_t> changed) {
  if (truth.width != changed.width || truth.height != changed.height) {
    throw std::invalid_argument("score_change_mask: truth and change map differ in size");
  }
  Tile<std::uint8_t> mask(changed.width, changed.height);
  for (int y = 0; y < changed.height; ++y) {
    for (int x = 0; x < changed.width; ++x) mask(x, y) = changed(x, y) != 0 ? std::uint8_t{1} : std::uint8_t{0};
  }
  Tile<std::uint32_t> ids(changed.width, changed.height);
  if (changed.width > 0 && changed.height > 0) label_tile(mask.view(), ids.view());
  return score_patches(truth, ids.view());
}

}  // namespace zw::kernels
