#include "zonewatch/pipeline/commands/report.hpp"

#include "zonewatch/pipeline/monitoring/report.hpp"

namespace zw::commands {

std::string report(const std::string& store_path, bool json) {
  const StoreReport store_report = build_store_report(store_path);
  return json ? to_json(store_report).dump(2) + "\n" : format_store_report(store_report);
}

}  // namespace zw::commands
