// The one reader of small files (small_file.h): regular files only, refused at once and named for
// what they are otherwise (a FIFO nobody writes must not block, /dev/zero must not be read), a
// size cap that holds, and the user's name for the file in every message.
#include "exdm/base/small_file.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "hung_share.h"
#include "temp_dir.h"

namespace exdm {
namespace {

using testing::TempDir;

TEST(SmallFile, ReadsARegularFileWhole) {
  TempDir tmp("exdm-small-file");
  tmp.Write("a.ini", "[check_exchange_delivery]\nldap-uri = ldap://dc1\n");
  auto text = ReadSmallFile(tmp.File("a.ini"), "--extra-opts file", 1024,
                            Deadline::After(std::chrono::seconds(5)));
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "[check_exchange_delivery]\nldap-uri = ldap://dc1\n");
  tmp.Write("empty", "");
  auto empty = ReadSmallFileNow(tmp.File("empty"), "password file", 16);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(SmallFile, RefusesWhatIsNotARegularFileSayingWhatItIs) {
  TempDir tmp("exdm-small-file");
  const std::string fifo = tmp.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto deadline = Deadline::After(std::chrono::seconds(30));
  // No writer: a blocking open would wait for one; the reader must answer at once (the deadline
  // is far away, so a kTimeout here would mean it blocked).
  auto f = ReadSmallFile(fifo, "config file", 1024, deadline);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), ErrorCode::kBadInput);
  EXPECT_EQ(f.status().message(),
            "config file '" + fifo + "' is a FIFO (named pipe), not a regular file");

  auto d = ReadSmallFile(tmp.path(), "password file", 1024, deadline);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "password file '" + tmp.path() + "' is a directory, not a regular file");

  auto z = ReadSmallFile("/dev/zero", "--extra-opts file", 1024, deadline);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().message(),
            "--extra-opts file '/dev/zero' is a character device, not a regular file");

  // A link to a FIFO is followed and refused like the FIFO.
  const std::string link = tmp.File("link");
  ASSERT_EQ(::symlink(fifo.c_str(), link.c_str()), 0);
  auto l = ReadSmallFile(link, "CA file", 1024, deadline);
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("is a FIFO (named pipe)"), std::string::npos);

  const std::string socket_path = tmp.File("sock");
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto so = ReadSmallFileNow(socket_path, "web config file", 1024);
  ::close(s);
  ASSERT_FALSE(so.ok());
  EXPECT_NE(so.status().message().find("is a socket, not a regular file"), std::string::npos);
}

TEST(SmallFile, CapsTheSize) {
  TempDir tmp("exdm-small-file");
  tmp.Write("exact", std::string(100, 'x'));
  tmp.Write("over", std::string(101, 'x'));
  auto exact = ReadSmallFileNow(tmp.File("exact"), "password file", 100);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 100u);
  auto over = ReadSmallFileNow(tmp.File("over"), "password file", 100);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kBadInput);
  EXPECT_EQ(over.status().message(),
            "password file '" + tmp.File("over") +
                "' is larger than 100 bytes, too large for a password file");
  // Files that report no size (/proc) are read up to the cap all the same.
  auto proc = ReadSmallFileNow("/proc/self/status", "status file", 1 << 20);
  ASSERT_TRUE(proc.ok()) << proc.status().message();
  EXPECT_NE(proc->find("Pid:"), std::string::npos);
  auto small = ReadSmallFileNow("/proc/self/status", "status file", 16);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("larger than 16 bytes"), std::string::npos);
}

// A read that never returns (a hung share, support/hung_share.h) ends at the deadline naming the
// file; the helper thread it leaves behind finishes once the share answers.
TEST(SmallFile, HungReadEndsAtTheDeadlineNamingTheFile) {
  std::string why;
  auto share = testing::HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("exporter.ini", "[ldap]\n", /*hanging=*/true);
  share->Put("fine.ini", "[web]\n", /*hanging=*/false);
  const auto t0 = std::chrono::steady_clock::now();
  auto hung = ReadSmallFile(share->File("exporter.ini"), "config file", 1024,
                            Deadline::After(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), ErrorCode::kTimeout);
  EXPECT_EQ(hung.status().message(),
            "deadline expired while reading config file '" + share->File("exporter.ini") + "'");
  EXPECT_EQ(share->BlockedReads(), 1);
  auto fine = ReadSmallFile(share->File("fine.ini"), "config file", 1024,
                            Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(fine.ok()) << fine.status().message();
  EXPECT_EQ(*fine, "[web]\n");
  share->Release();
}

TEST(SmallFile, MissingOrUnreadableIsAnIoErrorNamingTheFile) {
  auto missing = ReadSmallFileNow("/nonexistent/x.ini", "config file", 1024);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kIoError);
  EXPECT_EQ(missing.status().message(),
            "cannot read config file '/nonexistent/x.ini': No such file or directory");
}

}  // namespace
}  // namespace exdm
