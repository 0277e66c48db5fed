// Monitoring-station CSV files (quality/station_table.cpp). The first byte picks the layout:
// even = wide (Beijing PRSA: year, month, day, hour, a column per pollutant, station), odd =
// long (station, time "%Y-%m-%d %H:%M:%S", pollutant, value). The rest is the measurement
// file; when it holds a line "%%", what follows is a separate stations table (station,
// name_zh, lon, lat), else the coordinates are lon/lat columns of the measurement file.
#include <algorithm>

#include "fuzz_support.hpp"
#include "zonewatch/pipeline/quality/station_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  if (size == 0) return 0;
  const bool wide = (data[0] & 1) == 0;
  const std::string input = zw::fuzz::bytes(data + 1, size - 1);
  const auto cut = input.find("\n%%\n");
  zw::StationSourceOptions o;
  o.files = {zw::fuzz::write_scratch("PRSA_Data_A.csv", input.substr(0, cut))};
  o.pollutants = {"PM2.5", "O3"};
  if (!wide) {
    o.format = zw::StationFormat::long_form;
    o.columns.time = {"time"};
  }
  if (cut != std::string::npos) {
    o.stations_table.file = zw::fuzz::write_scratch("stations.csv", input.substr(cut + 4));
    o.stations_table.name = "name_zh";
  } else {
    o.columns.lon = "lon";
    o.columns.lat = "lat";
  }
  zw::fuzz::expect_clean([&] {
    const zw::StationTable table = zw::read_station_table(o);
    for (std::size_t s = 0; s < table.stations.size(); ++s) {
      const auto& hours = table.series[s].hours;
      if (hours.empty()) continue;
      (void)table.hourly(s, 0, hours.front(),
                         static_cast<std::size_t>(std::min<long long>(hours.back() - hours.front() + 1, 1 << 16)));
    }
  });
  return 0;
}
