#include "crypto/secret_token.h"
#include "crypto/sha256.h"

#include <gtest/gtest.h>

using namespace potluck::crypto;

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(SecretToken, MintedTokenParsesAndMatchesItsDigest) {
  auto minted = mint_token(kApiKeyPrefix);
  EXPECT_TRUE(minted.token.starts_with("pl_"));
  auto parsed = parse_token(minted.token, kApiKeyPrefix);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, minted.id);
  EXPECT_EQ(minted.digest, sha256_hex(minted.token));
  EXPECT_TRUE(token_matches(minted.token, minted.digest));
  EXPECT_NE(minted.digest.find_first_not_of("0123456789abcdef"), 0u);
}

TEST(SecretToken, TamperedSecretDoesNotMatch) {
  auto minted = mint_token(kApiKeyPrefix);
  std::string tampered = minted.token;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  ASSERT_TRUE(parse_token(tampered, kApiKeyPrefix));
  EXPECT_FALSE(token_matches(tampered, minted.digest));
}

TEST(SecretToken, RejectsMalformedTokens) {
  auto minted = mint_token(kApiKeyPrefix);
  EXPECT_FALSE(parse_token("", kApiKeyPrefix));
  EXPECT_FALSE(parse_token("pl_short_x", kApiKeyPrefix));
  EXPECT_FALSE(parse_token(minted.token, kNodeTokenPrefix));   // wrong kind
  EXPECT_FALSE(parse_token(minted.token + "a", kApiKeyPrefix));  // too long
  std::string upper = minted.token;
  upper[4] = 'A';  // outside the base32 alphabet
  EXPECT_FALSE(parse_token(upper, kApiKeyPrefix));
  std::string no_separator = minted.token;
  no_separator[3 + kTokenIdLength] = 'a';
  EXPECT_FALSE(parse_token(no_separator, kApiKeyPrefix));
}

TEST(SecretToken, EveryTokenIsDifferent) {
  EXPECT_NE(mint_token(kNodeTokenPrefix).token, mint_token(kNodeTokenPrefix).token);
}
