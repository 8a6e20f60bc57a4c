// --web.listen-address syntax, and real sockets bound on the loopback addresses.
#include "listen_address.h"

#include <gtest/gtest.h>

namespace exdm::exporter {
namespace {

TEST(ListenAddressTest, ParsesPrometheusSyntax) {
  Result<ListenAddress> any = ParseListenAddress(":9755");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 9755);
  Result<ListenAddress> v6 = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->ipv6_literal);
  Result<ListenAddress> scoped = ParseListenAddress("[fe80::1%eth0]:9755");
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->host, "fe80::1%eth0");
  Result<ListenAddress> name = ParseListenAddress("monitor.example.com:9755");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "monitor.example.com");
  EXPECT_FALSE(name->ipv6_literal);
  EXPECT_EQ(ParseListenAddress("127.0.0.1:0")->port, 0);
}

TEST(ListenAddressTest, RefusesWhatIsNoAddress) {
  EXPECT_FALSE(ParseListenAddress("9755").ok());
  EXPECT_FALSE(ParseListenAddress(":99999").ok());
  EXPECT_FALSE(ParseListenAddress(":97s").ok());
  EXPECT_FALSE(ParseListenAddress(":").ok());
  EXPECT_FALSE(ParseListenAddress("::1:9755").ok());  // IPv6 without brackets
  EXPECT_FALSE(ParseListenAddress("[::1]9755").ok());
  EXPECT_FALSE(ParseListenAddress("[127.0.0.1]:9755").ok());
  EXPECT_FALSE(ParseListenAddress("host name:9755").ok());
  const Status status = ParseListenAddress("::1:9755").status();
  EXPECT_NE(status.message().find("brackets"), std::string::npos) << status.message();
}

TEST(ListenAddressTest, BindsEveryAddressItIsGiven) {
  Result<std::vector<ListenSocket>> v4 = OpenListenSockets({"127.0.0.1:0"});
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ(v4->at(0).name().rfind("127.0.0.1:", 0), 0u) << v4->at(0).name();
  EXPECT_GT(v4->at(0).port(), 0);

  Result<std::vector<ListenSocket>> any = OpenListenSockets({":0"});
  ASSERT_TRUE(any.ok()) << any.status().message();
  ASSERT_EQ(any->size(), 1u);
  EXPECT_EQ(any->at(0).name().rfind("[::]:", 0), 0u) << any->at(0).name();

  // Two addresses, repeats of the flag: both bound.
  Result<std::vector<ListenSocket>> two = OpenListenSockets({"127.0.0.1:0", "[::1]:0"});
  ASSERT_TRUE(two.ok()) << two.status().message();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ(two->at(1).name().rfind("[::1]:", 0), 0u) << two->at(1).name();

  // A port in use is an error naming it, and nothing stays bound.
  const std::string taken = "127.0.0.1:" + std::to_string(v4->at(0).port());
  Result<std::vector<ListenSocket>> clash = OpenListenSockets({"127.0.0.1:0", taken});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find(taken), std::string::npos) << clash.status().message();

  Result<std::vector<ListenSocket>> unknown = OpenListenSockets({"no-such-host.invalid:0"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("cannot resolve"), std::string::npos)
      << unknown.status().message();
}

TEST(ListenAddressTest, LocalhostBindsWhatTheNameResolvesTo) {
  Result<std::vector<ListenSocket>> local = OpenListenSockets({"localhost:0"});
  ASSERT_TRUE(local.ok()) << local.status().message();
  ASSERT_GE(local->size(), 1u);
  for (const ListenSocket& s : *local) {
    EXPECT_TRUE(s.name().rfind("127.0.0.1:", 0) == 0 || s.name().rfind("[::1]:", 0) == 0)
        << s.name();
  }
}

TEST(ListenAddressTest, SystemdSocketsNeedTheirVariables) {
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  Result<std::vector<ListenSocket>> none = TakeSystemdSockets();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("LISTEN_FDS"), std::string::npos);
  setenv("LISTEN_PID", "1", 1);  // meant for another process
  setenv("LISTEN_FDS", "1", 1);
  Result<std::vector<ListenSocket>> other = TakeSystemdSockets();
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("not this one"), std::string::npos)
      << other.status().message();
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
}

}  // namespace
}  // namespace exdm::exporter
