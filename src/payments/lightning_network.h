#pragma once
// Which Bitcoin network a Lightning rail runs on. An invoice names its
// network in its prefix (BOLT 11: lnbc, lntb, lntbs, lnbcrt); the coordinator
// pays and accepts only its own network's invoices.
#include <optional>
#include <string_view>

namespace potluck::payments {

enum class LightningNetwork { bitcoin, testnet, signet, regtest };

std::string_view to_string(LightningNetwork network);
std::optional<LightningNetwork> lightning_network_from(std::string_view text);
// The BOLT 11 currency prefix after "ln": "bc", "tb", "tbs", "bcrt".
std::string_view bolt11_currency(LightningNetwork network);

}  // namespace potluck::payments
