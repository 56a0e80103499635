#include "store/audit.h"

#include "crypto/sha256.h"

namespace potluck::store {

// Fields are length-prefixed so no choice of values can make two different
// rows hash alike.
std::string audit_digest(const AuditRecord& row) {
  std::string text;
  auto field = [&text](std::string_view value) {
    text += std::to_string(value.size());
    text += ':';
    text += value;
    text += ';';
  };
  field(row.prev_sha256);
  field(std::to_string(row.seq));
  field(std::to_string(row.ts_ms));
  field(row.event.actor_id);
  field(row.event.action);
  field(row.event.subject_id);
  field(row.event.cluster_id);
  field(row.event.detail);
  return crypto::sha256_hex(text);
}

}  // namespace potluck::store
