// Node start-up pieces: reconnect backoff, node identity, connect target.
#include "node/backoff.h"
#include "node/node_identity.h"
#include "node/session_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

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
  auto first = node::load_or_create_node_id(dir);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->starts_with("node_"));
  EXPECT_GE(first->size(), 25u);
  EXPECT_TRUE(node::valid_node_id(*first));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "node_id").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = node::load_or_create_node_id(dir);
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);

  std::ofstream(dir / "node_id") << "garbage\n";
  EXPECT_FALSE(node::load_or_create_node_id(dir));
  std::filesystem::remove_all(dir.parent_path());
}

TEST(NodeSessionSettings, ConnectTarget) {
  EXPECT_EQ(node::connect_target("/"), "/v1/nodes/connect");
  EXPECT_EQ(node::connect_target("/potluck"), "/potluck/v1/nodes/connect");
  EXPECT_EQ(node::connect_target("/v1/nodes/connect"), "/v1/nodes/connect");
}

TEST(NodeSessionSettings, ChecksTheConfig) {
  node::HostInfo host{"linux", "x86_64", "box"};
  node::NodeConfig config;
  config.coordinator_url = "http://127.0.0.1:8080";
  config.token = "pln_x";
  config.max_jobs = 0;
  auto ok = node::build_session_settings(config, host, "node_abc");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->target, "/v1/nodes/connect");
  EXPECT_EQ(ok->coordinator.port, 8080);
  EXPECT_EQ(ok->max_jobs, 1);
  EXPECT_EQ(ok->hello.name, "box");
  EXPECT_EQ(ok->hello.os, "linux");
  EXPECT_EQ(ok->hello.node_id, "node_abc");

  config.coordinator_url = "wss://example.org";
  EXPECT_FALSE(node::build_session_settings(config, host, "node_abc"));
  config.coordinator_url = "example.org";
  EXPECT_FALSE(node::build_session_settings(config, host, "node_abc"));
  config.coordinator_url = "ws://example.org";
  config.token.clear();
  EXPECT_FALSE(node::build_session_settings(config, host, "node_abc"));
}
