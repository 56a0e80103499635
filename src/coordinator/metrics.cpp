#include "coordinator/metrics.h"

namespace potluck::coordinator {
namespace {
void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}
void sample(std::string& out, std::string_view name, std::int64_t value, std::string_view labels = {}) {
  out += name;
  out += labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}
}  // namespace

std::string Metrics::render(std::size_t open_connections, std::size_t nodes_online) const {
  std::string out;
  metric(out, "potluck_open_connections", "gauge", "HTTP connections open now (node links included).");
  sample(out, "potluck_open_connections", static_cast<std::int64_t>(open_connections));
  metric(out, "potluck_nodes_online", "gauge", "Nodes connected now.");
  sample(out, "potluck_nodes_online", static_cast<std::int64_t>(nodes_online));
  metric(out, "potluck_jobs_in_flight", "gauge", "Jobs dispatched and not yet finished.");
  sample(out, "potluck_jobs_in_flight", jobs_in_flight);
  metric(out, "potluck_jobs_total", "counter", "Jobs finished, by final status.");
  for (store::UsageStatus status : store::all_usage_statuses())
    sample(out, "potluck_jobs_total", jobs_by_status[static_cast<std::size_t>(status)],
           "{status=\"" + std::string(to_string(status)) + "\"}");
  metric(out, "potluck_tokens_total", "counter", "Tokens relayed, as reported by nodes.");
  sample(out, "potluck_tokens_total", prompt_tokens, "{direction=\"prompt\"}");
  sample(out, "potluck_tokens_total", completion_tokens, "{direction=\"completion\"}");
  metric(out, "potluck_chunks_relayed_total", "counter", "Stream chunks relayed to consumers.");
  sample(out, "potluck_chunks_relayed_total", chunks_relayed);
  metric(out, "potluck_job_retries_total", "counter", "Jobs re-dispatched to another node before their first chunk.");
  sample(out, "potluck_job_retries_total", retries);
  metric(out, "potluck_node_connects_total", "counter", "Node sessions accepted.");
  sample(out, "potluck_node_connects_total", node_connects);
  metric(out, "potluck_node_record_writes_total", "counter",
         "Node records written (hellos and applied model-list changes).");
  sample(out, "potluck_node_record_writes_total", node_record_writes);
  metric(out, "potluck_usage_events_spilled_total", "counter",
         "Usage events dropped, oldest first, because storage failed for longer than the usage queue holds.");
  sample(out, "potluck_usage_events_spilled_total", usage_events_spilled);
  metric(out, "potluck_ledger_checks_total", "counter", "Runs of the ledger check (kept balances against row sums).");
  sample(out, "potluck_ledger_checks_total", ledger_checks);
  metric(out, "potluck_ledger_drifted_accounts", "gauge",
         "Accounts whose kept balance differed from the sum of their rows at the last check (0 when sound).");
  sample(out, "potluck_ledger_drifted_accounts", ledger_drifted_accounts);
  metric(out, "potluck_ledger_row_sum", "gauge", "Sum of every ledger row at the last check (0 when sound).");
  sample(out, "potluck_ledger_row_sum", ledger_row_sum);
  return out;
}

}  // namespace potluck::coordinator
