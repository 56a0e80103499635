#include "node/session.h"

#include "common/log.h"
#include "node/offer_limits.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>

#include <algorithm>

namespace potluck::node {
namespace asio = net::asio;
namespace beast = net::beast;
using net::tcp;

namespace {

auto use_ec(net::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// WebSocket close reasons are limited to 123 bytes.
std::string close_reason(std::string text) {
  if (text.size() > 120) text.resize(120);
  return text;
}

std::string host_header(const Url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return (v6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

// The outbox towards the coordinator holds at most each job's window (and
// one engine read past it); a coordinator that stops reading altogether is
// left once this much is queued, as the coordinator leaves such a node.
constexpr std::size_t kMaxOutboxBytes = 64u << 20;

net::WsOptions link_options() {
  net::WsOptions options;
  options.max_outbox_bytes = kMaxOutboxBytes;
  return options;
}

// How long the node waits after stopping jobs at the drain deadline for their
// error frames to be produced before it closes the connection.
constexpr std::chrono::seconds kStopGrace{2};

}  // namespace

bool same_models(const ModelList& a, const ModelList& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.id == y.id && x.context == y.context && x.owned_by == y.owned_by;
  });
}

Session::Session(asio::any_io_executor executor, const SessionSettings& settings, Backend& backend,
                 Backend* exec, ModelList models)
    : executor_(executor),
      settings_(settings),
      backend_(backend),
      exec_(exec),
      models_(settings.prices.apply(std::move(models))),
      refresh_timer_(executor),
      idle_timer_(executor) {}

net::awaitable<SessionOutcome> Session::run() {
  auto self = shared_from_this();
  SessionOutcome outcome;
  const bool connected = co_await connect();
  if (!connected) {
    end();
    outcome.drained = draining_;
    co_return outcome;
  }
  outcome.welcomed = true;
  phase_ = Phase::running;
  if (settings_.models_refresh.count() > 0)
    asio::co_spawn(executor_, [self] { return self->refresh_loop(); }, asio::detached);
  co_await read_loop();
  end();
  outcome.drained = draining_;
  co_return outcome;
}

net::awaitable<bool> Session::connect() {
  const auto& url = settings_.coordinator;
  net::error_code ec;

  tcp::resolver resolver(executor_);
  interrupt_ = [&resolver] { resolver.cancel(); };
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port), use_ec(ec));
  interrupt_ = nullptr;
  if (draining_) co_return false;
  if (ec) {
    spdlog::warn("cannot resolve coordinator host {}: {}", url.host, ec.message());
    co_return false;
  }

  beast::tcp_stream plain(executor_);
  interrupt_ = [&plain] { plain.close(); };
  plain.expires_after(settings_.connect_timeout);
  co_await plain.async_connect(endpoints, use_ec(ec));
  interrupt_ = nullptr;
  if (draining_) co_return false;
  if (ec) {
    spdlog::warn("cannot connect to coordinator {}: {}", host_header(url), ec.message());
    co_return false;
  }
  plain.socket().set_option(tcp::no_delay(true), ec);
  net::Stream stream = settings_.tls ? settings_.tls->wrap(std::move(plain)) : net::Stream(std::move(plain));
  if (settings_.tls) {
    interrupt_ = [&stream] { stream.close(); };
    stream.tcp().expires_after(settings_.connect_timeout);
    const auto secured = co_await settings_.tls->handshake(stream, url.host);
    interrupt_ = nullptr;
    if (draining_) co_return false;
    if (!secured) {
      // Retried with the usual backoff, never in plain text.
      spdlog::error("TLS with coordinator {} failed: {}; retrying", host_header(url), secured.error());
      co_return false;
    }
  }

  ws_ = std::make_shared<net::WsChannel>(std::move(stream), link_options());
  interrupt_ = [ws = ws_] { ws->force_close(); };
  const std::string host = host_header(url);
  ec = co_await ws_->handshake(host, settings_.target, settings_.token);
  if (draining_) co_return false;
  if (ec) {
    interrupt_ = nullptr;
    const unsigned status = ws_->handshake_status();
    if (status == 401 || status == 403)
      spdlog::error("coordinator refused the node token (HTTP {}): check --token; retrying", status);
    else if (ec == beast::websocket::error::upgrade_declined)
      spdlog::warn("coordinator declined the WebSocket upgrade (HTTP {})", status);
    else
      spdlog::warn("WebSocket handshake with coordinator failed: {}", ec.message());
    ws_->force_close();
    co_return false;
  }
  ws_->start_writer();
  protocol::Hello hello = settings_.hello;
  hello.models = models_;
  hello.batches = true;
  hello.flow = true;
  send(protocol::encode(hello));
  const bool welcomed = co_await await_welcome();
  interrupt_ = nullptr;
  co_return welcomed && !draining_;
}

net::awaitable<bool> Session::await_welcome() {
  // A coordinator that never answers must not hold the node forever. The
  // flags live apart from this frame: the timer's handler may run after it.
  struct Watch {
    bool done = false;
    bool timed_out = false;
  };
  auto watch = std::make_shared<Watch>();
  asio::steady_timer watchdog(executor_, settings_.welcome_timeout);
  watchdog.async_wait([ws = ws_, watch](net::error_code ec) {
    if (ec || watch->done) return;
    watch->timed_out = true;
    ws->force_close();
  });
  struct StopOnExit {
    Watch& watch;
    asio::steady_timer& timer;
    ~StopOnExit() {
      watch.done = true;
      timer.cancel();
    }
  } stop_on_exit{*watch, watchdog};

  while (true) {
    auto text = co_await ws_->read();
    if (!text) {
      if (watch->timed_out) spdlog::warn("coordinator sent no welcome within {} s", settings_.welcome_timeout.count());
      else if (!draining_) spdlog::warn("coordinator closed the connection before welcome: {}", text.error().message());
      co_return false;
    }
    auto frame = protocol::decode(*text);
    if (!frame) {
      spdlog::warn("malformed frame from coordinator before welcome: {}", frame.error().reason);
      co_await ws_->close(close_reason("malformed frame: " + frame.error().reason));
      co_return false;
    }
    if (auto* welcome = std::get_if<protocol::Welcome>(&*frame)) {
      if (welcome->batches) ws_->batch_with(protocol::encode_batch);
      if (welcome->window > 0)
        window_ = std::clamp(welcome->window, protocol::kMinWindowBytes, protocol::kMaxWindowBytes);
      spdlog::info("node connected: session {} (coordinator {}, {} models offered)", welcome->session,
                   welcome->server_version.empty() ? "unknown version" : welcome->server_version,
                   models_.size());
      co_return true;
    }
    if (std::holds_alternative<protocol::Unknown>(*frame)) continue;
    spdlog::warn("coordinator sent another frame before welcome; reconnecting");
    co_await ws_->close("expected welcome");
    co_return false;
  }
}

net::awaitable<void> Session::read_loop() {
  while (true) {
    auto text = co_await ws_->read();
    if (!text) {
      if (ws_->overflowed())
        spdlog::warn("leaving the coordinator: it stopped reading ({} MiB queued for it); reconnecting",
                     kMaxOutboxBytes >> 20);
      else if (!draining_)
        spdlog::warn("disconnected from coordinator: {}", text.error().message());
      co_return;
    }
    auto frames = protocol::decode_message(*text);
    if (!frames) {
      // The reason names the field, never its value.
      spdlog::warn("malformed frame from coordinator ({} bytes): {}; reconnecting", text->size(),
                   frames.error().reason);
      co_await ws_->close(close_reason("malformed frame: " + frames.error().reason));
      co_return;
    }
    for (auto& frame : *frames) on_frame(frame);
  }
}

void Session::on_frame(protocol::Frame& frame) {
  if (auto* job = std::get_if<protocol::Job>(&frame)) {
    start_job(std::move(*job));
  } else if (auto* cancel = std::get_if<protocol::Cancel>(&frame)) {
    if (auto it = jobs_.find(cancel->id); it != jobs_.end()) {
      spdlog::debug("job {} cancelled by coordinator", cancel->id);
      it->second->stop(StopReason::cancelled);
    }
  } else if (auto* credit = std::get_if<protocol::Credit>(&frame)) {
    // A credit for a job that has ended is late, not wrong.
    if (auto it = jobs_.find(credit->id); it != jobs_.end()) it->second->grant(credit->bytes);
  } else if (auto* unknown = std::get_if<protocol::Unknown>(&frame)) {
    spdlog::debug("ignoring frame of unknown type '{}'", unknown->type.substr(0, 32));
  }
  // Other known frames (a repeated welcome, node-side types) carry nothing for us.
}

void Session::refuse(const protocol::Job& job, protocol::ErrorCode code, std::string message, bool retryable,
                     int status) {
  spdlog::debug("job {} refused: {}", job.id, protocol::to_string(code));
  send(protocol::encode(protocol::Error{job.id, code, std::move(message), retryable, status}), job.id);
}

void Session::start_job(protocol::Job job) {
  if (draining_) return refuse(job, protocol::ErrorCode::draining, "node is shutting down", true);
  if (jobs_.contains(job.id)) {
    // A second job with a live id would tangle two streams; the first one wins.
    spdlog::warn("job {} is already running; duplicate ignored", job.id);
    return;
  }
  if (static_cast<int>(jobs_.size()) >= settings_.max_jobs)
    return refuse(job, protocol::ErrorCode::busy, "node is at its job limit", true);
  const bool is_exec = job.kind == protocol::JobKind::exec;
  if (is_exec && !exec_) return refuse(job, protocol::ErrorCode::exec_unavailable, "this node does not run code", true);
  if (!is_exec && !job.model.empty() && std::none_of(models_.begin(), models_.end(),
                                         [&](const auto& m) { return m.id == job.model; }))
    return refuse(job, protocol::ErrorCode::model_unavailable, "model not served by this node", true, 404);

  spdlog::debug("job {} started: {} {} ({} bytes, deadline {} ms)", job.id, protocol::to_string(job.kind),
                job.model, job.payload.size(), job.deadline_ms);
  auto running = std::make_shared<RunningJob>(executor_, std::move(job), window_);
  jobs_.emplace(running->id(), running);
  asio::co_spawn(executor_, job_task(shared_from_this(), std::move(running)), asio::detached);
}

net::awaitable<void> Session::job_task(std::shared_ptr<Session> self, std::shared_ptr<RunningJob> job) {
  // Named: g++ 12 destroys a lambda temporary inside a co_await expression
  // twice, which here would drop a reference to the session too many.
  FrameSender send = [self, id = job->id()](std::string frame) { self->send(std::move(frame), id); };
  Backend& backend = job->job().kind == protocol::JobKind::exec ? *self->exec_ : self->backend_;
  co_await RunningJob::run(job, backend, std::move(send));
  self->job_finished(job->id());
}

void Session::job_finished(const std::string& id) {
  jobs_.erase(id);
  if (jobs_.empty()) idle_timer_.cancel();
}

void Session::stop_all_jobs(StopReason why) {
  // Copy first: stopping must not race with the map changing underneath.
  std::vector<std::shared_ptr<RunningJob>> running;
  for (const auto& [id, job] : jobs_) running.push_back(job);
  for (const auto& job : running) job->stop(why);
}

void Session::send(std::string frame, std::string_view job_id) {
  if (ws_ && phase_ != Phase::ended) ws_->send(std::move(frame), job_id);
}

void Session::send_status(bool with_models) {
  protocol::Status status{static_cast<int>(jobs_.size()), draining_};
  if (with_models) status.models = models_;
  send(protocol::encode(status));
}

net::awaitable<void> Session::refresh_loop() {
  auto self = shared_from_this();
  while (phase_ == Phase::running && !draining_) {
    net::error_code ec;
    refresh_timer_.expires_after(settings_.models_refresh);
    co_await refresh_timer_.async_wait(use_ec(ec));
    if (phase_ != Phase::running || draining_) break;
    auto fresh = co_await backend_.models(&refresh_abort_);
    if (phase_ != Phase::running || draining_) break;
    if (!fresh) {
      spdlog::warn("cannot refresh the model list: {}", fresh.error());
      continue;
    }
    auto offers = sendable_offers(std::move(*fresh));
    if (same_models(offers.models, models_)) continue;
    models_ = settings_.prices.apply(std::move(offers.models));
    spdlog::info("model list changed: {} models offered", models_.size());
    warn_if_cut(offers, backend_.name());
    send_status(true);
  }
}

void Session::drain() {
  if (draining_) return;
  draining_ = true;
  refresh_timer_.cancel();
  refresh_abort_.abort();
  if (phase_ == Phase::connecting) {
    if (interrupt_) interrupt_();
    return;
  }
  if (phase_ != Phase::running) return;
  spdlog::info("draining: {} jobs in flight, waiting up to {} s", jobs_.size(), settings_.drain_timeout.count());
  send_status(false);
  asio::co_spawn(executor_, [self = shared_from_this()] { return self->drain_loop(); }, asio::detached);
}

void Session::hurry() {
  hurry_ = true;
  drain();
  stop_all_jobs(StopReason::shutdown);
}

net::awaitable<void> Session::drain_loop() {
  net::error_code ec;
  if (!jobs_.empty() && !hurry_) {
    idle_timer_.expires_after(settings_.drain_timeout);
    co_await idle_timer_.async_wait(use_ec(ec));
  }
  if (phase_ != Phase::running) co_return;
  if (!jobs_.empty()) {
    spdlog::warn("drain: stopping {} jobs still in flight", jobs_.size());
    stop_all_jobs(StopReason::shutdown);
    idle_timer_.expires_after(kStopGrace);
    if (!jobs_.empty()) co_await idle_timer_.async_wait(use_ec(ec));
  }
  if (phase_ != Phase::running) co_return;
  spdlog::info("drained; closing the connection");
  co_await ws_->close("node shutting down");
}

void Session::end() {
  phase_ = Phase::ended;
  interrupt_ = nullptr;
  refresh_timer_.cancel();
  refresh_abort_.abort();
  idle_timer_.cancel();
  stop_all_jobs(StopReason::disconnected);
  if (ws_) ws_->force_close();
}

}  // namespace potluck::node
