#pragma once
// The LND node's REST API as a PaymentRail (docs/payments.md lists the calls).
// Every request carries the macaroon (hex, in Grpc-Metadata-macaroon) over
// TLS checked against the node's own certificate. The macaroon is held in
// memory only and never reaches a log or an error text.
#include "payments/lnd_options.h"
#include "payments/payment_rail.h"

#include <memory>
#include <vector>

namespace potluck::net {
class HttpClient;
class AbortHandle;
}  // namespace potluck::net

namespace potluck::payments {

class LndRail final : public PaymentRail {
 public:
  // Reads the files; the error says which flag is wrong.
  static std::expected<std::unique_ptr<LndRail>, std::string> make(net::asio::any_io_executor executor,
                                                                   const LndOptions& options);
  ~LndRail() override;

  net::awaitable<std::expected<CreatedInvoice, std::string>> create_invoice(std::int64_t sats,
                                                                             const std::string& memo,
                                                                             std::int64_t expiry_s) override;
  net::awaitable<std::expected<InvoiceStatus, std::string>> lookup_invoice(const std::string& payment_hash) override;
  net::awaitable<std::string> subscribe_invoices(std::int64_t settle_index,
                                                 const std::function<void(const InvoiceStatus&)>& on_update) override;
  net::awaitable<std::expected<PaymentStatus, std::string>> pay_invoice(const std::string& invoice,
                                                                        std::int64_t fee_limit_sat,
                                                                        std::int64_t timeout_s) override;
  net::awaitable<std::expected<PaymentStatus, std::string>> lookup_payment(const std::string& payment_hash) override;
  void stop() override;

 private:
  LndRail(std::unique_ptr<net::HttpClient> client, std::string macaroon_hex);

  std::unique_ptr<net::HttpClient> client_;
  std::string macaroon_hex_;
  std::vector<std::shared_ptr<net::AbortHandle>> open_streams_;
  bool stopped_ = false;
};

}  // namespace potluck::payments
