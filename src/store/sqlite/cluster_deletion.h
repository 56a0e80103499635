#pragma once
// Deleting a cluster's rows, shared by DELETE /api/clusters/{id} and account
// deletion (a cluster its owner held alone goes with the account). Runs in
// the caller's Transaction and appends cluster.deleted.
#include "store/clusters.h"
#include "store/sqlite/database.h"

namespace potluck::store::sqlite {

ClusterDeletion delete_cluster_rows(Database& db, const std::string& actor_id, const std::string& cluster_id,
                                    std::int64_t now_ms);

}  // namespace potluck::store::sqlite
