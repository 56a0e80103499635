#include "cli/api_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

namespace potluck::cli {
namespace asio = boost::asio;

void add_api_flags(CLI::App* cmd, ApiOptions& options) {
  cmd->add_option("--coordinator", options.coordinator, "Coordinator URL")
      ->envname("POTLUCK_COORDINATOR")->capture_default_str();
  cmd->add_option("--key", options.key, "API key (pl_...)")->envname("POTLUCK_API_KEY");
  cmd->add_option("--ca-file", options.ca_file, "PEM CA trusted for an https:// coordinator besides the system store")
      ->envname("POTLUCK_CA_FILE");
}

ApiClient::ApiClient(const ApiOptions& options) : options_(options) {}

namespace {
template <class T>
std::expected<T, std::string> run_blocking(const ApiOptions& options,
                                           std::function<net::awaitable<std::expected<T, std::string>>(
                                               net::HttpClient&, net::HeaderList&)> body) {
  auto url = parse_url(options.coordinator);
  if (!url || (url->scheme != "http" && url->scheme != "https"))
    return std::unexpected("--coordinator must be an http:// or https:// URL, got '" + options.coordinator + "'");
  std::shared_ptr<const net::ClientTls> tls;
  if (url->scheme == "https") {
    auto made = net::ClientTls::make({.ca_file = options.ca_file});
    if (!made) return std::unexpected(made.error());
    tls = std::move(*made);
  }
  asio::io_context io;
  net::HttpClient client(io.get_executor(), *url, 1, tls);
  net::HeaderList headers;
  if (!options.key.empty()) headers.emplace_back("Authorization", "Bearer " + options.key);
  auto future = asio::co_spawn(io, body(client, headers), asio::use_future);
  io.run();
  return future.get();
}
}  // namespace

std::expected<net::ClientReply, std::string> ApiClient::call(net::http::verb method,
                                                             const std::string& target,
                                                             std::string body) {
  return run_blocking<net::ClientReply>(
      options_, [&](net::HttpClient& client, net::HeaderList& headers) {
        return client.request(method, target, std::move(body), headers, std::chrono::seconds(60));
      });
}

std::expected<unsigned, std::string> ApiClient::stream(
    net::http::verb method, const std::string& target, std::string body,
    const std::function<void(unsigned, std::string_view)>& on_body) {
  return run_blocking<unsigned>(options_, [&](net::HttpClient& client, net::HeaderList& headers) {
    return client.stream(method, target, std::move(body), headers,
                         std::chrono::steady_clock::now() + std::chrono::minutes(30), on_body);
  });
}

std::string error_message(const net::ClientReply& reply) {
  boost::system::error_code ec;
  auto value = boost::json::parse(reply.body, ec);
  if (!ec && value.is_object())
    if (auto* error = value.get_object().if_contains("error"); error && error->is_object())
      if (auto* message = error->get_object().if_contains("message"); message && message->is_string())
        return std::string(message->get_string()) + " (HTTP " + std::to_string(reply.status) + ")";
  return "HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200);
}

}  // namespace potluck::cli
