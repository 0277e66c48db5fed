// alerts.gpkg: the hotspots and units layers of a scan in one GeoPackage.
#include <vector>

#include "columns.hpp"
#include "vector_layer.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/stages/water_quality.hpp"

namespace zw {

using outputs_detail::close_dataset;
using outputs_detail::create_vector_dataset;
using outputs_detail::hotspot_layer_spec;
using outputs_detail::hotspots_in_report_order;
using outputs_detail::LayerSpec;
using outputs_detail::load_grid_srs;
using outputs_detail::QuietGdalErrors;
using outputs_detail::unit_columns_with_quality;
using outputs_detail::write_layer;

void write_alerts_gpkg(const std::filesystem::path& path, const ScanResults& results, const QualityResult* quality,
                       const WaterQualityResult* water) {
  const QuietGdalErrors quiet;
  OGRSpatialReference grid_srs;
  OGRSpatialReference* srs = load_grid_srs(results, grid_srs, path) ? &grid_srs : nullptr;

  AtomicFile file(path, "the GeoPackage");
  GDALDatasetUniquePtr dataset = create_vector_dataset("GPKG", file);

  CPLStringList hotspot_options;
  hotspot_options.SetNameValue("IDENTIFIER", "hotspots 疑似问题图斑");
  hotspot_options.SetNameValue("DESCRIPTION", "Typed change patches, by severity then area");
  write_layer(*dataset, hotspot_layer_spec(results), hotspots_in_report_order(results.hotspots), srs,
              hotspot_options.List(), /*dates_as_text=*/false, /*transactional=*/true, path);

  std::vector<const UnitResult*> units;
  units.reserve(results.units.size());
  for (const UnitResult& unit : results.units) units.push_back(&unit);
  const auto columns = unit_columns_with_quality(quality);
  const LayerSpec<UnitResult> unit_spec{"units", columns, [](const UnitResult& u) { return "unit " + u.code; },
                                        [](const UnitResult& u) -> const std::string& { return u.geometry_wkt; }};
  CPLStringList unit_options;
  unit_options.SetNameValue("IDENTIFIER", "units 管控单元");
  unit_options.SetNameValue("DESCRIPTION", "Control units with change statistics and flags");
  write_layer(*dataset, unit_spec, units, srs, unit_options.List(), /*dates_as_text=*/false,
              /*transactional=*/true, path);

  if (water != nullptr && water->ran) {
    std::vector<const WaterBody*> bodies;
    bodies.reserve(water->bodies.size());
    for (const WaterBody& body : water->bodies) bodies.push_back(&body);
    const LayerSpec<WaterBody> body_spec{"water_bodies", outputs_detail::water_body_columns(),
                                         [](const WaterBody& w) { return "water body " + std::to_string(w.id); },
                                         [](const WaterBody& w) -> const std::string& { return w.geometry_wkt; }};
    CPLStringList body_options;
    body_options.SetNameValue("IDENTIFIER", "water_bodies 水体水质");
    body_options.SetNameValue("DESCRIPTION", "Stable water bodies with their water-quality indices and flags");
    write_layer(*dataset, body_spec, bodies, srs, body_options.List(), /*dates_as_text=*/false,
                /*transactional=*/true, path);
    write_field_aliases(*dataset, "water_bodies", water_body_field_aliases(), path);
  }

  // QGIS opens both layers styled, with Chinese field names.
  const std::vector<FieldAlias> hotspot_aliases = hotspot_field_aliases(results.tracked, results.traced);
  const std::vector<FieldAlias> unit_aliases = unit_field_aliases(quality);
  write_layer_style(*dataset, hotspots_layer_style(), hotspot_aliases, path);
  write_layer_style(*dataset, units_layer_style(), unit_aliases, path);
  write_field_aliases(*dataset, "hotspots", hotspot_aliases, path);
  write_field_aliases(*dataset, "units", unit_aliases, path);

  close_dataset(dataset, path);
  file.commit();
}

}  // namespace zw
