#include "node/node_identity.h"

#include "crypto/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace potluck::node {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kRandomLength = 20;

std::string errno_text(int error) { return std::strerror(error); }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

// Writes a new id next to the target and links it into place: link() fails
// when another daemon won the race, and then its id is used instead.
std::expected<void, std::string> create_id_file(const fs::path& file, const std::string& id) {
  fs::path temp = file;
  temp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + temp.string() + ": " + errno_text(errno));
  std::string line = id + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  int write_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return std::unexpected("cannot write " + temp.string() + ": " + errno_text(write_errno));
  }
  int linked = ::link(temp.c_str(), file.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST)
    return std::unexpected("cannot create " + file.string() + ": " + errno_text(link_errno));
  return {};
}

}  // namespace

bool valid_node_id(std::string_view id) {
  if (!id.starts_with(kNodeIdPrefix) || id.size() < kNodeIdPrefix.size() + kRandomLength || id.size() > 128)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::expected<std::string, std::string> load_or_create_node_id(const fs::path& state_dir) {
  std::error_code ec;
  if (!fs::exists(state_dir, ec)) {
    fs::create_directories(state_dir, ec);
    if (ec) return std::unexpected("cannot create state directory " + state_dir.string() + ": " + ec.message());
    fs::permissions(state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const fs::path file = state_dir / "node_id";
  if (!fs::exists(file, ec)) {
    auto created = create_id_file(file, std::string(kNodeIdPrefix) + crypto::random_base32(kRandomLength));
    if (!created) return std::unexpected(created.error());
  }
  std::ifstream in(file);
  if (!in) return std::unexpected("cannot read " + file.string());
  std::stringstream content;
  content << in.rdbuf();
  std::string id = trimmed(content.str());
  if (!valid_node_id(id))
    return std::unexpected(file.string() + " does not hold a valid node id (remove it to create a new one)");
  return id;
}

fs::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "potluck" / "node";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "state" / "potluck" / "node";
  return fs::path(".potluck-node");
}

}  // namespace potluck::node
