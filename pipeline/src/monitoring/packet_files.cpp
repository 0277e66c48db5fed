// An inspector packet's files: hotspots.kml, hotspots.gpx, hotspots.csv, the chips, and
// (packet_page.cpp) index.html.
#include <cmath>
#include <string>
#include <vector>

#include "packet.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {

namespace monitoring_detail {

std::string geo_uri(const StoredHotspot& h) {
  const std::string lat = text::fixed(h.lat_wgs84, 6), lon = text::fixed(h.lon_wgs84, 6);
  return "geo:" + lat + "," + lon + "?q=" + lat + "," + lon + "(" + h.id + ")";
}

std::vector<std::pair<std::string, std::string>> attributes(const PacketHotspot& p) {
  const StoredHotspot& h = p.h;
  std::vector<std::pair<std::string, std::string>> a{
      {"Order 顺序", std::to_string(p.order)},
      {"Hotspot 图斑编号", h.id},
      {"Severity 严重程度", bilingual(h.severity)},
      {"Status 状态", bilingual(p.status)},
      {"Change 变化类型", bilingual(h.last_change_type)},
      {"Area 面积", text::fixed(h.area_m2, 0) + " m² / " + text::fixed(h.area_m2 / kSquareMetresPerMu, 2) + " 亩"},
      {"Last patch 最近图斑面积", text::fixed(h.last_area_m2, 0) + " m²"},
      {"WGS84", text::fixed(h.lat_wgs84, 6) + ", " + text::fixed(h.lon_wgs84, 6)},
      {"WGS84 DMS", text::dms(h.lat_wgs84, true) + " " + text::dms(h.lon_wgs84, false)},
      {"CGCS2000", text::fixed(h.lat_cgcs2000, 6) + ", " + text::fixed(h.lon_cgcs2000, 6)},
      {"CGCS2000 DMS", text::dms(h.lat_cgcs2000, true) + " " + text::dms(h.lon_cgcs2000, false)},
      {"Unit 管控单元", h.unit_code + " " + h.unit_name},
      {"Unit type 单元类型", bilingual(h.unit_type)},
      {"Region 区域", h.region},
      {"Rule 规则", h.rule},
      {"First seen 首次发现", h.first_seen},
      {"Last seen 最近发现", h.last_seen},
      {"Times seen 发现次数", std::to_string(h.times_seen)},
  };
  if (h.verdict) a.emplace_back("Verdict 核查结论", name_of(*h.verdict) + " " + h.verdict_date + " " + h.inspector);
  if (!h.rectification_due.empty()) a.emplace_back("Rectification due 整改期限", h.rectification_due);
  if (h.close_proposed) a.emplace_back("Proposed for closing 建议销号", h.close_reason);
  if (!h.related_hotspot.empty()) a.emplace_back("Related 关联图斑", h.related_hotspot);
  if (h.change_type != h.last_change_type) a.emplace_back("Type of record 认定类型", bilingual(h.change_type));
  if (h.source_count > 0) {
    a.emplace_back("Sources 疑似污染源", h.sources_zh);
    a.emplace_back("Sources (English)", h.sources);
  }
  if (!p.chips.problem.empty()) a.emplace_back("Images 影像", "not available: " + p.chips.problem);
  return a;
}

}  // namespace monitoring_detail

namespace {

using monitoring_detail::attributes;
using monitoring_detail::bilingual;
using monitoring_detail::geo_uri;
using monitoring_detail::name_of;

std::string kml_color(Severity severity, const char* alpha) {
  // aabbggrr
  switch (severity) {
    case Severity::high: return std::string(alpha) + "0000ff";
    case Severity::medium: return std::string(alpha) + "0080ff";
    case Severity::low: break;
  }
  return std::string(alpha) + "00dcff";
}

std::string kml_coordinates(const OGRLinearRing& ring) {
  std::string out;
  for (int i = 0; i < ring.getNumPoints(); ++i) {
    out += text::fixed(ring.getX(i), 7) + "," + text::fixed(ring.getY(i), 7) + ",0 ";
  }
  return out;
}

std::string cdata(const std::string& html) {
  std::string safe = html;
  for (std::size_t at = safe.find("]]>"); at != std::string::npos; at = safe.find("]]>", at + 6)) {
    safe.replace(at, 3, "]]]]><![CDATA[>");
  }
  return "<![CDATA[" + safe + "]]>";
}

std::string write_kml(const std::vector<PacketHotspot>& packet, const std::string& title) {
  std::string k =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n";
  k += "<name>" + text::xml_escape(title) + "</name>\n";
  for (const Severity severity : {Severity::high, Severity::medium, Severity::low}) {
    k += "<Style id=\"severity-" + std::string(to_string(severity)) + "\"><IconStyle><color>" +
         kml_color(severity, "ff") +
         "</color><scale>1.2</scale></IconStyle><LabelStyle><scale>0.9</scale></LabelStyle><LineStyle><color>" +
         kml_color(severity, "ff") + "</color><width>3</width></LineStyle><PolyStyle><color>" +
         kml_color(severity, "55") + "</color></PolyStyle></Style>\n";
  }
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& h = p.h;
    std::string html = "<table border=\"1\" cellpadding=\"3\" style=\"border-collapse:collapse\">";
    for (const auto& [label, value] : attributes(p)) {
      html +=
          "<tr><th align=\"left\">" + text::xml_escape(label) + "</th><td>" + text::xml_escape(value) + "</td></tr>";
    }
    html += "</table>";
    if (p.chips.problem.empty()) {
      html += "<p><img src=\"" + text::xml_escape(h.id) + "-before.png\" width=\"240\"/> <img src=\"" +
              text::xml_escape(h.id) + "-after.png\" width=\"240\"/></p>";
    }
    k += "<Placemark id=\"" + text::xml_escape(h.id) + "\">\n<name>" + std::to_string(p.order) + " " +
         text::xml_escape(h.id) + "</name>\n<styleUrl>#severity-" + text::xml_escape(name_of(h.severity)) +
         "</styleUrl>\n";
    k += "<description>" + cdata(html) + "</description>\n<ExtendedData>";
    for (const auto& [label, value] : attributes(p)) {
      k += "<Data name=\"" + text::xml_escape(label) + "\"><value>" + text::xml_escape(value) + "</value></Data>";
    }
    k += "</ExtendedData>\n<MultiGeometry><Point><coordinates>" + text::fixed(h.lon_wgs84, 7) + "," +
         text::fixed(h.lat_wgs84, 7) + ",0</coordinates></Point>";
    if (p.wgs84) {
      for (const OGRGeometry* part : *p.wgs84->toMultiPolygon()) {
        const OGRPolygon* polygon = part->toPolygon();
        k += "<Polygon><outerBoundaryIs><LinearRing><coordinates>" + kml_coordinates(*polygon->getExteriorRing()) +
             "</coordinates></LinearRing></outerBoundaryIs>";
        for (int i = 0; i < polygon->getNumInteriorRings(); ++i) {
          k += "<innerBoundaryIs><LinearRing><coordinates>" + kml_coordinates(*polygon->getInteriorRing(i)) +
               "</coordinates></LinearRing></innerBoundaryIs>";
        }
        k += "</Polygon>";
      }
    }
    k += "</MultiGeometry>\n</Placemark>\n";
  }
  k += "</Document>\n</kml>\n";
  return k;
}

std::string write_gpx(const std::vector<PacketHotspot>& packet, const std::string& title, const std::string& now) {
  std::string g = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"zonewatch " +
                  std::string(kVersion) + "\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n";
  g += "<metadata><name>" + text::xml_escape(title) + "</name><time>" + now + "</time></metadata>\n";
  const auto symbol = [](Severity severity) {
    return severity == Severity::high ? "Flag, Red" : severity == Severity::medium ? "Flag, Orange" : "Flag, Yellow";
  };
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& h = p.h;
    g += "<wpt lat=\"" + text::fixed(h.lat_wgs84, 7) + "\" lon=\"" + text::fixed(h.lon_wgs84, 7) + "\"><name>" +
         text::xml_escape(h.id) + "</name><cmt>" + std::to_string(p.order) + " " +
         text::xml_escape(name_of(h.severity)) + " " + text::xml_escape(name_of(h.last_change_type)) + " " +
         text::fixed(h.area_m2, 0) + " m2</cmt><desc>" +
         text::xml_escape(h.unit_code + " " + h.unit_name + "; " + h.rule + "; " +
                          std::string(chinese_name(h.last_change_type)) + " " +
                          text::fixed(h.area_m2 / kSquareMetresPerMu, 2) + " 亩" +
                          (h.source_count > 0 ? "; 疑似污染源 " + h.sources_zh : std::string())) +
         "</desc><sym>" + symbol(h.severity) + "</sym><type>" + text::xml_escape(name_of(h.severity)) +
         "</type></wpt>\n";
  }
  g += "<rte><name>" + text::xml_escape(title) + " driving order</name>\n";
  for (const PacketHotspot& p : packet) {
    g += "<rtept lat=\"" + text::fixed(p.h.lat_wgs84, 7) + "\" lon=\"" + text::fixed(p.h.lon_wgs84, 7) + "\"><name>" +
         std::to_string(p.order) + " " + text::xml_escape(p.h.id) + "</name></rtept>\n";
  }
  g += "</rte>\n</gpx>\n";
  return g;
}

/// The verdict columns a filled-in packet CSV brings back to `zonewatch verify`.
const std::vector<std::string> kVerdictColumns{"verdict", "verdict_date", "inspector", "note", "approval"};

std::string write_csv(const std::vector<PacketHotspot>& packet) {
  std::string c = "\xEF\xBB\xBF";
  std::vector<std::string> header{
      "order",          "hotspot_id",   "severity",   "status",       "change_type",       "change_type_zh",
      "area_m2",        "area_mu",      "lon_wgs84",  "lat_wgs84",    "lon_dms_wgs84",     "lat_dms_wgs84",
      "lon_cgcs2000",   "lat_cgcs2000", "unit_code",  "unit_name",    "unit_type",         "unit_type_zh",
      "region",         "rule",         "first_seen", "last_seen",    "times_seen",        "rectification_due",
      "close_proposed", "geo_uri",      "sources",    "source_count", "nearest_source_id", "nearest_source_m"};
  header.insert(header.end(), kVerdictColumns.begin(), kVerdictColumns.end());
  c += text::csv_line(header);
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& h = p.h;
    std::vector<std::string> row{std::to_string(p.order),
                                 h.id,
                                 name_of(h.severity),
                                 name_of(p.status),
                                 name_of(h.last_change_type),
                                 std::string(chinese_name(h.last_change_type)),
                                 text::fixed(h.area_m2, 1),
                                 text::fixed(h.area_m2 / kSquareMetresPerMu, 3),
                                 text::fixed(h.lon_wgs84, 6),
                                 text::fixed(h.lat_wgs84, 6),
                                 text::dms(h.lon_wgs84, false),
                                 text::dms(h.lat_wgs84, true),
                                 text::fixed(h.lon_cgcs2000, 6),
                                 text::fixed(h.lat_cgcs2000, 6),
                                 h.unit_code,
                                 h.unit_name,
                                 name_of(h.unit_type),
                                 std::string(chinese_name(h.unit_type)),
                                 h.region,
                                 h.rule,
                                 h.first_seen,
                                 h.last_seen,
                                 std::to_string(h.times_seen),
                                 h.rectification_due,
                                 h.close_proposed ? "true" : "false",
                                 geo_uri(h),
                                 h.sources_zh,
                                 std::to_string(h.source_count),
                                 h.nearest_source_id,
                                 std::isfinite(h.nearest_source_m) ? text::fixed(h.nearest_source_m, 0) : ""};
    row.resize(row.size() + kVerdictColumns.size());
    c += text::csv_line(row);
  }
  return c;
}

}  // namespace

std::vector<PacketFile> packet_files(const std::vector<PacketHotspot>& packet, const std::string& dispatch_id,
                                     const std::string& region, const std::string& now, double route_km) {
  const std::string title = "zonewatch " + dispatch_id + " " + region;
  std::vector<PacketFile> files{{"hotspots.kml", write_kml(packet, title)},
                                {"hotspots.gpx", write_gpx(packet, title, now)},
                                {"hotspots.csv", write_csv(packet)}};
  for (const PacketHotspot& p : packet) {
    if (!p.chips.problem.empty()) continue;
    files.push_back({p.h.id + "-before.png", p.chips.before_png});
    files.push_back({p.h.id + "-after.png", p.chips.after_png});
  }
  files.push_back({"index.html", monitoring_detail::write_html(packet, dispatch_id, region, now, route_km)});
  return files;
}

}  // namespace zw
