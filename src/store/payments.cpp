#include "store/payments.h"

#include "common/enum_text.h"

namespace potluck::store {
namespace {

constexpr EnumText<TopupState, 3> kTopupText{
    {{{TopupState::open, "open"}, {TopupState::settled, "settled"}, {TopupState::expired, "expired"}}}};
constexpr EnumText<PayoutState, 3> kPayoutText{
    {{{PayoutState::in_flight, "in_flight"}, {PayoutState::succeeded, "succeeded"}, {PayoutState::failed, "failed"}}}};

}  // namespace

std::string payout_account(std::string_view payout_id) { return "payout:" + std::string(payout_id); }

std::string_view to_string(TopupState state) { return kTopupText.to_string(state); }
std::string_view to_string(PayoutState state) { return kPayoutText.to_string(state); }
std::optional<TopupState> topup_state_from(std::string_view text) { return kTopupText.from(text); }
std::optional<PayoutState> payout_state_from(std::string_view text) { return kPayoutText.from(text); }

}  // namespace potluck::store
