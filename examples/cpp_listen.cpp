// cpp_listen: rtm_push.h from C++11 -- the implementation compiled as C++ in this translation unit,
// wrapped in a small RAII class (rtm::Session) with a std::function event handler and the pending
// output moved into a std::vector. Prints every event as a JSON line, like rtm-listen.
//   usage: cpp_listen HOST PORT   (pid 1017, uid 4242, token "demo-token": the simulator's defaults)
// Exits 0 when the session ends cleanly (kickout, or bye after SIGINT/SIGTERM), 1 otherwise.
#define RTM_PUSH_IMPLEMENTATION
#include "../rtm_push.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtm {

// The library calls back through a C function pointer: give it a function with C language linkage.
extern "C" {
static void session_trampoline(rtm_push *s, const rtm_push_event *ev, void *user);
}

class Session {
 public:
  typedef std::function<void(const rtm_push_event &)> Handler;

  // Throws std::runtime_error if the configuration is refused. The config need not outlive this.
  Session(rtm_push_config cfg, Handler handler) : s_(nullptr), handler_(std::move(handler)) {
    cfg.on_event = session_trampoline;
    cfg.user_data = this;
    int rc = rtm_push_new(&s_, &cfg);
    if (rc != RTM_PUSH_OK) throw std::runtime_error(std::string("rtm_push_new: ") + rtm_push_strerror(rc));
  }
  ~Session() { rtm_push_free(s_); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  // Each returns the library's result; an exception thrown by the handler is rethrown here, once the
  // library call has returned (it never unwinds through the library).
  int feed(const void *data, size_t len) { return rethrow(rtm_push_feed(s_, data, len, now())); }
  int feedEof() { return rethrow(rtm_push_feed_eof(s_, now())); }
  int tick() { return rethrow(rtm_push_tick(s_, now())); }
  int close() { return rethrow(rtm_push_close(s_, now())); }

  // The bytes to send: the library's pending output is moved (appended) into our vector, which stays
  // valid across feed() -- unlike the library's own pointer. Call wrote(n) with what the socket took.
  std::vector<uint8_t> &output() {
    const uint8_t *p;
    while (size_t n = rtm_push_pending_output(s_, &p)) {
      out_.insert(out_.end(), p, p + n);
      rtm_push_consume_output(s_, n);
    }
    return out_;
  }
  void wrote(size_t n) { out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(n)); }
  void dropOutput() { output().clear(); }

  bool wantRead() const { return rtm_push_want_read(s_) != 0; }
  bool wantWrite() const { return !out_.empty() || rtm_push_want_write(s_) != 0; }
  bool active() const { return wantRead() || wantWrite(); }
  // Milliseconds until tick() is due (-1: no timer runs), for poll().
  int timeoutMs() const {
    uint64_t d = wantRead() ? rtm_push_next_deadline(s_) : UINT64_MAX, t = now();
    return d == UINT64_MAX ? -1 : d <= t ? 0 : d - t > 60000 ? 60000 : static_cast<int>(d - t);
  }
  bool endedCleanly() const { return rtm_push_current_state(s_) == RTM_PUSH_STATE_CLOSED; }
  std::string lastError() const {
    const char *msg;
    int err = rtm_push_last_error(s_, &msg);
    return std::string(msg) + " (" + rtm_push_strerror(err) + ")";
  }

  static uint64_t now() {
    using namespace std::chrono;
    return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
  }

 private:
  friend void session_trampoline(rtm_push *s, const rtm_push_event *ev, void *user);
  int rethrow(int rc) {
    if (error_) {
      std::exception_ptr e = error_;
      error_ = nullptr;
      std::rethrow_exception(e);
    }
    return rc;
  }
  rtm_push *s_;
  Handler handler_;
  std::vector<uint8_t> out_;
  std::exception_ptr error_;
};

extern "C" {
static void session_trampoline(rtm_push *s, const rtm_push_event *ev, void *user) {
  (void)s;
  Session *self = static_cast<Session *>(user);
  if (self->error_) return; // the handler already failed in this call: skip the rest
  try {
    self->handler_(*ev);
  } catch (...) {
    self->error_ = std::current_exception();
  }
}
}

}  // namespace rtm

static volatile std::sig_atomic_t g_quit = 0;
extern "C" {
static void on_signal(int) { g_quit = 1; }
}

static int connect_to(const char *host, const char *port) {
  addrinfo hints = addrinfo(), *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, port, &hints, &res), fd = -1;
  if (rc != 0) return std::fprintf(stderr, "cpp_listen: cannot resolve %s: %s\n", host, gai_strerror(rc)), -1;
  for (addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
    if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) ::close(fd), fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) std::fprintf(stderr, "cpp_listen: cannot connect to %s:%s: %s\n", host, port, std::strerror(errno));
  else fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 3) return std::fputs("usage: cpp_listen HOST PORT\n", stderr), 2;
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr), sigaction(SIGTERM, &sa, nullptr);
  int fd = connect_to(argv[1], argv[2]);
  if (fd < 0) return 1;
  rtm_push_config cfg = rtm_push_config();
  cfg.host = argv[1], cfg.port = static_cast<uint16_t>(std::atoi(argv[2]));
  cfg.pid = 1017, cfg.uid = 4242, cfg.token = "demo-token";
  int status = 1;
  try {
    std::vector<char> line(4096);
    rtm::Session session(cfg, [&line](const rtm_push_event &ev) {
      if (ev.type == RTM_PUSH_EV_ERROR && !ev.fatal) std::fprintf(stderr, "cpp_listen: warning: %s\n", ev.message);
      if (ev.type == RTM_PUSH_EV_ERROR || ev.type == RTM_PUSH_EV_CLOSED || ev.type == RTM_PUSH_EV_ANSWER ||
          (ev.type == RTM_PUSH_EV_LOGIN && !ev.ok))
        return;  // a fatal error, a refused login: reported at exit
      size_t n = rtm_push_event_to_json(&ev, line.data(), line.size());
      if (n >= line.size()) line.resize(n + 1), rtm_push_event_to_json(&ev, line.data(), line.size());
      std::fwrite(line.data(), 1, n, stdout), std::fputc('\n', stdout), std::fflush(stdout);
    });
    bool closing = false;
    std::vector<uint8_t> buf(65536);
    while (session.active()) {
      if (g_quit && !closing) closing = true, session.close();  // log out: bye, then a WebSocket close
      pollfd p = {fd, static_cast<short>((session.wantRead() ? POLLIN : 0) | (session.wantWrite() ? POLLOUT : 0)), 0};
      if (poll(&p, 1, session.timeoutMs()) < 0 && errno != EINTR) throw std::runtime_error(std::strerror(errno));
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t r = recv(fd, buf.data(), buf.size(), 0);
        if (r > 0) session.feed(buf.data(), static_cast<size_t>(r));
        else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) session.feedEof();
      }
      std::vector<uint8_t> &out = session.output();
      while (!out.empty()) {
        ssize_t w = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w > 0) { session.wrote(static_cast<size_t>(w)); continue; }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;  // wait for POLLOUT
        session.feedEof(), session.dropOutput();  // the peer is gone: nobody will read the rest
      }
      session.tick();
    }
    status = session.endedCleanly() ? 0 : 1;
    if (status) std::fprintf(stderr, "cpp_listen: %s\n", session.lastError().c_str());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "cpp_listen: %s\n", e.what());
  }
  ::close(fd);
  return status;
}
