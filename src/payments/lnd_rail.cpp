#include "payments/lnd_rail.h"

#include "common/log.h"
#include "common/strings.h"
#include "net/http_client.h"
#include "payments/bolt11.h"
#include "payments/hash_encoding.h"
#include "protocol/node_text.h"

#include <boost/json.hpp>

#include <fstream>
#include <iterator>

namespace potluck::payments {
namespace json = boost::json;
namespace http = net::http;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kCallTimeout{10'000};
constexpr std::size_t kMaxReplyBytes = 1 << 20;       // one invoice or payment object
constexpr std::size_t kMaxLineBytes = 1 << 20;        // one streamed update
constexpr std::size_t kMaxMacaroonBytes = 64 * 1024;  // LND's are a few hundred bytes
constexpr std::size_t kMaxErrorChars = 200;
// A payment's stream may outlast its own timeout by this much (LND ends it).
constexpr std::chrono::seconds kPaymentMargin{30};

std::expected<std::string, std::string> read_macaroon_hex(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("--lnd-macaroon-file: cannot read " + file);
  std::string bytes;
  bytes.resize(kMaxMacaroonBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.empty()) return std::unexpected("--lnd-macaroon-file: " + file + " is empty");
  if (bytes.size() > kMaxMacaroonBytes) return std::unexpected("--lnd-macaroon-file: " + file + " is too large for a macaroon");
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (const unsigned char b : bytes) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

// An int64 LND writes as a JSON string ("1000"), or a number.
std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), INT64_MAX));
  if (v->is_string()) {
    auto parsed = parse_uint(v->get_string());
    return parsed ? static_cast<std::int64_t>(std::min<std::uint64_t>(*parsed, INT64_MAX)) : 0;
  }
  return 0;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// LND's error body: {"code":5,"message":"...","details":[]} (or wrapped in
// "error" inside a stream). Its words, printable and capped.
std::string lnd_message(const json::object& o) {
  const json::object* e = &o;
  if (const auto* inner = o.if_contains("error"); inner && inner->is_object()) e = &inner->get_object();
  return protocol::printable_excerpt(string_field(*e, "message"), kMaxErrorChars);
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::expected<InvoiceStatus, std::string> invoice_status(const json::object& invoice) {
  auto hash = base64_hash_to_hex(string_field(invoice, "r_hash"));
  if (!hash) return std::unexpected("LND sent an invoice without a valid r_hash");
  InvoiceStatus status;
  status.payment_hash = *hash;
  const std::string state = string_field(invoice, "state");
  if (state == "SETTLED") status.state = InvoiceState::settled;
  else if (state == "CANCELED") status.state = InvoiceState::canceled;
  else if (state == "ACCEPTED") status.state = InvoiceState::accepted;
  else status.state = InvoiceState::open;
  status.amount_paid_sat = int_field(invoice, "amt_paid_sat");
  status.settle_index = int_field(invoice, "settle_index");
  return status;
}

PaymentStatus payment_status(const json::object& payment) {
  PaymentStatus status;
  const std::string state = string_field(payment, "status");
  if (state == "SUCCEEDED") status.state = PaymentState::succeeded;
  else if (state == "FAILED") status.state = PaymentState::failed;
  else status.state = PaymentState::in_flight;  // IN_FLIGHT, or the deprecated UNKNOWN/INITIATED
  status.fee_sat = int_field(payment, "fee_sat");
  const std::string reason = string_field(payment, "failure_reason");
  if (status.state == PaymentState::failed)
    status.failure_reason = protocol::printable_excerpt(reason.empty() ? "FAILURE_REASON_UNKNOWN" : reason, 64);
  return status;
}

bool is_final(const PaymentStatus& status) {
  return status.state == PaymentState::succeeded || status.state == PaymentState::failed;
}

// Splits a streamed body into lines and hands each {"result": {...}} object
// on; a line past kMaxLineBytes ends the stream as broken.
class ResultLines {
 public:
  explicit ResultLines(const std::function<bool(const json::object&)>& on_result) : on_result_(on_result) {}

  // False: stop reading (the consumer is done, or the stream is broken).
  bool feed(std::string_view slice) {
    while (!slice.empty()) {
      const auto newline = slice.find('\n');
      pending_.append(slice.substr(0, newline));
      if (pending_.size() > kMaxLineBytes) return fail("LND sent a line longer than 1 MiB");
      if (newline == std::string_view::npos) return true;
      slice.remove_prefix(newline + 1);
      if (!take_line()) return false;
    }
    return true;
  }
  // The last line may come without its newline.
  void finish() {
    if (!pending_.empty() && !done_) take_line();
  }
  const std::string& error() const { return error_; }
  std::int64_t grpc_code() const { return grpc_code_; }
  bool done() const { return done_; }

 private:
  bool take_line() {
    std::string line = std::move(pending_);
    pending_.clear();
    if (line.find_first_not_of(" \r\t") == std::string::npos) return true;
    auto object = parse_object(line);
    if (!object) return fail("LND sent a line that is not a JSON object");
    if (const auto* e = object->if_contains("error")) {
      if (e->is_object()) grpc_code_ = int_field(e->get_object(), "code");
      return fail("LND: " + lnd_message(*object));
    }
    const auto* result = object->if_contains("result");
    if (!result || !result->is_object()) return fail("LND sent an update without a result");
    if (!on_result_(result->get_object())) {
      done_ = true;
      return false;
    }
    return true;
  }
  bool fail(std::string why) {
    error_ = std::move(why);
    done_ = true;
    return false;
  }

  const std::function<bool(const json::object&)>& on_result_;
  std::string pending_;
  std::string error_;
  std::int64_t grpc_code_ = 0;
  bool done_ = false;
};

// gRPC's NOT_FOUND and ALREADY_EXISTS, as LND's gateway reports them.
constexpr std::int64_t kGrpcNotFound = 5;
constexpr std::int64_t kGrpcAlreadyExists = 6;

std::int64_t body_grpc_code(std::string_view body) {
  auto object = parse_object(body);
  if (!object) return 0;
  if (const auto* e = object->if_contains("error"); e && e->is_object()) return int_field(e->get_object(), "code");
  return int_field(*object, "code");
}

}  // namespace

std::expected<std::unique_ptr<LndRail>, std::string> LndRail::make(net::asio::any_io_executor executor,
                                                                   const LndOptions& options) {
  auto url = parse_url(options.url);
  if (!url || url->scheme != "https")
    return std::unexpected("--lnd-url must be the https:// address of LND's REST listener, e.g. https://127.0.0.1:8080");
  if (options.cert_file.empty()) return std::unexpected("--lnd-cert-file is required with --payments lnd");
  if (options.macaroon_file.empty()) return std::unexpected("--lnd-macaroon-file is required with --payments lnd");
  auto macaroon = read_macaroon_hex(options.macaroon_file);
  if (!macaroon) return std::unexpected(macaroon.error());
  auto tls = net::ClientTls::make({.ca_file = options.cert_file});
  if (!tls) return std::unexpected("--lnd-cert-file: " + tls.error());
  auto client = std::make_unique<net::HttpClient>(std::move(executor), *url, 4, *tls);
  return std::unique_ptr<LndRail>(new LndRail(std::move(client), std::move(*macaroon)));
}

LndRail::LndRail(std::unique_ptr<net::HttpClient> client, std::string macaroon_hex)
    : client_(std::move(client)), macaroon_hex_(std::move(macaroon_hex)) {}

LndRail::~LndRail() = default;

void LndRail::stop() {
  stopped_ = true;
  for (auto& stream : open_streams_) stream->abort();
  open_streams_.clear();
}

namespace {

net::HeaderList lnd_headers(const std::string& macaroon_hex) {
  return {{"Grpc-Metadata-macaroon", macaroon_hex}, {"Content-Type", "application/json"}};
}

std::string status_error(std::string_view call, unsigned status, std::string_view body) {
  std::string why = "LND answered " + std::to_string(status) + " to " + std::string(call);
  if (auto object = parse_object(body)) {
    const auto message = lnd_message(*object);
    if (!message.empty()) why += ": " + message;
  }
  return why;
}

}  // namespace

net::awaitable<std::expected<CreatedInvoice, std::string>> LndRail::create_invoice(std::int64_t sats,
                                                                                    const std::string& memo,
                                                                                    std::int64_t expiry_s) {
  const std::string body = json::serialize(json::object{
      {"value", std::to_string(sats)}, {"memo", memo}, {"expiry", std::to_string(expiry_s)}});
  const auto headers = lnd_headers(macaroon_hex_);
  const std::string target = "/v1/invoices";
  auto reply = co_await client_->request(http::verb::post, target, body, headers, kCallTimeout, kMaxReplyBytes);
  if (!reply) co_return std::unexpected("LND unreachable (POST /v1/invoices): " + reply.error());
  if (reply->status != 200) co_return std::unexpected(status_error("POST /v1/invoices", reply->status, reply->body));
  auto object = parse_object(reply->body);
  if (!object) co_return std::unexpected("LND's answer to POST /v1/invoices is not a JSON object");
  auto hash = base64_hash_to_hex(string_field(*object, "r_hash"));
  std::string request = string_field(*object, "payment_request");
  if (!hash || request.empty() || request.size() > 4096)
    co_return std::unexpected("LND's answer to POST /v1/invoices lacks r_hash or payment_request");
  co_return CreatedInvoice{std::move(request), std::move(*hash)};
}

net::awaitable<std::expected<InvoiceStatus, std::string>> LndRail::lookup_invoice(const std::string& payment_hash) {
  auto encoded = hex_to_base64url(payment_hash);
  if (!encoded) co_return std::unexpected("not a payment hash");
  // Padded, as LND's gateway wants it; '=' escaped inside a query value.
  std::string query = *encoded;
  for (auto at = query.find('='); at != std::string::npos; at = query.find('=', at)) query.replace(at, 1, "%3D");
  const std::string target = "/v2/invoices/lookup?payment_hash=" + query;
  const auto headers = lnd_headers(macaroon_hex_);
  const std::string no_body;
  auto reply = co_await client_->request(http::verb::get, target, no_body, headers, kCallTimeout, kMaxReplyBytes);
  if (!reply) co_return std::unexpected("LND unreachable (GET /v2/invoices/lookup): " + reply.error());
  if (reply->status != 200)
    co_return std::unexpected(status_error("GET /v2/invoices/lookup", reply->status, reply->body));
  auto object = parse_object(reply->body);
  if (!object) co_return std::unexpected("LND's invoice is not a JSON object");
  co_return invoice_status(*object);
}

// The streamed calls: one shared routine reads {"result": ...} lines.
namespace {

struct StreamOutcome {
  std::expected<unsigned, std::string> status;
  std::string error_body;  // a non-2xx answer's body, bounded
  std::string line_error;  // the stream broke (or carried an error object)
  std::int64_t grpc_code = 0;  // of an error object or a non-2xx body
};

net::awaitable<StreamOutcome> stream_results(net::HttpClient& client, http::verb method, const std::string& target,
                                             const std::string& body, const net::HeaderList& headers,
                                             Clock::time_point deadline, net::AbortHandle& abort,
                                             const std::function<bool(const json::object&)>& on_result) {
  ResultLines lines(on_result);
  std::string error_body;
  auto on_body = [&](unsigned status, std::string_view slice) {
    if (status < 200 || status >= 300) {
      if (error_body.size() < kMaxReplyBytes) error_body.append(slice.substr(0, kMaxReplyBytes - error_body.size()));
      return;
    }
    if (lines.done()) return;
    if (!lines.feed(slice)) abort.abort();
  };
  auto status = co_await client.stream(method, target, body, headers, deadline, on_body, &abort);
  if (!lines.done()) lines.finish();
  const std::int64_t code = lines.grpc_code() != 0 ? lines.grpc_code() : body_grpc_code(error_body);
  co_return StreamOutcome{lines.done() && lines.error().empty() ? std::expected<unsigned, std::string>(200u)
                                                                  : std::move(status),
                          std::move(error_body), lines.error(), code};
}

}  // namespace

net::awaitable<std::string> LndRail::subscribe_invoices(std::int64_t settle_index,
                                                        const std::function<void(const InvoiceStatus&)>& on_update) {
  if (stopped_) co_return "stopped";
  auto abort = std::make_shared<net::AbortHandle>();
  open_streams_.push_back(abort);
  const std::string target = "/v1/invoices/subscribe?settle_index=" + std::to_string(settle_index);
  const auto headers = lnd_headers(macaroon_hex_);
  const std::string no_body;
  std::string bad_invoice;
  auto on_result = [&](const json::object& invoice) {
    auto status = invoice_status(invoice);
    if (!status) {
      bad_invoice = status.error();
      return false;
    }
    on_update(*status);
    return true;
  };
  auto outcome = co_await stream_results(*client_, http::verb::get, target, no_body, headers, Clock::time_point::max(),
                                         *abort, on_result);
  std::erase(open_streams_, abort);
  if (stopped_) co_return "stopped";
  if (!bad_invoice.empty()) co_return bad_invoice;
  if (!outcome.line_error.empty()) co_return outcome.line_error;
  if (!outcome.status) co_return "LND's invoice stream failed: " + outcome.status.error();
  if (*outcome.status != 200) co_return status_error("GET /v1/invoices/subscribe", *outcome.status, outcome.error_body);
  co_return "LND ended the invoice stream";
}

net::awaitable<std::expected<PaymentStatus, std::string>> LndRail::pay_invoice(const std::string& invoice,
                                                                               std::int64_t fee_limit_sat,
                                                                               std::int64_t timeout_s) {
  const std::string body = json::serialize(json::object{{"payment_request", invoice},
                                                        {"timeout_seconds", timeout_s},
                                                        {"fee_limit_sat", std::to_string(fee_limit_sat)},
                                                        {"no_inflight_updates", false}});
  const auto headers = lnd_headers(macaroon_hex_);
  const std::string target = "/v2/router/send";
  auto abort = std::make_shared<net::AbortHandle>();
  open_streams_.push_back(abort);
  std::optional<PaymentStatus> last;
  auto on_result = [&](const json::object& payment) {
    last = payment_status(payment);
    return !is_final(*last);
  };
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s) + kPaymentMargin;
  auto outcome = co_await stream_results(*client_, http::verb::post, target, body, headers, deadline, *abort, on_result);
  std::erase(open_streams_, abort);
  if (last && is_final(*last)) co_return *last;
  if (!last && outcome.status && (*outcome.status < 200 || *outcome.status >= 300)) {
    // Refused before any update: a duplicate (ALREADY_EXISTS), or an invoice
    // LND will not pay (expired, to itself...). What LND holds for the hash
    // decides: a payment it knows is followed, never sent twice; none at all
    // means nothing was sent and the hold can go back.
    spdlog::warn("{}", status_error("POST /v2/router/send", *outcome.status, outcome.error_body));
    auto decoded = decode_bolt11(invoice);
    if (!decoded) co_return PaymentStatus{PaymentState::failed, 0, "REFUSED_BY_NODE"};
    auto known = co_await lookup_payment(decoded->payment_hash);
    if (known && known->state == PaymentState::unknown)
      co_return PaymentStatus{PaymentState::failed, 0,
                              outcome.grpc_code == kGrpcAlreadyExists ? "ALREADY_PAID" : "REFUSED_BY_NODE"};
    co_return known;
  }
  if (last) co_return *last;  // still in flight when the stream ended
  if (!outcome.line_error.empty()) co_return std::unexpected(outcome.line_error);
  co_return std::unexpected("LND's payment stream failed: " +
                            (outcome.status ? std::string("no update") : outcome.status.error()));
}

net::awaitable<std::expected<PaymentStatus, std::string>> LndRail::lookup_payment(const std::string& payment_hash) {
  auto encoded = hex_to_base64url(payment_hash);
  if (!encoded) co_return std::unexpected("not a payment hash");
  const std::string target = "/v2/router/track/" + *encoded;
  const auto headers = lnd_headers(macaroon_hex_);
  const std::string no_body;
  auto abort = std::make_shared<net::AbortHandle>();
  open_streams_.push_back(abort);
  std::optional<PaymentStatus> first;
  auto on_result = [&](const json::object& payment) {
    first = payment_status(payment);
    return false;  // the current state is all this call wants
  };
  auto outcome = co_await stream_results(*client_, http::verb::get, target, no_body, headers,
                                         Clock::now() + kCallTimeout, *abort, on_result);
  std::erase(open_streams_, abort);
  if (first) co_return *first;
  if (outcome.grpc_code == kGrpcNotFound) co_return PaymentStatus{};  // "payment isn't initiated"
  if (outcome.status && (*outcome.status < 200 || *outcome.status >= 300))
    co_return std::unexpected(status_error("GET /v2/router/track", *outcome.status, outcome.error_body));
  if (!outcome.line_error.empty()) co_return std::unexpected(outcome.line_error);
  co_return std::unexpected("LND's payment track failed: " +
                            (outcome.status ? std::string("no update") : outcome.status.error()));
}

}  // namespace potluck::payments
