#pragma once
// Registry layers for source tracing (sources_options.hpp): registered sites (points or
// polygons) with their ID, name and extra attributes, and the river network's lines, read
// with OGR and reprojected to the CRS source tracing measures in.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <ogr_geometry.h>

#include "zonewatch/pipeline/config/sources_options.hpp"

namespace zw {

/// One registered site. Its attributes are untrusted text (written escaped by every output).
struct RegistrySite {
  std::string id, name;
  std::vector<std::pair<std::string, std::string>> fields;  // RegistryOptions::fields, in that order
  OGRGeometryUniquePtr geometry;                            // point/multipoint or polygon/multipolygon, target CRS
};

struct RegistryLayer {
  RegistryOptions options;
  std::string source;                // "<path> layer <name>", for messages
  std::vector<RegistrySite> sites;   // in layer order
  int skipped_without_geometry = 0;  // features without a geometry (logged, not traced)
};

/// Reads one registry into `target_crs_wkt` (a projected CRS in metres). Throws InputError
/// naming the file (and the field or feature) when the file is missing or unreadable, the
/// layer is absent or ambiguous, an attribute named in the config is absent, a geometry is
/// neither point nor polygon, the layer has no CRS, or a site's ID is empty.
RegistryLayer load_registry(const RegistryOptions& options, const std::string& target_crs_wkt);

/// One river line as drawn, reoriented so that it runs from upstream to downstream.
using RiverLine = std::vector<std::array<double, 2>>;

/// Reads the river network's lines (LineString / MultiLineString; each part is one line)
/// into `target_crs_wkt`, oriented upstream -> downstream by RiverNetworkOptions::direction.
/// Throws InputError as load_registry does.
std::vector<RiverLine> load_river_network(const RiverNetworkOptions& options, const std::string& target_crs_wkt);

}  // namespace zw
