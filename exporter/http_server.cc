#include "http_server.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <future>
#include <map>
#include <optional>
#include <thread>
#include <type_traits>

#include "http_routes.h"
#include "log.h"

namespace exdm::exporter {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// Plain sockets with one deadline timer per connection phase, not beast::tcp_stream (which arms
// a timer for every read and write: two timerfd calls per TLS record of a response). asio's own
// TLS stream, not beast::ssl_stream: the latter's write coalescing passes an empty first buffer on
// as a zero-byte write once the response head is out, and asio::async_write then stops without
// the body (seen with bodies over 16 KB).
using PlainStream = tcp::socket;
using TlsStream = asio::ssl::stream<tcp::socket>;

// Where a connection is; decides which one makes room when a cap is reached.
enum class Phase { kHandshake, kIdle, kReading, kAuth, kWriting, kClosing };

// Lower goes first: a connection waiting on its client before one the server is working for.
int EvictionRank(Phase phase) {
  switch (phase) {
    case Phase::kClosing:
      return 0;
    case Phase::kIdle:
      return 1;
    case Phase::kHandshake:
    case Phase::kReading:
      return 2;
    case Phase::kWriting:
      return 3;
    case Phase::kAuth:
      return 4;
  }
  return 4;
}

// The event loop's view of a connection.
class Connection {
 public:
  explicit Connection(std::string client) : client_(std::move(client)) {}
  virtual ~Connection() = default;
  virtual void Evict() = 0;

  const std::string& client() const { return client_; }
  Phase phase() const { return phase_; }
  Clock::time_point since() const { return since_; }

 protected:
  void Enter(Phase phase) {
    phase_ = phase;
    since_ = Clock::now();
  }

 private:
  const std::string client_;
  Phase phase_ = Phase::kHandshake;
  Clock::time_point since_ = Clock::now();
};

// One line a minute at most for things a client can cause over and over.
class ThrottledLog {
 public:
  void Report(LogPriority priority, const std::string& message) {
    const Clock::time_point now = Clock::now();
    if (logged_ && now - last_ < std::chrono::minutes(1)) {
      ++suppressed_;
      return;
    }
    std::string line = message;
    if (suppressed_ > 0) {
      line += " (and " + std::to_string(suppressed_) + " more since the last report)";
    }
    Log(priority, line);
    logged_ = true;
    last_ = now;
    suppressed_ = 0;
  }

 private:
  bool logged_ = false;
  Clock::time_point last_;
  uint64_t suppressed_ = 0;
};

std::string ClientAddress(const tcp::endpoint& endpoint) {
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

struct HttpServer::Impl {
  Impl(const SnapshotStore& s, WebSettings w, const ServerLimits& l)
      : store(s), settings(std::make_shared<const WebSettings>(std::move(w))), limits(l) {}
  ~Impl();

  void Accept(size_t index);
  void Admit(tcp::socket socket);
  bool MakeRoom(const std::string& client);
  Connection* Victim(const std::string& client) const;
  void Register(Connection* connection);
  void Unregister(Connection* connection);
  void CloseAll();

  // Event loop only, except where noted. Declared before the loop: sessions the loop's
  // destruction releases unregister themselves here.
  const SnapshotStore& store;
  std::shared_ptr<const WebSettings> settings;
  const ServerLimits limits;
  std::vector<Connection*> connections;
  std::map<std::string, size_t> per_client;
  ThrottledLog handshake_log, limit_log, accept_log;
  std::vector<std::string> names;  // any thread (constant after Start)
  std::vector<int> ports;

  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::unique_ptr<asio::steady_timer>> accept_retries;
  asio::thread_pool bcrypt{1};  // one comparison at a time, off the event loop
  std::thread loop;
};

namespace {

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(HttpServer::Impl& server, tcp::socket socket, std::string client,
          std::shared_ptr<const TlsContext> tls)
      : Connection(std::move(client)),
        server_(server),
        stream_(MakeStream(std::move(socket), tls.get())),
        deadline_(server.io),
        tls_(std::move(tls)),
        buffer_(server.limits.max_header_bytes) {}

  ~Session() override { server_.Unregister(this); }

  void Start() {
    server_.Register(this);
    if constexpr (kTls) {
      Enter(Phase::kHandshake);
      Deadline(server_.limits.handshake_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  self->HandshakeFailed(ec);
                                  return;
                                }
                                self->WaitForRequest(true);
                              });
    } else {
      WaitForRequest(true);
    }
  }

  void Evict() override { Close(); }

 private:
  static Stream MakeStream(tcp::socket socket, const TlsContext* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), tls->context());
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  tcp::socket::lowest_layer_type& Lowest() { return stream_.lowest_layer(); }

  // Closes the connection unless the phase ends (the next Deadline() call) within `limit`.
  void Deadline(std::chrono::milliseconds limit) {
    deadline_.expires_after(limit);
    deadline_.async_wait([self = this->shared_from_this(), phase = ++phase_](beast::error_code ec) {
      if (!ec && phase == self->phase_) self->Close();
    });
  }

  void HandshakeFailed(const beast::error_code& ec) {
    // Refused client certificates, plain HTTP on the TLS port, unknown versions: worth a line.
    // Timeouts and hang-ups are the client's business.
    if (!closed_ && ec.category() == asio::error::get_ssl_category()) {
      server_.handshake_log.Report(LogPriority::kWarning, "http: TLS handshake with " + client() +
                                                              " failed: " + ec.message());
    }
    Close();
  }

  // Waits for the first byte of the next request: request_timeout on a new connection,
  // idle_timeout between keep-alive requests.
  void WaitForRequest(bool first) {
    if (closed_) return;
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      ReadHead();
      return;
    }
    Enter(Phase::kIdle);
    Deadline(first ? server_.limits.request_timeout : server_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(buffer_.max_size()),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->buffer_.commit(n);
                              self->ReadHead();
                            });
  }

  // From the first byte, the whole head has request_timeout to arrive.
  void ReadHead() {
    Enter(Phase::kReading);
    Deadline(server_.limits.request_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.limits.max_header_bytes));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(const beast::error_code& ec) {
    if (closed_) return;
    const std::shared_ptr<const WebSettings> settings = server_.settings;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      close_after_ = true;
      Send(Refusal(431, *settings));
      return;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::ssl::error::stream_truncated) {
      Close();
      return;
    }
    if (ec) {  // not HTTP/1.x
      close_after_ = true;
      Send(Refusal(400, *settings));
      return;
    }
    if (static_cast<bool>(settings->tls) != kTls) {
      // TLS was turned on (or off) by a reload: this connection no longer matches it.
      Close();
      return;
    }
    const auto& message = parser_->get();
    // A body is never read: the exporter takes none. Answer, then close the connection, so a
    // half-sent body holds nothing.
    const bool has_body =
        parser_->chunked() || (parser_->content_length() && *parser_->content_length() > 0);
    close_after_ = !message.keep_alive() || message.version() < 11 || has_body;
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.accept_encoding = std::string(message[http::field::accept_encoding]);
    const auto authorization = message.find(http::field::authorization);
    const std::optional<std::string> credentials =
        authorization == message.end() ? std::nullopt
                                       : std::optional<std::string>(authorization->value());
    parser_.reset();

    const std::shared_ptr<BasicAuth> auth = settings->auth;
    const std::optional<bool> known =
        auth ? auth->Cached(credentials ? credentials->c_str() : nullptr) : true;
    if (known) {
      Send(*known ? Respond(request, *settings, server_.store) : Unauthorized(*settings));
      return;
    }
    // bcrypt on its own thread; the loop serves everyone else meanwhile.
    Enter(Phase::kAuth);
    asio::post(server_.bcrypt, [self = this->shared_from_this(), auth, settings, credentials,
                                request = std::move(request)]() mutable {
      const bool allowed = auth->Verify(credentials->c_str());
      asio::post(self->server_.io, [self, allowed, settings, request = std::move(request)] {
        if (self->closed_) return;
        self->Send(allowed ? Respond(request, *settings, self->server_.store)
                           : Unauthorized(*settings));
      });
    });
  }

  void Send(HttpResponse response) {
    Enter(Phase::kWriting);
    response_.emplace(std::move(response));
    head_ = response_->Head(close_after_);
    const std::string_view body = response_->body();
    const std::string_view tail = response_->tail();
    const std::array<asio::const_buffer, 3> buffers = {asio::buffer(head_),
                                                       asio::buffer(body.data(), body.size()),
                                                       asio::buffer(tail.data(), tail.size())};
    Deadline(server_.limits.write_timeout);
    asio::async_write(stream_, buffers,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->response_.reset();
                        if (ec) {
                          self->Close();
                        } else if (self->close_after_) {
                          self->Shutdown();
                        } else {
                          self->WaitForRequest(false);
                        }
                      });
  }

  // Ends the connection so the client reads the whole last response: TLS close_notify, or TCP
  // FIN and what the client still sends read and dropped, for a second at most.
  void Shutdown() {
    if (closed_) return;
    Enter(Phase::kClosing);
    Deadline(std::chrono::seconds(1));
    if constexpr (kTls) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ignored;
      Lowest().shutdown(tcp::socket::shutdown_send, ignored);
      buffer_.clear();
      Drain(0);
    }
  }

  void Drain(size_t drained) {
    if (closed_) return;
    buffer_.clear();
    stream_.async_read_some(
        buffer_.prepare(buffer_.max_size()),
        [self = this->shared_from_this(), drained](beast::error_code ec, size_t n) {
          if (ec || drained + n > 64 * 1024) {
            self->Close();
            return;
          }
          self->Drain(drained + n);
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    server_.Unregister(this);
    beast::error_code ignored;
    deadline_.cancel();
    Lowest().close(ignored);
  }

  HttpServer::Impl& server_;
  Stream stream_;
  asio::steady_timer deadline_;
  uint64_t phase_ = 0;                           // which Deadline() the pending timer belongs to
  const std::shared_ptr<const TlsContext> tls_;  // keeps the SSL_CTX of this connection alive
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<HttpResponse> response_;
  std::string head_;
  bool close_after_ = false;
  bool closed_ = false;
};

}  // namespace

HttpServer::Impl::~Impl() {
  if (loop.joinable()) {
    asio::post(io, [this] {
      CloseAll();
      io.stop();
    });
    loop.join();
  }
  bcrypt.stop();
  bcrypt.join();
}

void HttpServer::Impl::CloseAll() {
  for (auto& acceptor : acceptors) {
    beast::error_code ignored;
    acceptor->close(ignored);
  }
  const std::vector<Connection*> open = connections;
  for (Connection* c : open)
    c->Evict();
}

void HttpServer::Impl::Register(Connection* connection) {
  connections.push_back(connection);
  ++per_client[connection->client()];
}

void HttpServer::Impl::Unregister(Connection* connection) {
  const auto it = std::find(connections.begin(), connections.end(), connection);
  if (it == connections.end()) return;  // closed before
  *it = connections.back();
  connections.pop_back();
  const auto count = per_client.find(connection->client());
  if (count != per_client.end() && --count->second == 0) per_client.erase(count);
}

Connection* HttpServer::Impl::Victim(const std::string& client) const {
  Connection* victim = nullptr;
  for (Connection* c : connections) {
    if (c->client() != client) continue;
    if (victim == nullptr || EvictionRank(c->phase()) < EvictionRank(victim->phase()) ||
        (EvictionRank(c->phase()) == EvictionRank(victim->phase()) &&
         c->since() < victim->since())) {
      victim = c;
    }
  }
  return victim;
}

bool HttpServer::Impl::MakeRoom(const std::string& client) {
  const auto mine = per_client.find(client);
  std::string from;
  if (mine != per_client.end() && mine->second >= limits.max_per_client) {
    from = client;
  } else if (connections.size() >= limits.max_connections) {
    size_t most = 0;  // the client address holding the most connections pays
    for (const auto& [address, count] : per_client) {
      if (count > most) {
        most = count;
        from = address;
      }
    }
  } else {
    return true;
  }
  Connection* victim = Victim(from);
  if (victim == nullptr) return false;
  limit_log.Report(LogPriority::kWarning,
                   "http: connection limit reached (" + std::to_string(connections.size()) +
                       " open, " + std::to_string(limits.max_per_client) +
                       " per client); closed the longest-waiting connection from " + from +
                       " to take one from " + client);
  victim->Evict();
  return true;
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  const std::string client = ClientAddress(peer);
  if (!MakeRoom(client)) return;
  socket.set_option(tcp::no_delay(true), ec);
  if (settings->tls) {
    std::make_shared<Session<TlsStream>>(*this, std::move(socket), client, settings->tls)->Start();
  } else {
    std::make_shared<Session<PlainStream>>(*this, std::move(socket), client, nullptr)->Start();
  }
}

void HttpServer::Impl::Accept(size_t index) {
  acceptors[index]->async_accept([this, index](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: try again shortly instead of spinning.
      accept_log.Report(LogPriority::kWarning, "http: cannot accept a connection: " + ec.message());
      accept_retries[index]->expires_after(std::chrono::milliseconds(100));
      accept_retries[index]->async_wait([this, index](beast::error_code wait) {
        if (!wait) Accept(index);
      });
      return;
    }
    Admit(std::move(socket));
    Accept(index);
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Start(std::vector<ListenSocket> sockets,
                                                      const SnapshotStore& store,
                                                      WebSettings settings,
                                                      const ServerLimits& limits) {
  auto impl = std::make_unique<Impl>(store, std::move(settings), limits);
  for (ListenSocket& socket : sockets) {
    impl->names.push_back(socket.name());
    impl->ports.push_back(socket.port());
    const bool v6 = socket.name().front() == '[';
    auto acceptor = std::make_unique<tcp::acceptor>(impl->io);
    beast::error_code ec;
    acceptor->assign(v6 ? tcp::v6() : tcp::v4(), socket.fd(), ec);
    if (ec) {
      return Status(ErrorCode::kIoError, "cannot serve on " + socket.name() + ": " + ec.message());
    }
    socket.Release();  // the acceptor owns it now
    impl->acceptors.push_back(std::move(acceptor));
    impl->accept_retries.push_back(std::make_unique<asio::steady_timer>(impl->io));
  }
  for (size_t i = 0; i < impl->acceptors.size(); ++i)
    impl->Accept(i);
  Impl* raw = impl.get();
  impl->loop = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Apply(WebSettings settings) {
  auto next = std::make_shared<const WebSettings>(std::move(settings));
  std::promise<void> applied;
  asio::post(impl_->io, [this, next, &applied] {
    impl_->settings = next;
    applied.set_value();
  });
  applied.get_future().wait();
}

std::vector<int> HttpServer::ports() const {
  return impl_->ports;
}

std::string HttpServer::listening() const {
  std::string out;
  for (const std::string& name : impl_->names)
    out += (out.empty() ? "" : " ") + name;
  return out;
}

}  // namespace exdm::exporter
