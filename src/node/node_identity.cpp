#include "node/node_identity.h"

#include "crypto/sha256.h"
#include "protocol/node_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <array>
#include <fstream>
#include <random>
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

// Writes a new value next to the target and links it into place: link() fails
// when another daemon won the race, and then its value is used instead.
std::expected<void, std::string> create_line_file(const fs::path& file, const std::string& value) {
  fs::path temp = file;
  temp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + temp.string() + ": " + errno_text(errno));
  std::string line = value + "\n";
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

struct LineSpec {
  std::string_view file;  // in the state directory
  std::string (*make)();
  bool (*valid)(std::string_view);
  std::string_view what;  // for the error: "a valid node id"
};

// Reads the file's one line, creating it first when it is missing.
std::expected<std::string, std::string> load_or_create_line(const fs::path& state_dir, const LineSpec& spec) {
  std::error_code ec;
  const fs::path file = state_dir / spec.file;
  if (!fs::exists(file, ec)) {
    auto created = create_line_file(file, spec.make());
    if (!created) return std::unexpected(created.error());
  }
  std::ifstream in(file);
  if (!in) return std::unexpected("cannot read " + file.string());
  std::stringstream content;
  content << in.rdbuf();
  std::string value = trimmed(content.str());
  if (!spec.valid(value))
    return std::unexpected(file.string() + " does not hold " + std::string(spec.what) +
                           " (remove it to create a new one)");
  return value;
}

std::string random_node_id() { return std::string(kNodeIdPrefix) + crypto::random_base32(kRandomLength); }

constexpr std::array<std::string_view, 32> kAdjectives = {
    "brave", "calm", "clever", "eager", "fair", "gentle", "happy", "jolly", "keen", "kind", "lively",
    "lucky", "merry", "mighty", "nimble", "noble", "patient", "plucky", "proud", "quick", "quiet", "rapid",
    "sharp", "shy", "steady", "sunny", "swift", "tidy", "vivid", "warm", "wise", "witty"};
constexpr std::array<std::string_view, 32> kAnimals = {
    "badger", "beaver", "bison", "crane", "dolphin", "eagle", "falcon", "ferret", "finch", "fox", "gecko",
    "heron", "ibis", "koala", "lemur", "lynx", "marten", "moose", "newt", "otter", "owl", "panda",
    "puffin", "quail", "raven", "robin", "seal", "stoat", "tapir", "tern", "wombat", "yak"};

}  // namespace

bool valid_node_name(std::string_view name) {
  if (name.empty() || name.size() > protocol::kMaxNodeNameBytes) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string random_node_name() {
  std::random_device random;
  return std::string(kAdjectives[random() % kAdjectives.size()]) + "-" +
         std::string(kAnimals[random() % kAnimals.size()]) + "-" + std::to_string(10 + random() % 90);
}

bool valid_node_id(std::string_view id) {
  if (!id.starts_with(kNodeIdPrefix) || id.size() < kNodeIdPrefix.size() + kRandomLength ||
      id.size() > protocol::kMaxNodeIdBytes)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::expected<NodeIdentity, std::string> load_or_create_node_identity(const fs::path& state_dir) {
  std::error_code ec;
  if (!fs::exists(state_dir, ec)) {
    fs::create_directories(state_dir, ec);
    if (ec) return std::unexpected("cannot create state directory " + state_dir.string() + ": " + ec.message());
    fs::permissions(state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  auto id = load_or_create_line(state_dir, {"node_id", random_node_id, valid_node_id, "a valid node id"});
  if (!id) return std::unexpected(id.error());
  auto name = load_or_create_line(state_dir, {"node_name", random_node_name, valid_node_name,
                                              "a valid node name ([a-z0-9-], at most 64)"});
  if (!name) return std::unexpected(name.error());
  return NodeIdentity{std::move(*id), std::move(*name)};
}

fs::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "potluck" / "node";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "state" / "potluck" / "node";
  return fs::path(".potluck-node");
}

}  // namespace potluck::node
