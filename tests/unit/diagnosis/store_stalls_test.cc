#include "exdm/diagnosis/store_stalls.h"

#include <gtest/gtest.h>

namespace exdm {
namespace {

StoreInfo Store(const std::string& server, const std::string& name,
                StoreType type = StoreType::kMailbox) {
  StoreInfo s;
  s.ref = {server, "First Storage Group", name};
  s.type = type;
  s.dn = "CN=" + name + ",CN=First Storage Group,CN=InformationStore,CN=" + server;
  return s;
}

LocalDeliveryReport Server(const std::string& name, std::vector<StalledRecipient> stalled,
                           std::vector<std::string> delivered = {}) {
  LocalDeliveryReport r;
  r.server = name;
  for (const StalledRecipient& s : stalled)
    r.stalled_deliveries += s.deliveries;
  r.stalled_recipients = std::move(stalled);
  for (std::string& d : delivered)
    r.delivered_recipients.push_back(DeliveredRecipient{std::move(d), 1, 0, 0});
  return r;
}

class AggregateStallsTest : public ::testing::Test {
 protected:
  std::vector<StoreInfo> stores_ = {Store("EXCH01", "A"), Store("EXCH01", "B"),
                                    Store("EXCH01", "Public", StoreType::kPublic),
                                    Store("EXCH02", "C")};
  std::map<std::string, StoreRef> store_of_ = {{"a1@x", stores_[0].ref},
                                               {"a2@x", stores_[0].ref},
                                               {"b1@x", stores_[1].ref},
                                               {"c1@x", stores_[3].ref}};
};

TEST_F(AggregateStallsTest, SumsPerStoreWorstFirstWithTheOldestExample) {
  const auto c = AggregateStalls({Server("EXCH01", {{"a1@x", 2, 100, "m-a1"},
                                                    {"A2@X", 5, 50, "m-a2"},
                                                    {"b1@x", 1, 10, "m-b1"},
                                                    {"who@x", 4, 5, "m-who"}})},
                                 store_of_, stores_);
  ASSERT_EQ(c.stores.size(), 2u);
  EXPECT_EQ(c.stores[0].store.store, "A");
  EXPECT_EQ(c.stores[0].deliveries, 7u);
  EXPECT_EQ(c.stores[0].recipients, 2u);
  EXPECT_EQ(c.stores[0].oldest_first_seen, 50);
  EXPECT_EQ(c.stores[0].example_message_id, "m-a2");
  EXPECT_EQ(c.stores[1].store.store, "B");
  EXPECT_EQ(c.unmapped_recipients, 1u);
  EXPECT_EQ(c.unmapped_deliveries, 4u);
  // Both mailbox stores of EXCH01 (the public store holds no recipients).
  ASSERT_EQ(c.scopes.size(), 1u);
  EXPECT_EQ(c.scopes[0].scope, StallScope::kWholeServer);
  EXPECT_EQ(c.scopes[0].stores, 2u);
}

TEST_F(AggregateStallsTest, ScopeOneStoreSpecificMessagesUnmapped) {
  auto c =
      AggregateStalls({Server("exch01", {{"a1@x", 9, 100, "m"}}, {"a2@x"})}, store_of_, stores_);
  ASSERT_EQ(c.scopes.size(), 1u);
  EXPECT_EQ(c.scopes[0].scope, StallScope::kOneStore);  // too many to be a few messages
  EXPECT_EQ(c.scopes[0].description, "one of 2 stores (EXCH01 / First Storage Group / A)");

  c = AggregateStalls({Server("EXCH01", {{"a1@x", 1, 100, "m"}}, {"a2@x"})}, store_of_, stores_);
  EXPECT_EQ(c.scopes[0].scope, StallScope::kSpecificMessages);
  EXPECT_TRUE(c.stores[0].received_other_mail);

  // The same stall without other mail to that store: the store, not the message.
  c = AggregateStalls({Server("EXCH01", {{"a1@x", 1, 100, "m"}}, {"b1@x"})}, store_of_, stores_);
  EXPECT_EQ(c.scopes[0].scope, StallScope::kOneStore);

  c = AggregateStalls({Server("EXCH01", {{"who@x", 3, 100, "m"}}), Server("EXCH02", {}, {"c1@x"})},
                      store_of_, stores_);
  ASSERT_EQ(c.scopes.size(), 1u);  // only servers with stalls
  EXPECT_EQ(c.scopes[0].scope, StallScope::kUnmapped);
  EXPECT_EQ(StallScopeName(c.scopes[0].scope), "unmapped");
}

// A mail-enabled public folder has no home store: each server delivers it to its own public
// store, so the same address stalls on different stores on different servers.
TEST_F(AggregateStallsTest, PublicFolderStallsCountForThePublicStoreOfTheServerHoldingThem) {
  const auto c = AggregateStalls({Server("EXCH01", {{"folder@x", 4, 100, "m1"}}),
                                  Server("EXCH02", {{"folder@x", 1, 90, "m2"}})},
                                 store_of_, stores_, {"folder@x"});
  ASSERT_EQ(c.stores.size(), 1u);  // EXCH02 has no public store: unmapped there
  EXPECT_EQ(c.stores[0].store.store, "Public");
  EXPECT_EQ(c.stores[0].deliveries, 4u);
  EXPECT_EQ(c.unmapped_recipients, 1u);
  EXPECT_EQ(c.public_folders, std::set<std::string>{"folder@x"});
  EXPECT_EQ(PublicStoreOf(stores_, "exch01")->store, "Public");
  EXPECT_FALSE(PublicStoreOf(stores_, "EXCH02"));
}

LdapSourceStatus View(const std::string& uri, bool gc, std::vector<DirectoryDomain> domains) {
  LdapSourceStatus s;
  s.uri = uri;
  s.up = true;
  s.view.global_catalog = gc;
  s.view.config_nc = "CN=Configuration,DC=contoso,DC=com";
  s.view.domains = std::move(domains);
  return s;
}

DirectoryDomain Domain(const std::string& dn, const std::string& dns, bool readable) {
  return {*Dn::Parse(dn), dns, readable, readable ? "" : "refers it elsewhere"};
}

TEST(RecipientSearchesTest, AGlobalCatalogSearchesTheForestFromTheEmptyBase) {
  AuditReport audit;
  audit.sources = {View("ldap://dc1", false, {Domain("DC=contoso,DC=com", "contoso.com", true)}),
                   View("ldap://gc1:3268", true, {})};
  std::vector<std::string> not_searched;
  const auto searches = RecipientSearches(audit, &not_searched);
  ASSERT_EQ(searches.size(), 1u);
  EXPECT_EQ(searches[0].uri, "ldap://gc1:3268");
  EXPECT_EQ(searches[0].bases, std::vector<std::string>{""});
  EXPECT_TRUE(not_searched.empty());
}

TEST(RecipientSearchesTest, DomainByDomainThroughAServerThatCanReadEach) {
  const auto root = Domain("DC=contoso,DC=com", "contoso.com", true);
  const auto child_unreadable = Domain("DC=child,DC=contoso,DC=com", "child.contoso.com", false);
  const auto child = Domain("DC=child,DC=contoso,DC=com", "child.contoso.com", true);
  const auto other = Domain("DC=other,DC=com", "other.com", false);
  AuditReport audit;
  audit.sources = {
      View("ldap://dc1", false, {root, child_unreadable, other}), View("ldap://down", false, {}),
      View("ldap://dc2", false, {Domain("DC=contoso,DC=com", "contoso.com", false), child, other})};
  audit.sources[1].up = false;
  std::vector<std::string> not_searched;
  const auto searches = RecipientSearches(audit, &not_searched);
  ASSERT_EQ(searches.size(), 2u);
  EXPECT_EQ(searches[0].uri, "ldap://dc1");
  EXPECT_EQ(searches[0].bases,
            (std::vector<std::string>{"DC=contoso,DC=com",
                                      "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC="
                                      "contoso,DC=com"}));
  EXPECT_EQ(searches[1].uri, "ldap://dc2");
  EXPECT_EQ(searches[1].bases, std::vector<std::string>{"DC=child,DC=contoso,DC=com"});
  EXPECT_EQ(not_searched, std::vector<std::string>{"other.com"});
}

// A server with one mailbox store: the store is the whole server, so the queue cannot tell
// store-side exhaustion from this fault, and the scope says so.
TEST(StallScopeTest, TheOnlyMailboxStoreOfAServerSaysTheLookAlikesCannotBeToldApart) {
  const std::vector<StoreInfo> stores = {Store("EXCH09", "Only"),
                                         Store("EXCH09", "Public", StoreType::kPublic)};
  const auto c =
      AggregateStalls({Server("EXCH09", {{"x@y", 9, 100, "m"}})}, {{"x@y", stores[0].ref}}, stores);
  ASSERT_EQ(c.scopes.size(), 1u);
  EXPECT_EQ(c.scopes[0].scope, StallScope::kOneStore);
  EXPECT_EQ(c.scopes[0].description,
            "the only mailbox store of EXCH09 (EXCH09 / First Storage Group / Only): from the "
            "queue, store-side exhaustion and a broken SMTP mailbox cannot be told apart");
}

}  // namespace
}  // namespace exdm
