// Period strings and dates (core/date.cpp, inputs/catalog.cpp DateRange), dates and band
// names in file names (inputs/metadata.cpp, metadata_landsat.cpp, products.cpp) and station
// timestamps (quality/station_table.cpp parse_hour): all text from outside. The input's first
// line is the text; the second (when present) is a parse_hour format.
#include <cstdio>

#include "fuzz_support.hpp"
#include "inputs/products.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/inputs/catalog.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"
#include "zonewatch/pipeline/quality/station_table.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "dates_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = zw::fuzz::bytes(data, size);
  const auto nl = input.find('\n');
  const std::string text = input.substr(0, nl);
  const std::string format = nl == std::string::npos ? "%Y-%m-%d %H:%M:%S" : input.substr(nl + 1);

  // Round trips: what parses prints back as itself.
  if (const auto d = zw::Date::parse_iso(text)) {
    if (d->iso() != text) fail("parse_iso round trip");
    if (zw::Date::from_days(d->days()) != *d) fail("from_days round trip");
    if (!zw::is_iso_date(text)) fail("is_iso_date disagrees with parse_iso");
    (void)zw::add_days(text, static_cast<int>(size) - 64);
    (void)d->plus_days(static_cast<long long>(size) * 1000003LL).iso();
  }
  if (const auto d = zw::Date::parse_compact(text)) {
    if (d->compact() != text) fail("parse_compact round trip");
  }
  (void)zw::iso_date_fields(text);
  (void)zw::add_days(text, 1);
  zw::fuzz::expect_clean([&] { (void)zw::DateRange::parse(text, "after.period"); });

  const std::string named = zw::date_from_name(text);
  if (!named.empty() && !zw::is_iso_date(named)) fail("date_from_name gave no date");
  (void)zw::profile_from_chinese_name(text);
  (void)zw::landsat_band_number(text);
  (void)zw::inputs_detail::band_part(text);
  (void)zw::inputs_detail::is_resolution_part(text);

  (void)zw::parse_hour(text, format);
  return 0;
}
