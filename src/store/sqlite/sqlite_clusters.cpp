#include "store/sqlite/sqlite_clusters.h"

#include "common/clock.h"
#include "common/ids.h"
#include "store/sqlite/guarded.h"
#include "store/sqlite/sqlite_audit.h"

namespace potluck::store::sqlite {

Result<Cluster> SqliteClusterStore::create_cluster(const std::string& owner_id, const std::string& name) {
  return guarded([&]() -> Result<Cluster> {
    Transaction tx(db_);
    auto taken = db_.prepare("SELECT 1 FROM clusters WHERE name = ?");
    taken.bind(1, name);
    if (taken.step())
      return std::unexpected(StoreError{StoreError::Kind::conflict, "a cluster with this name exists"});
    Cluster cluster{make_id("cl_", 16), name, owner_id, unix_now_ms()};
    db_.prepare("INSERT INTO clusters (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(1, cluster.id).bind(2, cluster.name).bind(3, owner_id).bind(4, cluster.created_at)
        .step();
    db_.prepare("INSERT INTO cluster_members (cluster_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)")
        .bind(1, cluster.id).bind(2, owner_id).bind(3, cluster.created_at)
        .step();
    append_audit(db_, {owner_id, "cluster.created", cluster.id, cluster.id});
    tx.commit();
    return cluster;
  });
}

Result<Cluster> SqliteClusterStore::find_cluster(const std::string& id) {
  return guarded([&]() -> Result<Cluster> {
    auto s = db_.prepare("SELECT id, name, owner_id, created_at FROM clusters WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::unexpected(not_found("cluster"));
    return Cluster{s.text(0), s.text(1), s.text(2), s.integer(3)};
  });
}

Result<std::vector<Membership>> SqliteClusterStore::memberships(const std::string& user_id) {
  return guarded([&]() -> Result<std::vector<Membership>> {
    auto s = db_.prepare("SELECT c.id, c.name, m.role FROM cluster_members m JOIN clusters c "
                         "ON c.id = m.cluster_id WHERE m.user_id = ? ORDER BY c.name");
    s.bind(1, user_id);
    std::vector<Membership> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
  });
}

}  // namespace potluck::store::sqlite
