/* tls.h - TLS on client connections, with OpenSSL 3. */
#ifndef EVIRCD_TLS_H
#define EVIRCD_TLS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct config;
struct ssl_st;

/* What an operation needs before it can make progress. */
enum tls_status {
	TLS_OK,         /* done (handshake) or bytes moved (read/write) */
	TLS_WANT_READ,  /* wait for the socket to be readable */
	TLS_WANT_WRITE, /* wait for the socket to be writable */
	TLS_CLOSED,     /* the peer closed the session */
	TLS_FAILED,     /* protocol or socket error */
};

/*
 * Build a new server context from [tls]; on success it replaces the
 * current one (connections keep the context they started with).
 */
int tls_configure(const struct config *c);
int tls_available(void);
struct ssl_st *tls_accept(int fd);
/*
 * Do not ask this session's client for a certificate: browsers answer a
 * request with a certificate picker, or (headless) cancel the WebSocket.
 */
void tls_no_client_certificate(struct ssl_st *ssl);
/* The client side of a session, for a link we dial; NULL without [tls]. */
struct ssl_st *tls_connect(int fd);
void tls_free(struct ssl_st *ssl);
enum tls_status tls_handshake(struct ssl_st *ssl);
/* *n is the byte count on TLS_OK. */
enum tls_status tls_read(struct ssl_st *ssl, char *buf, size_t len, size_t *n);
/* Decrypted or buffered input is waiting inside the session. */
int tls_pending(struct ssl_st *ssl);
/* Coalesce the iovecs into TLS records (up to 16 KiB per call). */
enum tls_status tls_writev(struct ssl_st *ssl, const struct iovec *iov, int iovcnt, size_t *n);
/* SHA-256 fingerprint of the peer's certificate in hex, or "" if none. */
void tls_certfp(struct ssl_st *ssl, char *out, size_t size);
const char *tls_describe(struct ssl_st *ssl);
/* Sessions resumed / full handshakes since start (for STATS). */
void tls_counts(unsigned long *resumed, unsigned long *full);
const char *tls_last_error(void);

#endif
