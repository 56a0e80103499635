#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/payment_flags.h"
#include "common/log.h"
#include "coordinator/config.h"
#include "coordinator/coordinator.h"
#include "coordinator/cors_policy.h"
#include "net/address_ranges.h"
#include "protocol/exec.h"
#include "protocol/frames.h"

#include <CLI/CLI.hpp>

#include <deque>
#include <filesystem>
#include <iostream>

namespace potluck::cli {
namespace {

// The dashboard an installed binary serves: <prefix>/share/potluck/web
// beside <prefix>/bin/potluck (the Debian package puts it in
// /usr/share/potluck/web). A binary run from its build tree has none there
// and serves the tree's build (POTLUCK_DEFAULT_WEB_DIR).
std::string default_web_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "potluck" / "web";
    if (std::filesystem::exists(installed / "index.html", ec)) return installed.string();
  }
  return POTLUCK_DEFAULT_WEB_DIR;
}

}  // namespace

std::shared_ptr<const coordinator::CoordinatorConfig> add_serve_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("serve", "Run the coordinator (HTTP API, node hub, scheduler)");
  auto config = std::make_shared<coordinator::CoordinatorConfig>();
  auto listen = std::make_shared<std::string>("127.0.0.1:8400");
  auto log_options = std::make_shared<LogOptions>();
  auto& c = *config;
  auto& l = c.limits;
  auto durations = std::make_shared<DurationFlags>();
  auto duration_flag = [&](const std::string& name, auto& field, const std::string& env,
                           const std::string& help) { durations->add(cmd, name, field, env, help); };

  cmd->add_option("--listen", *listen, "Address and port to listen on (port 0: any free port)")
      ->envname("POTLUCK_LISTEN")->capture_default_str();
  cmd->add_option("--data-dir", c.data_dir, "Directory for the SQLite database")
      ->envname("POTLUCK_DATA_DIR")->capture_default_str();
  c.web_dir = default_web_dir();
  cmd->add_option("--web-dir", c.web_dir, "Directory of the built dashboard served at / (index.html, assets/)")
      ->envname("POTLUCK_WEB_DIR")->capture_default_str();
  cmd->add_option("--cors-origins", c.cors_origins,
                  "Browser origins that may call /v1 (comma list of scheme://host[:port], or '*'; default none). "
                  "Keys go in the Authorization header; /api never answers other origins")
      ->envname("POTLUCK_CORS_ORIGINS")
      ->check(CLI::Validator(
          [](const std::string& text) -> std::string {
            auto policy = coordinator::CorsPolicy::parse(text);
            return policy ? std::string() : policy.error();
          },
          "ORIGINS"));
  duration_flag("--session-ttl-s", c.sessions.ttl, "POTLUCK_SESSION_TTL_S",
                "How long a dashboard sign-in lasts");
  cmd->add_option("--max-sessions", c.sessions.max_sessions,
                  "Dashboard sessions held at once; past it the oldest is signed out")
      ->envname("POTLUCK_MAX_SESSIONS")->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--max-sessions-per-user", c.sessions.max_per_user,
                  "Dashboard sessions one user holds at once; past it their oldest is signed out")
      ->envname("POTLUCK_MAX_SESSIONS_PER_USER")->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
      ->capture_default_str();
  cmd->add_flag("--secure-cookies", c.secure_cookies,
                "Mark the session cookie Secure (when TLS ends at a proxy in front of the coordinator)")
      ->envname("POTLUCK_SECURE_COOKIES");
  cmd->add_option("--tls-cert", c.tls.cert_file,
                  "PEM certificate chain (leaf first): serve HTTPS and wss:// on the listen port (with --tls-key)")
      ->envname("POTLUCK_TLS_CERT");
  cmd->add_option("--tls-key", c.tls.key_file, "PEM private key of --tls-cert")->envname("POTLUCK_TLS_KEY");
  duration_flag("--tls-reload-s", c.tls_reload, "POTLUCK_TLS_RELOAD_S",
                "How often the certificate and key files are checked for a change and re-read (0: only on SIGHUP)");
  duration_flag("--tls-handshake-timeout-ms", l.tls_handshake_timeout, "POTLUCK_TLS_HANDSHAKE_TIMEOUT_MS",
                "Time a client has, from accept, to finish its TLS handshake (then it is closed)");
  cmd->add_flag("--insecure-http", c.insecure_http,
                "Allow plain HTTP on an address that is not loopback (when TLS ends at a proxy in front)")
      ->envname("POTLUCK_INSECURE_HTTP");
  add_log_flags(cmd, *log_options);
  cmd->add_option("--max-body-bytes", l.max_body_bytes, "Largest request body (413 past it)")
      ->envname("POTLUCK_MAX_BODY_BYTES")->capture_default_str();
  cmd->add_option("--max-header-bytes", l.max_header_bytes, "Largest request head (431 past it)")
      ->envname("POTLUCK_MAX_HEADER_BYTES")->capture_default_str();
  cmd->add_option("--max-header-fields", l.max_header_fields, "Most header fields (431 past it)")
      ->envname("POTLUCK_MAX_HEADER_FIELDS")->capture_default_str();
  cmd->add_option("--max-url-bytes", l.max_url_bytes, "Longest request line (414 past it)")
      ->envname("POTLUCK_MAX_URL_BYTES")->capture_default_str();
  cmd->add_option("--max-connections", l.max_connections, "Open connections in total (503 past it)")
      ->envname("POTLUCK_MAX_CONNECTIONS")->capture_default_str();
  auto trusted_proxies = std::make_shared<std::string>();
  cmd->add_option("--trusted-proxies", *trusted_proxies,
                  "Reverse proxies in front, as addresses or CIDR ranges (comma-separated): their "
                  "X-Forwarded-For names the client for the per-address limits, and their connections "
                  "count against --max-connections only")
      ->envname("POTLUCK_TRUSTED_PROXIES")
      ->check([](const std::string& text) {
        auto ranges = net::AddressRanges::parse(text);
        return ranges ? std::string() : ranges.error();
      });
  cmd->add_option("--max-connections-per-ip", l.max_connections_per_ip,
                  "Open connections per client address (503 past it)")
      ->envname("POTLUCK_MAX_CONNECTIONS_PER_IP")->capture_default_str();
  duration_flag("--header-timeout-ms", l.header_timeout, "POTLUCK_HEADER_TIMEOUT_MS",
                "Time to receive a request head, from accept or first byte (408)");
  duration_flag("--body-timeout-ms", l.body_timeout, "POTLUCK_BODY_TIMEOUT_MS",
                "Time to receive a request body");
  duration_flag("--idle-timeout-ms", l.idle_timeout, "POTLUCK_IDLE_TIMEOUT_MS",
                "Keep-alive idle time before the connection is closed");
  duration_flag("--write-timeout-ms", l.write_timeout, "POTLUCK_WRITE_TIMEOUT_MS",
                "Time a client may take to accept a write before it is dropped");
  duration_flag("--job-deadline-ms", c.job_deadline, "POTLUCK_JOB_DEADLINE_MS",
                "Longest a job may run, dispatch to last chunk (504)");
  duration_flag("--grace-period-ms", c.grace_period, "POTLUCK_GRACE_PERIOD_MS",
                "On SIGTERM, how long in-flight jobs may take to finish");
  cmd->add_option("--max-retries", c.max_retries, "Re-dispatches of a job whose node fails before its first chunk")
      ->envname("POTLUCK_MAX_RETRIES")->capture_default_str();
  duration_flag("--queue-timeout-ms", c.queue_timeout, "POTLUCK_QUEUE_TIMEOUT_MS",
                "Longest a request waits in line for a free slot (503 after)");
  duration_flag("--sse-keepalive-s", c.sse_keepalive, "POTLUCK_SSE_KEEPALIVE_S",
                "While a streamed request waits in line or for its first token, send the response head and an SSE "
                "comment this often (0: off)");
  cmd->add_option("--max-queue", c.queue.max_waiting, "Requests that may wait per model or tier (503 past it)")
      ->envname("POTLUCK_MAX_QUEUE")->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}))->capture_default_str();
  cmd->add_option("--max-jobs-per-consumer", c.queue.max_jobs_per_consumer,
                  "Jobs one user may have in flight; more wait in line (0: no cap)")
      ->envname("POTLUCK_MAX_JOBS_PER_CONSUMER")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--fast-streak", c.queue.fast_streak,
                  "Fast-priority jobs served in a row while a normal one waits; then the normal one goes")
      ->envname("POTLUCK_FAST_STREAK")->check(CLI::Range(1, 1000))->capture_default_str();
  duration_flag("--job-claim-timeout-ms", c.job_claim_timeout, "POTLUCK_JOB_CLAIM_TIMEOUT_MS",
                "An asynchronous job no node takes within this ends timed_out");
  duration_flag("--job-result-ttl-s", c.job_result_ttl, "POTLUCK_JOB_RESULT_TTL_S",
                "How long a finished asynchronous job and its result are kept (in memory only)");
  cmd->add_option("--max-jobs-held", c.max_jobs_held,
                  "Asynchronous jobs kept in memory, finished ones included (503 past it)")
      ->envname("POTLUCK_MAX_JOBS_HELD")->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--max-pending-jobs-per-consumer", c.max_pending_jobs_per_consumer,
                  "Unfinished asynchronous jobs one user may have (429 past it)")
      ->envname("POTLUCK_MAX_PENDING_JOBS_PER_CONSUMER")->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--park-after-failures", c.health.failures_to_park,
                  "Node failures within the window that park a node")
      ->envname("POTLUCK_PARK_AFTER_FAILURES")->check(CLI::Range(1, 1000))->capture_default_str();
  duration_flag("--park-window-s", c.health.window, "POTLUCK_PARK_WINDOW_S", "The window failures are counted in");
  duration_flag("--park-cool-down-s", c.health.cool_down, "POTLUCK_PARK_COOL_DOWN_S",
                "How long a parked node waits before one probe job");
  cmd->add_option("--rate-per-key", c.per_key.per_second, "Requests per second per API key (0: unlimited; 429 past it)")
      ->envname("POTLUCK_RATE_PER_KEY")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--burst-per-key", c.per_key.burst, "Requests an API key may make at once before the rate applies")
      ->envname("POTLUCK_BURST_PER_KEY")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--rate-per-ip", c.per_ip.per_second, "Requests per second per client address on /v1 and /api (0: unlimited)")
      ->envname("POTLUCK_RATE_PER_IP")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--burst-per-ip", c.per_ip.burst, "Requests a client address may make at once")
      ->envname("POTLUCK_BURST_PER_IP")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-tokens-cap", c.max_tokens_cap,
                  "Largest max_tokens a request may ask for (also the hold basis when it asks none)")
      ->envname("POTLUCK_MAX_TOKENS_CAP")->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--verify-after-jobs", c.verify_after_jobs,
                  "Successful jobs, with no usage mismatch, after which a public node counts as verified (0: never)")
      ->envname("POTLUCK_VERIFY_AFTER_JOBS")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--max-usage-mismatches", c.max_usage_mismatches,
                  "Usage reports above what a public node relayed that it may make before it gets no more "
                  "public-pool jobs, until an admin clears its count (POST /api/nodes/{id}/clear-mismatches)")
      ->envname("POTLUCK_MAX_USAGE_MISMATCHES")->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--max-exec-processes", c.max_exec_processes,
                  "Processes a node may say one program runs at once: an exec job is billed at most its wall time "
                  "x the node's limit (this one when the node says none or more) in CPU time; a report above it "
                  "counts as a usage mismatch")
      ->envname("POTLUCK_MAX_EXEC_PROCESSES")
      ->check(CLI::Range(std::int64_t{1}, protocol::kMaxExecProcesses))->capture_default_str();
  cmd->add_option("--verify-after-consumers", c.verify_after_consumers,
                  "Distinct paying consumers (not the node's owner) a public node must have served to count as "
                  "verified")
      ->envname("POTLUCK_VERIFY_AFTER_CONSUMERS")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--max-stream-buffer-bytes", c.max_stream_buffer_bytes,
                  "Output a streaming client may fall behind by before its job is cancelled")
      ->envname("POTLUCK_MAX_STREAM_BUFFER_BYTES")->capture_default_str();
  cmd->add_option("--node-window-bytes", c.node_window_bytes,
                  "Output of one job a node may send ahead of its consumer (per-job flow control; at most half "
                  "of --max-stream-buffer-bytes; 0: off, nodes send freely)")
      ->envname("POTLUCK_NODE_WINDOW_BYTES")->capture_default_str()
      ->check(CLI::Validator(
          [](const std::string& text) -> std::string {
            std::int64_t bytes = -1;
            if (!CLI::detail::lexical_cast(text, bytes) || (bytes != 0 && bytes < protocol::kMinWindowBytes) ||
                bytes > protocol::kMaxWindowBytes)
              return "must be 0 (off) or between 4096 and 67108864";
            return {};
          },
          "0 or 4096-67108864"));
  cmd->add_option("--max-result-bytes", c.max_result_bytes,
                  "Largest non-streamed answer (or asynchronous job result) held for a consumer; past it the job "
                  "fails (502) and is cancelled on its node")
      ->envname("POTLUCK_MAX_RESULT_BYTES")->capture_default_str();
  cmd->add_option("--max-embedding-inputs", c.embeddings.max_inputs,
                  "Most inputs (strings or token arrays) one POST /v1/embeddings may hold (400 past it)")
      ->envname("POTLUCK_MAX_EMBEDDING_INPUTS")->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}))
      ->capture_default_str();
  cmd->add_option("--max-embedding-input-bytes", c.embeddings.max_input_bytes,
                  "Largest POST /v1/embeddings body (413 past it; the HTTP body limit applies too)")
      ->envname("POTLUCK_MAX_EMBEDDING_INPUT_BYTES")->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--max-embedding-dimensions", c.embeddings.max_dimensions,
                  "Most numbers in one embedding vector, asked for (dimensions, 400 past it) or sent back by a node "
                  "(the job fails, 502)")
      ->envname("POTLUCK_MAX_EMBEDDING_DIMENSIONS")->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--max-node-message-bytes", c.node_link.max_message_bytes,
                  "Largest WebSocket message from a node (the link is closed past it)")
      ->envname("POTLUCK_MAX_NODE_MESSAGE_BYTES")->capture_default_str();
  cmd->add_option("--max-node-outbox-bytes", c.node_link.max_outbox_bytes,
                  "Bytes queued for a node that is not reading them before its link is dropped (its jobs end or are "
                  "retried elsewhere)")
      ->envname("POTLUCK_MAX_NODE_OUTBOX_BYTES")->check(CLI::Range(std::size_t{1} << 20, std::size_t{1} << 34))
      ->capture_default_str();
  duration_flag("--node-hello-timeout-s", c.node_link.handshake_timeout,
                "POTLUCK_NODE_HELLO_TIMEOUT_S", "Time a node has to upgrade and say hello");
  duration_flag("--node-idle-timeout-s", c.node_link.idle_timeout, "POTLUCK_NODE_IDLE_TIMEOUT_S",
                "A silent node link is pinged at half this and dropped after it");
  cmd->add_option("--max-node-jobs", c.max_node_jobs,
                  "Most jobs one node runs at once, whatever capacity it declares (its max_jobs is clamped to it)")
      ->envname("POTLUCK_MAX_NODE_JOBS")->check(CLI::Range(1, 100'000))->capture_default_str();
  duration_flag("--node-status-interval-ms", c.node_status_interval, "POTLUCK_NODE_STATUS_INTERVAL_MS",
                "A node's model list changes at most this often; faster status frames are coalesced (latest wins)");
  duration_flag("--known-model-ttl-h", c.known_model_ttl, "POTLUCK_KNOWN_MODEL_TTL_H",
                "A public model no node has offered for this long is forgotten (404 instead of 503)");
  cmd->add_option("--usage-retention-days", c.usage_retention_days,
                  "Raw usage events older than this are folded into daily aggregates")
      ->envname("POTLUCK_USAGE_RETENTION_DAYS")->capture_default_str()->check(CLI::Range(1, 36500));
  cmd->add_option("--aggregate-retention-days", c.aggregate_retention_days,
                  "Daily usage aggregates older than this are deleted")
      ->envname("POTLUCK_AGGREGATE_RETENTION_DAYS")->capture_default_str()->check(CLI::Range(1, 36500));
  cmd->add_option("--node-record-retention-days", c.node_record_retention_days,
                  "Records of nodes not seen for this long are deleted (connected nodes are kept)")
      ->envname("POTLUCK_NODE_RECORD_RETENTION_DAYS")->capture_default_str()->check(CLI::Range(1, 36500));
  cmd->add_option("--audit-retention-days-after-delete", c.audit_retention_days_after_delete,
                  "A deleted cluster's audit rows are pruned this long after the deletion (a checkpoint stays "
                  "in the chain)")
      ->envname("POTLUCK_AUDIT_RETENTION_DAYS_AFTER_DELETE")->capture_default_str()->check(CLI::Range(1, 36500));
  duration_flag("--retention-interval-s", c.retention_interval, "POTLUCK_RETENTION_INTERVAL_S",
                "How often the usage retention runs (at least 1)");
  duration_flag("--storage-check-ms", c.storage_check, "POTLUCK_STORAGE_CHECK_MS",
                "How often a write that changes nothing checks that the database can be written (/readyz)");
  cmd->add_option("--max-pending-usage", c.max_pending_usage,
                  "Usage events kept in memory while the database cannot be written; past it the oldest are "
                  "dropped and counted")
      ->envname("POTLUCK_MAX_PENDING_USAGE")->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  duration_flag("--ledger-check-interval-s", c.ledger_check_interval, "POTLUCK_LEDGER_CHECK_INTERVAL_S",
                "How often every kept balance is checked against the sum of its ledger rows (also at start; "
                "at least 1)");
  add_payment_flags(cmd, c.payments);

  cmd->callback([&action, config, listen, log_options, durations, trusted_proxies] {
    durations->apply();
    config->limits.trusted_proxies = net::AddressRanges::parse(*trusted_proxies).value();  // checked above
    auto where = parse_host_port(*listen);
    if (where) config->listen = *where;
    action = [config, listen, log_options, where]() -> int {
      if (!where) {
        std::cerr << "potluck serve: --listen must be HOST:PORT, got '" << *listen << "'\n";
        return 2;
      }
      if (auto logging = init_logging("serve", *log_options); !logging) {
        std::cerr << "potluck serve: " << logging.error() << "\n";
        return 2;
      }
      return coordinator::run_coordinator(*config);
    };
  });
  return config;
}

}  // namespace potluck::cli
