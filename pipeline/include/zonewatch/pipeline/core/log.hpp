#pragma once
// One spdlog logger ("zonewatch") with named children ("zonewatch.scan", ...), all sharing
// its sinks and level.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace zw {

enum class LogFormat { text, json };

/// Configures the root logger: level ("trace".."off") and format. Logs go to stderr.
/// Throws UsageError for an unknown level.
void configure_logging(const std::string& level, LogFormat format);

/// Child logger "zonewatch.<name>", created on first use.
std::shared_ptr<spdlog::logger> logger(std::string_view name);

/// Progress of a long stage: fraction in [0, 1] and what is being done.
using ProgressCallback = std::function<void(double fraction, std::string_view stage)>;

}  // namespace zw
