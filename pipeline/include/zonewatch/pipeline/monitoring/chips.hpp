#pragma once
// Image chips for an inspector's packet: true-colour PNGs of a hotspot's surroundings
// before and after, from the scenes of the scan that last saw it, with the patch outline,
// a scale bar and a north arrow.
#include <memory>
#include <string>

#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {

struct ChipPair {
  std::string before_png, after_png;
  std::string before_date, after_date;
  std::string problem;  // why there are none
};

/// Makes chips hotspot by hotspot, opening each scan's scenes once.
class ChipMaker {
 public:
  /// `pixels`: chip side. The store's CRS and its metres per unit place the window.
  ChipMaker(std::string store_crs, double store_metres_per_unit, int pixels);
  ~ChipMaker();
  ChipMaker(const ChipMaker&) = delete;
  ChipMaker& operator=(const ChipMaker&) = delete;

  /// Chips of `hotspot` from `scan`'s scenes; a problem (no footprint, missing band,
  /// unreadable scene, ...) comes back in ChipPair::problem rather than as an exception.
  ChipPair make(const StoredHotspot& hotspot, const StoredScan& scan);

 private:
  class Renderer;
  std::unique_ptr<Renderer> renderer_;
};

/// A nice scale-bar length (1, 2, 5 x 10^n metres) near a quarter of `width_m`.
double scale_bar_metres(double width_m);

}  // namespace zw
