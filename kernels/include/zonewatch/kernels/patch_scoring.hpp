#pragma once
// Patch-level scoring of a change map against labelled change: what an inspector meets is a
// patch, not a pixel. A detected patch is a *hit* when at least half of its labelled pixels
// are labelled change (and at least one is); a labelled change object (8-connected component
// of truth == change) is *found* when one detected patch covers at least a quarter of it.
#include <cstdint>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Truth values: 0 unchanged, 1 change, kTruthUnlabelled for pixels without a label (sparse
/// labels, e.g. sampled pixels; such pixels are not scored at pixel level either).
inline constexpr std::uint8_t kTruthUnchanged = 0;
inline constexpr std::uint8_t kTruthChange = 1;
inline constexpr std::uint8_t kTruthUnlabelled = 255;

/// Patch counts, mergeable by summing (pooled over sites).
struct PatchCounts {
  std::uint64_t detected_patches = 0;  // all detected patches
  std::uint64_t scored_patches = 0;    // detected patches with at least one labelled pixel
  std::uint64_t hit_patches = 0;       // scored patches that are hits
  std::uint64_t truth_objects = 0;     // 8-connected components of labelled change
  std::uint64_t found_objects = 0;     // objects a single detected patch covers >= 1/4 of

  void merge(const PatchCounts& other);
  [[nodiscard]] double precision() const;  // hits / scored patches (0 when none)
  [[nodiscard]] double recall() const;     // found objects / truth objects (0 when none)
  [[nodiscard]] double f1() const;         // harmonic mean (0 when both are 0)
  friend bool operator==(const PatchCounts&, const PatchCounts&) = default;
};

/// Scores detected patches given as ids (0 = no patch; ids need not be dense) against
/// `truth` (values above). Values of `truth` other than 0 and 1 count as unlabelled.
/// Whole image: both views cover the same pixels. Throws std::invalid_argument when their
/// sizes differ.
PatchCounts score_patches(ConstTileView<std::uint8_t> truth, ConstTileView<std::uint32_t> patch_ids);

/// As above, for a boolean change map (non-zero = changed): its 8-connected components
/// (label_tile) are the detected patches.
PatchCounts score_change_mask(ConstTileView<std::uint8_t> truth, ConstTileView<std::uint8_t> changed);

}  // namespace zw::kernels
