#pragma once
// Inspector packets: what an inspector takes to the field for the open hotspots of one
// region, ordered by severity and then by a short driving order (the command that selects
// the hotspots, writes the packet and marks the store: commands/dispatch.hpp). Selection and
// driving order: dispatch.cpp; the files: packet_files.cpp, packet_page.cpp.
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
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <ogr_geometry.h>

#include "zonewatch/pipeline/monitoring/chips.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {

/// A stop of the driving order.
struct RouteStop {
  double lon = 0.0, lat = 0.0;        // WGS84
  Severity severity = Severity::low;  // more serious first
};

/// Great-circle distance in km.
double haversine_km(double lon1, double lat1, double lon2, double lat2);

/// Visiting order: all stops of the highest severity first, then the next, ...; inside a
/// severity, a short path (nearest neighbour, then 2-opt) that starts nearest to `start`,
/// or to where the previous severity ended (or, first of all, at the first stop).
std::vector<std::size_t> driving_order(const std::vector<RouteStop>& stops,
                                       const std::optional<std::array<double, 2>>& start);

/// True when the hotspot's region attribute is `region`, or its unit code starts with the
/// administrative code `region` (with or without the "ZH" prefix).
[[nodiscard]] bool in_region(const StoredHotspot& hotspot, const std::string& region);

/// One stop of a packet.
struct PacketHotspot {
  StoredHotspot h;
  int order = 0;
  HotspotStatus status = HotspotStatus::new_;  // after this dispatch
  ChipPair chips;
  OGRGeometryUniquePtr wgs84;  // footprint in lon/lat
};

/// A file of a packet: its name in the packet folder and its bytes.
struct PacketFile {
  std::string name;
  std::string content;
};

/// The packet's files in writing order: hotspots.kml, hotspots.gpx, hotspots.csv, the
/// chips of every stop that has them, index.html.
std::vector<PacketFile> packet_files(const std::vector<PacketHotspot>& packet, const std::string& dispatch_id,
                                     const std::string& region, const std::string& now, double route_km);

}  // namespace zw
