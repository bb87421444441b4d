// Built by stripped-tls.test.ts, statically linked against OpenSSL and stripped of every symbol:
// POSTs BODY_BYTES bytes to 127.0.0.1:PORT over TLS (SNI localhost, trusting CA_FILE) and reads the
// response to its end. MODE "plain" uses SSL_write/SSL_read, "ex" SSL_write_ex/SSL_read_ex;
// "plain-twice" makes two connections one after the other on one SSL object (SSL_clear between
// them, as a connection pool may: one pointer, two connections).
// Usage: client PORT CA_FILE PATH BODY_BYTES MODE [DELAY_S]; prints the response bytes it read.
// DELAY_S: seconds to wait before connecting (a first run, while the collector looks at the binary).
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ex;

static int write_all(SSL *ssl, const char *p, size_t n) {
  while (n > 0) {
    size_t done = 0;
    int ok = ex ? SSL_write_ex(ssl, p, n, &done) : (int)(done = (size_t)SSL_write(ssl, p, (int)n)) > 0;
    if (ok <= 0) return -1;
    p += done;
    n -= done;
  }
  return 0;
}

/* One connection on `ssl`: the request out, the response read to its end. Returns the bytes read, or -1. */
static long exchange(SSL *ssl, int port, const char *path, const char *body, size_t body_bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return -1;
  SSL_set_tlsext_host_name(ssl, "localhost");
  SSL_set1_host(ssl, "localhost");
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) != 1) return -1;
  char head[256];
  int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", path, body_bytes);
  if (write_all(ssl, head, (size_t)n) || write_all(ssl, body, body_bytes)) return -1;
  long got = 0;
  char buf[16384];
  for (;;) {
    size_t r = 0;
    int ok = ex ? SSL_read_ex(ssl, buf, sizeof buf, &r) : (int)(r = (size_t)SSL_read(ssl, buf, sizeof buf)) > 0;
    if (ok <= 0) break;
    got += (long)r;
  }
  SSL_shutdown(ssl);
  close(fd);
  return got;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) return 2;
  if (argc == 7) sleep(atoi(argv[6]));
  ex = strncmp(argv[5], "ex", 2) == 0;
  int times = strstr(argv[5], "twice") ? 2 : 1;
  size_t body_bytes = strtoul(argv[4], NULL, 10);
  char *body = malloc(body_bytes);
  for (size_t i = 0; i < body_bytes; i++) body[i] = 'a' + i % 26;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!SSL_CTX_load_verify_locations(ctx, argv[2], NULL)) return 4;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL *ssl = SSL_new(ctx);
  long got = 0;
  for (int i = 0; i < times; i++) {
    if (i > 0 && !SSL_clear(ssl)) return 6;
    long r = exchange(ssl, atoi(argv[1]), argv[3], body, body_bytes);
    if (r < 0) return 5;
    got += r;
  }
  printf("%ld\n", got);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return 0;
}
