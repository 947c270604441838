/* websocket.h - IRC over WebSocket (RFC 6455, IRCv3 text/binary.ircv3.net). */
#ifndef EVIRCD_WEBSOCKET_H
#define EVIRCD_WEBSOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "base/bounds.h"

/* The opening request, headers included, must fit in this. */
#define WS_REQUEST_MAX 8192
/* One IRC line per message: the longest we accept, a trailing CRLF included. */
#define WS_MESSAGE_MAX (IRC_INPUT_MAX + 2)
/* An incomplete frame kept between reads: header and payload. */
#define WS_CARRY_MAX (WS_MESSAGE_MAX + 14)
/* Output encoded ahead of the socket, beyond which pongs are dropped. */
#define WS_OUT_SOFT_MAX 65536

/* Close codes (RFC 6455 7.4.1). */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_PROTOCOL 1002
#define WS_CLOSE_BAD_DATA 1007
#define WS_CLOSE_TOO_BIG 1009

/* What kind of messages we send: text.ircv3.net (or none asked for), binary.ircv3.net. */
enum ws_mode { WS_TEXT, WS_BINARY };

/* The WebSocket side of one connection, once its handshake is answered. */
struct ws {
	enum ws_mode mode;
	uint8_t close_sent;
	uint8_t close_received;
	uint8_t msg_opcode; /* a fragmented message in progress: its opcode, else 0 */
	char *carry;        /* bytes of an incomplete frame */
	uint32_t carry_len;
	char *msg; /* a fragmented message so far */
	uint32_t msg_len;
	char *out; /* encoded bytes the socket has not taken yet */
	uint32_t out_off, out_len, out_cap;
};

/* The parsed opening request. */
struct ws_request {
	size_t length; /* of the request, up to and with the blank line */
	char key[32];  /* Sec-WebSocket-Key */
	int protocol;  /* the subprotocol chosen: 0 none, else 1 + enum ws_mode */
	char origin[256];
	char forwarded[512]; /* X-Forwarded-For, every such header joined by commas */
};

enum ws_http {
	WS_HTTP_MORE,      /* no blank line yet */
	WS_HTTP_OK,        /* a valid upgrade */
	WS_HTTP_BAD,       /* 400 */
	WS_HTTP_NOUPGRADE, /* 426: a plain HTTP request */
	WS_HTTP_VERSION,   /* 426 with Sec-WebSocket-Version: 13 */
	WS_HTTP_TOOBIG,    /* 431 */
};

enum ws_http ws_request_parse(const char *buf, size_t len, struct ws_request *rq);
/* Sec-WebSocket-Accept for key: base64(SHA-1(key GUID)), 28 characters + NUL. */
void ws_accept_key(const char *key, char out[29]);
/* 1 when origin matches one of the globs in list (spaces or commas between). */
int ws_origin_allowed(const char *list, const char *origin);
/*
 * The client's address behind trusted proxies: X-Forwarded-For read from
 * the right, skipping the proxies', stopping at the first other valid
 * address.  peer is the connection's; the result is written to out.
 */
void ws_forwarded_ip(const char *xff, const char *proxies, const char *peer, char *out,
                     size_t size);

struct ws *ws_new(enum ws_mode mode);
void ws_free(struct ws *ws);
/* Queue the 101 answer to rq. */
void ws_answer(struct ws *ws, const struct ws_request *rq);
/* Queue an HTTP error answer (the connection then closes). */
void ws_answer_error(struct ws *ws, enum ws_http why, int forbidden);

/*
 * Decode in[0..len) (carried bytes first; unmasked in place) into IRC
 * lines, each ending in "\n", written to out (room bytes: at least len +
 * WS_MESSAGE_MAX).  Answers pings and closes by queueing frames.  Returns
 * 0, or the close code that ends the connection (*why says why).
 */
int ws_decode(struct ws *ws, char *in, size_t len, char *out, size_t room, size_t *produced,
              const char **why);
/*
 * Frame the complete lines of iov[0..n) into the output, about budget
 * bytes of them; returns the bytes of the iovs consumed.
 */
size_t ws_encode(struct ws *ws, const struct iovec *iov, int n, size_t budget);
/* Queue a close frame (once). */
void ws_close(struct ws *ws, unsigned code, const char *reason);
/* Output waiting: its start and length; consume what was written. */
static inline size_t
ws_pending(const struct ws *ws)
{
	return ws->out_len - ws->out_off;
}
void ws_consume(struct ws *ws, size_t n);

#endif
