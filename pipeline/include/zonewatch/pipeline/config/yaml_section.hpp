#pragma once
// Strict reading of YAML mappings: every key read is remembered, and finish() rejects the
// keys nobody read, naming the key path and the closest known key (misspellings are the
// commonest config error).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace zw {

class YamlSection {
 public:
  /// `file` names the source in messages; `path` is the dotted key path of `node`.
  YamlSection(YAML::Node node, std::string file, std::string path);

  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] std::string key_path(const std::string& key) const;

  template <class T>
  [[nodiscard]] T get(const std::string& key, const T& fallback);
  template <class T>
  [[nodiscard]] T require(const std::string& key);
  template <class T>
  [[nodiscard]] std::optional<T> optional(const std::string& key);

  /// A nested mapping (an empty section when absent).
  [[nodiscard]] YamlSection section(const std::string& key);
  /// Keys of this mapping (for free-form maps such as per-unit overrides).
  [[nodiscard]] std::vector<std::string> keys();

  /// Throws ConfigError for any key that was never read.
  void finish() const;

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::set<std::string> known_;
};

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

/// Sets a dotted key path ("detection.threshold.method") in `root` to a scalar parsed as
/// YAML ("0.5", "[a, b]", "otsu"). Used for command-line overrides.
void set_yaml_path(YAML::Node& root, const std::string& dotted_key, const std::string& value);

}  // namespace zw
