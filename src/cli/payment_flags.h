#pragma once
// serve's payment flags: the rail, LND's address and credentials, the
// exchange rate and the payout limits (docs/payments.md).
#include "coordinator/config.h"

#include <CLI/CLI.hpp>

namespace potluck::cli {

void add_payment_flags(CLI::App* serve, coordinator::PaymentSettings& settings);

}  // namespace potluck::cli
