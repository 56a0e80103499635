#include "payments/bolt11.h"

#include <array>
#include <cctype>
#include <vector>

namespace potluck::payments {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::size_t kChecksumWords = 6;
constexpr std::size_t kTimestampWords = 7;
constexpr std::size_t kSignatureWords = 104;  // 65 bytes
constexpr std::uint8_t kTagPaymentHash = 1;    // 'p'
constexpr std::uint8_t kTagExpiry = 6;         // 'x'
constexpr std::size_t kPaymentHashWords = 52;  // 256 bits and 4 of padding

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  constexpr std::array<std::uint32_t, 5> kGenerator{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t check = 1;
  for (const std::uint8_t v : values) {
    const std::uint32_t top = check >> 25;
    check = ((check & 0x1ffffff) << 5) ^ v;
    for (std::size_t i = 0; i < kGenerator.size(); ++i)
      if ((top >> i) & 1) check ^= kGenerator[i];
  }
  return check;
}

bool checksum_holds(std::string_view hrp, const std::vector<std::uint8_t>& words) {
  std::vector<std::uint8_t> values;
  values.reserve(hrp.size() * 2 + 1 + words.size());
  for (const char c : hrp) values.push_back(static_cast<std::uint8_t>(c) >> 5);
  values.push_back(0);
  for (const char c : hrp) values.push_back(static_cast<std::uint8_t>(c) & 31);
  values.insert(values.end(), words.begin(), words.end());
  return polymod(values) == 1;  // bech32, not bech32m
}

std::uint64_t read_number(const std::vector<std::uint8_t>& words, std::size_t from, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value = (value << 5) | words[from + i];
  return value;
}

// "2500u" -> 250'000'000 msat; the multiplier's unit is one bitcoin.
std::expected<std::uint64_t, std::string> amount_msat(std::string_view text) {
  std::uint64_t per_unit = 100'000'000'000;  // msat per bitcoin
  std::uint64_t divisor = 1;
  switch (text.back()) {
    case 'm': per_unit = 100'000'000; break;
    case 'u': per_unit = 100'000; break;
    case 'n': per_unit = 100; break;
    case 'p': per_unit = 1; divisor = 10; break;
    default:
      if (!std::isdigit(static_cast<unsigned char>(text.back())))
        return std::unexpected("the invoice's amount has an unknown multiplier");
      break;
  }
  if (!std::isdigit(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty() || text.size() > 12 || text.front() == '0')
    return std::unexpected("the invoice's amount is malformed");
  std::uint64_t number = 0;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::unexpected("the invoice's amount is malformed");
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (number % divisor != 0) return std::unexpected("the invoice's amount is not a whole millisatoshi");
  constexpr std::uint64_t kAllBitcoinMsat = 21'000'000ULL * 100'000'000'000ULL;
  if (number / divisor > kAllBitcoinMsat / per_unit) return std::unexpected("the invoice's amount is too large");
  return number / divisor * per_unit;
}

// "lnbcrt2500u" -> network and amount.
std::expected<Bolt11Invoice, std::string> read_prefix(std::string_view hrp) {
  if (!hrp.starts_with("ln")) return std::unexpected("not a Lightning invoice (no 'ln' prefix)");
  hrp.remove_prefix(2);
  // Longest currency first: "bcrt" before "bc", "tbs" before "tb".
  for (const auto network : {LightningNetwork::regtest, LightningNetwork::bitcoin, LightningNetwork::signet,
                             LightningNetwork::testnet}) {
    const auto currency = bolt11_currency(network);
    if (!hrp.starts_with(currency)) continue;
    std::string_view rest = hrp.substr(currency.size());
    // "tbs..." is signet's, never testnet's with an 's' amount.
    if (!rest.empty() && !std::isdigit(static_cast<unsigned char>(rest.front()))) continue;
    Bolt11Invoice invoice;
    invoice.network = network;
    if (!rest.empty()) {
      auto msat = amount_msat(rest);
      if (!msat) return std::unexpected(msat.error());
      invoice.amount_msat = *msat;
    }
    return invoice;
  }
  return std::unexpected("the invoice names no Bitcoin network this coordinator knows");
}

std::string hash_hex(const std::vector<std::uint8_t>& words, std::size_t from) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < kPaymentHashWords && hex.size() < 64; ++i) {
    buffer = (buffer << 5) | words[from + i];
    bits += 5;
    while (bits >= 8 && hex.size() < 64) {
      bits -= 8;
      const auto byte = static_cast<std::uint8_t>(buffer >> bits);
      hex += kHex[byte >> 4];
      hex += kHex[byte & 15];
    }
  }
  return hex;
}

}  // namespace

std::expected<Bolt11Invoice, std::string> decode_bolt11(std::string_view text) {
  if (text.size() > kMaxInvoiceChars) return std::unexpected("the invoice is too long");
  if (text.starts_with("lightning:") || text.starts_with("LIGHTNING:")) text.remove_prefix(10);
  std::string lower;
  lower.reserve(text.size());
  bool has_lower = false, has_upper = false;
  for (const char c : text) {
    if (c < 33 || c > 126) return std::unexpected("the invoice holds a character bech32 does not have");
    has_lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (has_lower && has_upper) return std::unexpected("the invoice mixes upper and lower case");
  const auto separator = lower.rfind('1');
  if (separator == std::string::npos || separator < 3)
    return std::unexpected("not a Lightning invoice (no bech32 separator)");
  const std::string_view hrp = std::string_view(lower).substr(0, separator);
  std::vector<std::uint8_t> words;
  for (const char c : std::string_view(lower).substr(separator + 1)) {
    const auto at = kCharset.find(c);
    if (at == std::string_view::npos) return std::unexpected("the invoice holds a character bech32 does not have");
    words.push_back(static_cast<std::uint8_t>(at));
  }
  if (words.size() < kTimestampWords + kSignatureWords + kChecksumWords)
    return std::unexpected("the invoice is too short");
  if (!checksum_holds(hrp, words)) return std::unexpected("the invoice's checksum is wrong (mistyped or cut short)");
  words.resize(words.size() - kChecksumWords);

  auto invoice = read_prefix(hrp);
  if (!invoice) return invoice;
  invoice->timestamp = static_cast<std::int64_t>(read_number(words, 0, kTimestampWords));
  const std::size_t end = words.size() - kSignatureWords;
  for (std::size_t at = kTimestampWords; at < end;) {
    if (at + 3 > end) return std::unexpected("the invoice's fields are cut short");
    const std::uint8_t tag = words[at];
    const auto length = static_cast<std::size_t>(read_number(words, at + 1, 2));
    at += 3;
    if (at + length > end) return std::unexpected("the invoice's fields are cut short");
    // BOLT 11: a reader skips a payment hash of another length.
    if (tag == kTagPaymentHash && length == kPaymentHashWords && invoice->payment_hash.empty())
      invoice->payment_hash = hash_hex(words, at);
    else if (tag == kTagExpiry && length > 0 && length <= 7)
      invoice->expiry_s = static_cast<std::int64_t>(read_number(words, at, length));
    at += length;
  }
  if (invoice->payment_hash.empty()) return std::unexpected("the invoice has no payment hash");
  return invoice;
}

}  // namespace potluck::payments
