#pragma once
// Whether a change type's rule is in the typing order: which features detection must read
// (detection_features.cpp) and what it says about the terrain (detection.cpp); not a public
// header.
#include <algorithm>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/config/config.hpp"

namespace zw {

inline bool rule_enabled(const DetectionOptions& o, kernels::ChangeType t) {
  return std::find(o.typing.order.begin(), o.typing.order.end(), t) != o.typing.order.end();
}

}  // namespace zw
