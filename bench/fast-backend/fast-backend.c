/*
 * Fast test backend for the convergence bench: answers every request with 200 and the body
 * "$BACKEND_ID <path>\n", HTTP/1.1 keep-alive, one poll() loop, no fork per request (busybox httpd
 * forks per request: 5-13 ms per direct request on the 2-core test machine). PORT (default 80).
 * Built static (`bench/fast-backend/build.sh`) into an image of its own.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 256
#define BUF 8192

static char buf[MAXC][BUF];
static int used[MAXC];

static void on_term(int sig) { (void)sig; _exit(0); }

static int answer(int fd, int i, const char *id) {
  for (;;) {
    char *end = memmem(buf[i], used[i], "\r\n\r\n", 4);
    if (!end) return 0;
    int reqlen = (int)(end - buf[i]) + 4;
    char path[512] = "/";
    sscanf(buf[i], "%*s %511s", path);
    char *q = strchr(path, '?');
    if (q) *q = 0;
    char body[1024];
    int blen = snprintf(body, sizeof body, "%s %s\n", id, path);
    char out[1400];
    int olen = snprintf(out, sizeof out,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        "Connection: keep-alive\r\n\r\n%s", blen, body);
    if (write(fd, out, olen) != olen) return -1;
    memmove(buf[i], buf[i] + reqlen, used[i] - reqlen);
    used[i] -= reqlen;
  }
}

int main(void) {
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  const char *id = getenv("BACKEND_ID");
  char host[256];
  if (!id || !*id) { gethostname(host, sizeof host); id = host; }
  int port = getenv("PORT") ? atoi(getenv("PORT")) : 80;
  int ls = socket(AF_INET6, SOCK_STREAM, 0), one = 1, zero = 0;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  struct sockaddr_in6 a = {0};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_any;
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 128)) { perror("listen"); return 1; }
  struct pollfd p[MAXC + 1];
  int n = 0;
  p[0].fd = ls;
  p[0].events = POLLIN;
  for (;;) {
    if (poll(p, n + 1, -1) < 0) continue;
    if (p[0].revents & POLLIN) {
      int c = accept(ls, NULL, NULL);
      if (c >= 0 && n < MAXC) {
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        p[n + 1].fd = c;
        p[n + 1].events = POLLIN;
        used[n] = 0;
        n++;
      } else if (c >= 0) close(c);
    }
    for (int i = 0; i < n; i++) {
      if (!p[i + 1].revents) continue;
      int fd = p[i + 1].fd;
      ssize_t r = read(fd, buf[i] + used[i], BUF - used[i]);
      if (r <= 0 || (used[i] += r, answer(fd, i, id) < 0) || used[i] == BUF) {
        close(fd);
        n--;
        p[i + 1] = p[n + 1];
        memcpy(buf[i], buf[n], used[n]);
        used[i] = used[n];
        i--;
      }
    }
  }
}
