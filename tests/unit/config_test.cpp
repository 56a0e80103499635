// Command-line configuration: flags, their environment variables, defaults.
#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace {

struct Parsed {
  CLI::App app{"potluck"};
  potluck::cli::Action action;
  std::shared_ptr<const potluck::coordinator::CoordinatorConfig> serve;
  std::shared_ptr<const potluck::node::NodeConfig> node;

  explicit Parsed(std::vector<std::string> args) {
    serve = potluck::cli::add_serve_command(app, action);
    node = potluck::cli::add_node_command(app, action);
    std::reverse(args.begin(), args.end());  // CLI11 takes them back to front
    app.parse(args);
  }
};

}  // namespace

TEST(ServeConfig, DefaultsMatchTheDesign) {
  Parsed p({"serve"});
  const auto& c = *p.serve;
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8400);
  EXPECT_EQ(c.limits.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(c.limits.max_url_bytes, 8u * 1024);
  EXPECT_EQ(c.limits.max_header_fields, 100u);
  EXPECT_EQ(c.limits.header_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c.limits.max_connections, 10000u);
  EXPECT_EQ(c.limits.max_connections_per_ip, 256u);
  EXPECT_EQ(c.node_link.max_message_bytes, 4u * 1024 * 1024);
  EXPECT_EQ(c.node_link.handshake_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.grace_period, std::chrono::seconds(30));
  EXPECT_EQ(c.max_stream_buffer_bytes, 1024u * 1024);
  EXPECT_EQ(c.usage_retention_days, 90);
  EXPECT_EQ(c.audit_retention_days_after_delete, 90);
  EXPECT_EQ(c.retention_interval, std::chrono::hours(1));
  ASSERT_TRUE(p.action);
}

TEST(ServeConfig, FlagsOverrideDefaults) {
  Parsed p({"serve", "--listen", "[::1]:0", "--data-dir", "/tmp/x", "--max-body-bytes", "1024",
            "--header-timeout-ms", "250", "--job-deadline-ms", "1500", "--max-retries", "0"});
  const auto& c = *p.serve;
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 0);
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.limits.max_body_bytes, 1024u);
  EXPECT_EQ(c.limits.header_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.job_deadline, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.max_retries, 0);
}

TEST(ServeConfig, EnvironmentFillsWhatFlagsLeaveOut) {
  setenv("POTLUCK_MAX_HEADER_BYTES", "4096", 1);
  setenv("POTLUCK_IDLE_TIMEOUT_MS", "1234", 1);
  Parsed p({"serve", "--max-body-bytes", "77"});
  unsetenv("POTLUCK_MAX_HEADER_BYTES");
  unsetenv("POTLUCK_IDLE_TIMEOUT_MS");
  EXPECT_EQ(p.serve->limits.max_header_bytes, 4096u);
  EXPECT_EQ(p.serve->limits.idle_timeout, std::chrono::milliseconds(1234));
  EXPECT_EQ(p.serve->limits.max_body_bytes, 77u);
}

TEST(ServeConfig, AsynchronousJobSettings) {
  Parsed defaults({"serve"});
  EXPECT_EQ(defaults.serve->job_claim_timeout, std::chrono::seconds(60));
  EXPECT_EQ(defaults.serve->job_result_ttl, std::chrono::minutes(10));
  EXPECT_EQ(defaults.serve->max_jobs_held, 10000u);
  EXPECT_EQ(defaults.serve->max_pending_jobs_per_consumer, 100u);
  EXPECT_EQ(defaults.serve->queue.fast_streak, 4);
  Parsed p({"serve", "--job-claim-timeout-ms", "250", "--job-result-ttl-s", "5", "--max-jobs-held", "7",
            "--max-pending-jobs-per-consumer", "3", "--fast-streak", "2"});
  EXPECT_EQ(p.serve->job_claim_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(p.serve->job_result_ttl, std::chrono::seconds(5));
  EXPECT_EQ(p.serve->max_jobs_held, 7u);
  EXPECT_EQ(p.serve->max_pending_jobs_per_consumer, 3u);
  EXPECT_EQ(p.serve->queue.fast_streak, 2);
  EXPECT_THROW(Parsed({"serve", "--fast-streak", "0"}), CLI::ParseError);
  EXPECT_THROW(Parsed({"serve", "--max-jobs-held", "0"}), CLI::ParseError);
}

TEST(ServeConfig, RejectsNonNumbers) {
  EXPECT_THROW(Parsed({"serve", "--max-body-bytes", "lots"}), CLI::ParseError);
}

TEST(NodeConfig, RequiresCoordinatorAndToken) {
  EXPECT_THROW(Parsed({"node"}), CLI::ParseError);
  Parsed p({"node", "--coordinator", "http://127.0.0.1:1", "--token", "pln_x", "--models", "a, b",
            "--max-jobs", "3", "--reconnect-max-ms", "900"});
  EXPECT_EQ(p.node->coordinator_url, "http://127.0.0.1:1");
  EXPECT_EQ(p.node->backend, "mock");
  EXPECT_EQ(p.node->models, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.node->max_jobs, 3);
  EXPECT_EQ(p.node->reconnect_max, std::chrono::milliseconds(900));
}

TEST(NodeConfig, BackendIsChecked) {
  EXPECT_THROW(Parsed({"node", "--coordinator", "http://x:1", "--token", "t", "--backend", "gpu"}),
               CLI::ParseError);
}

TEST(ServeConfig, RetentionFlags) {
  Parsed p({"serve", "--usage-retention-days", "30", "--retention-interval-s", "60"});
  EXPECT_EQ(p.serve->usage_retention_days, 30);
  EXPECT_EQ(p.serve->retention_interval, std::chrono::seconds(60));
  EXPECT_THROW(Parsed({"serve", "--usage-retention-days", "0"}), CLI::ValidationError);
  EXPECT_EQ(Parsed({"serve", "--audit-retention-days-after-delete", "30"}).serve->audit_retention_days_after_delete,
            30);
  EXPECT_THROW(Parsed({"serve", "--audit-retention-days-after-delete", "0"}), CLI::ValidationError);
  setenv("POTLUCK_USAGE_RETENTION_DAYS", "7", 1);
  Parsed from_env({"serve"});
  unsetenv("POTLUCK_USAGE_RETENTION_DAYS");
  EXPECT_EQ(from_env.serve->usage_retention_days, 7);
}

TEST(NodeConfig, ExecIsOffByDefaultWithTheDesignLimits) {
  Parsed p({"node", "--coordinator", "http://x:1", "--token", "t"});
  const auto& e = p.node->exec;
  EXPECT_FALSE(e.enabled);
  EXPECT_TRUE(e.languages.empty());
  EXPECT_EQ(e.isolation, potluck::node::exec::Isolation::automatic);
  EXPECT_EQ(e.max.timeout_ms, 10'000);
  EXPECT_EQ(e.max.memory_mb, 256);
  EXPECT_EQ(e.max.processes, 64);
  EXPECT_EQ(e.max.output_bytes, 1 << 20);
}

TEST(NodeConfig, ExecFlags) {
  Parsed p({"node", "--coordinator", "http://x:1", "--token", "t", "--backend", "none", "--exec",
            "--exec-languages", "python3,bash", "--exec-sandbox", "namespaces", "--exec-max-timeout-ms", "2000",
            "--exec-max-memory-mb", "64", "--exec-max-output-bytes", "4096"});
  const auto& e = p.node->exec;
  EXPECT_EQ(p.node->backend, "none");
  EXPECT_TRUE(e.enabled);
  EXPECT_EQ(e.languages, (std::vector<std::string>{"python3", "bash"}));
  EXPECT_EQ(e.isolation, potluck::node::exec::Isolation::namespaces);
  EXPECT_EQ(e.max.timeout_ms, 2000);
  EXPECT_EQ(e.max.memory_mb, 64);
  EXPECT_EQ(e.max.output_bytes, 4096);
  EXPECT_THROW(Parsed({"node", "--coordinator", "http://x:1", "--token", "t", "--exec-sandbox", "docker"}),
               CLI::ParseError);
  EXPECT_THROW(Parsed({"node", "--coordinator", "http://x:1", "--token", "t", "--exec-max-timeout-ms", "0"}),
               CLI::ParseError);
}

// Every duration flag (timers, TTLs, intervals) shares one parser; a negative
// value is refused there, for the node's flags as for the coordinator's.
TEST(ServeConfig, RejectsNegativeDurations) {
  EXPECT_THROW(Parsed({"serve", "--node-status-interval-ms", "-1"}), CLI::ValidationError);
  EXPECT_THROW(Parsed({"serve", "--known-model-ttl-h", "-5"}), CLI::ValidationError);
  EXPECT_THROW(Parsed({"serve", "--header-timeout-ms", "-1"}), CLI::ValidationError);
  Parsed zero({"serve", "--known-model-ttl-h", "0"});
  EXPECT_EQ(zero.serve->known_model_ttl, std::chrono::hours(0));
}

TEST(ServeConfig, TheNodeWindowDefaultsToAQuarterMebibyteWithinHalfTheStreamBuffer) {
  using potluck::coordinator::node_window;
  Parsed defaults({"serve"});
  EXPECT_EQ(defaults.serve->node_window_bytes, 256 * 1024);
  EXPECT_EQ(node_window(*defaults.serve), 256 * 1024);
  EXPECT_EQ(node_window(*Parsed({"serve", "--node-window-bytes", "0"}).serve), 0);
  EXPECT_EQ(node_window(*Parsed({"serve", "--node-window-bytes", "1048576"}).serve), 512 * 1024);
  EXPECT_EQ(node_window(*Parsed({"serve", "--max-stream-buffer-bytes", "65536"}).serve), 32 * 1024);
  EXPECT_EQ(node_window(*Parsed({"serve", "--node-window-bytes", "8192"}).serve), 8192);
  for (const char* bad : {"100", "-1", "67108865", "lots"})
    EXPECT_THROW(Parsed({"serve", "--node-window-bytes", bad}), CLI::ValidationError) << bad;
}
