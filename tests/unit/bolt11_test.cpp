// BOLT 11 decoding: invoices signed by the bolt11 npm package (the library
// the fake LND uses), each field the coordinator reads, and the refusals.
#include "payments/bolt11.h"
#include "payments/hash_encoding.h"

#include <gtest/gtest.h>

namespace potluck::payments {
namespace {

// Made by tests' bolt11 1.4.1 with timestamp 1700000000, description "vector".
constexpr std::string_view kMainnet2500u =
    "lnbc2500u1pj48ugqpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqsp5zyg3zyg3zyg3zyg3zyg3zyg3z"
    "yg3zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqrrss9qypqsqcqpf7c7pw3qsge0gt3nutgwmhe83nsc598sa2vej2fp7hh8"
    "qy2att854wfxn6f4ghq5y63q5wugjsunqkc93tk7yauu824c40a0nftx8y0qqe2eseh";
constexpr std::string_view kRegtest1000 =
    "lnbcrt10u1pj48ugqpp54w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w46h2at4w4ssp5zyg3zyg3zyg3zyg3zyg3zyg3z"
    "yg3zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqzjc9qypqsqcqpfzaxwze9v0gcxrr8dntqfj0dcnw7d8vckerct5fnewqw6"
    "srgd8ppyf2mwr8nunksr5ql8njt2qmt7glqgzvunywuwmsz4xjc3546l00cqk7txrr";
constexpr std::string_view kRegtestNoAmount =
    "lnbcrt1pj48ugqpp5ehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxumnwdehxssp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3"
    "zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqrrss9qypqsqcqpfdvm98c6lqglx0nmhthsmff8q04zjh420gn2umndm9yu8nn"
    "css9u8sp8z2nrrwnp9rs3e6r6ky5ujlgasxwtktukvmqxuafsm7q20n4sq8k5g4g";
constexpr std::string_view kTestnet50n =
    "lntb50n1pj48ugqpp5alh7lml0alh7lml0alh7lml0alh7lml0alh7lml0alh7lml0alhssp5zyg3zyg3zyg3zyg3zyg3zyg3zyg"
    "3zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqrrss9qypqsqcqpfz9zeafxjsvhzh2yynx6r38mavlnhg3lzxwnu6yswdr4jh"
    "3y0tlwjs4m0a9r0py3tpkagemk6sm3s3x5zz0hrjcrvqhlw22a35fqkw7cpalqne5";
constexpr std::string_view kSignet70n =
    "lntbs70n1pj48ugqpp5zgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfqsp5zyg3zyg3zyg3zyg3zyg3zyg3zy"
    "g3zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqrrss9qypqsqcqpfqhglcea52washvlrfpfrhafnzkfekr0laazl4wk0zxfl"
    "ra6xghk9gk44p7kqaavp6eaxljfcxtnahzxkqyaay5pt65ujmlcetvcekegp6yu4r8";
constexpr std::string_view kRegtest1500msat =
    "lnbcrt15n1pj48ugqpp5xs6rgdp5xs6rgdp5xs6rgdp5xs6rgdp5xs6rgdp5xs6rgdp5xs6qsp5zyg3zyg3zyg3zyg3zyg3zyg3z"
    "yg3zyg3zyg3zyg3zyg3zyg3zygsdq2wejkxar0wgxqrrss9qypqsqcqpfnga4nfdl0sexvsh8nhwwjmhdtkjfew937ldvvvq8cwl"
    "q73lejfw8nlpnxeq7av7lfqcsj9ucjg9uyj9qy48a0cc28nwywel8axp4w4sq9myuaq";

TEST(Bolt11, ReadsNetworkAmountHashAndExpiry) {
  auto main = decode_bolt11(kMainnet2500u);
  ASSERT_TRUE(main) << main.error();
  EXPECT_EQ(main->network, LightningNetwork::bitcoin);
  EXPECT_EQ(main->amount_msat, 250'000'000u);  // 2500u = 250,000 sat
  EXPECT_EQ(main->payment_hash, "0001020304050607080900010203040506070809000102030405060708090102");
  EXPECT_EQ(main->timestamp, 1'700'000'000);
  EXPECT_EQ(main->expiry_s, 3600);

  auto regtest = decode_bolt11(kRegtest1000);
  ASSERT_TRUE(regtest) << regtest.error();
  EXPECT_EQ(regtest->network, LightningNetwork::regtest);
  EXPECT_EQ(regtest->amount_msat, 1'000'000u);
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  EXPECT_EQ(regtest->payment_hash, ab);
  EXPECT_EQ(regtest->expiry_s, 600);
  EXPECT_EQ(regtest->expires_at(), 1'700'000'600);
}

TEST(Bolt11, EveryNetworkAndAmountUnit) {
  auto none = decode_bolt11(kRegtestNoAmount);
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(none->amount_msat.has_value());
  auto testnet = decode_bolt11(kTestnet50n);
  ASSERT_TRUE(testnet) << testnet.error();
  EXPECT_EQ(testnet->network, LightningNetwork::testnet);
  EXPECT_EQ(testnet->amount_msat, 5'000u);
  auto signet = decode_bolt11(kSignet70n);
  ASSERT_TRUE(signet) << signet.error();
  EXPECT_EQ(signet->network, LightningNetwork::signet);
  EXPECT_EQ(signet->amount_msat, 7'000u);
  auto msat = decode_bolt11(kRegtest1500msat);
  ASSERT_TRUE(msat) << msat.error();
  EXPECT_EQ(msat->amount_msat, 1'500u);  // not a whole satoshi: the coordinator refuses to pay it
}

TEST(Bolt11, UpperCaseAndTheLightningScheme) {
  std::string upper(kRegtest1000);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto decoded = decode_bolt11("LIGHTNING:" + upper);
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->amount_msat, 1'000'000u);
}

TEST(Bolt11, RefusesWhatIsNotAnIntactInvoice) {
  std::string typo(kRegtest1000);
  typo[40] = typo[40] == 'q' ? 'p' : 'q';
  EXPECT_FALSE(decode_bolt11(typo));                                  // checksum
  EXPECT_FALSE(decode_bolt11(kRegtest1000.substr(0, kRegtest1000.size() - 1)));  // cut short
  std::string mixed(kRegtest1000);
  mixed[0] = 'L';
  EXPECT_FALSE(decode_bolt11(mixed));
  EXPECT_FALSE(decode_bolt11(""));
  EXPECT_FALSE(decode_bolt11("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));  // an on-chain address
  EXPECT_FALSE(decode_bolt11(std::string(kMaxInvoiceChars + 1, 'q')));
  std::string control(200, 'q');
  control.replace(0, 8, "lnbcrt1\x01");
  EXPECT_FALSE(decode_bolt11(control));  // a control character
}

TEST(HashEncoding, RoundTripsBetweenHexAndBase64) {
  const std::string hex = "0001020304050607080900010203040506070809000102030405060708090102";
  auto url = hex_to_base64url(hex);
  ASSERT_TRUE(url);
  EXPECT_EQ(*url, "AAECAwQFBgcICQABAgMEBQYHCAkAAQIDBAUGBwgJAQI=");
  EXPECT_EQ(base64_hash_to_hex(*url), hex);
  EXPECT_EQ(base64_hash_to_hex("AAECAwQFBgcICQABAgMEBQYHCAkAAQIDBAUGBwgJAQI"), hex);  // unpadded
  EXPECT_EQ(base64_hash_to_hex("//8="), std::nullopt);  // not 32 bytes
  EXPECT_EQ(hex_to_base64url("xyz"), std::nullopt);
  EXPECT_TRUE(is_payment_hash(hex));
  EXPECT_FALSE(is_payment_hash("ABCD"));
}

}  // namespace
}  // namespace potluck::payments
