/* tls.c - OpenSSL contexts (serving, and dialling links), handshake, read, write. */
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"
#include "net/tls.h"

#define TLS_RECORD 16384

static SSL_CTX *server_ctx;
static SSL_CTX *client_ctx; /* dialling out: server links */
static unsigned long handshakes_full, handshakes_resumed;
static char last_error[256];

static void
remember_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(last_error, sizeof(last_error), "%s: %s", what, e ? buf : "unknown error");
	ERR_clear_error();
}

const char *
tls_last_error(void)
{
	return last_error;
}

/* Ask for a client certificate, but accept any: it is an identity, not a gate. */
static int
accept_any_cert(int preverify_ok, X509_STORE_CTX *ctx)
{
	return 1;
}

static int
ctx_set_protocols(SSL_CTX *ctx, const struct config *c)
{
	int min = strcmp(c->tls.min_version, "1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (!SSL_CTX_set_min_proto_version(ctx, min)) {
		remember_error("min_version");
		return -1;
	}
	if (c->tls.ciphers != NULL && !SSL_CTX_set_cipher_list(ctx, c->tls.ciphers)) {
		remember_error("ciphers");
		return -1;
	}
	if (c->tls.ciphersuites != NULL &&
	    !SSL_CTX_set_ciphersuites(ctx, c->tls.ciphersuites)) {
		remember_error("ciphersuites");
		return -1;
	}
	return 0;
}

static SSL_CTX *
ctx_build(const struct config *c)
{
	static const unsigned char sid_ctx[] = "evircd";
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		remember_error("SSL_CTX_new");
		return NULL;
	}
	if (ctx_set_protocols(ctx, c) != 0)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls.certificate) != 1) {
		remember_error(c->tls.certificate);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		remember_error(c->tls.key);
		goto fail;
	}
	/* Partial writes let one record carry what fits; the buffer may move. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                          SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any_cert);
	/*
	 * Resumption: stateless tickets for TLS 1.3 (never cached), and for
	 * TLS 1.2 session IDs an in-memory cache, bounded (a full cache drops
	 * its oldest), so OpenSSL's walk of it every 255 handshakes is not needed.
	 */
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_session_cache_mode(ctx,
	                               SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
	SSL_CTX_sess_set_cache_size(ctx, 20000);
	SSL_CTX_set_timeout(ctx, 3600);
	/* One ticket resumes the next connection (which gets a fresh one); each costs. */
	SSL_CTX_set_num_tickets(ctx, 1);
	/* Whole socket reads, not a header and then a body per record. */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * For links we dial: our certificate (so the peer can pin it), and any
 * certificate from the peer, since links pin fingerprints instead of
 * trusting a CA ([link] fingerprint).
 */
static SSL_CTX *
client_ctx_build(const struct config *c)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		remember_error("SSL_CTX_new");
		return NULL;
	}
	if (ctx_set_protocols(ctx, c) != 0 ||
	    SSL_CTX_use_certificate_chain_file(ctx, c->tls.certificate) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->tls.key, SSL_FILETYPE_PEM) != 1) {
		remember_error(c->tls.certificate);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                          SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_cert);
	return ctx;
}

int
tls_configure(const struct config *c)
{
	SSL_CTX *ctx, *cctx;

	if (c->tls.certificate == NULL)
		return 0;
	ctx = ctx_build(c);
	cctx = ctx != NULL ? client_ctx_build(c) : NULL;
	if (ctx == NULL || cctx == NULL) {
		SSL_CTX_free(ctx); /* the caller reports tls_last_error() */
		return -1;
	}
	SSL_CTX_free(server_ctx); /* live sessions hold their own reference */
	server_ctx = ctx;
	SSL_CTX_free(client_ctx);
	client_ctx = cctx;
	return 0;
}

int
tls_available(void)
{
	return server_ctx != NULL;
}

SSL *
tls_accept(int fd)
{
	SSL *ssl = SSL_new(server_ctx);

	if (ssl == NULL)
		return NULL;
	SSL_set_fd(ssl, fd);
	SSL_set_accept_state(ssl);
	return ssl;
}

void
tls_no_client_certificate(SSL *ssl)
{
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
}

SSL *
tls_connect(int fd)
{
	SSL *ssl = client_ctx != NULL ? SSL_new(client_ctx) : NULL;

	if (ssl == NULL)
		return NULL;
	SSL_set_fd(ssl, fd);
	SSL_set_connect_state(ssl);
	return ssl;
}

void
tls_free(SSL *ssl)
{
	if (ssl != NULL)
		SSL_free(ssl);
}

static enum tls_status
map_error(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ: return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE: return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN: return TLS_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			snprintf(last_error, sizeof(last_error), "connection reset");
			return TLS_CLOSED;
		}
		/* fall through */
	default: remember_error("TLS"); return TLS_FAILED;
	}
}

enum tls_status
tls_handshake(SSL *ssl)
{
	int r = SSL_do_handshake(ssl);

	if (r == 1) {
		if (SSL_session_reused(ssl))
			handshakes_resumed++;
		else
			handshakes_full++;
		return TLS_OK;
	}
	return map_error(ssl, r);
}

enum tls_status
tls_read(SSL *ssl, char *buf, size_t len, size_t *n)
{
	int r = SSL_read_ex(ssl, buf, len, n);

	return r == 1 ? TLS_OK : map_error(ssl, 0);
}

int
tls_pending(SSL *ssl)
{
	return SSL_has_pending(ssl);
}

enum tls_status
tls_writev(SSL *ssl, const struct iovec *iov, int iovcnt, size_t *n)
{
	static char record[TLS_RECORD];
	size_t len = 0;
	int r;

	/*
	 * One block (a private buffer of coalesced lines) goes as it is, at most
	 * a record's worth like the copy below: a retry after WANT_WRITE then
	 * offers at least what the blocked attempt did either way (the queue only
	 * grows until a write succeeds), as OpenSSL requires.
	 */
	if (iovcnt == 1) {
		r = SSL_write_ex(ssl, iov[0].iov_base, MIN(iov[0].iov_len, sizeof(record)), n);
		return r == 1 ? TLS_OK : map_error(ssl, 0);
	}
	/* One SSL_write per record's worth of queued lines, not per line. */
	for (int i = 0; i < iovcnt && len < sizeof(record); i++) {
		size_t take = MIN(iov[i].iov_len, sizeof(record) - len);
		memcpy(record + len, iov[i].iov_base, take);
		len += take;
	}
	r = SSL_write_ex(ssl, record, len, n);
	return r == 1 ? TLS_OK : map_error(ssl, 0);
}

void
tls_certfp(SSL *ssl, char *out, size_t size)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (cert == NULL)
		return;
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1 && size > mdlen * 2)
		for (unsigned i = 0; i < mdlen; i++)
			snprintf(out + i * 2, size - i * 2, "%02x", md[i]);
	X509_free(cert);
}

const char *
tls_describe(SSL *ssl)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s %s", SSL_get_version(ssl),
	         SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
	return buf;
}

void
tls_counts(unsigned long *resumed, unsigned long *full)
{
	*resumed = handshakes_resumed;
	*full = handshakes_full;
}
