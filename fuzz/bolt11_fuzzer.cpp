// Fuzzes the BOLT 11 decoder (payments/bolt11.h): a payout's invoice is text
// a consumer writes, read by the coordinator before it holds credits. Checked:
//   - nothing crashes, reads out of bounds or overflows (ASan, UBSan);
//   - an accepted invoice has a 64-digit lowercase hex payment hash, an
//     amount no larger than all bitcoin, and a non-negative expiry;
//   - a refusal never repeats the input (fuzz_check.h's repeats_body);
//   - decoding is a function of the text: upper-casing an accepted invoice
//     decodes to the same fields.
#include "fuzz_check.h"
#include "payments/bolt11.h"
#include "payments/hash_encoding.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace payments = potluck::payments;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = payments::decode_bolt11(text);
  if (!decoded) {
    FUZZ_CHECK(!repeats_body(decoded.error(), text));
  } else {
    FUZZ_CHECK(payments::is_payment_hash(decoded->payment_hash));
    constexpr std::uint64_t kAllBitcoinMsat = 21'000'000ULL * 100'000'000'000ULL;
    FUZZ_CHECK(!decoded->amount_msat || *decoded->amount_msat <= kAllBitcoinMsat);
    FUZZ_CHECK(decoded->expiry_s >= 0 && decoded->timestamp >= 0);
    std::string upper(text);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto again = payments::decode_bolt11(upper);
    FUZZ_CHECK(again && again->payment_hash == decoded->payment_hash && again->amount_msat == decoded->amount_msat &&
               again->network == decoded->network && again->expiry_s == decoded->expiry_s);
  }
  // The hash encodings, on the same bytes.
  if (auto hex = payments::base64_hash_to_hex(text)) {
    FUZZ_CHECK(payments::is_payment_hash(*hex));
    auto back = payments::hex_to_base64url(*hex);
    FUZZ_CHECK(back && payments::base64_hash_to_hex(*back) == hex);
  }
  return 0;
}
