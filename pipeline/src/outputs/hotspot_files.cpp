// hotspots.csv and hotspots.geojson: the hotspots table for spreadsheets and for web maps.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <variant>

#include "columns.hpp"
#include "vector_layer.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"

namespace zw {

using outputs_detail::close_dataset;
using outputs_detail::create_vector_dataset;
using outputs_detail::FieldValue;
using outputs_detail::hotspot_columns;
using outputs_detail::hotspot_layer_spec;
using outputs_detail::hotspots_in_report_order;
using outputs_detail::load_grid_srs;
using outputs_detail::QuietGdalErrors;
using outputs_detail::remove_existing_file;
using outputs_detail::throw_output_error;
using outputs_detail::write_layer;

namespace {

std::string csv_cell(const FieldValue& value, int decimals) {
  if (const auto* text = std::get_if<std::string>(&value)) return text::csv_text(*text);
  if (const auto* real = std::get_if<double>(&value)) return text::fixed(*real, decimals);
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return std::to_string(*integer);
  if (const auto* flag = std::get_if<bool>(&value)) return *flag ? "true" : "false";
  return {};
}

}  // namespace

void write_hotspots_csv(const std::filesystem::path& path, const ScanResults& results) {
  const auto& columns = hotspot_columns(results);
  std::string text = "\xEF\xBB\xBF";  // UTF-8 BOM: without it Excel decodes Chinese as ANSI
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) text += ',';
    text += text::csv_text(columns[i].name);
  }
  text += "\r\n";
  for (const Hotspot* hotspot : hotspots_in_report_order(results.hotspots)) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) text += ',';
      text += csv_cell(columns[i].value(*hotspot), columns[i].csv_decimals);
    }
    text += "\r\n";
  }

  remove_existing_file(path);
  AtomicFile file(path, "the CSV file");
  std::ofstream out(file.temporary(), std::ios::binary | std::ios::trunc);
  if (!out) throw_output_error(path, std::string("cannot open for writing: ") + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw_output_error(path, std::string("write failed: ") + std::strerror(errno));
  file.commit();
}

void write_hotspots_geojson(const std::filesystem::path& path, const ScanResults& results) {
  const QuietGdalErrors quiet;
  OGRSpatialReference grid_srs;
  if (!load_grid_srs(results, grid_srs, path)) {
    throw_output_error(path, "results carry no grid CRS, cannot reproject to WGS84");
  }

  AtomicFile file(path, "the GeoJSON file");
  GDALDatasetUniquePtr dataset = create_vector_dataset("GeoJSON", file);

  // RFC7946=YES makes the driver reproject to WGS84 in lon/lat order, wind exterior rings
  // counter-clockwise and split at the antimeridian: everything RFC 7946 asks of us.
  CPLStringList options;
  options.SetNameValue("RFC7946", "YES");
  options.SetNameValue("COORDINATE_PRECISION", "7");  // ~1 cm, enough for 10 m pixels
  options.SetNameValue("WRITE_NAME", "NO");
  // GeoJSON has no date type; ISO date strings are what every reader expects.
  write_layer(*dataset, hotspot_layer_spec(results), hotspots_in_report_order(results.hotspots), &grid_srs,
              options.List(), /*dates_as_text=*/true, /*transactional=*/false, path);

  close_dataset(dataset, path);
  file.commit();
}

}  // namespace zw
