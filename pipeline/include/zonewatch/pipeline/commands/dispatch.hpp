#pragma once
// `zonewatch dispatch`: the inspector packet for the open hotspots of a region
// (monitoring/dispatch.hpp describes its files). New hotspots in the packet become
// "dispatched" in the store (one transaction), and the packet appears in its folder all
// at once (written into a staging folder, then renamed).
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace zw {

struct DispatchOptions {
  std::string store_path;
  /// The hotspots' region attribute exactly (重庆市江津区), or an administrative code that
  /// starts their unit codes, with or without the "ZH" prefix (500116, ZH500116).
  std::string region;
  std::string out_dir;
  std::optional<std::array<double, 2>> start;  // lon, lat (WGS84) of the inspector's start
  int chip_pixels = 240;                       // chip side in the PNGs, pixels
  bool mark_dispatched = true;                 // new -> dispatched in the store
};

struct DispatchResult {
  std::string dispatch_id;
  std::filesystem::path out_dir;
  std::vector<std::string> hotspot_ids;  // in packet (driving) order
  int chips = 0;                         // PNGs written
  double route_km = 0.0;                 // straight-line length of the driving order
  std::vector<std::string> warnings;     // chips that could not be made, and why
};

/// Writes the packet. Throws UsageError when no hotspot of the store belongs to the region
/// (naming the regions it has), InputError for a missing store, OutputError when writing
/// fails. A region without open hotspots gives a packet that says so.
DispatchResult run_dispatch(const DispatchOptions& options);

/// What the terminal shows: the packet, its stops in order, the warnings.
std::string format_dispatch_summary(const DispatchResult& result);

namespace commands {
/// Writes the packet (run_dispatch) and returns the summary for the terminal.
std::string dispatch(const DispatchOptions& options);
}  // namespace commands

}  // namespace zw
