// The MPI communicator: the only file that includes mpi.h (built with ZONEWATCH_MPI only).
#include <mpi.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <memory>
#include <thread>

#include "tile_distribution_internal.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

/// Waits for `done()` without holding a core: a rank waiting for rank 0 (or rank 0 waiting
/// for a tile) must not slow the ranks that compute, on a machine with fewer cores than ranks.
template <class Done>
void wait_politely(Done&& done) {
  for (int polls = 0; !done(); ++polls) {
    if (polls < 64)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::microseconds(polls < 1024 ? 50 : 500));
  }
}

void wait_request(MPI_Request& request) {
  wait_politely([&] {
    int flag = 0;
    MPI_Test(&request, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  });
}

int message_count(std::size_t bytes, const char* what) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) {
    throw InternalError(std::string("tile distribution: ") + what + " of " + std::to_string(bytes) +
                        " bytes exceeds one MPI message (2 GiB); use a smaller processing.tile_size");
  }
  return static_cast<int>(bytes);
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }

  void send(int destination, int tag, std::span<const std::byte> bytes) override {
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Isend(bytes.data(), message_count(bytes.size(), "a tile result"), MPI_BYTE, destination, tag, MPI_COMM_WORLD,
              &request);
    wait_request(request);
  }

  std::vector<std::byte> receive(int source, int tag) override {
    MPI_Status status{};
    wait_politely([&] {
      int flag = 0;
      MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &status);
      return flag != 0;
    });
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    std::vector<std::byte> bytes(static_cast<std::size_t>(count));
    // The probed message: only one thread at a time receives (the consume stage).
    MPI_Recv(bytes.data(), count, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return bytes;
  }

  void broadcast(std::vector<std::byte>& bytes, int root) override {
    unsigned long long size = bytes.size();
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Ibcast(&size, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD, &request);
    wait_request(request);
    bytes.resize(static_cast<std::size_t>(size));
    MPI_Ibcast(bytes.data(), message_count(bytes.size(), "a broadcast"), MPI_BYTE, root, MPI_COMM_WORLD, &request);
    wait_request(request);
  }

  void barrier() override {
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    wait_request(request);
  }

  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  int rank_ = 0, size_ = 1;
};

std::unique_ptr<MpiCommunicator> session_communicator;

}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  if (detail::launched_ranks() == 0) return;  // the plain binary: no MPI start-up at all
  int provided = MPI_THREAD_SINGLE;
  // Tiles are sent and received from the engine's serial stages, which TBB may run on any of
  // its threads, one at a time: MPI_THREAD_SERIALIZED.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  initialized_ = true;
  if (provided < MPI_THREAD_SERIALIZED) {
    throw InternalError("MPI: the library gives thread level " + std::to_string(provided) +
                        ", zonewatch needs MPI_THREAD_SERIALIZED (" + std::to_string(MPI_THREAD_SERIALIZED) + ")");
  }
  session_communicator = std::make_unique<MpiCommunicator>();
  detail::set_tile_communicator(session_communicator.get());
}

MpiSession::~MpiSession() {
  if (!initialized_) return;
  if (session_communicator != nullptr) {
    // The other ranks wait here (without spinning) while rank 0 writes the outputs.
    session_communicator->barrier();
    detail::set_tile_communicator(nullptr);
    session_communicator.reset();
  }
  MPI_Finalize();
}

std::string mpi_description() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string text(version, static_cast<std::size_t>(std::max(0, length)));
  // "Open MPI v4.1.4, package: ..." -> "Open MPI 4.1.4"
  text = text.substr(0, text.find_first_of(",\n"));
  if (const auto v = text.find(" v");
      v != std::string::npos && v + 2 < text.size() && std::isdigit(static_cast<unsigned char>(text[v + 2])) != 0) {
    text.erase(v + 1, 1);
  }
  return "yes (" + text + ")";
}

}  // namespace zw
