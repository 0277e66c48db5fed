#include "zonewatch/pipeline/config/yaml_section.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {

YamlSection::YamlSection(YAML::Node node, std::string file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) {
    throw ConfigError(file_ + ": key '" + path_ + "' must be a mapping of keys to values");
  }
}

bool YamlSection::has(const std::string& key) const {
  return node_ && node_.IsMap() && node_[key] && !node_[key].IsNull();
}

std::string YamlSection::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

namespace {

template <class T>
std::string type_name() {
  if constexpr (std::is_same_v<T, bool>)
    return "true or false";
  else if constexpr (std::is_integral_v<T>)
    return "an integer";
  else if constexpr (std::is_floating_point_v<T>)
    return "a number";
  else if constexpr (std::is_same_v<T, std::string>)
    return "a text value";
  else
    return "a list";
}

/// A mapping key as text. YAML allows lists and mappings as keys (`? [a, b]: 1`), which
/// yaml-cpp cannot convert; that is a config error naming the section, not a crash.
std::string key_text(const YAML::Node& key, const std::string& file, const std::string& path) {
  if (!key.IsScalar() && !key.IsNull()) {
    std::ostringstream text;
    text << key;
    throw ConfigError(file + ": " + (path.empty() ? std::string("the top level") : "key '" + path + "'") +
                      " has a key that is not a name: '" + text.str() + "'");
  }
  return key.as<std::string>();
}

}  // namespace

template <class T>
std::optional<T> YamlSection::optional(const std::string& key) {
  known_.insert(key);
  if (!has(key)) return std::nullopt;
  const YAML::Node value = node_[key];
  try {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!value.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "not a scalar");
    }
    return value.as<T>();
  } catch (const YAML::Exception&) {
    std::ostringstream text;
    text << value;
    throw ConfigError(file_ + ": key '" + key_path(key) + "' must be " + type_name<T>() + ", got '" + text.str() + "'");
  }
}

template <class T>
T YamlSection::get(const std::string& key, const T& fallback) {
  return optional<T>(key).value_or(fallback);
}

template <class T>
T YamlSection::require(const std::string& key) {
  auto value = optional<T>(key);
  if (!value) throw ConfigError(file_ + ": key '" + key_path(key) + "' is required");
  return *value;
}

template std::optional<std::string> YamlSection::optional<std::string>(const std::string&);
template std::optional<double> YamlSection::optional<double>(const std::string&);
template std::optional<int> YamlSection::optional<int>(const std::string&);
template std::optional<bool> YamlSection::optional<bool>(const std::string&);
template std::optional<std::vector<std::string>> YamlSection::optional<std::vector<std::string>>(const std::string&);
template std::string YamlSection::get<std::string>(const std::string&, const std::string&);
template double YamlSection::get<double>(const std::string&, const double&);
template int YamlSection::get<int>(const std::string&, const int&);
template bool YamlSection::get<bool>(const std::string&, const bool&);
template std::vector<std::string> YamlSection::get<std::vector<std::string>>(const std::string&,
                                                                             const std::vector<std::string>&);
template std::string YamlSection::require<std::string>(const std::string&);
template double YamlSection::require<double>(const std::string&);
template int YamlSection::require<int>(const std::string&);

YamlSection YamlSection::section(const std::string& key) {
  known_.insert(key);
  return YamlSection(has(key) ? node_[key] : YAML::Node(), file_, key_path(key));
}

std::vector<std::string> YamlSection::keys() {
  std::vector<std::string> result;
  if (!node_ || !node_.IsMap()) return result;
  for (const auto& entry : node_) {
    result.push_back(key_text(entry.first, file_, path_));
    known_.insert(result.back());
  }
  return result;
}

void YamlSection::finish() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& entry : node_) {
    const std::string key = key_text(entry.first, file_, path_);
    if (known_.count(key) != 0) continue;
    std::string message = file_ + ": unknown key '" + key_path(key) + "'";
    const std::string* best = nullptr;
    std::size_t best_distance = 0;
    for (const auto& candidate : known_) {
      const std::size_t d = edit_distance(key, candidate);
      if (best == nullptr || d < best_distance) {
        best = &candidate;
        best_distance = d;
      }
    }
    if (best != nullptr && best_distance <= std::max<std::size_t>(2, key.size() / 3)) {
      message += " (did you mean '" + key_path(*best) + "'?)";
    } else if (!known_.empty()) {
      message += "; expected one of:";
      for (const auto& k : known_) message += " " + k;
    }
    throw ConfigError(message);
  }
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

void set_yaml_path(YAML::Node& root, const std::string& dotted_key, const std::string& value) {
  if (dotted_key.empty()) throw UsageError("--set: empty key");
  std::vector<std::string> parts;
  std::stringstream stream(dotted_key);
  for (std::string part; std::getline(stream, part, '.');) {
    if (part.empty()) throw UsageError("--set: malformed key '" + dotted_key + "'");
    parts.push_back(part);
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw UsageError("--set " + dotted_key + ": value '" + value + "' is not valid YAML");
  }
  // yaml-cpp nodes are references: walk down with fresh handles, creating maps on the way.
  std::vector<YAML::Node> chain{root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (next && !next.IsNull() && !next.IsMap()) {
      throw UsageError("--set " + dotted_key + ": '" + parts[i] + "' is not a section");
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = parsed;
}

}  // namespace zw
