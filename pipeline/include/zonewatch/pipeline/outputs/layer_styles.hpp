#pragma once
// Styles and field aliases inside a GeoPackage, so that QGIS opens a layer coloured and with
// Chinese field names instead of grey polygons with English ones:
//   - the `layer_styles` table QGIS itself writes ("Save style to database"): one QML and SLD
//     style per layer, flagged as the default that QGIS applies when the layer is opened;
//   - the GeoPackage schema extension (`gpkg_data_columns`), where aliases live for every
//     other reader (GDAL >= 3.7, ArcGIS), and the QML's <aliases>.
// A LayerStyle describes a renderer once; the QML, the SLD and the layer of a QGIS project
// (qgis_project.hpp) are all produced from it. Any writer of a GeoPackage layer can use it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

class GDALDataset;

namespace zw {

struct QualityResult;

struct Rgba {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
};

/// One condition of a style class: field = value. Booleans are "1" or "0" (as a GeoPackage
/// stores them) and become "field" / NOT "field" in QGIS, which reads them as true/false.
struct FieldEquals {
  enum class Kind { text, number, boolean };
  std::string field;
  std::string value;
  Kind kind = Kind::text;
};

/// One legend entry: what it matches and how it is drawn.
struct StyleClass {
  std::string label;              // legend text
  std::vector<FieldEquals> when;  // all must hold; a categorized style uses when[0].value
  Rgba outline;                   // polygon outline
  double outline_width_mm = 0.4;
  bool filled = true;  // false: outline only
  Rgba fill;           // ignored when !filled
};

/// How a layer is drawn: categorized (one field, one class per value) or rule-based (each
/// class a conjunction of FieldEquals, several may draw the same feature).
struct LayerStyle {
  enum class Renderer { categorized, rule_based };

  std::string layer;                     // table name in the GeoPackage
  std::string geometry_column = "geom";  // GDAL's default
  std::string name;                      // style name as QGIS lists it
  std::string description;
  Renderer renderer = Renderer::categorized;
  std::string category_field;  // categorized only
  std::vector<StyleClass> classes;
  std::string label_expression;                 // QGIS expression; empty: no labels
  std::string label_font = "Noto Sans CJK SC";  // a CJK font: labels hold Chinese
};

/// A field's human-readable name.
struct FieldAlias {
  std::string field;
  std::string alias;
  std::string unit;         // optional, e.g. m², 亩
  std::string description;  // optional: what the field means
};

/// The layer's style as QGIS style elements (renderer-v2, labeling, aliases, opacity) without
/// the <qgis> root, to be embedded in a QML document or a project's <maplayer>.
/// `aliases` are in the layer's field order (after the fid), which gives each its index.
[[nodiscard]] std::string qgis_style_elements(const LayerStyle& style, const std::vector<FieldAlias>& aliases);

/// A complete QML document (as "Save style as QML" writes it).
[[nodiscard]] std::string layer_style_qml(const LayerStyle& style, const std::vector<FieldAlias>& aliases);

/// An OGC SLD 1.1 document with one rule per class (the label as a TextSymbolizer of the
/// first field the label expression names, SLD having no expressions).
[[nodiscard]] std::string layer_style_sld(const LayerStyle& style);

/// Writes `style` into `dataset`'s layer_styles table (created as QGIS creates it when
/// missing) as the layer's default style (any previous default of that layer is unflagged).
/// `path` names the file in errors.
void write_layer_style(GDALDataset& dataset, const LayerStyle& style, const std::vector<FieldAlias>& aliases,
                       const std::filesystem::path& path);

/// Writes the aliases of `layer` into gpkg_data_columns (name and title = alias, description)
/// and registers the gpkg_schema extension; replaces earlier entries of the same columns.
void write_field_aliases(GDALDataset& dataset, const std::string& layer, const std::vector<FieldAlias>& aliases,
                         const std::filesystem::path& path);

// ---------------------------------------------------------------------------------------
// zonewatch's own layers

/// Aliases of alerts.gpkg's hotspots layer (with the monitoring store's lifecycle columns
/// when `tracked`, the source-tracing columns when `traced`) and units layer, in field order: the column model's
/// (outputs/columns.cpp), which the README's outputs table lists too.
[[nodiscard]] std::vector<FieldAlias> hotspot_field_aliases(bool tracked, bool traced = false);
/// With `quality`, the units layer also has the quality columns of that scan.
[[nodiscard]] std::vector<FieldAlias> unit_field_aliases(const QualityResult* quality = nullptr);
/// Aliases of the water_bodies layer (written when the scan ran water_quality).
[[nodiscard]] std::vector<FieldAlias> water_body_field_aliases();

/// Hotspots filled by severity (high red, medium orange, low yellow), labelled with their ID
/// and area in 亩.
[[nodiscard]] LayerStyle hotspots_layer_style();
/// Units outlined by type (priority green, key red, general grey), filled half-transparent
/// where flagged.
[[nodiscard]] LayerStyle units_layer_style();

}  // namespace zw
