#include "common/strings.h"

#include <gtest/gtest.h>

using namespace potluck;

TEST(Strings, SplitTrimsAndDropsEmpty) {
  EXPECT_EQ(split(" a, b,,c ", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split("", ',').empty());
}

TEST(Strings, HostPort) {
  auto hp = parse_host_port("127.0.0.1:8400");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8400);
  auto v6 = parse_host_port("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_FALSE(parse_host_port("localhost"));
  EXPECT_FALSE(parse_host_port("host:99999"));
  EXPECT_FALSE(parse_host_port(":80"));
  EXPECT_FALSE(parse_host_port("host:8x"));
}

TEST(Strings, Url) {
  auto u = parse_url("http://localhost:11434/v1/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 11434);
  EXPECT_EQ(u->path, "/v1");
  auto d = parse_url("ws://example.org");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->path, "/");
  EXPECT_FALSE(parse_url("ftp://x"));
  EXPECT_FALSE(parse_url("no-scheme"));
  EXPECT_FALSE(parse_url("http://"));
}
