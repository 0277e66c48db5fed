// The attribute model of alerts.gpkg's water_bodies layer (columns.hpp): one row per water
// body of the water-quality stage (stages/water_quality.hpp).
#include <string>

#include "columns.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"
#include "zonewatch/pipeline/stages/water_quality.hpp"

namespace zw {
namespace outputs_detail {

const std::vector<Column<WaterBody>>& water_body_columns() {
  using W = WaterBody;
  using kernels::WaterIndex;
  static const std::vector<Column<W>> columns = [] {
    std::vector<Column<W>> list{
        {"body_id",
         FieldKind::integer,
         0,
         [](const W& w) { return static_cast<std::int64_t>(w.id); },
         {"水体编号", "", "water body number in this scan (by first pixel in raster order)"}},
        {"area_m2",
         FieldKind::real,
         1,
         [](const W& w) { return w.stats.area_m2; },
         {"水体面积(平方米)", "m²", "area of stable water (water in both dates)"}},
        {"unit_code",
         FieldKind::text,
         0,
         [](const W& w) { return w.unit_code; },
         {"所在单元编码", "", "control unit the body overlaps most (empty: none)"}},
        {"unit_type",
         FieldKind::text,
         0,
         [](const W& w) { return std::string(to_string(w.unit_type)); },
         {"单元类型", "", "type of that unit, whose rule judged the body (general outside every unit)"}},
        {"flagged",
         FieldKind::boolean,
         0,
         [](const W& w) { return w.flagged; },
         {"水质异常", "", "an index departs and its pixels cover the rule's affected area"}},
        {"affected_area_m2",
         FieldKind::real,
         1,
         [](const W& w) { return w.affected_area_m2; },
         {"异常面积(平方米)", "m²", "area of the body's pixels that depart in any index"}},
        {"flag_reasons",
         FieldKind::text,
         0,
         [](const W& w) { return w.flag_reasons; },
         {"异常原因", "", "which index departed, by how much, against what"}},
    };
    for (WaterIndex index : {WaterIndex::ndti, WaterIndex::ndci, WaterIndex::fai, WaterIndex::boi}) {
      const auto i = static_cast<std::size_t>(index);
      const std::string name(kernels::to_string(index));
      const std::string zh(kernels::kWaterIndexNames.chinese(index));
      const auto value = [i](double WaterBodyIndex::*field) {
        return [i, field](const W& w) -> FieldValue {
          const WaterBodyIndex& x = w.indices[i];
          return x.available ? FieldValue(x.*field) : FieldValue(std::monostate{});
        };
      };
      list.push_back({name + "_before",
                      FieldKind::real,
                      4,
                      value(&WaterBodyIndex::before_median),
                      {zh + "前期中位数", "", name + " median of the body in the before scene (null: not available)"}});
      list.push_back({name + "_after",
                      FieldKind::real,
                      4,
                      value(&WaterBodyIndex::after_median),
                      {zh + "后期中位数", "", name + " median of the body in the after scene"}});
      list.push_back({name + "_change",
                      FieldKind::real,
                      4,
                      value(&WaterBodyIndex::change),
                      {zh + "变化", "", name + " after median - before median"}});
      list.push_back({name + "_departs",
                      FieldKind::boolean,
                      0,
                      [i](const W& w) -> FieldValue {
                        const WaterBodyIndex& x = w.indices[i];
                        return x.available ? FieldValue(x.departs()) : FieldValue(std::monostate{});
                      },
                      {zh + "异常", "", name + " departs by the rule (change beyond k x spread, or the limit)"}});
    }
    return list;
  }();
  return columns;
}

}  // namespace outputs_detail

std::vector<FieldAlias> water_body_field_aliases() {
  std::vector<FieldAlias> aliases;
  for (const auto& column : outputs_detail::water_body_columns()) {
    aliases.push_back({column.name, column.doc.alias, column.doc.unit, column.doc.meaning});
  }
  return aliases;
}

}  // namespace zw
