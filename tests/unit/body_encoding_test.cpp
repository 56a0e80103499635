// net::decode_body: gzip and deflate bodies inflate, the inflated size is
// bounded (a zip bomb stops at the limit), bad data and unknown encodings
// are refused with their statuses.
#include "net/body_encoding.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace potluck::net {
namespace {

// `plain` compressed by zlib: a gzip member (window bits 31) or a zlib stream (15).
std::string compress(const std::string& plain, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
std::string gzip(const std::string& plain) { return compress(plain, 15 + 16); }

TEST(BodyEncoding, IdentityAndNoEncodingPassThrough) {
  EXPECT_EQ(decode_body("", "{\"a\":1}", 100).value(), "{\"a\":1}");
  EXPECT_EQ(decode_body("identity", "{}", 100).value(), "{}");
}

TEST(BodyEncoding, GzipAndDeflateInflate) {
  const std::string plain = R"({"model":"m","messages":[{"role":"user","content":"hello"}]})";
  EXPECT_EQ(decode_body("gzip", gzip(plain), 1000).value(), plain);
  EXPECT_EQ(decode_body(" X-GZIP ", gzip(plain), 1000).value(), plain);
  EXPECT_EQ(decode_body("deflate", compress(plain, 15), 1000).value(), plain);
}

TEST(BodyEncoding, ConcatenatedGzipMembersInflateInTurn) {
  EXPECT_EQ(decode_body("gzip", gzip("{\"a\":") + gzip("1}"), 100).value(), "{\"a\":1}");
}

TEST(BodyEncoding, TheLimitAppliesToTheInflatedSize) {
  const std::string plain(1000, 'x');
  EXPECT_EQ(decode_body("gzip", gzip(plain), 1000).value(), plain);
  auto over = decode_body("gzip", gzip(plain), 999);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().status, 413);
}

TEST(BodyEncoding, AZipBombIsRefusedAtTheLimit) {
  const std::string bomb = gzip(std::string(64 * 1024 * 1024, ' '));  // about 64 KiB
  auto refused = decode_body("gzip", bomb, 1024 * 1024);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, 413);
}

TEST(BodyEncoding, DataThatDoesNotInflateIs400) {
  for (const std::string& bad : {std::string("not gzip at all"), std::string(), gzip("{\"cut\":1}").substr(0, 12),
                                 gzip("{}") + "trailing"}) {
    auto refused = decode_body("gzip", bad, 1000);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().status, 400);
    EXPECT_EQ(refused.error().code, "invalid_encoding");
  }
}

TEST(BodyEncoding, OtherEncodingsAre415) {
  for (const char* encoding : {"br", "compress", "gzip, gzip", "zstd"}) {
    auto refused = decode_body(encoding, "{}", 1000);
    ASSERT_FALSE(refused) << encoding;
    EXPECT_EQ(refused.error().status, 415) << encoding;
    EXPECT_EQ(refused.error().code, "unsupported_encoding");
  }
}

}  // namespace
}  // namespace potluck::net
