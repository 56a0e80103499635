#include "coordinator/auth.h"

#include <gtest/gtest.h>

using potluck::coordinator::Principal;

TEST(Principal, HasScopeMatchesWholeWordsOnly) {
  Principal p{"u", "k", "member", "inference exec"};
  EXPECT_TRUE(p.has_scope("inference"));
  EXPECT_TRUE(p.has_scope("exec"));
  EXPECT_FALSE(p.has_scope("admin"));
  EXPECT_FALSE(p.has_scope("exe"));
  EXPECT_FALSE(p.has_scope("inference exec"));
  const Principal none{"u", "k", "member", ""};
  EXPECT_FALSE(none.has_scope("exec"));
}
