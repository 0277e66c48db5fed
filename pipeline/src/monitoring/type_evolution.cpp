// Change types revised from a hotspot's history (type_evolution.hpp).
#include "zonewatch/pipeline/monitoring/type_evolution.hpp"

namespace zw {

namespace {

using kernels::ChangeType;

/// Types a growing scar's new ground is given where the slope rule does not fire: bare
/// surface replacing vegetation, flat or rough. Water, roofs and water quality are not.
bool bare_surface(ChangeType type) {
  return type == ChangeType::vegetation_loss || type == ChangeType::construction || type == ChangeType::dumping ||
         type == ChangeType::other;
}

std::string name(ChangeType type) { return std::string(kernels::to_string(type)); }

}  // namespace

TypeRevision revise_seen_again(const TypeHistory& before, ChangeType seen) {
  TypeRevision r{seen, before.first, ""};
  if ((before.first == ChangeType::mining || before.last == ChangeType::mining) && bare_surface(seen)) {
    r.reported = r.record = ChangeType::mining;
    r.reason = "typed " + name(seen) + " by its pixels, on the mining scar " + before.id + ": mining";
  } else if (before.first == ChangeType::dumping && seen == ChangeType::construction) {
    r.record = ChangeType::construction;
    r.reason = "first typed dumping, now seen smooth (construction): built on, a construction site";
  } else if (before.first == ChangeType::construction && seen == ChangeType::dumping) {
    r.record = ChangeType::dumping;
    r.reason = "first typed construction, still bare and rough (dumping): uncovered earthworks or dumping";
  }
  return r;
}

TypeRevision revise_beyond(const TypeHistory& related, ChangeType seen) {
  TypeRevision r{seen, seen, ""};
  if ((related.first == ChangeType::mining || related.last == ChangeType::mining) && bare_surface(seen)) {
    r.reported = r.record = ChangeType::mining;
    r.reason = "typed " + name(seen) + " by its pixels, growing beyond the mining scar " + related.id + ": mining";
  }
  return r;
}

}  // namespace zw
