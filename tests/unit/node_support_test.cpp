// Node start-up pieces: reconnect backoff, node identity, connect target.
#include "node/backoff.h"
#include "node/node_identity.h"
#include "node/session_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace std::chrono_literals;
namespace node = potluck::node;

TEST(NodeBackoff, GrowsWithinBoundsAndResets) {
  node::Backoff backoff(200ms, 10s, 42);
  std::chrono::milliseconds last{0};
  for (int i = 0; i < 40; ++i) {
    auto d = backoff.next();
    EXPECT_GE(d, 200ms);
    EXPECT_LE(d, 10s);
    last = d;
  }
  EXPECT_GE(last, 5s);  // at the cap: drawn from its upper half
  backoff.reset();
  EXPECT_EQ(backoff.next(), 200ms);
}

TEST(NodeIdentity, CreatedOnceWithPrivateMode) {
  auto dir = std::filesystem::temp_directory_path() / ("potluck-node-id-" + std::to_string(::getpid())) / "state";
  std::filesystem::remove_all(dir.parent_path());
  auto first = node::load_or_create_node_identity(dir);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->id.starts_with("node_"));
  EXPECT_GE(first->id.size(), 25u);
  EXPECT_TRUE(node::valid_node_id(first->id));
  for (const char* file : {"node_id", "node_name"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir / file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  auto second = node::load_or_create_node_identity(dir);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(first->name, second->name);

  std::ofstream(dir / "node_id") << "garbage\n";
  EXPECT_FALSE(node::load_or_create_node_identity(dir));
  std::filesystem::remove_all(dir.parent_path());
}

// The default name is a random readable one kept in the state dir, never the
// machine's host name (a device identifier).
TEST(NodeIdentity, TheDefaultNameIsRandomAndNotTheHostName) {
  auto dir = std::filesystem::temp_directory_path() / ("potluck-node-name-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto identity = node::load_or_create_node_identity(dir);
  ASSERT_TRUE(identity) << identity.error();
  EXPECT_TRUE(node::valid_node_name(identity->name)) << identity->name;
  // adjective-animal-number
  EXPECT_EQ(std::count(identity->name.begin(), identity->name.end(), '-'), 2) << identity->name;
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(identity->name.find(host), std::string::npos);
  std::ifstream stored(dir / "node_name");
  std::string line;
  std::getline(stored, line);
  EXPECT_EQ(line, identity->name);
  // Names vary: 32 x 32 x 90 of them, so 20 draws are not all one.
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) names.insert(node::random_node_name());
  EXPECT_GT(names.size(), 1u);
  EXPECT_FALSE(node::valid_node_name("Has Spaces"));
  EXPECT_FALSE(node::valid_node_name(""));
  std::ofstream(dir / "node_name") << "Not A Name\n";
  EXPECT_FALSE(node::load_or_create_node_identity(dir));
  std::filesystem::remove_all(dir);
}

TEST(NodeSessionSettings, ConnectTarget) {
  EXPECT_EQ(node::connect_target("/"), "/v1/nodes/connect");
  EXPECT_EQ(node::connect_target("/potluck"), "/potluck/v1/nodes/connect");
  EXPECT_EQ(node::connect_target("/v1/nodes/connect"), "/v1/nodes/connect");
}

namespace {
const node::HostInfo kHost{"linux", "x86_64"};
const node::NodeIdentity kIdentity{"node_abc", "brave-otter-42"};

auto settings_for(const node::NodeConfig& config) { return node::build_session_settings(config, kHost, kIdentity); }
}  // namespace

TEST(NodeSessionSettings, ChecksTheConfig) {
  node::NodeConfig config;
  config.coordinator_url = "http://127.0.0.1:8080";
  config.token = "pln_x";
  config.max_jobs = 0;
  auto ok = settings_for(config);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->target, "/v1/nodes/connect");
  EXPECT_EQ(ok->coordinator.port, 8080);
  EXPECT_EQ(ok->max_jobs, 1);
  EXPECT_EQ(ok->hello.name, "brave-otter-42");
  EXPECT_EQ(ok->hello.os, "linux");
  EXPECT_EQ(ok->hello.node_id, "node_abc");

  config.name = "my-gpu";  // --name still sets it
  auto named = settings_for(config);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->hello.name, "my-gpu");

  config.coordinator_url = "example.org";
  EXPECT_FALSE(settings_for(config));
  config.coordinator_url = "ws://example.org";
  config.insecure_http = true;
  config.token.clear();
  EXPECT_FALSE(settings_for(config));
}

TEST(NodeSessionSettings, TlsOrLoopbackOnly) {
  node::NodeConfig config;
  config.token = "pln_x";

  config.coordinator_url = "wss://example.org";
  auto secured = settings_for(config);
  ASSERT_TRUE(secured) << secured.error();
  EXPECT_NE(secured->tls, nullptr);
  EXPECT_EQ(secured->coordinator.port, 443);

  config.coordinator_url = "http://localhost:8400";
  auto local = settings_for(config);
  ASSERT_TRUE(local);
  EXPECT_EQ(local->tls, nullptr);

  // Plain text across the network: refused, and the refusal says what to do.
  config.coordinator_url = "ws://example.org:8400";
  auto refused = settings_for(config);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("--insecure-http"), std::string::npos);
  config.insecure_http = true;
  EXPECT_TRUE(settings_for(config));

  // TLS settings for a plain URL are a mistake, not ignored.
  config.coordinator_tls.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  EXPECT_FALSE(settings_for(config));
  config.coordinator_url = "https://example.org";
  config.coordinator_tls.ca_file = "/nonexistent/ca.pem";
  auto bad_ca = settings_for(config);
  ASSERT_FALSE(bad_ca);
  EXPECT_NE(bad_ca.error().find("/nonexistent/ca.pem"), std::string::npos);
}
