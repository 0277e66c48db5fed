#pragma once
// Private to the archive: owning HDF5 identifiers, HDF5 errors turned into zw exceptions that
// name the file and the object, and the few typed attribute/column reads and writes the
// archive layout needs (variable-length UTF-8 strings, doubles, integers).
#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zw::archive_detail {

/// An HDF5 identifier closed with its own close function when it goes out of scope.
class H5Id {
 public:
  using Close = herr_t (*)(hid_t);
  H5Id() = default;
  H5Id(hid_t id, Close close_function) : id_(id), close_(close_function) {}
  ~H5Id() { reset(); }
  H5Id(H5Id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;

  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  /// Closes now and returns HDF5's status (the file's close is where its data reach the disk).
  herr_t close() {
    const herr_t status = (id_ >= 0 && close_ != nullptr) ? close_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }
  void reset() { static_cast<void>(close()); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Close close_ = nullptr;
};

/// Whose file an HDF5 call works on, and which exception a failure becomes: InputError while
/// reading an archive, OutputError while writing one. Every message starts with the file.
class H5Context {
 public:
  enum class Mode { reading, writing };
  H5Context(std::string file, Mode mode);

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] Mode mode() const { return mode_; }

  /// Throws "<file>: <what>: <HDF5's innermost error messages>".
  [[noreturn]] void fail(std::string_view what) const;
  /// Throws the mode's exception "<file>: <message>" (no HDF5 detail).
  [[noreturn]] void fail_plain(const std::string& message) const;
  hid_t check(hid_t id, std::string_view what) const {
    if (id < 0) fail(what);
    return id;
  }
  void check_status(herr_t status, std::string_view what) const {
    if (status < 0) fail(what);
  }
  /// The identifier, owned, or the mode's exception naming `what`.
  [[nodiscard]] H5Id own(hid_t id, H5Id::Close close_function, std::string_view what) const {
    return {check(id, what), close_function};
  }

 private:
  std::string file_;
  Mode mode_;
};

/// Turns HDF5's automatic error printing off for the calling thread (HDF5's error stack is
/// per thread in the thread-safe build); every archive entry point calls it.
void silence_hdf5_errors();

/// HDF5's error stack of the calling thread as one line (innermost first), then cleared.
[[nodiscard]] std::string take_hdf5_error_stack();

/// The variable-length UTF-8 string type (h5py and h5dump show such strings as text).
[[nodiscard]] H5Id utf8_string_type(const H5Context& context);

// Attributes on a file, group or dataset; writing replaces an attribute of that name.
void write_attribute(const H5Context& context, hid_t object, std::string_view name, std::string_view value);
void write_attribute(const H5Context& context, hid_t object, std::string_view name,
                     const std::vector<std::string>& values);
void write_attribute(const H5Context& context, hid_t object, std::string_view name, std::span<const double> values);
void write_attribute(const H5Context& context, hid_t object, std::string_view name, double value);
/// An integer attribute stored as `file_type` (e.g. H5T_STD_I32LE, H5T_STD_I16LE, H5T_STD_U8LE).
void write_integer_attribute(const H5Context& context, hid_t object, std::string_view name, std::int64_t value,
                             hid_t file_type);
void write_integer_attribute(const H5Context& context, hid_t object, std::string_view name,
                             std::span<const std::int64_t> values, hid_t file_type);

[[nodiscard]] bool has_attribute(const H5Context& context, hid_t object, std::string_view name);
[[nodiscard]] std::string read_string_attribute(const H5Context& context, hid_t object, std::string_view name);
[[nodiscard]] std::vector<std::string> read_string_array_attribute(const H5Context& context, hid_t object,
                                                                   std::string_view name);
[[nodiscard]] std::vector<double> read_double_attribute(const H5Context& context, hid_t object, std::string_view name);
[[nodiscard]] std::vector<std::int64_t> read_integer_attribute(const H5Context& context, hid_t object,
                                                               std::string_view name);
/// One value of an attribute that must hold exactly one.
[[nodiscard]] double read_double_scalar(const H5Context& context, hid_t object, std::string_view name);
[[nodiscard]] std::int64_t read_integer_scalar(const H5Context& context, hid_t object, std::string_view name);

// One-dimensional columns (datasets) in a group.
void write_string_column(const H5Context& context, hid_t group, std::string_view name,
                         const std::vector<std::string>& values);
/// `units`, when given, becomes the dataset's CF "units" attribute.
void write_double_column(const H5Context& context, hid_t group, std::string_view name,
                         const std::vector<double>& values, std::string_view units = {});
void write_int64_column(const H5Context& context, hid_t group, std::string_view name,
                        const std::vector<std::int64_t>& values);
[[nodiscard]] std::vector<std::string> read_string_column(const H5Context& context, hid_t group, std::string_view name);
[[nodiscard]] std::vector<double> read_double_column(const H5Context& context, hid_t group, std::string_view name);
[[nodiscard]] std::vector<std::int64_t> read_int64_column(const H5Context& context, hid_t group, std::string_view name);

[[nodiscard]] bool has_link(const H5Context& context, hid_t group, std::string_view name);
[[nodiscard]] H5Id open_group(const H5Context& context, hid_t parent, std::string_view name);
[[nodiscard]] H5Id create_group(const H5Context& context, hid_t parent, std::string_view name);
/// The names of a group's members, in name order.
[[nodiscard]] std::vector<std::string> member_names(const H5Context& context, hid_t group);

}  // namespace zw::archive_detail
