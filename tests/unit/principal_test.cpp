#include "coordinator/auth.h"

#include <gtest/gtest.h>

using potluck::coordinator::Principal;
using potluck::store::Role;
using potluck::store::Scope;

TEST(Principal, HasScopeMatchesWholeWordsOnly) {
  Principal p{"u", "k", Role::member, "inference exec"};
  EXPECT_TRUE(p.has_scope(Scope::inference));
  EXPECT_TRUE(p.has_scope(Scope::exec));
  EXPECT_FALSE(p.has_scope(Scope::admin));
  const Principal prefixes{"u", "k", Role::member, "inference executor admins"};
  EXPECT_FALSE(prefixes.has_scope(Scope::exec));
  EXPECT_FALSE(prefixes.has_scope(Scope::admin));
  const Principal joined{"u", "k", Role::member, "inferenceexec"};
  EXPECT_FALSE(joined.has_scope(Scope::inference));
  const Principal none{"u", "k", Role::member, ""};
  EXPECT_FALSE(none.has_scope(Scope::exec));
}
