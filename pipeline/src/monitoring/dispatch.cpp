#include "zonewatch/pipeline/monitoring/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {

// ---------------------------------------------------------------------------------------
// Driving order

double haversine_km(double lon1, double lat1, double lon2, double lat2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

namespace {

struct Point {
  double lon, lat;
};

double path_length(const std::vector<Point>& points, const std::vector<std::size_t>& path,
                   const std::optional<Point>& origin) {
  double total = 0.0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Point& b = points[path[i]];
    if (i == 0) {
      if (origin) total += haversine_km(origin->lon, origin->lat, b.lon, b.lat);
    } else {
      const Point& a = points[path[i - 1]];
      total += haversine_km(a.lon, a.lat, b.lon, b.lat);
    }
  }
  return total;
}

std::vector<std::size_t> nearest_neighbour(const std::vector<Point>& points, const std::vector<std::size_t>& members,
                                           Point from, std::optional<std::size_t> first) {
  std::vector<std::size_t> left = members, path;
  if (first) {
    path.push_back(*first);
    left.erase(std::find(left.begin(), left.end(), *first));
    from = points[*first];
  }
  while (!left.empty()) {
    std::size_t best = 0;
    double best_km = 0.0;
    for (std::size_t i = 0; i < left.size(); ++i) {
      const double km = haversine_km(from.lon, from.lat, points[left[i]].lon, points[left[i]].lat);
      if (i == 0 || km < best_km) best = i, best_km = km;
    }
    path.push_back(left[best]);
    from = points[left[best]];
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return path;
}

/// 2-opt on an open path; with an origin the first edge runs from it and the path's first
/// stop may change, without one the first stop stays.
void two_opt(const std::vector<Point>& points, std::vector<std::size_t>& path, const std::optional<Point>& origin) {
  const auto at = [&](std::ptrdiff_t i) -> Point {
    return i < 0 ? *origin : points[path[static_cast<std::size_t>(i)]];
  };
  const auto d = [](Point a, Point b) { return haversine_km(a.lon, a.lat, b.lon, b.lat); };
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(path.size());
  const std::ptrdiff_t first = origin ? 0 : 1;
  bool improved = true;
  for (int round = 0; improved && round < 100; ++round) {
    improved = false;
    for (std::ptrdiff_t i = first; i < n - 1; ++i) {
      for (std::ptrdiff_t k = i + 1; k < n; ++k) {
        const Point a = at(i - 1), b = at(i), c = at(k);
        double delta = d(a, c) - d(a, b);
        if (k + 1 < n) {
          const Point e = at(k + 1);
          delta += d(b, e) - d(c, e);
        }
        if (delta < -1e-9) {
          std::reverse(path.begin() + i, path.begin() + k + 1);
          improved = true;
        }
      }
    }
  }
}

}  // namespace

std::vector<std::size_t> driving_order(const std::vector<RouteStop>& stops,
                                       const std::optional<std::array<double, 2>>& start) {
  std::vector<Point> points;
  for (const RouteStop& s : stops) points.push_back({s.lon, s.lat});
  std::map<int, std::vector<std::size_t>, std::greater<>> by_severity;
  for (std::size_t i = 0; i < stops.size(); ++i) by_severity[stops[i].severity].push_back(i);
  std::vector<std::size_t> order;
  std::optional<Point> origin;
  if (start) origin = Point{(*start)[0], (*start)[1]};
  for (auto& [severity, members] : by_severity) {
    std::vector<std::size_t> path;
    if (origin) {
      path = nearest_neighbour(points, members, *origin, std::nullopt);
    } else {
      // No start: the best nearest-neighbour path over every first stop (bounded effort).
      double best = 0.0;
      const std::size_t tries = members.size() <= 300 ? members.size() : 1;
      for (std::size_t t = 0; t < tries; ++t) {
        auto candidate = nearest_neighbour(points, members, points[members[t]], members[t]);
        const double km = path_length(points, candidate, std::nullopt);
        if (path.empty() || km < best) path = std::move(candidate), best = km;
      }
    }
    two_opt(points, path, origin);
    order.insert(order.end(), path.begin(), path.end());
    if (!path.empty()) origin = points[path.back()];
  }
  return order;
}

namespace {

// ---------------------------------------------------------------------------------------
// Packet contents

/// The stored severity, typed; text the table does not know is shown as low, as packets always did.
Severity severity_of(const StoredHotspot& h) { return severity_from_string(h.severity).value_or(Severity::low); }

std::string severity_zh(const StoredHotspot& h) { return std::string(chinese_name(severity_of(h))); }

std::string change_zh(const std::string& change_type) {
  const auto type = kernels::change_type_from_string(change_type);
  return type ? std::string(chinese_name(*type)) : change_type;
}

std::string unit_type_zh(const std::string& unit_type) {
  const auto type = unit_type_from_string(unit_type);
  return type ? std::string(chinese_name(*type)) : unit_type;
}

std::string status_zh(const std::string& status) {
  const auto s = hotspot_status_from_string(status);
  return s ? std::string(chinese_name(*s)) : status;
}

std::string geo_uri(const StoredHotspot& h) {
  const std::string lat = text::fixed(h.lat_wgs84, 6), lon = text::fixed(h.lon_wgs84, 6);
  return "geo:" + lat + "," + lon + "?q=" + lat + "," + lon + "(" + h.id + ")";
}

/// Every attribute of a hotspot in the packet, label (English / Chinese) and value.
std::vector<std::pair<std::string, std::string>> attributes(const PacketHotspot& p) {
  const StoredHotspot& h = p.h;
  std::vector<std::pair<std::string, std::string>> a{
      {"Order 顺序", std::to_string(p.order)},
      {"Hotspot 图斑编号", h.id},
      {"Severity 严重程度", h.severity + " " + severity_zh(h)},
      {"Status 状态", p.status + " " + status_zh(p.status)},
      {"Change 变化类型", h.last_change_type + " " + change_zh(h.last_change_type)},
      {"Area 面积", text::fixed(h.area_m2, 0) + " m² / " + text::fixed(h.area_m2 / kSquareMetresPerMu, 2) + " 亩"},
      {"Last patch 最近图斑面积", text::fixed(h.last_area_m2, 0) + " m²"},
      {"WGS84", text::fixed(h.lat_wgs84, 6) + ", " + text::fixed(h.lon_wgs84, 6)},
      {"WGS84 DMS", text::dms(h.lat_wgs84, true) + " " + text::dms(h.lon_wgs84, false)},
      {"CGCS2000", text::fixed(h.lat_cgcs2000, 6) + ", " + text::fixed(h.lon_cgcs2000, 6)},
      {"CGCS2000 DMS", text::dms(h.lat_cgcs2000, true) + " " + text::dms(h.lon_cgcs2000, false)},
      {"Unit 管控单元", h.unit_code + " " + h.unit_name},
      {"Unit type 单元类型", h.unit_type + " " + unit_type_zh(h.unit_type)},
      {"Region 区域", h.region},
      {"Rule 规则", h.rule},
      {"First seen 首次发现", h.first_seen},
      {"Last seen 最近发现", h.last_seen},
      {"Times seen 发现次数", std::to_string(h.times_seen)},
  };
  if (!h.verdict.empty()) a.emplace_back("Verdict 核查结论", h.verdict + " " + h.verdict_date + " " + h.inspector);
  if (!h.rectification_due.empty()) a.emplace_back("Rectification due 整改期限", h.rectification_due);
  if (h.close_proposed) a.emplace_back("Proposed for closing 建议销号", h.close_reason);
  if (!h.related_hotspot.empty()) a.emplace_back("Related 关联图斑", h.related_hotspot);
  if (!p.chips.problem.empty()) a.emplace_back("Images 影像", "not available: " + p.chips.problem);
  return a;
}

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
         text::xml_escape(h.id) + "</name>\n<styleUrl>#severity-" + text::xml_escape(h.severity) + "</styleUrl>\n";
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
         text::xml_escape(h.id) + "</name><cmt>" + std::to_string(p.order) + " " + text::xml_escape(h.severity) + " " +
         text::xml_escape(h.last_change_type) + " " + text::fixed(h.area_m2, 0) + " m2</cmt><desc>" +
         text::xml_escape(h.unit_code + " " + h.unit_name + "; " + h.rule + "; " + change_zh(h.last_change_type) + " " +
                          text::fixed(h.area_m2 / kSquareMetresPerMu, 2) + " 亩") +
         "</desc><sym>" + symbol(severity_of(h)) + "</sym><type>" + text::xml_escape(h.severity) + "</type></wpt>\n";
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
      "order",          "hotspot_id",   "severity",   "status",    "change_type",   "change_type_zh",
      "area_m2",        "area_mu",      "lon_wgs84",  "lat_wgs84", "lon_dms_wgs84", "lat_dms_wgs84",
      "lon_cgcs2000",   "lat_cgcs2000", "unit_code",  "unit_name", "unit_type",     "unit_type_zh",
      "region",         "rule",         "first_seen", "last_seen", "times_seen",    "rectification_due",
      "close_proposed", "geo_uri"};
  header.insert(header.end(), kVerdictColumns.begin(), kVerdictColumns.end());
  c += text::csv_line(header);
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& h = p.h;
    std::vector<std::string> row{std::to_string(p.order),
                                 h.id,
                                 h.severity,
                                 p.status,
                                 h.last_change_type,
                                 change_zh(h.last_change_type),
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
                                 h.unit_type,
                                 unit_type_zh(h.unit_type),
                                 h.region,
                                 h.rule,
                                 h.first_seen,
                                 h.last_seen,
                                 std::to_string(h.times_seen),
                                 h.rectification_due,
                                 h.close_proposed ? "true" : "false",
                                 geo_uri(h)};
    row.resize(row.size() + kVerdictColumns.size());
    c += text::csv_line(row);
  }
  return c;
}

// ---- index.html

struct MapFrame {
  double lon0 = 0, lat0 = 0, kx = 1, scale = 1, width = 800, height = 560, margin = 30;
  double min_x = 0, max_y = 0;
  [[nodiscard]] double x(double lon) const { return margin + ((lon - lon0) * kx - min_x) * scale; }
  [[nodiscard]] double y(double lat) const { return margin + (max_y - (lat - lat0)) * scale; }
};

MapFrame map_frame(const std::vector<PacketHotspot>& packet) {
  MapFrame f;
  double min_lon = 1e9, max_lon = -1e9, min_lat = 1e9, max_lat = -1e9;
  const auto extend = [&](double lon, double lat) {
    min_lon = std::min(min_lon, lon), max_lon = std::max(max_lon, lon);
    min_lat = std::min(min_lat, lat), max_lat = std::max(max_lat, lat);
  };
  for (const PacketHotspot& p : packet) {
    extend(p.h.lon_wgs84, p.h.lat_wgs84);
    if (p.wgs84) {
      OGREnvelope e;
      p.wgs84->getEnvelope(&e);
      extend(e.MinX, e.MinY);
      extend(e.MaxX, e.MaxY);
    }
  }
  if (packet.empty()) min_lon = max_lon = min_lat = max_lat = 0.0;
  f.lon0 = min_lon;
  f.lat0 = min_lat;
  f.kx = std::cos((min_lat + max_lat) / 2.0 * 3.14159265358979323846 / 180.0);
  f.min_x = 0.0;
  f.max_y = max_lat - min_lat;
  const double span_x = std::max((max_lon - min_lon) * f.kx, 1e-4);
  const double span_y = std::max(max_lat - min_lat, 1e-4);
  f.scale = std::min((f.width - 2 * f.margin) / span_x, (f.height - 2 * f.margin) / span_y);
  return f;
}

std::string svg_map(const std::vector<PacketHotspot>& packet) {
  const MapFrame f = map_frame(packet);
  const auto colour = [](const StoredHotspot& h) {
    const Severity severity = severity_of(h);
    return severity == Severity::high ? "#d7191c" : severity == Severity::medium ? "#fd8d3c" : "#e6c700";
  };
  std::string s = "<svg id=\"map-svg\" viewBox=\"0 0 800 560\" role=\"img\" aria-label=\"map of the hotspots\">";
  s += "<rect x=\"0\" y=\"0\" width=\"800\" height=\"560\" fill=\"#f4f1ea\"/>";
  for (const PacketHotspot& p : packet) {
    if (!p.wgs84) continue;
    std::string d;
    for (const OGRGeometry* part : *p.wgs84->toMultiPolygon()) {
      const OGRPolygon* polygon = part->toPolygon();
      const auto ring_path = [&](const OGRLinearRing& ring) {
        for (int i = 0; i < ring.getNumPoints(); ++i) {
          d += (i == 0 ? "M" : "L") + text::fixed(f.x(ring.getX(i)), 1) + " " + text::fixed(f.y(ring.getY(i)), 1) + " ";
        }
        d += "Z ";
      };
      ring_path(*polygon->getExteriorRing());
      for (int i = 0; i < polygon->getNumInteriorRings(); ++i) ring_path(*polygon->getInteriorRing(i));
    }
    s += "<path class=\"patch\" d=\"" + d + "\" fill=\"" + colour(p.h) + "\" fill-opacity=\"0.45\" stroke=\"" +
         colour(p.h) + "\" stroke-width=\"1.5\" fill-rule=\"evenodd\"/>";
  }
  if (packet.size() > 1) {
    std::string points;
    for (const PacketHotspot& p : packet) {
      points += text::fixed(f.x(p.h.lon_wgs84), 1) + "," + text::fixed(f.y(p.h.lat_wgs84), 1) + " ";
    }
    s += "<polyline class=\"route\" points=\"" + points +
         "\" fill=\"none\" stroke=\"#2b5797\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>";
  }
  for (const PacketHotspot& p : packet) {
    const std::string cx = text::fixed(f.x(p.h.lon_wgs84), 1), cy = text::fixed(f.y(p.h.lat_wgs84), 1);
    s += "<a href=\"#h-" + text::xml_escape(p.h.id) + "\"><circle class=\"marker\" cx=\"" + cx + "\" cy=\"" + cy +
         "\" r=\"9\" fill=\"" + colour(p.h) + "\" stroke=\"#fff\" stroke-width=\"1.5\"><title>" +
         text::xml_escape(std::to_string(p.order) + " " + p.h.id) + "</title></circle><text x=\"" + cx + "\" y=\"" +
         text::fixed(f.y(p.h.lat_wgs84) + 4, 1) + "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#fff\">" +
         std::to_string(p.order) + "</text></a>";
  }
  // Scale bar.
  const double km_per_px = 1.0 / f.scale * 111.32;  // a degree of latitude ~ 111.32 km
  const double bar_km = scale_bar_metres(200.0 * km_per_px * 1000.0) / 1000.0;
  const double bar_px = bar_km / km_per_px;
  s += "<g class=\"scale\"><rect x=\"20\" y=\"535\" width=\"" + text::fixed(bar_px, 1) +
       "\" height=\"5\" fill=\"#333\"/><text x=\"20\" y=\"530\" font-size=\"11\" fill=\"#333\">" +
       (bar_km >= 1.0 ? text::fixed(bar_km, 0) + " km" : text::fixed(bar_km * 1000.0, 0) + " m") + "</text></g>";
  s += "<text x=\"780\" y=\"24\" text-anchor=\"end\" font-size=\"13\" fill=\"#333\">N ↑</text>";
  s += "</svg>";
  return s;
}

constexpr const char* kPageStyle = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#fafafa;color:#222}
header,main,footer{max-width:980px;margin:0 auto;padding:12px}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.05em;margin:.2em 0}
#map svg{width:100%;height:auto;border:1px solid #ccc;background:#f4f1ea}
article.hotspot{background:#fff;border:1px solid #ddd;border-left:6px solid #999;margin:12px 0;padding:10px;border-radius:4px}
article.severity-high{border-left-color:#d7191c}article.severity-medium{border-left-color:#fd8d3c}article.severity-low{border-left-color:#e6c700}
.order{display:inline-block;min-width:1.6em;text-align:center;background:#2b5797;color:#fff;border-radius:1em;margin-right:.4em}
.badge{font-size:.8em;padding:1px 6px;border-radius:8px;background:#eee;margin-left:.4em}
.chips{display:flex;flex-wrap:wrap;gap:8px}.chips figure{margin:0}.chips img{width:240px;max-width:45vw;image-rendering:pixelated;border:1px solid #999}
table.attrs{border-collapse:collapse;font-size:.9em;margin:6px 0}table.attrs th{text-align:left;padding:2px 8px 2px 0;color:#555;font-weight:normal;white-space:nowrap}table.attrs td{padding:2px 0}
a.nav{display:inline-block;padding:6px 12px;background:#2b5797;color:#fff;border-radius:4px;text-decoration:none}
fieldset.verdict{border:1px solid #bbb;margin-top:8px}fieldset.verdict label{display:inline-block;margin:4px 12px 4px 0}
textarea{width:100%;box-sizing:border-box}.problem{color:#b00}#export-status{font-weight:bold}
)CSS";

constexpr const char* kPageScript = R"JS(
(function () {
  'use strict';
  var root = document.getElementById('packet');
  var key = 'zonewatch-verdicts:' + root.getAttribute('data-dispatch');
  var state = {};
  try { state = JSON.parse(window.localStorage.getItem(key) || '{}') || {}; } catch (e) { state = {}; }
  function save() { try { window.localStorage.setItem(key, JSON.stringify(state)); } catch (e) {} }
  var inspector = document.getElementById('inspector');
  if (state['@inspector']) inspector.value = state['@inspector'];
  inspector.addEventListener('input', function () { state['@inspector'] = inspector.value; save(); });
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.hotspot'));
  var fields = ['verdict', 'verdict_date', 'approval', 'note'];
  cards.forEach(function (card) {
    var id = card.getAttribute('data-id');
    var saved = state[id] || {};
    fields.forEach(function (name) {
      var input = card.querySelector('[name="' + name + '"]');
      if (saved[name]) input.value = saved[name];
      var remember = function () {
        state[id] = state[id] || {};
        state[id][name] = input.value;
        save();
      };
      input.addEventListener('change', remember);
      input.addEventListener('input', remember);
    });
  });
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function today() { var d = new Date(); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  function cell(value) {
    var v = String(value == null ? '' : value);
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function collect() {
    var rows = [['hotspot_id', 'verdict', 'verdict_date', 'inspector', 'note', 'approval']];
    var problems = [];
    cards.forEach(function (card) {
      var id = card.getAttribute('data-id');
      var get = function (name) { return card.querySelector('[name="' + name + '"]').value.trim(); };
      var verdict = get('verdict');
      if (!verdict) return;
      if (verdict === 'legal' && !get('approval')) problems.push(id + ': 合法 legal needs the approval number 审批文号');
      rows.push([id, verdict, get('verdict_date') || today(), inspector.value.trim(), get('note'), get('approval')]);
    });
    return { rows: rows, problems: problems };
  }
  document.getElementById('export').addEventListener('click', function () {
    var status = document.getElementById('export-status');
    var result = collect();
    if (result.problems.length) { status.textContent = result.problems.join('; '); return; }
    var csv = '\ufeff' + result.rows.map(function (r) { return r.map(cell).join(','); }).join('\r\n') + '\r\n';
    document.getElementById('export-csv').value = csv;
    status.textContent = (result.rows.length - 1) + ' verdicts exported 条核查结论已导出';
    try {
      var blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'verdicts-' + root.getAttribute('data-dispatch') + '.csv';
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    } catch (e) { /* the CSV stays in the text box to copy */ }
  });
})();
)JS";

std::string write_html(const std::vector<PacketHotspot>& packet, const std::string& dispatch_id,
                       const std::string& region, const std::string& now, double route_km) {
  using text::xml_escape;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data: blob:; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
  h += "<title>" + xml_escape("疑似问题图斑核查 " + region + " " + dispatch_id) + "</title>\n<style>" + kPageStyle +
       "</style>\n</head>\n<body>\n";
  h += "<div id=\"packet\" data-dispatch=\"" + xml_escape(dispatch_id) + "\" data-count=\"" +
       std::to_string(packet.size()) + "\">\n<header>\n<h1>疑似问题图斑现场核查 Field inspection packet</h1>\n";
  h += "<p>" + xml_escape(region) + " · 派发编号 dispatch " + xml_escape(dispatch_id) + " · " +
       std::to_string(packet.size()) + " 个图斑 hotspots · 路线约 route ≈ " + text::fixed(route_km, 1) +
       " km (直线 straight-line) · " + xml_escape(now) + " · zonewatch " + kVersion + "</p>\n";
  h += "<p><label>核查人 Inspector <input id=\"inspector\" autocomplete=\"name\"></label></p>\n</header>\n<main>\n";
  if (packet.empty()) {
    h += "<p id=\"empty\">该区域没有待核查图斑。No open hotspots in this region.</p>\n";
  } else {
    h += "<section id=\"map\"><h2>图斑分布与行车顺序 Map and driving order</h2>" + svg_map(packet) +
         "<p class=\"note\">无底图（离线） No basemap: the page works offline.</p></section>\n";
  }
  h += "<section id=\"list\">\n";
  for (const PacketHotspot& p : packet) {
    const StoredHotspot& s = p.h;
    h += "<article class=\"hotspot severity-" + xml_escape(s.severity) + "\" id=\"h-" + xml_escape(s.id) +
         "\" data-id=\"" + xml_escape(s.id) + "\" data-lat=\"" + text::fixed(s.lat_wgs84, 6) + "\" data-lon=\"" +
         text::fixed(s.lon_wgs84, 6) + "\">\n";
    h += "<h2><span class=\"order\">" + std::to_string(p.order) + "</span><span class=\"hotspot-id\">" +
         xml_escape(s.id) + "</span><span class=\"badge severity\">" + xml_escape(s.severity + " " + severity_zh(s)) +
         "</span><span class=\"badge status\">" + xml_escape(p.status + " " + status_zh(p.status)) + "</span></h2>\n";
    if (p.chips.problem.empty()) {
      h += "<div class=\"chips\"><figure><img class=\"chip before\" alt=\"before " + xml_escape(p.chips.before_date) +
           "\" src=\"data:image/png;base64," + text::base64(p.chips.before_png) + "\"><figcaption>前 before " +
           xml_escape(p.chips.before_date) + "</figcaption></figure><figure><img class=\"chip after\" alt=\"after " +
           xml_escape(p.chips.after_date) + "\" src=\"data:image/png;base64," + text::base64(p.chips.after_png) +
           "\"><figcaption>后 after " + xml_escape(p.chips.after_date) + "</figcaption></figure></div>\n";
    } else {
      h += "<p class=\"problem\">影像不可用 Images not available: " + xml_escape(p.chips.problem) + "</p>\n";
    }
    h += "<table class=\"attrs\">";
    for (const auto& [label, value] : attributes(p)) {
      h += "<tr><th>" + xml_escape(label) + "</th><td>" + xml_escape(value) + "</td></tr>";
    }
    h += "</table>\n<p><a class=\"nav\" href=\"" + xml_escape(geo_uri(s)) + "\">导航 Navigate (geo:)</a></p>\n";
    h += "<fieldset class=\"verdict\"><legend>核查结论 Verdict</legend>"
         "<label>结论 <select name=\"verdict\"><option value=\"\">— 未核查 not yet</option>"
         "<option value=\"confirmed\">属实 confirmed violation</option>"
         "<option value=\"false_alarm\">误报 false alarm</option>"
         "<option value=\"legal\">合法合规 legal (approved / permitted)</option>"
         "<option value=\"rectified\">已整改 rectified</option>"
         "<option value=\"closed\">销号 closed</option></select></label>"
         "<label>日期 Date <input type=\"date\" name=\"verdict_date\"></label>"
         "<label>审批文号 Approval <input name=\"approval\" placeholder=\"legal: 文号\"></label>"
         "<label>备注 Note <textarea name=\"note\" rows=\"2\"></textarea></label></fieldset>\n</article>\n";
  }
  h += "</section>\n</main>\n<footer>\n<p><button id=\"export\" type=\"button\">导出核查结果 CSV · Export "
       "verdicts</button> "
       "<span id=\"export-status\"></span></p>\n"
       "<p>导入 Import: <code>zonewatch verify --store STORE --results verdicts-" +
       xml_escape(dispatch_id) +
       ".csv</code></p>\n<textarea id=\"export-csv\" rows=\"6\" readonly></textarea>\n</footer>\n</div>\n";
  h += std::string("<script>") + kPageScript + "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace

bool in_region(const StoredHotspot& h, const std::string& region) {
  if (h.region == region) return true;
  if (region.empty()) return false;
  const std::string code = region.starts_with("ZH") ? region : "ZH" + region;
  return h.unit_code.starts_with(code);
}

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
  files.push_back({"index.html", write_html(packet, dispatch_id, region, now, route_km)});
  return files;
}

}  // namespace zw
