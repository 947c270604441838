/*
 * tls-heap - where the memory of an idle server-side TLS connection goes.
 *
 * Makes N TLS connections over socketpairs, with the server context set up
 * as evircd sets up its own (ircd/net/tls.c: partial writes, moving write
 * buffer, released buffers, a client certificate asked for, the server
 * session cache, TLS 1.3 tickets), exchanges one line on each, frees the
 * client ends, and prints the heap OpenSSL still holds per server
 * connection, by allocation site (OpenSSL passes file:line to its
 * allocator).  RSS in a real run adds malloc's own overhead to this.
 *
 * Usage: tls-heap CERT KEY [N]
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct hdr {
	struct hdr *prev, *next;
	size_t size;
	const char *file;
	int line;
	int counted; /* allocated after the warm-up connections */
	long align;
};

static struct hdr live = {&live, &live, 0, NULL, 0, 0, 0};
static int counting;

static void
track(struct hdr *h, size_t n, const char *file, int line)
{
	h->size = n;
	h->file = file;
	h->line = line;
	h->counted = counting;
	h->next = live.next;
	h->prev = &live;
	live.next->prev = h;
	live.next = h;
}

static void
untrack(struct hdr *h)
{
	h->prev->next = h->next;
	h->next->prev = h->prev;
}

static void *
heap_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	if (h == NULL)
		return NULL;
	track(h, n, file, line);
	return h + 1;
}

static void *
heap_realloc(void *p, size_t n, const char *file, int line)
{
	struct hdr *h;

	if (p == NULL)
		return heap_malloc(n, file, line);
	h = (struct hdr *)p - 1;
	untrack(h);
	h = realloc(h, sizeof(*h) + n);
	if (h == NULL)
		return NULL; /* the old block is lost to the count; fine for a tool */
	track(h, n, file, line);
	return h + 1;
}

static void
heap_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return;
	untrack((struct hdr *)p - 1);
	free((struct hdr *)p - 1);
}

static int
accept_any_cert(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

/* The server context as ircd/net/tls.c makes it. */
static SSL_CTX *
server_ctx(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                          SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any_cert);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"evircd", 6);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	return ctx;
}

/* One connection: handshake both ends over a socketpair, one line across. */
static SSL *
connect_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **client)
{
	int sv[2];
	char buf[64];
	SSL *s, *c;
	int done = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
		perror("socketpair");
		exit(1);
	}
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	SSL_set_fd(s, sv[0]);
	SSL_set_fd(c, sv[1]);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	for (int i = 0; i < 20 && done != 3; i++) {
		done |= SSL_do_handshake(c) == 1 ? 1 : 0;
		done |= SSL_do_handshake(s) == 1 ? 2 : 0;
	}
	if (done != 3) {
		fprintf(stderr, "tls-heap: handshake did not finish\n");
		exit(1);
	}
	SSL_write(c, "PING :x\r\n", 9);
	SSL_read(s, buf, sizeof(buf)); /* the server reads, as an idle client's PONG */
	SSL_read(c, buf, sizeof(buf)); /* the client takes its session tickets */
	*client = c;
	return s;
}

struct site {
	const char *file;
	int line;
	size_t bytes;
	unsigned count;
};

static int
by_bytes(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void
report(unsigned n)
{
	static struct site sites[512];
	unsigned nsites = 0;
	size_t total = 0;

	for (struct hdr *h = live.next; h != &live; h = h->next) {
		unsigned i;

		if (!h->counted)
			continue;
		for (i = 0; i < nsites; i++)
			if (sites[i].line == h->line && sites[i].file == h->file)
				break;
		if (i == nsites && nsites == 512)
			continue;
		if (i == nsites)
			sites[nsites++] = (struct site){h->file, h->line, 0, 0};
		sites[i].bytes += h->size;
		sites[i].count++;
		total += h->size;
	}
	qsort(sites, nsites, sizeof(sites[0]), by_bytes);
	printf("heap held by OpenSSL per idle server connection: %zu bytes (%u connections)\n",
	       total / n, n);
	for (unsigned i = 0; i < nsites && sites[i].bytes / n >= 32; i++)
		printf("%7zu B  %4.1f blocks  %s:%d\n", sites[i].bytes / n,
		       (double)sites[i].count / n, sites[i].file ? sites[i].file : "?",
		       sites[i].line);
}

int
main(int argc, char **argv)
{
	enum { WARMUP = 8 };
	unsigned n = argc > 3 ? (unsigned)atoi(argv[3]) : 500;
	SSL_CTX *sctx, *cctx;
	SSL **server, **client;

	if (argc < 3 || n == 0) {
		fprintf(stderr, "usage: tls-heap CERT KEY [N]\n");
		return 2;
	}
	CRYPTO_set_mem_functions(heap_malloc, heap_realloc, heap_free);
	sctx = server_ctx(argv[1], argv[2]);
	cctx = SSL_CTX_new(TLS_client_method());
	server = calloc(n + WARMUP, sizeof(*server));
	client = calloc(n + WARMUP, sizeof(*client));
	for (unsigned i = 0; i < n + WARMUP; i++) {
		counting = i >= WARMUP; /* lazily made shared state is not per connection */
		server[i] = connect_pair(sctx, cctx, &client[i]);
	}
	counting = 0;
	for (unsigned i = 0; i < n + WARMUP; i++)
		SSL_free(client[i]);
	report(n);
	return 0;
}
