#include "payments/lightning_network.h"

#include "common/enum_text.h"

namespace potluck::payments {
namespace {

constexpr EnumText<LightningNetwork, 4> kText{{{{LightningNetwork::bitcoin, "bitcoin"},
                                                 {LightningNetwork::testnet, "testnet"},
                                                 {LightningNetwork::signet, "signet"},
                                                 {LightningNetwork::regtest, "regtest"}}}};
constexpr EnumText<LightningNetwork, 4> kCurrency{{{{LightningNetwork::bitcoin, "bc"},
                                                     {LightningNetwork::testnet, "tb"},
                                                     {LightningNetwork::signet, "tbs"},
                                                     {LightningNetwork::regtest, "bcrt"}}}};

}  // namespace

std::string_view to_string(LightningNetwork network) { return kText.to_string(network); }
std::optional<LightningNetwork> lightning_network_from(std::string_view text) { return kText.from(text); }
std::string_view bolt11_currency(LightningNetwork network) { return kCurrency.to_string(network); }

}  // namespace potluck::payments
