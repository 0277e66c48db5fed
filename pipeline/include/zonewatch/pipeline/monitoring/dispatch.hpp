#pragma once
// Inspector packets (`zonewatch dispatch`): what an inspector takes to the field for the
// open hotspots of one region, ordered by severity and then by a short driving order.
//
//   hotspots.kml          polygons and points styled by severity, every attribute in the
//                         description and as ExtendedData (Google Earth, 奥维 / 两步路 and
//                         other field apps; WGS84)
//   hotspots.gpx          waypoints and the driving route
//   hotspots.csv          UTF-8 with BOM, in driving order, with empty verdict columns that
//                         `zonewatch verify` reads back once filled in
//   <ID>-before.png,      true-colour chips from the scan that last saw the hotspot, patch
//   <ID>-after.png        outline drawn, scale bar and north arrow
//   index.html            one self-contained offline page (no network at all: images are
//                         data: URIs, the map inline SVG): hotspots with chips, coordinates in
//                         decimal degrees and DMS (WGS84 and CGCS2000), area in m² and 亩,
//                         unit and rule, a geo: link for phone navigation, and verdict fields
//                         that export a CSV for `zonewatch verify`
// New hotspots in the packet become "dispatched" in the store (one transaction), and the
// packet appears in the folder all at once (written under temporary names, then renamed).
#include <array>
#include <cstddef>
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
  int chip_pixels = 240;       // chip side in the PNGs, pixels
  bool mark_dispatched = true;  // new -> dispatched in the store
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

/// A stop of the driving order.
struct RouteStop {
  double lon = 0.0, lat = 0.0;  // WGS84
  int severity = 0;             // higher first
};

/// Great-circle distance in km.
double haversine_km(double lon1, double lat1, double lon2, double lat2);

/// Visiting order: all stops of the highest severity first, then the next, ...; inside a
/// severity, a short path (nearest neighbour, then 2-opt) that starts nearest to `start`,
/// or to where the previous severity ended (or, first of all, at the first stop).
std::vector<std::size_t> driving_order(const std::vector<RouteStop>& stops,
                                       const std::optional<std::array<double, 2>>& start);

}  // namespace zw
