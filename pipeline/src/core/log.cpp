#include "zonewatch/pipeline/core/log.hpp"

#include <mutex>
#include <unordered_map>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

struct LoggingState {
  std::mutex mutex;
  std::shared_ptr<spdlog::sinks::sink> sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

LoggingState& state() {
  static LoggingState s;
  return s;
}

constexpr const char* kJsonPattern = R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","message":"%v"})";

}  // namespace

void configure_logging(const std::string& level, LogFormat format) {
  auto& s = state();
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps unknown names to "off"; only accept "off" when asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw UsageError("--log-level: '" + level +
                     "' is not a level (expected trace, debug, info, warn, error, critical, off)");
  }
  std::lock_guard lock(s.mutex);
  s.level = parsed;
  s.pattern = format == LogFormat::json ? kJsonPattern : "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";
  for (auto& [name, log] : s.loggers) {
    log->set_level(s.level);
    log->set_pattern(s.pattern);
  }
}

std::shared_ptr<spdlog::logger> logger(std::string_view name) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  std::string full = name.empty() ? "zonewatch" : "zonewatch." + std::string(name);
  auto it = s.loggers.find(full);
  if (it != s.loggers.end()) return it->second;
  auto log = std::make_shared<spdlog::logger>(full, s.sink);
  log->set_level(s.level);
  log->set_pattern(s.pattern);
  s.loggers.emplace(full, log);
  return log;
}

}  // namespace zw
