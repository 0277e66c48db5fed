// QML and SLD styles and field aliases inside a GeoPackage, written the way QGIS itself does.
#include "zonewatch/pipeline/outputs/layer_styles.hpp"

#include <string_view>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {
namespace {

/// The QGIS release whose format the styles follow (older releases read it, newer upgrade it).
constexpr const char* kQgisVersion = "3.22.16-Białowieża";
constexpr double kPixelsPerMm = 96.0 / 25.4;  // SLD sizes are in pixels of 0.28 mm

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + text::xml_escape(value) + "\"";
}

std::string qgis_colour(const Rgba& c) { return text::printf_string("%d,%d,%d,%d", c.r, c.g, c.b, c.a); }

std::string hex_colour(const Rgba& c) { return text::printf_string("#%02x%02x%02x", c.r, c.g, c.b); }

std::string quoted_field(std::string_view field) {
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string sql_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

/// A class's conditions as a QGIS expression, e.g. "type" = 'key' AND "flagged".
std::string class_filter(const StyleClass& style_class) {
  std::string filter;
  for (const FieldEquals& condition : style_class.when) {
    if (!filter.empty()) filter += " AND ";
    switch (condition.kind) {
      case FieldEquals::Kind::text:
        filter += quoted_field(condition.field) + " = " + sql_literal(condition.value);
        break;
      case FieldEquals::Kind::number: filter += quoted_field(condition.field) + " = " + condition.value; break;
      case FieldEquals::Kind::boolean:
        filter += (condition.value == "1" ? "" : "NOT ") + quoted_field(condition.field);
        break;
    }
  }
  return filter;
}

std::string symbol_xml(std::size_t index, const StyleClass& style_class) {
  const std::vector<std::pair<std::string, std::string>> properties{
      {"color", qgis_colour(style_class.fill)},
      {"joinstyle", "bevel"},
      {"outline_color", qgis_colour(style_class.outline)},
      {"outline_style", "solid"},
      {"outline_width", text::fixed(style_class.outline_width_mm, 2)},
      {"outline_width_unit", "MM"},
      {"style", style_class.filled ? "solid" : "no"},
  };
  // QGIS 3.22 writes both forms: <Option> maps (read by newer releases) and <prop> (older).
  std::string options = "     <Option type=\"Map\">\n";
  std::string props;
  for (const auto& [key, value] : properties) {
    options += "      <Option" + attr("name", key) + attr("value", value) + " type=\"QString\"/>\n";
    props += "     <prop" + attr("k", key) + attr("v", value) + "/>\n";
  }
  options += "     </Option>\n";
  return "   <symbol type=\"fill\"" + attr("name", std::to_string(index)) +
         " alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
         "    <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\">\n" +
         options + props + "    </layer>\n   </symbol>\n";
}

std::string renderer_xml(const LayerStyle& style) {
  std::string entries;
  std::string symbols;
  for (std::size_t i = 0; i < style.classes.size(); ++i) {
    const StyleClass& style_class = style.classes[i];
    symbols += symbol_xml(i, style_class);
    if (style.renderer == LayerStyle::Renderer::categorized) {
      const std::string value = style_class.when.empty() ? std::string() : style_class.when.front().value;
      entries += "   <category render=\"true\"" + attr("value", value) + attr("label", style_class.label) +
                 attr("symbol", std::to_string(i)) + " type=\"string\"/>\n";
    } else {
      entries += "   <rule" + attr("key", "{zonewatch-rule-" + std::to_string(i) + "}") +
                 attr("filter", class_filter(style_class)) + attr("label", style_class.label) +
                 attr("symbol", std::to_string(i)) + "/>\n";
    }
  }
  const bool categorized = style.renderer == LayerStyle::Renderer::categorized;
  std::string xml = " <renderer-v2" + attr("type", categorized ? "categorizedSymbol" : "RuleRenderer") +
                    (categorized ? attr("attr", style.category_field) : std::string()) +
                    " symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\" referencescale=\"-1\">\n";
  xml += categorized ? "  <categories>\n" + entries + "  </categories>\n"
                     : "  <rules key=\"{zonewatch-root}\">\n" + entries + "  </rules>\n";
  return xml + "  <symbols>\n" + symbols + "  </symbols>\n </renderer-v2>\n";
}

std::string labeling_xml(const LayerStyle& style) {
  if (style.label_expression.empty()) return {};
  return " <labeling type=\"simple\">\n"
         "  <settings calloutType=\"simple\">\n"
         "   <text-style" +
         attr("fieldName", style.label_expression) + " isExpression=\"1\"" + attr("fontFamily", style.label_font) +
         " fontSize=\"9\" fontSizeUnit=\"Point\" textColor=\"20,20,20,255\" textOpacity=\"1\""
         " namedStyle=\"Regular\" fontWeight=\"50\" multilineHeight=\"1\">\n"
         "    <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\""
         " bufferColor=\"255,255,255,255\" bufferOpacity=\"0.85\" bufferNoFill=\"1\" bufferJoinStyle=\"128\"/>\n"
         "   </text-style>\n"
         "   <text-format wrapChar=\"\" multilineAlign=\"1\" formatNumbers=\"0\" plussign=\"0\""
         " addDirectionSymbol=\"0\"/>\n"
         "   <placement placement=\"1\" dist=\"0\" distUnits=\"MM\" priority=\"5\" centroidInside=\"1\""
         " fitInPolygonOnly=\"0\"/>\n"
         "   <rendering drawLabels=\"1\" obstacle=\"1\" displayAll=\"0\" upsidedownLabels=\"0\""
         " scaleVisibility=\"0\" labelPerPart=\"0\" mergeLines=\"0\" limitNumLabels=\"0\" maxNumLabels=\"2000\""
         " minFeatureSize=\"0\" zIndex=\"0\"/>\n"
         "  </settings>\n"
         " </labeling>\n";
}

std::string aliases_xml(const std::vector<FieldAlias>& aliases) {
  std::string xml = " <aliases>\n";
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    // Index 0 is the GeoPackage's fid.
    xml += "  <alias" + attr("field", aliases[i].field) + attr("name", aliases[i].alias) +
           attr("index", std::to_string(i + 1)) + "/>\n";
  }
  return xml + " </aliases>\n";
}

/// The first "field" a QGIS expression names (SLD labels take a property, not an expression).
std::string first_field_of(std::string_view expression) {
  const std::size_t open = expression.find('"');
  if (open == std::string_view::npos) return {};
  const std::size_t close = expression.find('"', open + 1);
  return close == std::string_view::npos ? std::string() : std::string(expression.substr(open + 1, close - open - 1));
}

std::string sld_filter(const StyleClass& style_class) {
  std::string comparisons;
  for (const FieldEquals& condition : style_class.when) {
    comparisons += "<ogc:PropertyIsEqualTo><ogc:PropertyName>" + text::xml_escape(condition.field) +
                   "</ogc:PropertyName><ogc:Literal>" + text::xml_escape(condition.value) +
                   "</ogc:Literal></ogc:PropertyIsEqualTo>";
  }
  if (style_class.when.size() > 1) comparisons = "<ogc:And>" + comparisons + "</ogc:And>";
  return comparisons.empty() ? std::string() : "     <ogc:Filter>" + comparisons + "</ogc:Filter>\n";
}

std::string sld_parameter(std::string_view name, std::string_view value) {
  return "<se:SvgParameter name=\"" + std::string(name) + "\">" + text::xml_escape(value) + "</se:SvgParameter>";
}

[[noreturn]] void throw_gdal(const std::filesystem::path& path, const std::string& what) {
  std::string message = path.string() + ": " + what;
  const std::string gdal_message = CPLGetLastErrorMsg();
  if (!gdal_message.empty()) message += " (GDAL: " + gdal_message + ")";
  throw OutputError(message);
}

/// Runs a statement that returns no rows; OutputError naming `what` when GDAL reports an error.
void execute(GDALDataset& dataset, const std::string& sql, const std::filesystem::path& path, const std::string& what) {
  CPLErrorReset();
  OGRLayer* result = dataset.ExecuteSQL(sql.c_str(), nullptr, nullptr);
  if (result != nullptr) dataset.ReleaseResultSet(result);
  if (CPLGetLastErrorType() >= CE_Failure) throw_gdal(path, what);
}

/// The layer_styles table exactly as QGIS creates it ("Save style to database").
OGRLayer& layer_styles_table(GDALDataset& dataset, const std::filesystem::path& path) {
  if (OGRLayer* existing = dataset.GetLayerByName("layer_styles")) return *existing;
  CPLStringList options;
  options.SetNameValue("FID", "id");
  OGRLayer* layer = dataset.CreateLayer("layer_styles", nullptr, wkbNone, options.List());
  if (layer == nullptr) throw_gdal(path, "cannot create table layer_styles");
  struct Field {
    const char* name;
    OGRFieldType type;
    int width;
  };
  for (const Field& field :
       {Field{"f_table_catalog", OFTString, 256}, Field{"f_table_schema", OFTString, 256},
        Field{"f_table_name", OFTString, 256}, Field{"f_geometry_column", OFTString, 256},
        Field{"styleName", OFTString, 30}, Field{"styleQML", OFTString, 0}, Field{"styleSLD", OFTString, 0},
        Field{"useAsDefault", OFTInteger, 0}, Field{"description", OFTString, 0}, Field{"owner", OFTString, 30},
        Field{"ui", OFTString, 30}, Field{"update_time", OFTDateTime, 0}}) {
    OGRFieldDefn definition(field.name, field.type);
    definition.SetWidth(field.width);
    if (field.type == OFTInteger) definition.SetSubType(OFSTBoolean);
    if (field.type == OFTDateTime) definition.SetDefault("CURRENT_TIMESTAMP");
    if (layer->CreateField(&definition) != OGRERR_NONE) {
      throw_gdal(path, std::string("layer_styles: cannot create field ") + field.name);
    }
  }
  (void)layer->SyncToDisk();  // runs the deferred CREATE TABLE before the UPDATE below
  return *layer;
}

}  // namespace

std::string qgis_style_elements(const LayerStyle& style, const std::vector<FieldAlias>& aliases) {
  return renderer_xml(style) + labeling_xml(style) + aliases_xml(aliases) +
         " <blendMode>0</blendMode>\n <featureBlendMode>0</featureBlendMode>\n <layerOpacity>1</layerOpacity>\n"
         " <legend type=\"default-vector\" showLabelLegend=\"0\"/>\n";
}

std::string layer_style_qml(const LayerStyle& style, const std::vector<FieldAlias>& aliases) {
  return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis" + attr("version", kQgisVersion) +
         " styleCategories=\"AllStyleCategories\"" + attr("labelsEnabled", style.label_expression.empty() ? "0" : "1") +
         " hasScaleBasedVisibilityFlag=\"0\" minScale=\"100000000\" maxScale=\"0\" readOnly=\"0\">\n" +
         qgis_style_elements(style, aliases) + "</qgis>\n";
}

std::string layer_style_sld(const LayerStyle& style) {
  std::string rules;
  for (const StyleClass& style_class : style.classes) {
    rules += "    <se:Rule>\n     <se:Name>" + text::xml_escape(style_class.label) +
             "</se:Name>\n     <se:Description><se:Title>" + text::xml_escape(style_class.label) +
             "</se:Title></se:Description>\n" + sld_filter(style_class) + "     <se:PolygonSymbolizer>";
    if (style_class.filled) {
      rules += "<se:Fill>" + sld_parameter("fill", hex_colour(style_class.fill)) +
               sld_parameter("fill-opacity", text::fixed(style_class.fill.a / 255.0, 2)) + "</se:Fill>";
    }
    rules += "<se:Stroke>" + sld_parameter("stroke", hex_colour(style_class.outline)) +
             sld_parameter("stroke-opacity", text::fixed(style_class.outline.a / 255.0, 2)) +
             sld_parameter("stroke-width", text::fixed(style_class.outline_width_mm * kPixelsPerMm, 1)) +
             sld_parameter("stroke-linejoin", "bevel") + "</se:Stroke></se:PolygonSymbolizer>\n    </se:Rule>\n";
  }
  if (const std::string label_field = first_field_of(style.label_expression); !label_field.empty()) {
    rules += "    <se:Rule>\n     <se:TextSymbolizer><se:Label><ogc:PropertyName>" + text::xml_escape(label_field) +
             "</ogc:PropertyName></se:Label><se:Font>" + sld_parameter("font-family", style.label_font) +
             sld_parameter("font-size", "12") + "</se:Font><se:Halo><se:Radius>2</se:Radius><se:Fill>" +
             sld_parameter("fill", "#ffffff") + "</se:Fill></se:Halo></se:TextSymbolizer>\n    </se:Rule>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" xmlns:ogc=\"http://www.opengis.net/ogc\""
         " xmlns:se=\"http://www.opengis.net/se\" xmlns:xlink=\"http://www.w3.org/1999/xlink\""
         " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1.0\""
         " xsi:schemaLocation=\"http://www.opengis.net/sld "
         "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
         " <NamedLayer>\n  <se:Name>" +
         text::xml_escape(style.layer) + "</se:Name>\n  <UserStyle>\n   <se:Name>" + text::xml_escape(style.name) +
         "</se:Name>\n   <se:FeatureTypeStyle>\n" + rules +
         "   </se:FeatureTypeStyle>\n  </UserStyle>\n </NamedLayer>\n</StyledLayerDescriptor>\n";
}

void write_layer_style(GDALDataset& dataset, const LayerStyle& style, const std::vector<FieldAlias>& aliases,
                       const std::filesystem::path& path) {
  OGRLayer& table = layer_styles_table(dataset, path);
  // One default per layer: QGIS would pick either of two.
  execute(dataset,
          "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = " + sql_literal(style.layer) +
              " AND f_geometry_column = " + sql_literal(style.geometry_column),
          path, "layer_styles: cannot unflag the previous default style of " + style.layer);
  OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(table.GetLayerDefn()));
  feature->SetField("f_table_catalog", "");
  feature->SetField("f_table_schema", "");
  feature->SetField("f_table_name", style.layer.c_str());
  feature->SetField("f_geometry_column", style.geometry_column.c_str());
  feature->SetField("styleName", style.name.c_str());
  feature->SetField("styleQML", layer_style_qml(style, aliases).c_str());
  feature->SetField("styleSLD", layer_style_sld(style).c_str());
  feature->SetField("useAsDefault", 1);
  feature->SetField("description", style.description.c_str());
  feature->SetField("owner", "");
  if (table.CreateFeature(feature.get()) != OGRERR_NONE) {
    throw_gdal(path, "layer_styles: cannot write the style of " + style.layer);
  }
}

void write_field_aliases(GDALDataset& dataset, const std::string& layer, const std::vector<FieldAlias>& aliases,
                         const std::filesystem::path& path) {
  // GeoPackage 1.2.1, schema extension: the tables' definitions from the standard.
  execute(dataset,
          "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
          " name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,"
          " CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name))",
          path, "cannot create gpkg_data_columns");
  execute(dataset,
          "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
          " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
          " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
          path, "cannot create gpkg_extensions");
  // UNIQUE does not catch a repeated row whose column_name is NULL, hence NOT EXISTS.
  execute(dataset,
          "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)"
          " SELECT 'gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec121/#extension_schema',"
          " 'read-write' WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns'"
          " AND extension_name = 'gpkg_schema')",
          path, "cannot register the gpkg_schema extension");
  for (const FieldAlias& alias : aliases) {
    execute(dataset,
            "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (" +
                sql_literal(layer) + ", " + sql_literal(alias.field) + ", " + sql_literal(alias.alias) + ", " +
                sql_literal(alias.alias) + ", " + sql_literal(alias.description) + ")",
            path, "gpkg_data_columns: cannot write the alias of " + layer + "." + alias.field);
  }
}

LayerStyle hotspots_layer_style() {
  LayerStyle style;
  style.layer = "hotspots";
  style.name = "zonewatch severity";
  style.description = "Hotspots by severity, labelled with ID and area in mu";
  style.category_field = "severity";
  const auto colour = [](Severity severity) -> Rgba {
    switch (severity) {
      case Severity::high: return {0xd7, 0x19, 0x1c, 255};
      case Severity::medium: return {0xfd, 0xae, 0x61, 255};
      case Severity::low: return {0xff, 0xff, 0xbf, 255};
    }
    return {128, 128, 128, 255};
  };
  // Most serious first, as the legend reads.
  const auto& entries = kSeverityNames.entries();
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    style.classes.push_back({std::string(entry->chinese) + " " + std::string(entry->name),
                             {{"severity", std::string(entry->name)}},
                             {60, 60, 60, 255},
                             0.3,
                             true,
                             colour(entry->value)});
  }
  style.label_expression = "\"hotspot_id\" || '\\n' || format_number(\"area_mu\", 1) || ' 亩'";
  return style;
}

LayerStyle units_layer_style() {
  LayerStyle style;
  style.layer = "units";
  style.name = "zonewatch unit type";
  style.description = "Units outlined by type, filled where flagged";
  style.renderer = LayerStyle::Renderer::rule_based;
  const auto outline = [](UnitType type) -> Rgba {
    switch (type) {
      case UnitType::priority: return {0x1a, 0x96, 0x41, 255};
      case UnitType::key: return {0xc5, 0x1b, 0x7d, 255};
      case UnitType::general: return {0x80, 0x80, 0x80, 255};
    }
    return {0, 0, 0, 255};
  };
  for (const UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    const std::string name(to_string(type));
    const Rgba colour = outline(type);
    const Rgba translucent{colour.r, colour.g, colour.b, 90};
    style.classes.push_back({std::string(chinese_name(type)) + " " + name,
                             {{"type", name}, {"flagged", "0", FieldEquals::Kind::boolean}},
                             colour,
                             0.6,
                             false,
                             {}});
    style.classes.push_back({std::string(chinese_name(type)) + " " + name + ", 预警 flagged",
                             {{"type", name}, {"flagged", "1", FieldEquals::Kind::boolean}},
                             colour,
                             0.8,
                             true,
                             translucent});
  }
  return style;
}

}  // namespace zw
