#include "node/daemon.h"

#include "common/credits.h"
#include "common/log.h"
#include "node/backends/backend.h"
#include "node/backoff.h"
#include "node/exec/exec_backend.h"
#include "node/host_info.h"
#include "node/node_identity.h"
#include "node/offer_limits.h"
#include "node/session.h"
#include "node/session_settings.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/fmt/ranges.h>

#include <csignal>
#include <typeinfo>

namespace potluck::node {
namespace asio = net::asio;

namespace {

constexpr std::chrono::seconds kWindDown{3};
constexpr std::chrono::seconds kStableConnection{5};

// Owns the reconnect loop and the signals; one Session per connection.
class Daemon {
 public:
  Daemon(asio::io_context& io, const NodeConfig& config, SessionSettings settings,
         std::unique_ptr<Backend> backend, std::unique_ptr<Backend> exec)
      : io_(io),
        config_(config),
        settings_(std::move(settings)),
        backend_(std::move(backend)),
        exec_(std::move(exec)),
        signals_(io, SIGTERM, SIGINT),
        backoff_timer_(io) {}

  net::awaitable<int> run() {
    wait_for_signal();
    Backoff backoff(config_.reconnect_min, config_.reconnect_max);
    while (!stopping_) {
      // Re-read the models before every connect: the engine may have changed
      // while we were away. On failure the last known list is offered.
      auto fresh = co_await backend_->models(&stop_abort_);
      if (stopping_) break;
      if (fresh) {
        auto offers = sendable_offers(std::move(*fresh));
        if (!loaded_ || !same_models(offers.models, models_)) {
          spdlog::info("{} backend offers {} models", backend_->name(), offers.models.size());
          warn_if_cut(offers, backend_->name());
        }
        models_ = std::move(offers.models);
        loaded_ = true;
      } else {
        spdlog::warn("cannot list the {} backend's models: {}; offering {} known models", backend_->name(),
                     fresh.error(), models_.size());
      }

      auto session = std::make_shared<Session>(io_.get_executor(), settings_, *backend_, exec_.get(), models_);
      session_ = session;
      const auto started = std::chrono::steady_clock::now();
      const auto outcome = co_await session->run();
      session_.reset();
      models_ = session->models();
      if (stopping_ || outcome.drained) break;

      // A connection that held for a while (a coordinator restart) comes back
      // at once; one that drops right after welcome keeps backing off.
      if (outcome.welcomed && std::chrono::steady_clock::now() - started >= kStableConnection) backoff.reset();
      const auto delay = backoff.next();
      spdlog::info("reconnecting in {} ms", delay.count());
      net::error_code ec;
      backoff_timer_.expires_after(delay);
      co_await backoff_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    signals_.cancel();
    spdlog::info("node stopped");
    co_return 0;
  }

  void stop_listening() { signals_.cancel(); }

 private:
  void wait_for_signal() {
    signals_.async_wait([this](net::error_code ec, int signal) {
      if (ec) return;
      on_signal(signal);
      wait_for_signal();
    });
  }

  void on_signal(int signal) {
    if (!stopping_) {
      stopping_ = true;
      spdlog::info("signal {}: shutting down", signal);
      stop_abort_.abort();
      backoff_timer_.cancel();
      if (session_) session_->drain();
      return;
    }
    spdlog::warn("signal {} again: stopping jobs in flight now", signal);
    if (session_) session_->hurry();
  }

  asio::io_context& io_;
  const NodeConfig& config_;
  SessionSettings settings_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Backend> exec_;  // null without --exec
  asio::signal_set signals_;
  asio::steady_timer backoff_timer_;
  net::AbortHandle stop_abort_;  // cuts a model listing short at shutdown
  std::shared_ptr<Session> session_;
  ModelList models_;
  bool loaded_ = false;
  bool stopping_ = false;
};

// The exec backend when --exec is on (null otherwise); the error says what
// the host lacks.
std::expected<std::unique_ptr<Backend>, std::string> make_exec_backend(const exec::ExecSettings& settings) {
  if (!settings.enabled) return std::unique_ptr<Backend>();
  auto runner = exec::ExecRunner::create(settings);
  if (!runner) return std::unexpected(runner.error());
  return std::make_unique<exec::ExecBackend>(std::move(*runner));
}

}  // namespace

int run_node(const NodeConfig& config) {
  // A write to a socket the peer closed must be an error code, not a signal.
  std::signal(SIGPIPE, SIG_IGN);

  const std::filesystem::path state_dir =
      config.state_dir.empty() ? default_state_dir() : std::filesystem::path(config.state_dir);
  auto identity = load_or_create_node_identity(state_dir);
  if (!identity) {
    spdlog::error("node identity: {}", identity.error());
    return 1;
  }
  const HostInfo host = host_info();
  auto settings = build_session_settings(config, host, std::move(*identity));
  if (!settings) {
    spdlog::error("node configuration: {}", settings.error());
    return 1;
  }

  // Heap-allocated so that a job which ignores its abort cannot turn shutdown
  // into a crash: see the end of this function.
  auto io = std::make_unique<asio::io_context>(1);
  auto backend = make_backend(config, io->get_executor());
  if (!backend) {
    spdlog::error("node backend: {}", backend.error());
    return 1;
  }
  auto exec = make_exec_backend(config.exec);
  if (!exec) {
    spdlog::error("node exec: {}", exec.error());
    return 1;
  }
  if (*exec) {
    const auto& runner = static_cast<const exec::ExecBackend&>(**exec).runner();
    settings->hello.exec_languages = runner.language_names();
    settings->hello.exec_max_processes = runner.limits().processes;
    spdlog::info("exec: languages {}, sandbox {}, limits {} ms, {} MiB, {} processes, {} output bytes, "
                 "{} credits per CPU second",
                 fmt::join(settings->hello.exec_languages, ","), exec::to_string(runner.isolation()),
                 runner.limits().timeout_ms, runner.limits().memory_mb, runner.limits().processes,
                 runner.limits().output_bytes, format_credits(settings->hello.exec_price));
  }
  spdlog::info("node {} ({}, {}/{}) starting: coordinator {}:{}, backend {}, up to {} jobs", settings->hello.node_id,
               settings->hello.name, host.os, host.arch, settings->coordinator.host, settings->coordinator.port,
               (*backend)->name(), settings->max_jobs);

  int exit_code = 1;
  bool finished = false;
  auto daemon = std::make_unique<Daemon>(*io, config, std::move(*settings), std::move(*backend),
                                         std::move(*exec));
  asio::co_spawn(*io, daemon->run(), [&](std::exception_ptr error, int code) {
    finished = true;
    if (error) {
      // Only the exception's type: its message might quote what was parsed.
      std::string type = "unknown";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        type = typeid(e).name();
      } catch (...) {
      }
      spdlog::error("node stopped by an internal error ({})", type);
      daemon->stop_listening();
    }
    exit_code = error ? 1 : code;
  });
  while (!finished && io->run_one() > 0) {
  }
  // Everything the daemon started ends with it; give stragglers (jobs still
  // unwinding their abort) a moment to finish.
  io->run_for(kWindDown);
  if (!io->stopped()) {
    // Something still waits. Destroying the daemon under it would be unsafe,
    // and the process is about to exit anyway: leave both to the OS.
    spdlog::warn("node stopped with work still pending");
    (void)daemon.release();
    (void)io.release();
    return exit_code;
  }
  daemon.reset();
  io.reset();
  return exit_code;
}

}  // namespace potluck::node
