// Tiers and platform settings: small tables an admin edits.
#include "store/sqlite/sqlite_store.h"

#include "common/clock.h"
#include "store/sqlite/guarded.h"

#include <boost/json.hpp>

namespace potluck::store::sqlite {
namespace json = boost::json;

Result<std::vector<Tier>> SqliteStore::list_tiers() {
  return guarded([&]() -> Result<std::vector<Tier>> {
    auto s = db_.prepare("SELECT name, models, min_trust, max_price_in, max_price_out FROM tiers ORDER BY name");
    std::vector<Tier> tiers;
    while (s.step()) {
      // A minimum this version does not know reads as the strictest.
      Tier tier{s.text(0), {}, trust_from(s.text(2)).value_or(Trust::verified), s.integer(3), s.integer(4)};
      boost::system::error_code ec;
      const json::value models = json::parse(s.text(1), ec);
      if (!ec && models.is_array())
        for (const auto& m : models.get_array())
          if (m.is_string()) tier.models.emplace_back(m.get_string());
      tiers.push_back(std::move(tier));
    }
    return tiers;
  });
}

Result<void> SqliteStore::put_tier(const std::string& actor_id, const Tier& tier) {
  return guarded([&]() -> Result<void> {
    json::array models;
    for (const auto& m : tier.models) models.emplace_back(m);
    const std::string models_json = json::serialize(models);
    Transaction tx(db_);
    db_.prepare("INSERT INTO tiers (name, models, min_trust, max_price_in, max_price_out, created_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(name) DO UPDATE SET models = ?2, "
                "min_trust = ?3, max_price_in = ?4, max_price_out = ?5")
        .bind(1, tier.name).bind(2, models_json).bind(3, to_string(tier.min_trust)).bind(4, tier.max_price_in)
        .bind(5, tier.max_price_out).bind(6, unix_now_ms())
        .step();
    append_audit(db_, {actor_id, "tier.set", tier.name, "", json::serialize(json::object{
        {"models", models}, {"min_trust", to_string(tier.min_trust)}, {"max_price_in", tier.max_price_in},
        {"max_price_out", tier.max_price_out}})});
    tx.commit();
    return {};
  });
}

Result<void> SqliteStore::delete_tier(const std::string& actor_id, const std::string& name) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    db_.prepare("DELETE FROM tiers WHERE name = ?").bind(1, name).step();
    if (db_.changes() == 0) return std::unexpected(not_found("tier"));
    append_audit(db_, {actor_id, "tier.deleted", name});
    tx.commit();
    return {};
  });
}

Result<std::string> SqliteStore::setting(const std::string& key) {
  return guarded([&]() -> Result<std::string> {
    auto s = db_.prepare("SELECT value FROM settings WHERE key = ?");
    s.bind(1, key);
    return s.step() ? s.text(0) : std::string();
  });
}

Result<void> SqliteStore::put_settings(const std::string& actor_id,
                                       const std::vector<std::pair<std::string, std::string>>& values) {
  return guarded([&]() -> Result<void> {
    Transaction tx(db_);
    auto s = db_.prepare("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    json::object changed;
    for (const auto& [key, value] : values) {
      s.bind(1, key).bind(2, value);
      s.step();
      s.reset();
      changed[key] = value;
    }
    append_audit(db_, {actor_id, "settings.changed", "", "", json::serialize(changed)});
    tx.commit();
    return {};
  });
}

}  // namespace potluck::store::sqlite
