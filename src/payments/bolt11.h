#pragma once
// Reads what the coordinator needs from a BOLT 11 payment request (a
// Lightning invoice): its network, amount, payment hash and validity. The
// bech32 checksum is verified; the signature is not (that needs public-key
// recovery on secp256k1): the Lightning node checks it before it pays, and a
// payment to a badly signed invoice fails and is released.
#include "payments/lightning_network.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace potluck::payments {

// Longer than any invoice a wallet makes (routing hints included); a longer
// text is refused before it is decoded.
inline constexpr std::size_t kMaxInvoiceChars = 4096;

struct Bolt11Invoice {
  LightningNetwork network = LightningNetwork::bitcoin;
  std::optional<std::uint64_t> amount_msat;  // none: the payer chooses
  std::string payment_hash;                  // 64 lowercase hex digits
  std::int64_t timestamp = 0;                // unix seconds
  std::int64_t expiry_s = 3600;              // BOLT 11's default when absent

  std::int64_t expires_at() const { return timestamp + expiry_s; }
};

// The error says what is wrong with the text (never quotes it).
std::expected<Bolt11Invoice, std::string> decode_bolt11(std::string_view text);

}  // namespace potluck::payments
