#include "coordinator/node_hub.h"

#include "common/clock.h"

#include "common/ids.h"
#include "common/log.h"
#include "coordinator/auth.h"
#include "crypto/secret_token.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>

#include <chrono>

namespace potluck::coordinator {
namespace {
constexpr int kHeartbeatSeconds = 20;
// The close reason a node hears when its id is another owner's (docs/protocol.md).
constexpr std::string_view kNodeIdTaken = "node id belongs to another owner";

}  // namespace

net::awaitable<std::expected<NodeEnrolment, ApiError>> NodeHub::check_token(
    const net::Request& request) {
  auto token = bearer_token(request);
  auto parsed = crypto::parse_token(token, crypto::kNodeTokenPrefix);
  if (!parsed) co_return std::unexpected(ApiError::unauthorized("missing or invalid node token"));
  std::string id(parsed->id);
  auto find = [id](store::Store& s) { return s.find_node_token(id); };
  auto record = co_await store_.call(find);
  if (!record) {
    if (record.error().kind != store::StoreError::Kind::not_found)
      spdlog::error("node token lookup failed: {}", record.error().message);
    co_return std::unexpected(ApiError::unauthorized("missing or invalid node token"));
  }
  if (!crypto::token_matches(token, record->sha256))
    co_return std::unexpected(ApiError::unauthorized("missing or invalid node token"));
  if (record->revoked_at) co_return std::unexpected(ApiError::unauthorized("node token revoked"));
  co_return NodeEnrolment{record->id, record->owner_id, record->cluster_id};
}

store::Trust NodeHub::earned_trust(const store::NodeRecord& record) const {
  // Many jobs alone could come from the owner's own keys: it takes as many
  // different consumers who paid.
  const bool earned = config_.verify_after_jobs > 0 && record.jobs_ok >= config_.verify_after_jobs &&
                      record.paying_consumers >= config_.verify_after_consumers && record.usage_mismatches == 0;
  return earned ? store::Trust::verified : record.trust;
}

net::awaitable<std::expected<store::NodeRecord, std::string>> NodeHub::enrol(const protocol::Hello& hello,
                                                                             const NodeEnrolment& enrolment) {
  auto record = node_record(hello, enrolment, hello.models);
  auto upsert = [&record](store::Store& s) { return s.upsert_node(record); };
  ++metrics_.node_record_writes;
  auto stored = co_await store_.call(upsert);
  if (stored) {
    note_first_seen(record, hello.models);
    co_return std::move(*stored);
  }
  if (stored.error().kind == store::StoreError::Kind::conflict) {
    // Ids only: the node id passed the decoder's identifier rule.
    spdlog::warn("node hello refused: node id {} belongs to another owner (token {})", hello.node_id,
                 enrolment.token_id);
    co_return std::unexpected(std::string(kNodeIdTaken));
  }
  spdlog::error("recording node {} failed: {}", hello.node_id, stored.error().message);
  co_return std::unexpected(std::string("the coordinator could not record the node; try again"));
}

net::awaitable<std::optional<net::Response>> NodeHub::connect(net::Exchange& exchange) {
  if (!boost::beast::websocket::is_upgrade(exchange.request))
    co_return net::make_error_response(
        ApiError::bad_request("this endpoint speaks WebSocket (potluck.v1)", "upgrade_required"));
  auto owner = co_await check_token(exchange.request);
  if (!owner) co_return net::make_error_response(owner.error());

  // A forced shutdown closes the channel, which exists only once the stream is taken.
  auto closer = std::make_shared<std::weak_ptr<net::WsChannel>>();
  auto channel = std::make_shared<net::WsChannel>(exchange.take_over([closer] {
    if (auto c = closer->lock()) c->force_close();
  }), config_.node_link);
  *closer = channel;
  const auto accepted = co_await channel->accept(exchange.request);
  if (accepted) {
    // No address at info: a client IP is personal data (see docs/privacy.md).
    spdlog::info("node upgrade failed: {}", accepted.message());
    co_return std::nullopt;
  }
  channel->start_writer();

  // The first frame must be hello, within the handshake timeout.
  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer hello_timer(executor, config_.node_link.handshake_timeout);
  hello_timer.async_wait([weak = std::weak_ptr(channel)](boost::system::error_code ec) {
    if (auto c = weak.lock(); c && !ec) c->force_close();
  });
  auto first = co_await channel->read();
  hello_timer.cancel();
  if (!first) co_return std::nullopt;
  auto frame = protocol::decode(*first);
  protocol::Hello* hello = frame ? std::get_if<protocol::Hello>(&*frame) : nullptr;
  if (!hello) {
    const std::string reason = frame ? "expected hello" : frame.error().reason;
    co_await channel->close(reason);
    co_return std::nullopt;
  }
  if (hello->protocol != protocol::kProtocolVersion) {
    co_await channel->close("unsupported protocol (this coordinator speaks potluck.v1)");
    co_return std::nullopt;
  }

  if (hello->max_jobs > config_.max_node_jobs) {
    spdlog::info("node {} declared max_jobs {}; clamped to --max-node-jobs {}", hello->node_id, hello->max_jobs,
                 config_.max_node_jobs);
    hello->max_jobs = config_.max_node_jobs;
  }
  auto enrolled = co_await enrol(*hello, *owner);
  if (!enrolled) {
    co_await channel->close(enrolled.error());
    co_return std::nullopt;
  }
  owner->trust = earned_trust(*enrolled);
  auto link = std::make_shared<WsNodeLink>(channel, std::move(*hello), std::move(*owner),
                                         config_.max_stream_buffer_bytes, config_.health);
  // A node that does not speak flow control (older versions) sends freely;
  // its jobs are held by the backlog bound alone.
  if (link->hello().flow) link->set_window_bytes(node_window(config_));
  link->set_usage_mismatches(enrolled->usage_mismatches, config_.max_usage_mismatches);
  if (link->suspended())
    spdlog::warn("node {} stays suspended from the public pool: {} usage reports above what it relayed "
                 "(--max-usage-mismatches {}) until an admin clears them",
                 link->id(), link->usage_mismatches(), config_.max_usage_mismatches);
  auto added = registry_.add(link);
  if (!added) {
    // The store agreed, so the live node's record changed hands since it
    // connected (its owner's account went): it keeps serving until it leaves.
    spdlog::warn("node hello refused: node id {} is online under another owner (token {})", link->id(),
                 link->token_id());
    co_await channel->close(kNodeIdTaken);
    co_return std::nullopt;
  }
  if (auto& previous = *added) {
    // Same node id reconnected before its old connection timed out.
    previous->fail_all();
    previous->disconnect();
  }
  ++metrics_.node_connects;
  queue_.notify();
  std::string session = make_id("ses_", 16);
  const bool batches = link->hello().batches;
  protocol::Welcome welcome{session, kHeartbeatSeconds, POTLUCK_VERSION, true};
  welcome.window = link->window_bytes();
  channel->send(protocol::encode(welcome));
  if (batches) channel->batch_with(protocol::encode_batch);
  spdlog::info("node {} ({}) online: {} models, max_jobs {}, {}, trust {}, session {}", link->id(),
               link->hello().name, link->models().size(), link->hello().max_jobs,
               link->cluster_id().empty() ? "public pool" : "cluster " + link->cluster_id(),
               to_string(link->trust()), session);
  co_await serve(link);
  co_return std::nullopt;
}

net::awaitable<void> NodeHub::serve(const std::shared_ptr<WsNodeLink>& link) {
  const std::shared_ptr<NodeLink> node = link;
  std::string close_reason;
  for (;;) {
    auto text = co_await link->channel().read();
    link->touch();
    if (!text) {
      if (link->channel().overflowed())
        spdlog::warn("node {} dropped: it stopped reading (more than --max-node-outbox-bytes {} queued for it)",
                     link->id(), config_.node_link.max_outbox_bytes);
      else
        spdlog::info("node {} offline: {}", link->id(), text.error().message());
      break;
    }
    if (!on_message(node, *text, close_reason)) {
      spdlog::warn("node {}: malformed frame ({}), closing", link->id(), close_reason);
      registry_.remove(link.get());
      link->fail_all();
      co_await link->channel().close(close_reason);
      co_return;
    }
  }
  registry_.remove(link.get());
  link->fail_all();
  link->channel().force_close();
}

bool NodeHub::on_message(const std::shared_ptr<NodeLink>& link, std::string_view text, std::string& close_reason) {
  auto frames = protocol::decode_message(text);
  if (!frames) {
    close_reason = frames.error().reason;
    return false;
  }
  for (auto& frame : *frames)
    if (!on_frame(link, frame, close_reason)) return false;
  return true;
}

bool NodeHub::on_frame(const std::shared_ptr<NodeLink>& link, protocol::Frame& frame, std::string& close_reason) {
  return std::visit(
      [&](auto&& f) -> bool {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, protocol::Chunk> || std::is_same_v<F, protocol::Done> ||
                      std::is_same_v<F, protocol::Error>) {
          std::string id = f.id;
          link->deliver(id, std::move(f));
        } else if constexpr (std::is_same_v<F, protocol::Status>) {
          link->set_draining(f.draining);
          if (f.models) pace_models(link, std::move(*f.models));
          if (f.draining) spdlog::info("node {} is draining ({} in flight)", link->id(), f.in_flight);
        } else if constexpr (std::is_same_v<F, protocol::Unknown>) {
          // Forward compatible: newer nodes may send frames we do not know.
        } else {
          close_reason = "unexpected frame from a node";
          return false;
        }
        return true;
      },
      std::move(frame));
}

void NodeHub::note_first_seen(const store::NodeRecord& record, const std::vector<protocol::ModelOffer>& models) {
  for (const auto& m : models) registry_.note_first_seen(record.cluster_id, m.id, record.seen_at);
}

store::NodeRecord NodeHub::node_record(const protocol::Hello& hello, const NodeEnrolment& enrolment,
                                       const std::vector<protocol::ModelOffer>& models) {
  boost::json::array ids;
  for (const auto& m : models) ids.push_back(boost::json::string(m.id));
  return {hello.node_id, enrolment.token_id, enrolment.owner_id, hello.name, hello.os, hello.arch,
          hello.agent_version, boost::json::serialize(ids), unix_now_ms(), enrolment.cluster_id};
}

void NodeHub::pace_models(const std::shared_ptr<NodeLink>& link, std::vector<protocol::ModelOffer> models) {
  auto decision =
      link->model_updates().offer(std::move(models), std::chrono::steady_clock::now(), config_.node_status_interval);
  if (decision.apply) apply_models(*link, std::move(*decision.apply));
  if (!decision.wake_at) return;
  boost::asio::co_spawn(
      executor_,
      [this, weak = std::weak_ptr(link), wake_at = *decision.wake_at]() -> net::awaitable<void> {
        boost::asio::steady_timer timer(executor_, wake_at);
        boost::system::error_code ec;
        co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        auto link = weak.lock();
        // Gone, or replaced by a newer connection of the node: its list is that one's.
        if (!link || registry_.find(link->id()) != link.get()) co_return;
        auto held = link->model_updates().release(std::chrono::steady_clock::now());
        if (held) apply_models(*link, std::move(*held));
      },
      boost::asio::detached);
}

void NodeHub::apply_models(NodeLink& link, std::vector<protocol::ModelOffer> models) {
  if (models == link.models()) return;  // back where it was: nothing to write
  registry_.set_models(link, std::move(models));
  record_node(link);
}

void NodeHub::record_node(const NodeLink& link) {
  auto record = node_record(link.hello(), NodeEnrolment{link.token_id(), link.owner_id(), link.cluster_id()},
                            link.models());
  note_first_seen(record, link.models());
  boost::asio::co_spawn(
      executor_,
      [this, record = std::move(record)]() -> net::awaitable<void> {
        auto upsert = [&record](store::Store& s) { return s.upsert_node(record); };
        ++metrics_.node_record_writes;
        auto result = co_await store_.call(upsert);
        if (!result) spdlog::warn("recording node {} failed: {}", record.id, result.error().message);
      },
      boost::asio::detached);
}

void NodeHub::close_all() {
  for (auto& link : registry_.all()) link->disconnect();
}

std::size_t NodeHub::disconnect_token(const std::string& token_id) {
  std::size_t closed = 0;
  for (auto& link : registry_.all()) {
    if (link->token_id() != token_id) continue;
    link->disconnect();
    ++closed;
  }
  return closed;
}

}  // namespace potluck::coordinator
