#include "exdm/diagnosis/recipient_stores.h"

#include <gtest/gtest.h>

namespace exdm {
namespace {

TEST(RecipientFilterTest, EscapesEveryAddressAndMatchesMailAndSmtpProxies) {
  EXPECT_EQ(RecipientFilter({"a@contoso.com", "x*)(objectClass=*@evil"}),
            "(|(mail=a@contoso.com)(proxyAddresses=smtp:a@contoso.com)"
            "(mail=x\\2a\\29\\28objectClass=\\2a@evil)"
            "(proxyAddresses=smtp:x\\2a\\29\\28objectClass=\\2a@evil))");
}

}  // namespace
}  // namespace exdm
