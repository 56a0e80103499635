#pragma once
// Shared by the client commands over the HTTP API: registering a subcommand,
// calling the API with an expected status, and printing what came back.
// Secrets (keys, tokens, invite codes) are printed alone on the last line of
// stdout, so scripts can take them with `tail -n1`.
#include "cli/api_client.h"
#include "cli/commands.h"

#include <boost/json/value.hpp>

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace potluck::cli {

// A subcommand with the API flags; `run` becomes the action when it is chosen.
CLI::App* add_api_subcommand(CLI::App* parent, const std::string& name, const std::string& help,
                             Action& action, const std::shared_ptr<ApiOptions>& api,
                             std::function<int(const ApiOptions&)> run);

// Calls the API; on a transport error or a status other than `expected`,
// prints "potluck <command>: <why>" to stderr and returns nullopt.
std::optional<boost::json::value> call_api(const ApiOptions& api, net::http::verb method, const std::string& target,
                                           const std::optional<boost::json::object>& body, unsigned expected,
                                           std::string_view command);

// For raw replies (CSV, files): 0 when the reply came with `expected_status`;
// otherwise prints "potluck <command>: <why>" to stderr and returns 1.
int check_reply(std::string_view command, const std::expected<net::ClientReply, std::string>& reply,
                unsigned expected_status);

// "created <what> <id> (<details>); it is shown only now:" and then the
// secret (the `secret_field` of `created`) alone on the last line.
void print_secret(std::string_view what, const boost::json::value& created, const std::string& details,
                  std::string_view secret_field);

// The field as text: strings as they are, null or absent as "-".
std::string text_or_dash(const boost::json::value* v);
std::string field(const boost::json::value& object, std::string_view name);

// Prints the "data" items of a listing as a table with the given columns.
struct Column {
  std::string title;
  std::string field;
};
void print_listing(const boost::json::value& listing, const std::vector<Column>& columns);

}  // namespace potluck::cli
