// Basic auth as exporter-toolkit does it: bcrypt through libcrypt, one comparison for an unknown
// user too, successes cached, comparisons one at a time.
#include "basic_auth.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace exdm::exporter {
namespace {

// crypt(3) of "s3cret" with bcrypt cost 4 (cheap for tests), made with libxcrypt.
const char kHash2b[] = "$2b$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";
const char kHash2y[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";
const char kRight[] = "Basic cHJvbWV0aGV1czpzM2NyZXQ=";  // prometheus:s3cret
const char kWrong[] = "Basic cHJvbWV0aGV1czpzM2NyZXU=";  // prometheus:s3creu
const char kUnknown[] = "Basic Z3JhZmFuYTpzM2NyZXQ=";    // grafana:s3cret

std::shared_ptr<BasicAuth> Prometheus() {
  Result<std::shared_ptr<BasicAuth>> auth =
      BasicAuth::Make(std::map<std::string, std::string>{{"prometheus", kHash2y}});
  EXPECT_TRUE(auth.ok()) << auth.status().message();
  return *auth;
}

TEST(BasicAuthTest, VerifiesBcryptWithLibcrypt) {
  EXPECT_TRUE(VerifyCryptHash("s3cret", kHash2b));
  EXPECT_TRUE(VerifyCryptHash("s3cret", kHash2y));
  EXPECT_FALSE(VerifyCryptHash("s3cret ", kHash2b));
  EXPECT_FALSE(VerifyCryptHash("", kHash2b));
  EXPECT_FALSE(VerifyCryptHash("s3cret", "not a hash"));
}

TEST(BasicAuthTest, ParsesAuthorizationHeader) {
  std::string user, password;
  ASSERT_TRUE(BasicAuth::ParseHeader("Basic cHJvbWV0aGV1czpzM2NyZXQ=", user, password));
  EXPECT_EQ(user, "prometheus");
  EXPECT_EQ(password, "s3cret");
  ASSERT_TRUE(BasicAuth::ParseHeader("basic YTpiOmM=", user, password));  // "a:b:c"
  EXPECT_EQ(user, "a");
  EXPECT_EQ(password, "b:c");
  EXPECT_FALSE(BasicAuth::ParseHeader("Bearer abc", user, password));
  EXPECT_FALSE(BasicAuth::ParseHeader("Basic !!!", user, password));
  EXPECT_FALSE(BasicAuth::ParseHeader("Basic bm9jb2xvbg==", user, password));  // "nocolon"
}

TEST(BasicAuthTest, AllowsOnlyKnownUsersWithTheRightPassword) {
  auto auth = Prometheus();
  EXPECT_TRUE(auth->enabled());
  EXPECT_FALSE(auth->Allows(nullptr));
  EXPECT_TRUE(auth->Allows(kRight));
  EXPECT_TRUE(auth->Allows(kRight));  // cached
  EXPECT_FALSE(auth->Allows(kWrong));
  EXPECT_FALSE(auth->Allows(kUnknown));
  auto open = BasicAuth::Make({});
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE((*open)->enabled());
  EXPECT_TRUE((*open)->Allows(nullptr));
}

TEST(BasicAuthTest, AnUnknownUserCostsOneBcryptComparisonLikeAWrongPassword) {
  auto auth = Prometheus();
  const uint64_t before = auth->bcrypt_runs();
  EXPECT_FALSE(auth->Cached(kUnknown).has_value());  // only bcrypt may answer
  EXPECT_FALSE(auth->Verify(kUnknown));
  EXPECT_EQ(auth->bcrypt_runs(), before + 1);
  EXPECT_FALSE(auth->Verify(kWrong));
  EXPECT_EQ(auth->bcrypt_runs(), before + 2);
  EXPECT_FALSE(auth->Verify(kUnknown));  // failures are not cached: each costs a comparison
  EXPECT_EQ(auth->bcrypt_runs(), before + 3);
  // A missing or malformed header is refused without one.
  EXPECT_EQ(auth->Cached(nullptr), std::optional<bool>(false));
  EXPECT_EQ(auth->Cached("Bearer x"), std::optional<bool>(false));
  EXPECT_EQ(auth->bcrypt_runs(), before + 3);
}

TEST(BasicAuthTest, RemembersSuccessesOnly) {
  auto auth = Prometheus();
  EXPECT_FALSE(auth->Cached(kRight).has_value());
  EXPECT_TRUE(auth->Verify(kRight));
  const uint64_t runs = auth->bcrypt_runs();
  EXPECT_EQ(auth->Cached(kRight), std::optional<bool>(true));
  EXPECT_TRUE(auth->Allows(kRight));
  EXPECT_EQ(auth->bcrypt_runs(), runs);
  EXPECT_FALSE(auth->Cached(kWrong).has_value());
  // Another instance (a reload with a new hash) starts with nothing remembered.
  EXPECT_FALSE(Prometheus()->Cached(kRight).has_value());
}

TEST(BasicAuthTest, ComparisonsRunOneAtATime) {
  auto auth = Prometheus();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&auth] {
      for (int i = 0; i < 5; ++i)
        auth->Verify(kUnknown);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(BcryptPeakConcurrency(), 1);
}

TEST(BasicAuthTest, TheDummyHashHasTheUsersCost) {
  Result<std::string> hash = RandomBcryptHash(5);
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->substr(0, 7), "$2b$05$");
  EXPECT_EQ(hash->size(), 60u);
  EXPECT_FALSE(RandomBcryptHash(99).ok());
}

}  // namespace
}  // namespace exdm::exporter
