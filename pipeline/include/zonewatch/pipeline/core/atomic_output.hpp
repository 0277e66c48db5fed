#pragma once
// Outputs appear complete or not at all: a crashed, killed or failed run never leaves a
// half-written file where users (or a scheduler polling the folder) would see it.
//   AtomicFile     one file, written under a temporary name beside its target and renamed
//                  onto it when complete (the composite GeoTIFF, a new monitoring store,
//                  each result file)
//   OutputStaging  the files of one run, written into a hidden folder inside the output
//                  folder and moved onto their final names together on commit()
// Both remove what a killed process left behind the next time they are used there.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace zw {

/// One file written under a temporary name and renamed onto `target` when complete:
///
///   AtomicFile file(out, "the composite");
///   write_geotiff(file.temporary());
///   file.commit();  // without this, the destructor removes the temporary
class AtomicFile {
 public:
  /// `what` names the file in error messages ("the composite", "the new store"). The
  /// temporary is ".<name>.zonewatch-new-<pid>-<random>" in the target's folder, so the
  /// rename never crosses file systems.
  AtomicFile(std::filesystem::path target, std::string what);
  /// Without commit(), removes the temporary (and a "-journal" sidecar SQLite may leave).
  ~AtomicFile();

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&&) = delete;
  AtomicFile& operator=(AtomicFile&&) = delete;

  [[nodiscard]] const std::filesystem::path& target() const { return target_; }
  [[nodiscard]] const std::filesystem::path& temporary() const { return temporary_; }

  /// Renames the temporary onto the target (atomic; an existing target is replaced).
  /// Throws OutputError "<target>: cannot move <what> into place: <reason>".
  void commit();

  /// Removes temporaries of `target` left by processes that are no longer running (or by
  /// this process id, reused after a container restart). Best effort; returns how many.
  static std::size_t remove_stale_temporaries(const std::filesystem::path& target);

  /// What follows ".<name>" in every temporary name.
  static constexpr std::string_view kTemporaryInfix = ".zonewatch-new-";

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  std::string what_;
  bool committed_ = false;
};

/// Writes a run's outputs into a hidden folder inside the final output folder and moves
/// them onto their final names only on commit(), so a crashed or failed run never leaves
/// half-written files where users (or a scheduler polling the folder) would see them.
///
///   OutputStaging staging(out_dir);
///   write_hotspots_csv(staging.staged("hotspots.csv"), results);
///   staging.commit();  // without this, the destructor discards everything
class OutputStaging {
 public:
  /// Creates `final_dir` if missing, removes stale staging folders of killed runs and makes
  /// this run's staging folder `.zonewatch-staging-<pid>-<random>` inside it.
  /// Throws OutputError when the folder cannot be created or written.
  explicit OutputStaging(std::filesystem::path final_dir);
  /// Without commit(), removes the staging folder and everything in it.
  ~OutputStaging();

  OutputStaging(const OutputStaging&) = delete;
  OutputStaging& operator=(const OutputStaging&) = delete;
  OutputStaging(OutputStaging&&) = delete;
  OutputStaging& operator=(OutputStaging&&) = delete;

  /// The path to write the output `file_name` (a bare file name, no folders) to.
  /// Asking twice for one name gives the same path. Throws InternalError for a name with
  /// a folder part or after commit().
  [[nodiscard]] std::filesystem::path staged(std::string file_name);

  /// Renames every file in the staging folder onto its final name in the output folder
  /// (atomic per file, an existing file of that name is replaced), then removes the
  /// staging folder. A commit marker written before the first rename lets the next run in
  /// the folder finish the renames of a process killed between two of them. Throws OutputError when a name handed out
  /// by staged() was never written or a rename fails; what was not yet moved stays staged and is discarded by the
  /// destructor.
  void commit();

  [[nodiscard]] const std::filesystem::path& final_dir() const { return final_dir_; }
  [[nodiscard]] const std::filesystem::path& staging_dir() const { return staging_dir_; }
  [[nodiscard]] bool committed() const { return committed_; }

  /// Removes staging folders in `final_dir` left by runs that were killed: older than the
  /// current process and owned by a process id that is no longer running (or by this
  /// process id, reused after a container restart). A folder holding the commit marker
  /// was killed while committing: its remaining files are first moved onto their final
  /// names (rolled forward). Best effort: folders that cannot be removed are left alone.
  /// Returns how many were removed.
  static std::size_t remove_stale_staging_folders(const std::filesystem::path& final_dir);

  /// Prefix of every staging folder name.
  static constexpr std::string_view kStagingPrefix = ".zonewatch-staging-";
  /// The file in a staging folder that says its commit has begun.
  static constexpr std::string_view kCommitMarker = ".zonewatch-commit";

 private:
  std::filesystem::path final_dir_;
  std::filesystem::path staging_dir_;
  std::vector<std::string> staged_names_;
  bool committed_ = false;
};

}  // namespace zw
