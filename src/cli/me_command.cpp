// `potluck me export|delete`: the caller's own account, over the API
// (/api/me/export, DELETE /api/me).
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/api_output.h"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

struct MeOptions {
  ApiOptions api;
  std::string output;
  bool yes = false;
};

// The export is personal data: the file is readable by its owner only.
bool write_private_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // An existing file keeps its mode on open: narrow it too.
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return false;
  }
  std::size_t written = 0;
  while (written < content.size()) {
    auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0 && written == content.size();
}

int export_data(const MeOptions& o) {
  auto reply = ApiClient(o.api).call(http::verb::get, "/api/me/export");
  if (int rc = check_reply("me", reply, 200)) return rc;
  if (o.output.empty() || o.output == "-") {
    std::cout << reply->body << std::endl;
    return 0;
  }
  if (!write_private_file(o.output, reply->body)) {
    std::cerr << "potluck me: cannot write " << o.output << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "wrote your data to " << o.output << "\n";
  return 0;
}

int delete_account(const MeOptions& o) {
  if (!o.yes) {
    std::cerr << "potluck me: deleting your account revokes every key and erases your personal data;\n"
                 "it cannot be undone. Run again with --yes to do it.\n";
    return 2;
  }
  auto reply = ApiClient(o.api).call(http::verb::delete_, "/api/me");
  if (int rc = check_reply("me", reply, 200)) return rc;
  const json::value result = json::parse(reply->body);
  const auto& r = result.as_object();
  std::cout << "deleted account " << text_or_dash(r.if_contains("user_id")) << ": " << text_or_dash(r.if_contains("keys_revoked"))
            << " keys revoked, " << text_or_dash(r.if_contains("usage_events_anonymised")) << " usage events anonymised, "
            << text_or_dash(r.if_contains("memberships_removed")) << " memberships removed\n";
  return 0;
}

}  // namespace

void add_me_command(CLI::App& app, Action& action) {
  auto* me = app.add_subcommand("me", "Your own account: export your data, or delete the account");
  me->require_subcommand(1);
  auto o = std::make_shared<MeOptions>();

  auto* export_cmd = me->add_subcommand("export", "All your personal data as one JSON document");
  add_api_flags(export_cmd, o->api);
  export_cmd->add_option("-o,--output", o->output, "Write to this file (mode 0600) instead of stdout");
  export_cmd->callback([&action, o] { action = [o] { return export_data(*o); }; });

  auto* delete_cmd = me->add_subcommand(
      "delete", "Delete your account: keys revoked, personal data erased, usage anonymised");
  add_api_flags(delete_cmd, o->api);
  delete_cmd->add_flag("--yes", o->yes, "Confirm: without it nothing is deleted");
  delete_cmd->callback([&action, o] { action = [o] { return delete_account(*o); }; });
}

}  // namespace potluck::cli
