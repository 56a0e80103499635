#include "coordinator/coordinator.h"
#include "common/log.h"
#include "coordinator/cors_policy.h"

#include "coordinator/api/completions_handler.h"
#include "coordinator/api/keys_handler.h"
#include "coordinator/api/overview_handler.h"
#include "coordinator/api/session_handler.h"
#include "coordinator/auth.h"
#include "coordinator/ledger_check.h"
#include "coordinator/payments/payment_service.h"
#include "payments/lnd_rail.h"
#include "coordinator/node_hub.h"
#include "coordinator/periodic.h"
#include "coordinator/retention.h"
#include "coordinator/router.h"
#include "coordinator/tls_setup.h"
#include "coordinator/usage_recorder.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <iostream>
#include <optional>

namespace potluck::coordinator {
namespace asio = boost::asio;
namespace {

// How long a stopping coordinator waits, after the grace period, for the
// jobs it ends to tell their consumers and record their usage. Each needs
// one write: this is a bound for a stuck socket, not an expected wait.
constexpr std::chrono::milliseconds kEndJobsWait{5000};

net::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, duration);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Models offered by public nodes in earlier runs, as of each node's last
// record: asking for one of them while no node serves it is a 503 (try
// later), not a 404, until the registry's known-model TTL has passed.
void remember_known_models(store::Store& store, Registry& registry) {
  auto nodes = store.list_nodes();
  if (!nodes) return;
  for (const auto& node : *nodes) {
    if (!node.cluster_id.empty()) continue;  // private models are no one else's business
    boost::system::error_code ec;
    auto models = boost::json::parse(node.models, ec);
    if (ec || !models.is_array()) continue;
    for (const auto& m : models.get_array())
      if (m.is_string()) registry.remember(std::string(m.get_string()), node.seen_at);
  }
  if (auto first_seen = store.list_models_first_seen())
    for (const auto& seen : *first_seen) registry.note_first_seen(seen.cluster_id, seen.model, seen.first_seen_ms);
}

// The rail --payments names; start-up fails on a wrong --lnd-* flag.
std::unique_ptr<payments::PaymentRail> make_payment_rail(asio::any_io_executor executor,
                                                         const PaymentSettings& settings) {
  if (settings.rail == PaymentRailKind::none) return nullptr;
  auto lnd = payments::LndRail::make(std::move(executor), settings.lnd);
  if (!lnd) throw std::runtime_error(lnd.error());
  return std::move(*lnd);
}

}  // namespace

int run_coordinator(const CoordinatorConfig& config) {
  asio::io_context io(1);
  // A read-only, damaged or emptied database is refused here, before
  // anything changes it.
  auto sqlite = store::sqlite::SqliteStore::open_checked(config.data_dir);
  // The address before the migration: a second coordinator started on a
  // port in use stops here, without touching a database the first may serve.
  // Connections wait in the backlog until the server starts.
  auto tls = choose_transport(config);
  if (!tls) throw std::runtime_error(tls.error());
  net::HttpServer server(io, config.limits, *tls);
  auto bound = server.listen(config.listen);
  if (!bound) throw std::runtime_error(bound.error());
  sqlite->migrate();
  PricingPolicy pricing = PricingPolicy::load(*sqlite);
  TierCatalog tiers;
  if (auto stored = sqlite->list_tiers()) tiers.replace(*stored);
  if (auto released = sqlite->ledger().release_open_holds(); released && *released > 0)
    spdlog::warn("released the credit holds of {} jobs that never settled (unclean shutdown)", *released);
  SystemClock clock;
  Registry registry(pricing, clock, config.known_model_ttl);
  remember_known_models(*sqlite, registry);
  StoreExecutor store(io.get_executor(), std::move(sqlite));
  Metrics metrics;
  SessionStore sessions(clock, config.sessions);
  KeyAuthenticator auth(store, sessions, config.key_cache_ttl, config.per_key);
  RateLimiter per_ip(config.per_ip);
  UsageRecorder usage(store, metrics, config.max_pending_usage);
  DispatchQueue queue(config.queue);
  NodeHub hub(io.get_executor(), config, store, registry, metrics, queue);
  api::CompletionsHandler completions({config, registry, metrics, usage, store, pricing, queue}, tiers);
  api::JobStore job_records(io.get_executor(),
                            {config.max_jobs_held, config.max_pending_jobs_per_consumer, config.job_result_ttl});
  api::ExecHandler exec(completions.job_deps());
  api::JobsHandler jobs(completions, exec, job_records);
  api::KeysHandler keys(auth, store);
  auto rail = make_payment_rail(io.get_executor(), config.payments);
  PaymentService payment_service(io.get_executor(), config.payments, store, std::move(rail), clock);
  api::WalletHandler wallet(store, payment_service);
  api::PaymentsHandler payments_api(payment_service, store);
  api::PricingHandler pricing_api(store, pricing, tiers, registry);
  api::NodesHandler nodes_api(store, registry);
  api::AccountsApi accounts(auth, store, hub);
  api::AuditHandler audit(store);
  api::UsageHandler usage_api(store);
  api::MeHandler me(auth, store, hub);
  api::SessionHandler session_api(auth, store, config.secure_cookies || *tls != nullptr);
  api::OverviewHandler overview(store, registry);
  UsageRetention retention(clock, {std::chrono::days(config.usage_retention_days),
                                  std::chrono::days(config.aggregate_retention_days),
                                  std::chrono::days(config.node_record_retention_days),
                                  std::chrono::days(config.audit_retention_days_after_delete)});

  const WebAssets web = WebAssets::load(config.web_dir);
  auto cors = CorsPolicy::parse(config.cors_origins);
  if (!cors) throw std::runtime_error("--cors-origins: " + cors.error());

  const Services services{config, auth, registry, metrics, hub, completions, keys, wallet, payments_api, pricing_api, nodes_api,
                          accounts, exec, [&server] { return server.open_connections(); },
                          per_ip, audit, usage_api, me, jobs, session_api, overview, web, store.health(),
                          *cors};
  server.start(make_router(services), make_head_check(services),
               [&services](const net::Request& head) { return services.cors.response_fields(head); });
  std::cout << "potluck serve listening on " << (*tls ? "https://" : "http://") << bound->address().to_string() << ":"
            << bound->port() << std::endl;
  spdlog::info("coordinator {} listening on {}:{}, data dir {}", POTLUCK_VERSION,
               bound->address().to_string(), bound->port(), config.data_dir);

  bool stopping = false;
  payment_service.start();
  std::optional<TlsReloader> tls_reloader;
  if (*tls) tls_reloader.emplace(io, **tls, config.tls_reload, stopping).start();
  // Background: usage events and key last-use times go to the store in batches.
  asio::co_spawn(io, [&]() -> net::awaitable<void> {
    int tick = 0;
    while (!stopping) {
      co_await sleep_for(std::chrono::milliseconds(100));
      co_await usage.flush();
      if (++tick % 50 == 0) co_await auth.flush_last_used();
    }
  }, asio::detached);
  // Background: raw usage older than the retention is folded into daily rows;
  // old daily rows and records of nodes long gone are deleted.
  auto connected_nodes = [&registry] {
    std::vector<std::string> ids;
    for (const auto& link : registry.all()) ids.push_back(link->id());
    return ids;
  };
  asio::co_spawn(io, [&]() -> net::awaitable<void> {
    co_await retention.run_every(store, config.retention_interval, stopping, connected_nodes);
  }, asio::detached);
  // Background: a write that changes nothing notices storage trouble while
  // no request writes, and its end (/readyz).
  asio::co_spawn(io, [&]() -> net::awaitable<void> {
    co_await store.health().run_checks(store, config.storage_check, stopping);
  }, asio::detached);
  // Background: the ledger's kept balances against the sums of their rows.
  const PeriodicTask ledger_check = [&]() { return check_ledger(store, metrics); };
  const auto ledger_period = std::max<std::chrono::milliseconds>(config.ledger_check_interval, std::chrono::seconds(1));
  asio::co_spawn(io, repeat_every(ledger_period, stopping, ledger_check), asio::detached);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> arm_signals;
  auto shutdown = [&]() -> net::awaitable<void> {
    spdlog::info("shutting down: no new connections, {} jobs in flight may finish (grace {} ms)",
                 metrics.jobs_in_flight, config.grace_period.count());
    server.stop_accepting();
    auto deadline = std::chrono::steady_clock::now() + config.grace_period;
    while (metrics.jobs_in_flight > 0 && std::chrono::steady_clock::now() < deadline)
      co_await sleep_for(std::chrono::milliseconds(50));
    // Past the grace period every job still running or waiting in line is
    // ended as a lost node ends it: the consumer is told (an error event on a
    // stream), it is billed for what was delivered and its usage event is
    // recorded before the connections close, so no hold is left for the next
    // start to release and no usage is lost.
    queue.close();
    if (metrics.jobs_in_flight > 0 || queue.waiting() > 0) {
      spdlog::warn("grace period over with {} jobs in flight and {} waiting; ending them", metrics.jobs_in_flight,
                   queue.waiting());
      hub.close_all();
      const auto told_by = std::chrono::steady_clock::now() + kEndJobsWait;
      while ((metrics.jobs_in_flight > 0 || queue.waiting() > 0) && std::chrono::steady_clock::now() < told_by)
        co_await sleep_for(std::chrono::milliseconds(10));
      if (metrics.jobs_in_flight > 0)
        spdlog::error("{} jobs did not end within {} ms of the grace period; their holds are released at the "
                      "next start",
                      metrics.jobs_in_flight, kEndJobsWait.count());
    }
    hub.close_all();
    server.close_all();
    stopping = true;
    payment_service.stop();
    co_await usage.flush();
    co_await auth.flush_last_used();
    io.stop();
  };
  arm_signals = [&] {
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      if (stopping) return;
      static bool first = true;
      if (!first) {
        spdlog::warn("second signal: stopping now");
        io.stop();
        return;
      }
      first = false;
      asio::co_spawn(io, shutdown(), asio::detached);
      arm_signals();
    });
  };
  arm_signals();

  io.run();
  store.join();
  spdlog::info("coordinator stopped");
  return 0;
}

}  // namespace potluck::coordinator
