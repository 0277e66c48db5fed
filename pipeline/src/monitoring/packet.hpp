#pragma once
// An inspector packet's contents, shared by packet_files.cpp (KML, GPX, CSV, the file list)
// and packet_page.cpp (index.html); not a public header.
#include <string>
#include <utility>
#include <vector>

#include "zonewatch/pipeline/monitoring/dispatch.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"

namespace zw::monitoring_detail {

/// A typed value as packets write it: its English name (what the store holds and
/// `zonewatch verify` reads back).
template <class Enum>
std::string name_of(Enum value) {
  return std::string(to_string(value));
}

/// "<English> <Chinese>", as the packet's labels show a typed value.
template <class Enum>
std::string bilingual(Enum value) {
  return name_of(value) + " " + std::string(chinese_name(value));
}

/// A geo: URI of the hotspot's centroid, for phone navigation.
std::string geo_uri(const StoredHotspot& h);

/// Every attribute of a hotspot in the packet, label (English / Chinese) and value.
std::vector<std::pair<std::string, std::string>> attributes(const PacketHotspot& p);

/// index.html: one self-contained offline page.
std::string write_html(const std::vector<PacketHotspot>& packet, const std::string& dispatch_id,
                       const std::string& region, const std::string& now, double route_km);

}  // namespace zw::monitoring_detail
