#pragma once
// Blocking access to the coordinator's HTTP API for the client commands.
#include "net/http_client.h"

#include <CLI/CLI.hpp>

#include <expected>
#include <functional>
#include <string>

namespace potluck::cli {

struct ApiOptions {
  std::string coordinator = "http://127.0.0.1:8400";
  std::string key;
  std::string ca_file;  // trusted for an https:// coordinator besides the system store
};

// --coordinator / POTLUCK_COORDINATOR, --key / POTLUCK_API_KEY and
// --ca-file / POTLUCK_CA_FILE.
void add_api_flags(CLI::App* cmd, ApiOptions& options);

class ApiClient {
 public:
  explicit ApiClient(const ApiOptions& options);

  std::expected<net::ClientReply, std::string> call(net::http::verb method, const std::string& target,
                                                    std::string body = {});
  std::expected<unsigned, std::string> stream(
      net::http::verb method, const std::string& target, std::string body,
      const std::function<void(unsigned, std::string_view)>& on_body);

 private:
  ApiOptions options_;
};

// The "message" of an OpenAI error envelope, or the raw body.
std::string error_message(const net::ClientReply& reply);

}  // namespace potluck::cli
