// Accounts over the API: `potluck signup`, `potluck whoami`, and for admins
// `potluck users create|list` and `potluck invites create|list`.
#include "cli/credential_calls.h"

#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

// Sign-up and user creation: posts, then prints the user and, alone on the
// last line, their first key.
int create_account(const ApiOptions& o, const std::string& path, const json::object& body, std::string_view command) {
  auto account = call_api(o, http::verb::post, path, body, 201, command);
  if (!account) return 1;
  const auto& user = account->as_object().at("user");
  std::cout << "user " << field(user, "id") << " (" << field(user, "role") << ", " << field(user, "email") << ")";
  if (field(*account, "cluster") != "-") std::cout << ", member of cluster " << field(*account, "cluster");
  std::cout << "\n";
  print_secret("API key", account->as_object().at("key"), field(account->as_object().at("key"), "scopes"), "key");
  return 0;
}

void add_signup(CLI::App& app, Action& action) {
  auto api = std::make_shared<ApiOptions>();
  auto invite = std::make_shared<std::string>();
  auto email = std::make_shared<std::string>();
  auto* signup = add_api_subcommand(&app, "signup", "Sign up with an invite code; prints your first API key, last",
                                    action, api, [invite, email](const ApiOptions& o) {
                                      return create_account(o, "/api/signup",
                                                            {{"invite", *invite}, {"email", *email}}, "signup");
                                    });
  signup->add_option("--invite", *invite, "The invite code (pli_...)")->required();
  signup->add_option("--email", *email, "Your email")->required();
}

void add_whoami(CLI::App& app, Action& action) {
  add_api_subcommand(&app, "whoami", "Show who the API key belongs to, its scopes and your clusters", action,
                     std::make_shared<ApiOptions>(), [](const ApiOptions& o) {
                       auto me = call_api(o, http::verb::get, "/api/me", std::nullopt, 200, "whoami");
                       if (!me) return 1;
                       const auto& user = me->as_object().at("user");
                       const auto& key = me->as_object().at("key");
                       std::cout << "user     " << field(user, "id") << " (" << field(user, "email") << ")\n"
                                 << "role     " << field(user, "role") << "\n"
                                 << "key      " << field(key, "id") << " (" << field(key, "name") << ")\n"
                                 << "scopes   " << field(key, "scopes") << "\n"
                                 << "cluster  " << field(key, "cluster") << "\n";
                       for (const auto& c : me->as_object().at("clusters").as_array())
                         std::cout << "member   " << field(c, "id") << " " << field(c, "name") << " ("
                                   << field(c, "role") << ")\n";
                       return 0;
                     });
}

void add_users(CLI::App& app, Action& action) {
  auto* users = app.add_subcommand("users", "Users of the coordinator (admins)");
  users->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto email = std::make_shared<std::string>();
  auto admin = std::make_shared<bool>(false);
  auto* create = add_api_subcommand(users, "create", "Create a user; their first API key is printed once, last",
                                    action, api, [email, admin](const ApiOptions& o) {
                                      return create_account(o, "/api/users",
                                                            {{"email", *email}, {"admin", *admin}}, "users");
                                    });
  create->add_option("--email", *email, "The user's email")->required();
  create->add_flag("--admin", *admin, "Make the user an admin");
  add_api_subcommand(users, "list", "List every user", action, api, [](const ApiOptions& o) {
    auto listing = call_api(o, http::verb::get, "/api/users", std::nullopt, 200, "users");
    if (!listing) return 1;
    print_listing(*listing, {{"ID", "id"}, {"EMAIL", "email"}, {"ROLE", "role"}, {"CREATED", "created_at"}});
    return 0;
  });
}

void add_invites(CLI::App& app, Action& action) {
  auto* invites = app.add_subcommand("invites", "Sign-up invite codes for the platform (admins)");
  invites->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto flags = std::make_shared<InviteFlags>();
  auto* create = add_api_subcommand(invites, "create", "Create a sign-up invite; the code is printed once, last",
                                    action, api, [flags](const ApiOptions& o) {
                                      return create_invite(o, "/api/invites", *flags, "invites");
                                    });
  add_invite_flags(create, *flags);
  add_api_subcommand(invites, "list", "List sign-up invites (never their codes)", action, api,
                     [](const ApiOptions& o) { return list_invites(o, "/api/invites", "invites"); });
  auto invite_id = std::make_shared<std::string>();
  add_api_subcommand(invites, "revoke", "Revoke a sign-up invite: its code is refused from now on", action, api,
                     [invite_id](const ApiOptions& o) {
                       return revoke_credential(o, "/api/invites", *invite_id, "invite", "invites");
                     })
      ->add_option("id", *invite_id, "The invite's id")->required();
}

}  // namespace

void add_account_commands(CLI::App& app, Action& action) {
  add_signup(app, action);
  add_whoami(app, action);
  add_users(app, action);
  add_invites(app, action);
}

}  // namespace potluck::cli
