// The contracts that cross a boundary as text: every value round-trips
// through its one to/from place, and text that is not a value is refused.
#include "store/access_levels.h"
#include "store/usage_outcome.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace potluck::store {
namespace {

TEST(EnumText, UsageStatusesRoundTrip) {
  for (UsageStatus status : all_usage_statuses()) EXPECT_EQ(usage_status_from(to_string(status)), status);
  EXPECT_EQ(to_string(UsageStatus::ok), "ok");
  EXPECT_EQ(to_string(UsageStatus::timeout), "timeout");
  EXPECT_FALSE(usage_status_from("OK"));
}

TEST(EnumText, FailureCodesRoundTripAndNeverShareText) {
  std::set<std::string> texts;
  for (RelayFailure failure : all_relay_failures()) {
    EXPECT_EQ(failure_code_from(to_string(failure)), FailureCode(failure));
    EXPECT_TRUE(texts.insert(std::string(to_string(failure))).second);
  }
  for (protocol::ErrorCode code : protocol::all_error_codes()) {
    EXPECT_EQ(failure_code_from(to_string(code)), FailureCode(code));
    EXPECT_TRUE(texts.insert(std::string(protocol::to_string(code))).second) << protocol::to_string(code);
  }
  EXPECT_EQ(to_string(std::optional<FailureCode>()), "");
  EXPECT_FALSE(failure_code_from(""));
  EXPECT_EQ(failure_code_from("\x1b[31mfree text"), FailureCode(protocol::ErrorCode::node_error));
}

TEST(EnumText, AccessLevelsRoundTrip) {
  for (Role role : {Role::admin, Role::member}) EXPECT_EQ(role_from(to_string(role)), role);
  for (Trust trust : {Trust::community, Trust::verified}) EXPECT_EQ(trust_from(to_string(trust)), trust);
  for (Scope scope : all_scopes()) EXPECT_EQ(scope_from(to_string(scope)), scope);
  EXPECT_EQ(to_string(Role::admin), "admin");
  EXPECT_EQ(to_string(Trust::verified), "verified");
  EXPECT_EQ(to_string(Scope::inference), "inference");
  EXPECT_FALSE(role_from("owner"));
  EXPECT_FALSE(trust_from("Verified"));
  EXPECT_FALSE(scope_from("exe"));
  EXPECT_LT(Trust::community, Trust::verified);  // a tier's minimum compares in this order
}

}  // namespace
}  // namespace potluck::store
