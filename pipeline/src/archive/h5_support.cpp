#include "h5_support.hpp"

#include <algorithm>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw::archive_detail {
namespace {

constexpr std::size_t kMaxErrorEntries = 3;  // the innermost few say what went wrong

herr_t collect_error(unsigned /*position*/, const H5E_error2_t* entry, void* client) {
  auto& messages = *static_cast<std::vector<std::string>*>(client);
  if (messages.size() >= kMaxErrorEntries || entry == nullptr || entry->desc == nullptr) return 0;
  std::string text = entry->desc;
  if (text.empty() && entry->func_name != nullptr) text = entry->func_name;
  if (std::find(messages.begin(), messages.end(), text) == messages.end()) messages.push_back(std::move(text));
  return 0;
}

H5Id attribute_space(const H5Context& context, std::size_t count, bool scalar) {
  if (scalar) return context.own(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
  const hsize_t dims[1] = {static_cast<hsize_t>(count)};
  return context.own(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
}

/// Creates (replacing one of that name) an attribute and writes `data` of `memory_type`.
void write_attribute_data(const H5Context& context, hid_t object, std::string_view name, hid_t file_type,
                          hid_t memory_type, const void* data, std::size_t count, bool scalar) {
  const std::string key(name);
  const std::string what = "attribute " + key;
  const htri_t exists = H5Aexists(object, key.c_str());
  context.check_status(exists, "look up " + what);
  if (exists > 0) context.check_status(H5Adelete(object, key.c_str()), "replace " + what);
  const H5Id space = attribute_space(context, count, scalar);
  const H5Id attribute = context.own(H5Acreate2(object, key.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                                     H5Aclose, "create " + what);
  if (count > 0 || scalar) context.check_status(H5Awrite(attribute.get(), memory_type, data), "write " + what);
}

/// Number of elements of an attribute or dataset's dataspace.
std::size_t element_count(const H5Context& context, hid_t space, const std::string& what) {
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0) context.fail("read the size of " + what);
  return static_cast<std::size_t>(count);
}

H5Id open_attribute(const H5Context& context, hid_t object, std::string_view name) {
  const std::string key(name);
  const htri_t exists = H5Aexists(object, key.c_str());
  context.check_status(exists, "look up attribute " + key);
  if (exists == 0) context.fail_plain("attribute " + key + " is missing");
  return context.own(H5Aopen(object, key.c_str(), H5P_DEFAULT), H5Aclose, "open attribute " + key);
}

template <class T>
std::vector<T> read_numeric_attribute(const H5Context& context, hid_t object, std::string_view name,
                                      hid_t memory_type) {
  const H5Id attribute = open_attribute(context, object, name);
  const std::string what = "attribute " + std::string(name);
  const H5Id space = context.own(H5Aget_space(attribute.get()), H5Sclose, "read the dataspace of " + what);
  const H5Id type = context.own(H5Aget_type(attribute.get()), H5Tclose, "read the type of " + what);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) context.fail_plain(what + " is not a number");
  std::vector<T> values(element_count(context, space.get(), what));
  if (!values.empty()) context.check_status(H5Aread(attribute.get(), memory_type, values.data()), "read " + what);
  return values;
}

/// Reads variable-length strings of an attribute or dataset through `read(memory_type, buffer)`.
template <class Read>
std::vector<std::string> read_strings(const H5Context& context, hid_t stored_type, hid_t space, const std::string& what,
                                      Read&& read) {
  if (H5Tget_class(stored_type) != H5T_STRING || H5Tis_variable_str(stored_type) <= 0) {
    context.fail_plain(what + " is not a variable-length string");
  }
  const std::size_t count = element_count(context, space, what);
  std::vector<char*> buffer(count, nullptr);
  const H5Id memory_type = utf8_string_type(context);
  if (count == 0) return {};
  context.check_status(read(memory_type.get(), buffer.data()), "read " + what);
  std::vector<std::string> values;
  values.reserve(count);
  for (char* text : buffer) values.emplace_back(text != nullptr ? text : "");
  H5Dvlen_reclaim(memory_type.get(), space, H5P_DEFAULT, buffer.data());
  return values;
}

H5Id open_dataset(const H5Context& context, hid_t group, std::string_view name) {
  const std::string key(name);
  if (!has_link(context, group, key)) context.fail_plain("dataset " + key + " is missing");
  return context.own(H5Dopen2(group, key.c_str(), H5P_DEFAULT), H5Dclose, "open dataset " + key);
}

void write_column(const H5Context& context, hid_t group, std::string_view name, hid_t file_type, hid_t memory_type,
                  const void* data, std::size_t count) {
  const std::string key(name);
  const hsize_t dims[1] = {static_cast<hsize_t>(count)};
  const H5Id space = context.own(H5Screate_simple(1, dims, nullptr), H5Sclose, "create a dataspace");
  const H5Id dataset =
      context.own(H5Dcreate2(group, key.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  H5Dclose, "create dataset " + key);
  if (count > 0) {
    context.check_status(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                         "write dataset " + key);
  }
}

template <class T>
std::vector<T> read_numeric_column(const H5Context& context, hid_t group, std::string_view name, hid_t memory_type) {
  const H5Id dataset = open_dataset(context, group, name);
  const std::string what = "dataset " + std::string(name);
  const H5Id space = context.own(H5Dget_space(dataset.get()), H5Sclose, "read the dataspace of " + what);
  std::vector<T> values(element_count(context, space.get(), what));
  if (!values.empty()) {
    context.check_status(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                         "read " + what);
  }
  return values;
}

}  // namespace

H5Context::H5Context(std::string file, Mode mode) : file_(std::move(file)), mode_(mode) { silence_hdf5_errors(); }

void H5Context::fail(std::string_view what) const {
  const std::string detail = take_hdf5_error_stack();
  fail_plain("cannot " + std::string(what) + (detail.empty() ? std::string() : ": " + detail));
}

void H5Context::fail_plain(const std::string& message) const {
  const std::string text = file_ + ": " + message;
  if (mode_ == Mode::reading) throw InputError(text);
  throw OutputError(text);
}

void silence_hdf5_errors() {
  thread_local bool silenced = false;
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

std::string take_hdf5_error_stack() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string text;
  for (const std::string& message : messages) text += (text.empty() ? "" : "; ") + message;
  return text;
}

H5Id utf8_string_type(const H5Context& context) {
  H5Id type = context.own(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  context.check_status(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type");
  context.check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type");
  return type;
}

void write_attribute(const H5Context& context, hid_t object, std::string_view name, std::string_view value) {
  const H5Id type = utf8_string_type(context);
  const std::string text(value);
  const char* data[1] = {text.c_str()};
  write_attribute_data(context, object, name, type.get(), type.get(), data, 1, true);
}

void write_attribute(const H5Context& context, hid_t object, std::string_view name,
                     const std::vector<std::string>& values) {
  const H5Id type = utf8_string_type(context);
  std::vector<const char*> data;
  data.reserve(values.size());
  for (const std::string& value : values) data.push_back(value.c_str());
  write_attribute_data(context, object, name, type.get(), type.get(), data.data(), data.size(), false);
}

void write_attribute(const H5Context& context, hid_t object, std::string_view name, std::span<const double> values) {
  write_attribute_data(context, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size(), false);
}

void write_attribute(const H5Context& context, hid_t object, std::string_view name, double value) {
  write_attribute_data(context, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, 1, true);
}

void write_integer_attribute(const H5Context& context, hid_t object, std::string_view name, std::int64_t value,
                             hid_t file_type) {
  write_attribute_data(context, object, name, file_type, H5T_NATIVE_INT64, &value, 1, true);
}

void write_integer_attribute(const H5Context& context, hid_t object, std::string_view name,
                             std::span<const std::int64_t> values, hid_t file_type) {
  write_attribute_data(context, object, name, file_type, H5T_NATIVE_INT64, values.data(), values.size(), false);
}

bool has_attribute(const H5Context& context, hid_t object, std::string_view name) {
  const std::string key(name);
  const htri_t exists = H5Aexists(object, key.c_str());
  context.check_status(exists, "look up attribute " + key);
  return exists > 0;
}

std::string read_string_attribute(const H5Context& context, hid_t object, std::string_view name) {
  std::vector<std::string> values = read_string_array_attribute(context, object, name);
  if (values.size() != 1) context.fail_plain("attribute " + std::string(name) + " must hold one string");
  return std::move(values.front());
}

std::vector<std::string> read_string_array_attribute(const H5Context& context, hid_t object, std::string_view name) {
  const H5Id attribute = open_attribute(context, object, name);
  const std::string what = "attribute " + std::string(name);
  const H5Id space = context.own(H5Aget_space(attribute.get()), H5Sclose, "read the dataspace of " + what);
  const H5Id type = context.own(H5Aget_type(attribute.get()), H5Tclose, "read the type of " + what);
  return read_strings(context, type.get(), space.get(), what,
                      [&](hid_t memory_type, char** buffer) { return H5Aread(attribute.get(), memory_type, buffer); });
}

std::vector<double> read_double_attribute(const H5Context& context, hid_t object, std::string_view name) {
  return read_numeric_attribute<double>(context, object, name, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> read_integer_attribute(const H5Context& context, hid_t object, std::string_view name) {
  return read_numeric_attribute<std::int64_t>(context, object, name, H5T_NATIVE_INT64);
}

double read_double_scalar(const H5Context& context, hid_t object, std::string_view name) {
  const std::vector<double> values = read_double_attribute(context, object, name);
  if (values.size() != 1) context.fail_plain("attribute " + std::string(name) + " must hold one number");
  return values.front();
}

std::int64_t read_integer_scalar(const H5Context& context, hid_t object, std::string_view name) {
  const std::vector<std::int64_t> values = read_integer_attribute(context, object, name);
  if (values.size() != 1) context.fail_plain("attribute " + std::string(name) + " must hold one integer");
  return values.front();
}

void write_string_column(const H5Context& context, hid_t group, std::string_view name,
                         const std::vector<std::string>& values) {
  const H5Id type = utf8_string_type(context);
  std::vector<const char*> data;
  data.reserve(values.size());
  for (const std::string& value : values) data.push_back(value.c_str());
  write_column(context, group, name, type.get(), type.get(), data.data(), data.size());
}

void write_double_column(const H5Context& context, hid_t group, std::string_view name,
                         const std::vector<double>& values, std::string_view units) {
  write_column(context, group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size());
  if (!units.empty()) write_attribute(context, open_dataset(context, group, name).get(), "units", units);
}

void write_int64_column(const H5Context& context, hid_t group, std::string_view name,
                        const std::vector<std::int64_t>& values) {
  write_column(context, group, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), values.size());
}

std::vector<std::string> read_string_column(const H5Context& context, hid_t group, std::string_view name) {
  const H5Id dataset = open_dataset(context, group, name);
  const std::string what = "dataset " + std::string(name);
  const H5Id space = context.own(H5Dget_space(dataset.get()), H5Sclose, "read the dataspace of " + what);
  const H5Id type = context.own(H5Dget_type(dataset.get()), H5Tclose, "read the type of " + what);
  return read_strings(context, type.get(), space.get(), what, [&](hid_t memory_type, char** buffer) {
    return H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  });
}

std::vector<double> read_double_column(const H5Context& context, hid_t group, std::string_view name) {
  return read_numeric_column<double>(context, group, name, H5T_NATIVE_DOUBLE);
}

std::vector<std::int64_t> read_int64_column(const H5Context& context, hid_t group, std::string_view name) {
  return read_numeric_column<std::int64_t>(context, group, name, H5T_NATIVE_INT64);
}

bool has_link(const H5Context& context, hid_t group, std::string_view name) {
  const std::string key(name);
  const htri_t exists = H5Lexists(group, key.c_str(), H5P_DEFAULT);
  context.check_status(exists, "look up " + key);
  return exists > 0;
}

H5Id open_group(const H5Context& context, hid_t parent, std::string_view name) {
  const std::string key(name);
  if (!has_link(context, parent, key)) context.fail_plain("group " + key + " is missing");
  return context.own(H5Gopen2(parent, key.c_str(), H5P_DEFAULT), H5Gclose, "open group " + key);
}

H5Id create_group(const H5Context& context, hid_t parent, std::string_view name) {
  const std::string key(name);
  return context.own(H5Gcreate2(parent, key.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                     "create group " + key);
}

std::vector<std::string> member_names(const H5Context& context, hid_t group) {
  std::vector<std::string> names;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* client) -> herr_t {
    static_cast<std::vector<std::string>*>(client)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  context.check_status(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names), "list a group");
  return names;
}

}  // namespace zw::archive_detail
