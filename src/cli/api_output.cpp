#include "cli/api_output.h"

#include <boost/json.hpp>

#include <algorithm>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;

CLI::App* add_api_subcommand(CLI::App* parent, const std::string& name, const std::string& help,
                             Action& action, const std::shared_ptr<ApiOptions>& api,
                             std::function<int(const ApiOptions&)> run) {
  auto* cmd = parent->add_subcommand(name, help);
  add_api_flags(cmd, *api);
  cmd->callback([&action, api, run = std::move(run)] {
    action = [api, run] { return run(*api); };
  });
  return cmd;
}

std::optional<json::value> call_api(const ApiOptions& api, net::http::verb method, const std::string& target,
                                    const std::optional<json::object>& body, unsigned expected,
                                    std::string_view command) {
  auto reply = ApiClient(api).call(method, target, body ? json::serialize(*body) : std::string());
  if (!reply) {
    std::cerr << "potluck " << command << ": " << reply.error() << "\n";
    return std::nullopt;
  }
  if (reply->status != expected) {
    std::cerr << "potluck " << command << ": " << error_message(*reply) << "\n";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto value = json::parse(reply->body, ec);
  if (ec || !value.is_object()) {
    std::cerr << "potluck " << command << ": the coordinator's answer is not a JSON object\n";
    return std::nullopt;
  }
  return value;
}

void print_secret(std::string_view what, const json::value& created, const std::string& details,
                  std::string_view secret_field) {
  std::cout << "created " << what << " " << field(created, "id") << " (" << details
            << "); it is shown only now:\n"
            << field(created, secret_field) << std::endl;
}

std::string text_or_dash(const json::value* v) {
  if (!v || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  return json::serialize(*v);
}

std::string field(const json::value& object, std::string_view name) {
  return object.is_object() ? text_or_dash(object.get_object().if_contains(name)) : "-";
}

void print_listing(const json::value& listing, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> rows;
  if (const auto* data = listing.as_object().if_contains("data"); data && data->is_array())
    for (const auto& item : data->get_array()) {
      auto& row = rows.emplace_back();
      for (const auto& c : columns) row.push_back(field(item, c.field));
    }
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    std::size_t width = columns[i].title.size();
    for (const auto& row : rows) width = std::max(width, row[i].size());
    widths.push_back(width);
  }
  auto print_row = [&widths](const auto& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell(cells[i]);
      if (i + 1 < cells.size()) cell.resize(widths[i] + 2, ' ');
      line += cell;
    }
    std::cout << line << "\n";
  };
  std::vector<std::string> titles;
  for (const auto& c : columns) titles.push_back(c.title);
  print_row(titles);
  for (const auto& row : rows) print_row(row);
}

int check_reply(std::string_view command, const std::expected<net::ClientReply, std::string>& reply,
                unsigned expected_status) {
  if (!reply) {
    std::cerr << "potluck " << command << ": " << reply.error() << "\n";
    return 1;
  }
  if (reply->status != expected_status) {
    std::cerr << "potluck " << command << ": " << error_message(*reply) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace potluck::cli
