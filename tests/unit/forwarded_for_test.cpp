// --trusted-proxies: which X-Forwarded-For entry names the client.
#include "net/forwarded_for.h"

#include <gtest/gtest.h>

namespace potluck::net {
namespace {

AddressRanges ranges(std::string_view text) { return AddressRanges::parse(text).value(); }

TEST(AddressRanges, MatchesAddressesAndCidrRangesOfBothFamilies) {
  const auto r = ranges("10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1");
  EXPECT_TRUE(r.contains("10.255.0.1"));
  EXPECT_FALSE(r.contains("11.0.0.1"));
  EXPECT_TRUE(r.contains("192.168.1.7"));
  EXPECT_FALSE(r.contains("192.168.1.8"));
  EXPECT_TRUE(r.contains("fd12:3456::1"));
  EXPECT_FALSE(r.contains("fe80::1"));
  EXPECT_TRUE(r.contains("::1"));
  EXPECT_TRUE(r.contains("::ffff:10.1.2.3")) << "an IPv4-mapped peer is its IPv4 address";
  EXPECT_FALSE(r.contains("not an address"));
  EXPECT_TRUE(ranges("0.0.0.0/0").contains("203.0.113.1"));
  EXPECT_TRUE(ranges("10.1.2.0/23").contains("10.1.3.255"));
  EXPECT_FALSE(ranges("10.1.2.0/23").contains("10.1.4.0"));
  EXPECT_TRUE(ranges("").empty());
}

TEST(AddressRanges, RefusesWhatIsNotAnAddressOrAPrefix) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "host.example",
                          "10.0.0.256", "1.2.3.4:80"})
    EXPECT_FALSE(AddressRanges::parse(bad).has_value()) << bad;
}

TEST(ForwardedFor, AnUntrustedPeerIsTheClientWhateverItSays) {
  EXPECT_EQ(client_address("203.0.113.9", "198.51.100.1", ranges("10.0.0.0/8")), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9", "198.51.100.1", AddressRanges{}), "203.0.113.9");
}

TEST(ForwardedFor, BehindTrustedProxiesTheRightmostUntrustedEntryIsTheClient) {
  const auto trusted = ranges("10.0.0.0/8,127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.5", trusted), "203.0.113.5");
  EXPECT_EQ(client_address("127.0.0.1", "198.51.100.1, 203.0.113.5", trusted), "203.0.113.5");
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.5, 10.0.0.2,10.0.0.3", trusted), "203.0.113.5");
  EXPECT_EQ(client_address("127.0.0.1", " 2001:db8::7 ", trusted), "2001:db8::7");
}

TEST(ForwardedFor, WithNothingBelievableTheNearestTrustedHopIsTheClient) {
  const auto trusted = ranges("10.0.0.0/8,127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "", trusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "10.0.0.2", trusted), "10.0.0.2");
  EXPECT_EQ(client_address("127.0.0.1", "unknown", trusted), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "203.0.113.5, garbage, 10.0.0.2", trusted), "10.0.0.2");
  EXPECT_EQ(client_address("127.0.0.1", ",,", trusted), "127.0.0.1");
}

}  // namespace
}  // namespace potluck::net
