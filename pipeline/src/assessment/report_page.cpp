// report.html of the annual assessment: one self-contained offline page (inline CSS, the map
// and the charts as inline SVG, no script, no network), labels in Chinese and English.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ogr_geometry.h>

#include "assessment_columns.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {
namespace {

using assessment_detail::class_colour;
using assessment_detail::class_label;
using text::fixed;
using text::xml_escape;

std::string percent(double share) { return std::isfinite(share) ? fixed(share * 100.0, 1) + " %" : "—"; }
std::string km2(double m2) { return fixed(m2 / 1e6, 2); }
std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }
std::string signed_points(double v) {
  if (!std::isfinite(v)) return "—";
  return (v > 0 ? "+" : "") + fixed(v, 2);
}
std::string indicator_label(AssessedIndicator indicator) {
  return indicator == AssessedIndicator::rsei ? "RSEI 遥感生态指数" : "FVC 植被覆盖度";
}

// ---- map

/// Rings of every unit's polygons as SVG path data, projected to the box with y flipped.
std::string svg_map(const AssessmentResult& r) {
  constexpr double kWidth = 800, kHeight = 520, kMargin = 20;
  std::vector<std::unique_ptr<OGRGeometry>> shapes;
  OGREnvelope all;
  bool any = false;
  for (const UnitAssessment& u : r.units) {
    OGRGeometry* parsed = nullptr;
    const char* wkt = u.unit->geometry_wkt.c_str();
    if (u.unit->geometry_wkt.empty() || OGRGeometryFactory::createFromWkt(&wkt, nullptr, &parsed) != OGRERR_NONE ||
        parsed == nullptr) {
      shapes.emplace_back();  // no geometry: not drawn
      continue;
    }
    shapes.emplace_back(OGRGeometryFactory::forceToMultiPolygon(parsed));
    OGREnvelope e;
    shapes.back()->getEnvelope(&e);
    all.Merge(e);
    any = true;
  }
  const auto open_svg = [](double height) {
    const std::string h = fixed(height, 0);
    return "<svg class=\"map\" viewBox=\"0 0 800 " + h +
           "\" role=\"img\" aria-label=\"map of the units by class\"><rect x=\"0\" y=\"0\" width=\"800\" height=\"" +
           h + "\" fill=\"#f4f1ea\"/>";
  };
  if (!any) return open_svg(80) + "<text x=\"400\" y=\"45\" text-anchor=\"middle\">无几何 no geometry</text></svg>";
  const double span_x = std::max(all.MaxX - all.MinX, 1e-9), span_y = std::max(all.MaxY - all.MinY, 1e-9);
  const double scale = std::min((kWidth - 2 * kMargin) / span_x, (kHeight - 2 * kMargin) / span_y);
  // The box takes the units' aspect: a wide region does not float in empty space.
  std::string s = open_svg(std::max(80.0, span_y * scale + 2 * kMargin));
  const auto x = [&](double v) { return fixed(kMargin + (v - all.MinX) * scale, 1); };
  const auto y = [&](double v) { return fixed(kMargin + (all.MaxY - v) * scale, 1); };
  for (std::size_t i = 0; i < r.units.size(); ++i) {
    if (!shapes[i]) continue;
    const UnitAssessment& u = r.units[i];
    std::string d;
    for (const OGRGeometry* part : *shapes[i]->toMultiPolygon()) {
      const OGRPolygon* polygon = part->toPolygon();
      const auto ring_path = [&](const OGRLinearRing* ring) {
        for (int k = 0; ring != nullptr && k < ring->getNumPoints(); ++k) {
          d += (k == 0 ? "M" : "L") + x(ring->getX(k)) + " " + y(ring->getY(k)) + " ";
        }
        d += "Z ";
      };
      ring_path(polygon->getExteriorRing());
      for (int k = 0; k < polygon->getNumInteriorRings(); ++k) ring_path(polygon->getInteriorRing(k));
    }
    s += "<path class=\"unit class-" + std::string(kernels::kChangeClassNames.name(u.change_class)) + "\" d=\"" + d +
         "\" fill=\"" + std::string(class_colour(u.change_class)) +
         "\" stroke=\"#555\" stroke-width=\"0.8\" fill-rule=\"evenodd\"><title>" +
         xml_escape(u.unit->code + " " + u.unit->name + " · " + class_label(u.change_class) + " · " +
                    signed_points(u.class_points)) +
         "</title></path>";
  }
  return s + "</svg>";
}

std::string legend() {
  std::string s = "<p class=\"legend\">";
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    s += "<span><i style=\"background:" + std::string(class_colour(entry.value)) + "\"></i>" +
         xml_escape(class_label(entry.value)) + "</span>";
  }
  return s + "</p>";
}

// ---- charts

struct Series {
  std::string label;
  std::string colour;
  std::vector<double> values;  // per year
};

std::string line_chart(const std::string& aria, const std::vector<int>& years, const std::vector<Series>& series,
                       const std::string& y_label) {
  constexpr double kW = 640, kH = 300, kLeft = 56, kRight = 170, kTop = 16, kBottom = 36;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& line : series) {
    for (double v : line.values) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  std::string s = "<svg class=\"chart\" viewBox=\"0 0 640 300\" role=\"img\" aria-label=\"" + xml_escape(aria) + "\">";
  if (!std::isfinite(lo) || years.empty()) return s + "<text x=\"320\" y=\"150\" text-anchor=\"middle\">—</text></svg>";
  const double pad = std::max((hi - lo) * 0.1, 0.01);
  lo -= pad, hi += pad;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  const auto px = [&](std::size_t i) {
    return kLeft + (years.size() == 1 ? plot_w / 2 : plot_w * double(i) / double(years.size() - 1));
  };
  const auto py = [&](double v) { return kTop + (hi - v) / (hi - lo) * plot_h; };
  s += "<rect x=\"" + fixed(kLeft, 0) + "\" y=\"" + fixed(kTop, 0) + "\" width=\"" + fixed(plot_w, 0) + "\" height=\"" +
       fixed(plot_h, 0) + "\" fill=\"#fff\" stroke=\"#ccc\"/>";
  for (int k = 0; k <= 4; ++k) {  // y ticks
    const double v = lo + (hi - lo) * k / 4.0;
    s += "<text x=\"" + fixed(kLeft - 4, 0) + "\" y=\"" + fixed(py(v) + 4, 1) +
         "\" text-anchor=\"end\" font-size=\"10\">" + fixed(v, 3) + "</text>";
  }
  for (std::size_t i = 0; i < years.size(); ++i) {
    s += "<text x=\"" + fixed(px(i), 1) + "\" y=\"" + fixed(kH - kBottom + 14, 0) +
         "\" text-anchor=\"middle\" font-size=\"10\">" + std::to_string(years[i]) + "</text>";
  }
  s += "<text x=\"12\" y=\"" + fixed(kTop + plot_h / 2, 0) + "\" font-size=\"10\" transform=\"rotate(-90 12 " +
       fixed(kTop + plot_h / 2, 0) + ")\" text-anchor=\"middle\">" + xml_escape(y_label) + "</text>";
  for (std::size_t n = 0; n < series.size(); ++n) {
    const Series& line = series[n];
    std::string points;
    const auto flush = [&] {
      if (!points.empty()) {
        s += "<polyline fill=\"none\" stroke=\"" + line.colour + "\" stroke-width=\"2\" points=\"" + points + "\"/>";
      }
      points.clear();
    };
    for (std::size_t i = 0; i < line.values.size() && i < years.size(); ++i) {
      if (!std::isfinite(line.values[i])) {  // a gap, not a drop to zero
        flush();
        continue;
      }
      points += fixed(px(i), 1) + "," + fixed(py(line.values[i]), 1) + " ";
      s += "<circle cx=\"" + fixed(px(i), 1) + "\" cy=\"" + fixed(py(line.values[i]), 1) + "\" r=\"3\" fill=\"" +
           line.colour + "\"/>";
    }
    flush();
    const double ly = kTop + 12 + 16.0 * double(n);
    s += "<rect x=\"" + fixed(kW - kRight + 10, 0) + "\" y=\"" + fixed(ly - 8, 0) +
         "\" width=\"10\" height=\"10\" fill=\"" + line.colour + "\"/><text x=\"" + fixed(kW - kRight + 24, 0) +
         "\" y=\"" + fixed(ly + 1, 0) + "\" font-size=\"11\">" + xml_escape(line.label) + "</text>";
  }
  return s + "</svg>";
}

// ---- tables

std::string group_table(const std::vector<GroupSummary>& groups, const std::string& first_header,
                        const AssessmentResult& r) {
  std::string h = "<table><thead><tr><th>" + first_header + "</th><th>单元数<br>units</th><th>评估<br>assessed</th>";
  h += "<th>面积 km²<br>area</th>";
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    h += "<th><i class=\"swatch\" style=\"background:" + std::string(class_colour(entry.value)) + "\"></i>" +
         xml_escape(class_label(entry.value)) + "</th>";
  }
  h += "<th>均值 " + xml_escape(indicator_label(r.options.indicator)) + " " + std::to_string(r.year) +
       "<br>area-weighted mean</th><th>变化 Δ×100<br>mean change</th></tr></thead><tbody>";
  for (const GroupSummary& g : groups) {
    h += "<tr><td>" + xml_escape(g.chinese == g.key ? or_dash(g.key) : g.chinese + " " + g.key) + "</td><td>" +
         std::to_string(g.units) + "</td><td>" + std::to_string(g.assessed) + "</td><td>" + km2(g.area_m2) + "</td>";
    for (const auto& entry : kernels::kChangeClassNames.entries()) {
      h += "<td>" + std::to_string(g.class_counts.at(static_cast<std::size_t>(entry.value))) + "</td>";
    }
    h +=
        "<td>" + or_dash(fixed(g.mean_indicator, 3)) + "</td><td>" + signed_points(g.mean_change_points) + "</td></tr>";
  }
  return h + "</tbody></table>";
}

std::string unit_row(const UnitAssessment& u) {
  std::string h = "<tr><td>" + xml_escape(u.unit->code) + "</td><td>" + xml_escape(u.unit->name) + "</td><td>" +
                  xml_escape(std::string(chinese_name(u.unit->type))) + "</td><td>" + xml_escape(u.unit->region) +
                  "</td>";
  h += "<td>" + or_dash(fixed(u.current.rsei, 3)) + "</td><td>" + signed_points(u.rsei_points_vs_previous) +
       "</td><td>" + signed_points(u.rsei_points_vs_baseline) + "</td><td>" + signed_points(u.fvc_points_vs_previous) +
       "</td><td>" + signed_points(u.fvc_points_vs_baseline) + "</td>";
  h += "<td class=\"class\" style=\"background:" + std::string(class_colour(u.change_class)) + "\">" +
       xml_escape(class_label(u.change_class)) + "</td>";
  std::string trend = "—";
  if (std::isfinite(u.trend_slope_points_per_year)) {
    trend = signed_points(u.trend_slope_points_per_year) + "/a, p=" + fixed(u.trend_p_value, 3) +
            (u.trend_significant ? " *" : "");
  }
  h += "<td>" + xml_escape(trend) + "</td><td>" +
       (u.hotspots_confirmed < 0 ? std::string("—") : std::to_string(u.hotspots_unrectified())) + "</td></tr>";
  return h;
}

std::string unit_table_head() {
  return "<table><thead><tr><th>编码 code</th><th>名称 name</th><th>类型 type</th><th>区域 region</th>"
         "<th>RSEI</th><th>ΔRSEI×100 vs 上年 previous</th><th>ΔRSEI×100 vs 基准 baseline</th>"
         "<th>ΔFVC×100 vs 上年 previous</th><th>ΔFVC×100 vs 基准 baseline</th><th>等级 class</th>"
         "<th>趋势 Theil–Sen (Δ×100/a), Mann–Kendall p</th><th>未整改图斑 unrectified hotspots</th></tr></thead>"
         "<tbody>";
}

constexpr const char* kPageStyle = R"CSS(
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;margin:0;background:#fafafa;color:#222}
header,main,footer{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.35em;margin:.2em 0}h2{font-size:1.1em;margin:1em 0 .4em;border-bottom:1px solid #ddd}
.headline{display:flex;flex-wrap:wrap;gap:12px}.figure{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 14px;min-width:180px}
.figure b{display:block;font-size:1.8em;color:#b2182b}.figure span{color:#555;font-size:.85em}
svg.map,svg.chart{width:100%;height:auto;border:1px solid #ccc;background:#fff}
table{border-collapse:collapse;font-size:.85em;margin:6px 0;background:#fff}th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}
th{background:#f0f0f0;font-weight:normal}td:first-child,td:nth-child(2){text-align:left}
i.swatch,.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;border:1px solid #888;vertical-align:middle}
.legend span{margin-right:1em;white-space:nowrap}.methods{font-size:.9em;color:#333;line-height:1.5}
)CSS";

std::string methods(const AssessmentResult& r) {
  const RseiCalibration& c = r.calibration;
  static constexpr const char* kComponents[] = {"greenness NDVI", "wetness", "heat", "dryness NDBSI"};
  std::string loadings;
  for (int k = 0; k < kernels::kRseiComponentCount; ++k) {
    loadings += std::string(k == 0 ? "" : ", ") + kComponents[k] + " " +
                (c.model.present.at(k) ? fixed(c.model.loadings.at(k), 3) : std::string("(absent)"));
  }
  const AssessmentOptions& o = r.options;
  std::string h = "<section class=\"methods\" id=\"methods\"><h2>方法 Methods</h2><p>";
  h += "遥感生态指数（RSEI）为绿度、湿度、热度、干度四个归一化分量的第一主成分，模型于参考年标定后逐年沿用，以保证年际"
       "可比。"
       "The Remote Sensing Ecological Index (RSEI) is the first principal component of four normalized components; "
       "its model was calibrated in reference year " +
       (c.reference_year > 0 ? std::to_string(c.reference_year) : std::string("(not calibrated)")) +
       " and reused for every year. Loadings: " + xml_escape(loadings) + "; PC1 explains " +
       percent(c.model.explained_variance) + " of the variance. ";
  h += "植被覆盖度（FVC）按像元二分模型计算 FVC by the dimidiate pixel model with NDVI endmembers soil " +
       fixed(c.soil_ndvi, 3) + " and vegetation " + fixed(c.vegetation_ndvi, 3) + ". ";
  h += "变化等级依据 HJ 192-2015《生态环境状况评价技术规范》ΔEI 分级思路：Change classes follow the ΔEI grading of "
       "HJ 192-2015 on Δ" +
       xml_escape(indicator_label(o.indicator)) + " × 100 against the " +
       xml_escape(std::string(kClassReferenceNames.name(o.class_reference))) + " year: |Δ| ≤ " +
       fixed(o.stable_max, 2) + " stable 基本稳定, ≤ " + fixed(o.slight_max, 2) +
       " slightly 略微, beyond significantly 明显. ";
  h += "趋势 Trend: Theil–Sen slope and Mann–Kendall test over the archived years " + std::to_string(r.years.front()) +
       "–" + std::to_string(r.year) + " when at least " + std::to_string(o.trend_min_years) +
       " are available, significant at α = " + fixed(o.trend_alpha, 3) +
       ". 无有效像元的单元记为“未评估”，不视为稳定。Units without valid pixels are not assessed, never counted as "
       "stable. "
       "Means are area-weighted over assessed units.</p></section>";
  return h;
}

}  // namespace

std::string assessment_report_html(const AssessmentResult& r) {
  const AssessmentHeadline& hl = r.headline;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  h += "<title>" + xml_escape("生态环境分区管控年度成效评估 " + r.programme + " " + std::to_string(r.year)) +
       "</title>\n<style>" + kPageStyle + "</style>\n</head>\n<body>\n<header>\n";
  h += "<h1>生态环境分区管控年度成效评估 Annual effectiveness assessment " + std::to_string(r.year) + "</h1>\n";
  h += "<p>" + xml_escape(r.programme) + " · 对比上一年度 vs previous " + std::to_string(r.previous_year) +
       " · 基准年 baseline " + std::to_string(r.baseline_year) + " · " + std::to_string(r.units.size()) +
       " 个管控单元 control units · zonewatch " + kVersion + "</p>\n</header>\n<main>\n";

  h += "<section id=\"headline\"><h2>核心结论 Headline</h2><div class=\"headline\">";
  h += "<div class=\"figure\"><b>" + percent(hl.declined_share_count) +
       "</b><span>优先保护单元生态功能明显下降（个数占比）" +
       "<br>priority units declined markedly, by count: " + std::to_string(hl.priority_declined) + " / " +
       std::to_string(hl.priority_assessed) + "</span></div>";
  h += "<div class=\"figure\"><b>" + percent(hl.declined_share_area) +
       "</b><span>按面积占比 by area: " + km2(hl.priority_declined_area_m2) + " / " +
       km2(hl.priority_assessed_area_m2) + " km²</span></div>";
  h += "<div class=\"figure\"><b>" + std::to_string(r.enforcement.size()) +
       "</b><span>需执法检查单元<br>units needing enforcement</span></div>";
  h += "<div class=\"figure\"><b>" + std::to_string(hl.priority_units - hl.priority_assessed) +
       "</b><span>优先保护单元未评估（无有效像元）<br>priority units not assessed</span></div>";
  h += "</div></section>\n";

  h += "<section id=\"map\"><h2>单元变化等级图 Map of units by class</h2>" + svg_map(r) + legend() +
       "<p class=\"note\">坐标为分析网格坐标系，无底图（离线）。Grid CRS, no basemap: the page works "
       "offline.</p></section>\n";

  h += "<section id=\"by-type\"><h2>按单元类型 By unit type</h2>" + group_table(r.by_type, "类型 type", r) +
       "</section>\n";
  h += "<section id=\"by-region\"><h2>按区域 By region</h2>" + group_table(r.by_region, "区域 region", r) +
       "</section>\n";

  static constexpr const char* kTypeColours[] = {"#1b7837", "#d95f02", "#7570b3"};
  std::vector<Series> type_lines;
  for (std::size_t i = 0; i < r.by_type.size(); ++i) {
    type_lines.push_back(
        {r.by_type[i].chinese + " " + r.by_type[i].key, kTypeColours[i % 3], r.by_type[i].mean_series});
  }
  const std::string y_label = indicator_label(r.options.indicator);
  h += "<section id=\"trajectories\"><h2>指标变化轨迹 Trajectories by unit type (area-weighted mean)</h2>" +
       line_chart("indicator per unit type over the years", r.years, type_lines, y_label) + "</section>\n";

  h += "<section id=\"enforcement\"><h2>需执法检查单元 Units needing enforcement</h2>";
  if (r.enforcement.empty()) {
    h += "<p>无。None.</p>";
  } else {
    static constexpr const char* kLineColours[] = {"#d7191c", "#2c7bb6", "#fdae61", "#1a9641",
                                                   "#984ea3", "#a65628", "#f781bf", "#666666"};
    std::vector<Series> lines;
    for (std::size_t i = 0; i < r.enforcement.size() && i < 8; ++i) {
      const UnitAssessment& u = *r.enforcement[i].unit;
      lines.push_back({u.unit->code, kLineColours[i], u.series});
    }
    h += line_chart("indicator of the enforcement units over the years", r.years, lines, y_label);
    h += unit_table_head();
    for (const EnforcementCase& e : r.enforcement) h += unit_row(*e.unit);
    h += "</tbody></table>";
  }
  h += "</section>\n<section id=\"units\"><h2>全部单元 All units</h2>" + unit_table_head();
  for (const UnitAssessment& u : r.units) h += unit_row(u);
  h += "</tbody></table></section>\n" + methods(r) + "\n</main>\n</body>\n</html>\n";
  return h;
}

}  // namespace zw
