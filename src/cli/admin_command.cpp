// Offline bootstrap on the coordinator's data dir (works while it runs: SQLite
// WAL allows a second writer process). Each command prints the new secret
// alone as the last line of stdout, so scripts can take it with `tail -n1`.
#include "cli/commands.h"
#include "coordinator/accounts.h"
#include "store/sqlite/sqlite_store.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace potluck::cli {
namespace {

struct AdminOptions {
  std::string data_dir = "potluck-data";
  std::string email;
  bool admin = false;
  std::string name;
};

int fail(const std::string& message, int code = 1) {
  std::cerr << "potluck admin: " << message << "\n";
  return code;
}

// Finds the user, or creates it when `create` is set.
store::Result<store::User> user_for(store::Store& store, const AdminOptions& o, bool create) {
  auto user = store.find_user_by_email(o.email);
  if (user || !create || user.error().kind != store::StoreError::Kind::not_found) return user;
  return store.create_user("", o.email, o.admin ? store::Role::admin : store::Role::member);
}

int create_user(const AdminOptions& o) {
  auto store = store::sqlite::SqliteStore::open(o.data_dir);
  auto account = coordinator::create_account(*store, "", o.email, o.admin ? store::Role::admin : store::Role::member,
                                             o.name.empty() ? "first key" : o.name);
  if (!account) {
    if (account.error().kind == store::StoreError::Kind::conflict)
      return fail("a user with email '" + o.email + "' already exists (use `admin create-key`)", 3);
    return fail(account.error().message);
  }
  std::cout << "created user " << account->user.id << " (" << to_string(account->user.role) << ") with key "
            << account->key.id << "\n";
  std::cout << account->key.secret << std::endl;
  return 0;
}

int create_key(const AdminOptions& o) {
  auto store = store::sqlite::SqliteStore::open(o.data_dir);
  auto user = user_for(*store, o, true);
  if (!user) return fail(user.error().message);
  auto key = coordinator::issue_api_key(*store, user->id, o.name.empty() ? "cli key" : o.name,
                                       coordinator::first_key_scopes(user->role));
  if (!key) return fail(key.error().message);
  std::cout << "created key " << key->id << " for " << user->id << "\n";
  std::cout << key->secret << std::endl;
  return 0;
}

int node_token(const AdminOptions& o) {
  auto store = store::sqlite::SqliteStore::open(o.data_dir);
  std::string owner;
  if (!o.email.empty()) {
    auto user = user_for(*store, o, false);
    if (!user) return fail("no user with email '" + o.email + "'", 3);
    owner = user->id;
  }
  auto token = coordinator::issue_node_token(*store, owner, o.name.empty() ? "node" : o.name);
  if (!token) return fail(token.error().message);
  std::cout << "created node token " << token->id << "\n";
  std::cout << token->secret << std::endl;
  return 0;
}

// Exit 0 when the ledger is balanced, 2 when it is not (each drifted account
// listed), 1 when it could not be read.
int ledger_check(const AdminOptions& o) {
  auto store = store::sqlite::SqliteStore::open(o.data_dir);
  auto check = store->ledger().check();
  if (!check) return fail(check.error().message);
  std::cout << store::summary(*check) << "\n";
  for (const auto& drift : check->drifts) std::cout << "  " << store::describe(drift) << "\n";
  if (check->drift_count > static_cast<std::int64_t>(check->drifts.size()))
    std::cout << "  (and " << check->drift_count - static_cast<std::int64_t>(check->drifts.size()) << " more)\n";
  std::cout.flush();
  return check->balanced() ? 0 : 2;
}

}  // namespace

void add_admin_command(CLI::App& app, Action& action) {
  auto* admin = app.add_subcommand("admin", "Offline administration on a coordinator's data dir");
  admin->require_subcommand(1);
  auto o = std::make_shared<AdminOptions>();
  auto data_dir = [&](CLI::App* cmd) {
    cmd->add_option("--data-dir", o->data_dir, "The coordinator's data dir")
        ->envname("POTLUCK_DATA_DIR")->capture_default_str();
  };

  auto* user = admin->add_subcommand("create-user", "Create a user and their first API key");
  data_dir(user);
  user->add_option("--email", o->email, "The user's email")->required();
  user->add_flag("--admin", o->admin, "Make the user an admin (key gets every scope)");
  user->add_option("--key-name", o->name, "Name of the first key");
  user->callback([&action, o] { action = [o] { return create_user(*o); }; });

  auto* key = admin->add_subcommand("create-key", "Issue an API key, creating the user if needed");
  data_dir(key);
  key->add_option("--email", o->email, "The user's email")->required();
  key->add_flag("--admin", o->admin, "When the user is created: make it an admin");
  key->add_option("--name", o->name, "Name of the key");
  key->callback([&action, o] { action = [o] { return create_key(*o); }; });

  auto* token = admin->add_subcommand("node-token", "Issue a node token for `potluck node --token`");
  data_dir(token);
  token->add_option("--name", o->name, "Name of the token");
  token->add_option("--owner-email", o->email, "The provider who owns the nodes enrolled with it");
  token->callback([&action, o] { action = [o] { return node_token(*o); }; });

  auto* ledger = admin->add_subcommand("ledger", "Inspect the credits ledger");
  ledger->require_subcommand(1);
  auto* check = ledger->add_subcommand(
      "check", "Compare every kept balance with the sum of its ledger rows (exit 2 when they differ)");
  data_dir(check);
  check->callback([&action, o] { action = [o] { return ledger_check(*o); }; });

  add_grant_command(*admin, action);
}

}  // namespace potluck::cli
