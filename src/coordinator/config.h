#pragma once
// Settings of `potluck serve`. Each field has a flag and an environment
// variable (see src/cli/serve_command.cpp and the README's table).
#include "common/strings.h"
#include "coordinator/dispatch_queue.h"
#include "coordinator/node_health.h"
#include "coordinator/rate_limiter.h"
#include "coordinator/sessions.h"
#include "net/limits.h"
#include "net/tls_files.h"
#include "net/ws_channel.h"
#include "payments/lightning_network.h"
#include "payments/lnd_options.h"
#include "protocol/exec.h"
#include "protocol/frames.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace potluck::coordinator {

// POST /v1/embeddings: what one request may ask and a node may answer.
struct EmbeddingLimits {
  std::int64_t max_inputs = 2048;                // strings or token arrays in `input`
  std::int64_t max_input_bytes = 2 * 1024 * 1024;  // the request body
  std::int64_t max_dimensions = 8192;            // numbers in one vector, asked (`dimensions`) or answered
};

// Buying credits and paying providers out (docs/payments.md). Amounts are
// micro-credits.
enum class PaymentRailKind { none, lnd };
struct PaymentSettings {
  PaymentRailKind rail = PaymentRailKind::none;  // none: credits by grant only
  payments::LndOptions lnd;
  payments::LightningNetwork network = payments::LightningNetwork::bitcoin;
  std::int64_t micro_per_sat = 1'000'000;           // --credits-per-sat 1
  std::int64_t min_payout = 100'000'000;            // 100 credits
  std::int64_t max_payout_per_day = 1'000'000'000'000;  // a million credits per user
  std::int64_t max_topup = 1'000'000'000'000;       // one invoice
  std::int64_t topup_expiry_s = 3600;
  std::int64_t max_open_topups = 20;                // unpaid invoices per user
  std::int64_t payout_timeout_s = 60;               // LND's pathfinding budget per payout
};

struct CoordinatorConfig {
  HostPort listen{"127.0.0.1", 8400};
  std::string data_dir = "potluck-data";
  std::string web_dir;  // the built dashboard; the CLI defaults it to the build tree's
  net::ServerLimits limits;
  // The link to each node; what is queued for a node is bounded (64 MiB, a
  // few of the largest job frames): one that stops reading is dropped.
  net::WsOptions node_link = [] {
    net::WsOptions options;
    options.max_outbox_bytes = 64u << 20;
    return options;
  }();
  std::chrono::milliseconds job_deadline{300'000};  // whole job, dispatch to last chunk
  std::chrono::milliseconds grace_period{30'000};   // shutdown: in-flight jobs may finish
  int max_retries = 2;            // re-dispatch before the first chunk
  int retry_after_s = 2;          // advertised with 503
  std::size_t max_stream_buffer_bytes = 1024 * 1024;  // per consumer stream
  // Flow control on the node link: the output of each job a node may send
  // before its consumer has taken it (welcome.window, then credit frames).
  // node_window() brings it under half the stream buffer; 0 turns flow control off.
  std::int64_t node_window_bytes = 256 * 1024;
  std::size_t max_result_bytes = 4 * 1024 * 1024;     // a collected (non-streamed) answer; past it: 502
  EmbeddingLimits embeddings;
  std::chrono::seconds key_cache_ttl{30};
  SessionSettings sessions;      // dashboard sign-ins: lifetime and how many are held
  bool secure_cookies = false;   // the session cookie gets Secure (TLS ends at a proxy in front; always with tls)
  net::TlsFiles tls;             // both set: serve HTTPS and wss:// (see tls_setup.h)
  std::chrono::seconds tls_reload{60};  // how often the files' modification times are checked (0: SIGHUP only)
  bool insecure_http = false;    // allow plain HTTP on an address that is not loopback
  // Browser origins that may call /v1 (comma list, or "*"; empty: none).
  // Checked by CorsPolicy::parse (cors_policy.h).
  std::string cors_origins;
  RateLimit per_key{100, 200};  // requests per second and burst, per API key (0: unlimited)
  RateLimit per_ip{200, 400};   // per client address, on /v1 and /api
  QueueSettings queue;                          // waiting for a free slot
  std::chrono::milliseconds queue_timeout{30'000};  // longest wait in line (503 after)
  // A streamed request waiting in line or for its first output is sent an
  // SSE comment this often (the response head with the first), so proxies
  // with read timeouts keep its connection; 0: off.
  std::chrono::seconds sse_keepalive{15};
  // Asynchronous jobs (POST /v1/jobs).
  std::chrono::milliseconds job_claim_timeout{60'000};  // unclaimed this long: timed_out
  std::chrono::seconds job_result_ttl{600};  // a finished job (and its result) is dropped after this
  std::size_t max_jobs_held = 10'000;        // records in memory, finished ones included (503 past it)
  std::size_t max_pending_jobs_per_consumer = 100;  // unfinished jobs per user (429 past it)
  HealthSettings health;                        // when a failing node is parked
  std::int64_t max_tokens_cap = 32768;   // a request asking for more output tokens is refused (400)
  std::int64_t verify_after_jobs = 1000; // successful jobs, with no usage mismatch, that earn "verified"
  std::int64_t verify_after_consumers = 10; // ... from at least this many paying consumers, not the owner
  // A public node whose usage reports passed the relayed bound more often
  // than this (since an admin last cleared its count) gets no more
  // public-pool jobs until an admin clears it.
  std::int64_t max_usage_mismatches = 3;
  // The most processes a node may say one program runs at once: an exec
  // job's CPU time is billed at most its wall time x the node's limit (this
  // one when the node says none or more); a report above that is a mismatch.
  std::int64_t max_exec_processes = protocol::kMaxExecProcesses;
  // A node's model list changes (status frames) are applied at most this often;
  // faster ones are coalesced, the latest applied when the interval has passed.
  std::chrono::milliseconds node_status_interval{5000};
  // A node's declared capacity (hello max_jobs) is clamped to this, so a node
  // cannot claim the whole line by saying it runs a million jobs at once.
  int max_node_jobs = 64;
  // A public model id no node has offered for this long is forgotten: asking
  // for it is a 404 model_not_found, not a 503 "no node online".
  std::chrono::hours known_model_ttl{24};
  int usage_retention_days = 90;                   // raw usage kept, then folded by day
  int aggregate_retention_days = 730;              // daily usage aggregates kept, then deleted
  int node_record_retention_days = 180;            // a node record not seen this long is deleted
  int audit_retention_days_after_delete = 90;      // a deleted cluster's audit rows kept, then pruned
  std::chrono::seconds retention_interval{3600};  // how often the fold runs
  std::chrono::milliseconds storage_check{2'000};  // how often a write that changes nothing checks storage
  std::size_t max_pending_usage = 100'000;  // usage events kept while storage fails; past it the oldest go
  // How often every kept balance is compared with the sum of its rows (also
  // once at start). A full scan of the ledger on the store thread: daily.
  std::chrono::seconds ledger_check_interval{86400};
  PaymentSettings payments;
};

// The window nodes are granted: the flag's, but at most half the stream
// buffer, so that a node keeping to its window (which it may pass by one
// engine read's chunks) never fills its consumer's backlog; 0: off.
inline std::int64_t node_window(const CoordinatorConfig& config) {
  if (config.node_window_bytes == 0) return 0;
  const auto half_buffer = static_cast<std::int64_t>(config.max_stream_buffer_bytes / 2);
  return std::max(protocol::kMinWindowBytes, std::min(config.node_window_bytes, half_buffer));
}

}  // namespace potluck::coordinator
