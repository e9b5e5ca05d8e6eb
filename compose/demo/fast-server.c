/*
 * The demo backend of compose/demo/server.mjs in C, for bench/swarm.ts: a static binary that
 * listens a few milliseconds after its container starts (the Node app takes about a second),
 * so that "new task -> first request routed to it" measures the routing, not the app's start.
 *
 * Same behaviour and outputs: answers every HTTP/1.1 path (keep-alive) with "<id> <path>\n",
 * /health with "ok\n", header X-Backend-Id; id = BACKEND_ID or the hostname (a container's
 * short id). Listens on every port of HTTP_PORTS (default 8080; TCP_PORTS is not supported).
 * On SIGTERM/SIGINT it keeps serving for STOP_DELAY_MS (default 1500), answering DRAIN_STATUS
 * (e.g. 503, "<id> stopping\n") if set, then exits. DRAIN_LOG_DIR: <dir>/<id>.listening gets
 * the epoch ms when every port listens; <dir>/<id>.drain one line per request that arrives
 * after SIGTERM ("<epoch ms> <ms since SIGTERM> <path>").
 *
 * Build: gcc -static -O2 -o fast-server fast-server.c (compose/demo/build-fast-image.sh).
 * One thread, epoll; requests are answered as they are read, bodies (Content-Length) skipped.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 16
#define BUF 16384

struct conn { int fd; size_t len; char buf[BUF]; };

static char id[256];
static long drain_status;
static const char *log_dir;
static long long stopped_at; /* epoch ms of SIGTERM; 0 while serving */
static int drain_fd = -1;

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int listen_on(int port) {
  int one = 1, zero = 0, fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd >= 0) { /* dual stack, as Node's default */
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1024) == 0) return fd;
    close(fd);
  }
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = INADDR_ANY};
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a4, sizeof a4) != 0 || listen(fd, 1024) != 0) {
    fprintf(stderr, "cannot listen on %d: %s\n", port, strerror(errno));
    exit(1);
  }
  return fd;
}

/* Writes all of it; the socket is non-blocking, so wait for room (responses are small). */
static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EAGAIN) { usleep(1000); continue; }
    if (w <= 0) return -1;
    p += w, n -= (size_t)w;
  }
  return 0;
}

/* Value of header `name` in [h, end) (case-insensitive), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *len) {
  size_t n = strlen(name);
  for (const char *l = h; l < end; ) {
    const char *eol = memmem(l, (size_t)(end - l), "\r\n", 2);
    if (!eol) eol = end;
    if ((size_t)(eol - l) > n && strncasecmp(l, name, n) == 0 && l[n] == ':') {
      const char *v = l + n + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      *len = (size_t)(eol - v);
      return v;
    }
    l = eol + 2;
  }
  return NULL;
}

/* Answers the complete requests in c->buf; returns -1 to close the connection. */
static int serve(struct conn *c) {
  for (;;) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return c->len >= BUF ? -1 : 0;
    size_t head = (size_t)(end - c->buf) + 4, vlen = 0;
    char *line_end = memmem(c->buf, head, "\r\n", 2);
    const char *cl = header(line_end + 2, end + 2, "content-length", &vlen);
    size_t body = cl ? strtoul(cl, NULL, 10) : 0;
    if (head + body > BUF) return -1;
    if (c->len < head + body) return 0;
    /* "GET /path?query HTTP/1.1" */
    char *sp1 = memchr(c->buf, ' ', (size_t)(line_end - c->buf));
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
    if (!sp2) return -1;
    char path[2048];
    size_t plen = strcspn(sp1 + 1, "? ");
    if (plen >= sizeof path) plen = sizeof path - 1;
    memcpy(path, sp1 + 1, plen), path[plen] = 0;
    int http10 = strncmp(sp2 + 1, "HTTP/1.0", 8) == 0;
    const char *conn = header(line_end + 2, end + 2, "connection", &vlen);
    int close_after = conn ? (vlen == 5 && strncasecmp(conn, "close", 5) == 0)
                           : http10;
    if (http10 && conn && vlen == 10 && strncasecmp(conn, "keep-alive", 10) == 0) close_after = 0;
    char text[2400], out[3072];
    int status = 200;
    if (stopped_at && drain_fd >= 0) {
      long long t = now_ms();
      int n = snprintf(out, sizeof out, "%lld %lld %s\n", t, t - stopped_at, path);
      if (write(drain_fd, out, (size_t)n) < 0) perror("drain log");
    }
    if (stopped_at && drain_status) {
      status = (int)drain_status;
      snprintf(text, sizeof text, "%s stopping\n", id);
    } else if (strcmp(path, "/health") == 0) {
      strcpy(text, "ok\n");
    } else {
      snprintf(text, sizeof text, "%s %s\n", id, path);
    }
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\nx-backend-id: %s\r\n"
                     "content-length: %zu\r\n%s\r\n%s",
                     status, status == 200 ? "OK" : "Service Unavailable", id, strlen(text),
                     close_after ? "connection: close\r\n" : http10 ? "connection: keep-alive\r\n" : "",
                     text);
    if (send_all(c->fd, out, (size_t)n) < 0 || close_after) return -1;
    memmove(c->buf, c->buf + head + body, c->len - head - body);
    c->len -= head + body;
  }
}

int main(void) {
  const char *e = getenv("BACKEND_ID");
  if (e && *e) snprintf(id, sizeof id, "%s", e); else gethostname(id, sizeof id - 1);
  long stop_delay = getenv("STOP_DELAY_MS") ? atol(getenv("STOP_DELAY_MS")) : 1500;
  drain_status = getenv("DRAIN_STATUS") ? atol(getenv("DRAIN_STATUS")) : 0;
  log_dir = getenv("DRAIN_LOG_DIR");
  if (log_dir && !*log_dir) log_dir = NULL;
  char ports_env[512];
  snprintf(ports_env, sizeof ports_env, "%s", getenv("HTTP_PORTS") ? getenv("HTTP_PORTS") : "8080");

  sigset_t sigs;
  sigemptyset(&sigs), sigaddset(&sigs, SIGTERM), sigaddset(&sigs, SIGINT);
  sigprocmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  int ep = epoll_create1(0), sfd = signalfd(-1, &sigs, SFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);

  int lfds[MAX_PORTS], nl = 0;
  for (char *tok = strtok(ports_env, " ,\t"); tok && nl < MAX_PORTS; tok = strtok(NULL, " ,\t")) {
    lfds[nl] = listen_on(atoi(tok));
    ev.data.ptr = &lfds[nl];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfds[nl++], &ev);
  }
  char file[1024];
  if (log_dir) {
    snprintf(file, sizeof file, "%s/%s.listening", log_dir, id);
    FILE *f = fopen(file, "w");
    if (f) fprintf(f, "%lld\n", now_ms()), fclose(f); else perror(file);
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("demo backend %s on %d port(s)\n", id, nl);

  long long exit_at = 0;
  struct epoll_event evs[64];
  for (;;) {
    int timeout = exit_at ? (int)(exit_at - now_ms()) : -1;
    if (exit_at && timeout <= 0) return 0; /* requests are answered as read: none in progress */
    int n = epoll_wait(ep, evs, 64, timeout);
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == NULL) { /* SIGTERM or SIGINT */
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) > 0) {}
        if (stopped_at) continue;
        stopped_at = now_ms();
        exit_at = stopped_at + stop_delay;
        if (log_dir) {
          snprintf(file, sizeof file, "%s/%s.drain", log_dir, id);
          drain_fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
        }
        printf("draining for %ld ms\n", stop_delay);
      } else if (p >= (void *)lfds && p < (void *)(lfds + nl)) {
        int fd;
        while ((fd = accept4(*(int *)p, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *c = malloc(sizeof *c);
          c->fd = fd, c->len = 0;
          struct epoll_event ce = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
        }
      } else {
        struct conn *c = p;
        ssize_t r;
        int done = 0;
        while (!done && (r = read(c->fd, c->buf + c->len, BUF - c->len)) > 0) {
          c->len += (size_t)r;
          if (serve(c) < 0) done = 1;
        }
        if (done || r == 0 || (r < 0 && errno != EAGAIN)) {
          close(c->fd); /* also leaves the epoll set */
          free(c);
        }
      }
    }
  }
}
