/* websocket.c - the WebSocket opening handshake and framing, for IRC lines. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cidr.h"
#include "base/match.h"
#include "base/util.h"
#include "net/websocket.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* Lines flattened from the sendq per encode: a TLS record's worth and one line more. */
#define WS_FLAT_MAX (16384 + WS_MESSAGE_MAX)

enum ws_opcode {
	OP_CONTINUATION = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xA,
};

/* ---- The opening handshake. */

/* The value of a header line "Name: value" when its name is name, else NULL. */
static const char *
header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v, *end = line + len;

	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return NULL;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

/* 1 when the comma-separated list v[0..len) holds token, case-insensitively. */
static int
has_token(const char *v, size_t len, const char *token)
{
	size_t tl = strlen(token);
	const char *p = v, *end = v + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end, *s = p, *e = stop;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0)
			return 1;
		p = stop + 1;
	}
	return 0;
}

/* The first subprotocol of the client's list we speak, in its order: 1 + mode, or 0. */
static int
choose_protocol(const char *v, size_t len)
{
	const char *p = v, *end = v + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end, *s = p, *e = stop;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == 16 && strncasecmp(s, "binary.ircv3.net", 16) == 0)
			return 1 + WS_BINARY;
		if ((size_t)(e - s) == 14 && strncasecmp(s, "text.ircv3.net", 14) == 0)
			return 1 + WS_TEXT;
		p = stop + 1;
	}
	return 0;
}

static void
copy_value(char *dst, size_t size, const char *v, size_t len)
{
	size_t n = MIN(len, size - 1);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* X-Forwarded-For may come in several headers: one list, in order. */
static void
append_forwarded(struct ws_request *rq, const char *v, size_t len)
{
	size_t have = strlen(rq->forwarded);

	if (have > 0 && have + 1 < sizeof(rq->forwarded))
		rq->forwarded[have++] = ',';
	if (have < sizeof(rq->forwarded))
		copy_value(rq->forwarded + have, sizeof(rq->forwarded) - have, v, len);
}

/* A Sec-WebSocket-Key is 16 bytes in base64: 22 characters and "==". */
static int
key_valid(const char *v, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (len != 24 || v[22] != '=' || v[23] != '=')
		return 0;
	for (size_t i = 0; i < 22; i++)
		if (strchr(b64, v[i]) == NULL || v[i] == '\0')
			return 0;
	return 1;
}

struct upgrade_seen {
	int upgrade, connection, version_ok, version_seen, key;
};

static void
request_header(struct ws_request *rq, struct upgrade_seen *seen, const char *line, size_t len)
{
	const char *v;
	size_t vl;

	if ((v = header_value(line, len, "Upgrade", &vl)) != NULL)
		seen->upgrade |= has_token(v, vl, "websocket");
	else if ((v = header_value(line, len, "Connection", &vl)) != NULL)
		seen->connection |= has_token(v, vl, "upgrade");
	else if ((v = header_value(line, len, "Sec-WebSocket-Version", &vl)) != NULL) {
		seen->version_seen = 1;
		seen->version_ok = vl == 2 && memcmp(v, "13", 2) == 0;
	} else if ((v = header_value(line, len, "Sec-WebSocket-Key", &vl)) != NULL) {
		seen->key = key_valid(v, vl);
		if (seen->key)
			copy_value(rq->key, sizeof(rq->key), v, vl);
	} else if ((v = header_value(line, len, "Sec-WebSocket-Protocol", &vl)) != NULL) {
		if (rq->protocol == 0)
			rq->protocol = choose_protocol(v, vl);
	} else if ((v = header_value(line, len, "Origin", &vl)) != NULL)
		copy_value(rq->origin, sizeof(rq->origin), v, vl);
	else if ((v = header_value(line, len, "X-Forwarded-For", &vl)) != NULL)
		append_forwarded(rq, v, vl);
}

enum ws_http
ws_request_parse(const char *buf, size_t len, struct ws_request *rq)
{
	const char *end = NULL, *p, *eol;
	struct upgrade_seen seen = {0};

	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 4;
			break;
		}
	if (end == NULL)
		return len >= WS_REQUEST_MAX ? WS_HTTP_TOOBIG : WS_HTTP_MORE;
	memset(rq, 0, sizeof(*rq));
	rq->length = (size_t)(end - buf);
	eol = memchr(buf, '\r', rq->length);
	/* "GET /anything HTTP/1.1": any path is the IRC endpoint. */
	if (eol == NULL || eol - buf < 14 || strncmp(buf, "GET /", 5) != 0 ||
	    strncmp(eol - 9, " HTTP/1.1", 9) != 0 || memchr(buf, '\0', rq->length) != NULL)
		return WS_HTTP_BAD;
	for (p = eol + 2; p < end - 2; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL || eol[1] != '\n')
			return WS_HTTP_BAD;
		request_header(rq, &seen, p, (size_t)(eol - p));
	}
	if (!seen.upgrade || !seen.connection)
		return WS_HTTP_NOUPGRADE;
	if (!seen.version_seen || !seen.version_ok)
		return WS_HTTP_VERSION;
	if (!seen.key)
		return WS_HTTP_BAD;
	return WS_HTTP_OK;
}

void
ws_accept_key(const char *key, char out[29])
{
	char buf[64];
	unsigned char md[SHA_DIGEST_LENGTH];
	int n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);

	EVP_Digest(buf, (size_t)n, md, NULL, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

int
ws_origin_allowed(const char *list, const char *origin)
{
	char *copy, *cursor, *glob;
	int ok = 0;

	if (list == NULL)
		return 1;
	copy = cursor = xstrdup(list);
	while (!ok && (glob = strsep(&cursor, " ,\t")) != NULL)
		ok = *glob != '\0' && mask_match(glob, origin);
	free(copy);
	return ok;
}

void
ws_forwarded_ip(const char *xff, const char *proxies, const char *peer, char *out, size_t size)
{
	char list[512], *item;
	char addr[64];

	str_copy(out, peer, size);
	if (xff == NULL || *xff == '\0' || !cidr_list_match(proxies, peer))
		return;
	str_copy(list, xff, sizeof(list));
	/* From the right: each hop we trust vouches for the one before it. */
	while ((item = strrchr(list, ',')) != NULL || list[0] != '\0') {
		char *s = item ? item + 1 : list;
		s += strspn(s, " \t");
		s[strcspn(s, " \t")] = '\0';
		if (ip_normalize(s, addr, sizeof(addr)) != 0)
			return; /* garbage: stay with the last hop we trusted */
		str_copy(out, addr, size);
		if (!cidr_list_match(proxies, addr))
			return;
		if (item == NULL)
			return;
		*item = '\0';
	}
}

/* ---- Output. */

struct ws *
ws_new(enum ws_mode mode)
{
	struct ws *ws = xcalloc(1, sizeof(*ws));

	ws->mode = mode;
	return ws;
}

void
ws_free(struct ws *ws)
{
	if (ws == NULL)
		return;
	free(ws->carry);
	free(ws->msg);
	free(ws->out);
	free(ws);
}

static void
out_reserve(struct ws *ws, size_t more)
{
	if (ws->out_off > 0 && ws->out_off == ws->out_len)
		ws->out_off = ws->out_len = 0;
	if (ws->out_len + more <= ws->out_cap)
		return;
	if (ws->out_off > 0) { /* slide the unwritten rest to the front */
		memmove(ws->out, ws->out + ws->out_off, ws->out_len - ws->out_off);
		ws->out_len -= ws->out_off;
		ws->out_off = 0;
		if (ws->out_len + more <= ws->out_cap)
			return;
	}
	/* At least a few lines' worth: a flush frames many lines into it. */
	ws->out_cap = (uint32_t)MAX(MAX((size_t)ws->out_cap * 2, ws->out_len + more), 2048);
	ws->out = xrealloc(ws->out, ws->out_cap);
}

static void
out_append(struct ws *ws, const void *data, size_t len)
{
	out_reserve(ws, len);
	memcpy(ws->out + ws->out_len, data, len);
	ws->out_len += (uint32_t)len;
}

void
ws_consume(struct ws *ws, size_t n)
{
	ws->out_off += (uint32_t)n;
	if (ws->out_off == ws->out_len) {
		/* An idle connection keeps no output buffer. */
		free(ws->out);
		ws->out = NULL;
		ws->out_off = ws->out_len = ws->out_cap = 0;
	}
}

void
ws_answer(struct ws *ws, const struct ws_request *rq)
{
	char accept[29], buf[256];
	int n;

	ws_accept_key(rq->key, accept);
	n = snprintf(buf, sizeof(buf),
	             "HTTP/1.1 101 Switching Protocols\r\n"
	             "Upgrade: websocket\r\n"
	             "Connection: Upgrade\r\n"
	             "Sec-WebSocket-Accept: %s\r\n"
	             "%s%s%s"
	             "\r\n",
	             accept, rq->protocol ? "Sec-WebSocket-Protocol: " : "",
	             rq->protocol == 1 + WS_BINARY ? "binary.ircv3.net"
	             : rq->protocol == 1 + WS_TEXT ? "text.ircv3.net"
	                                           : "",
	             rq->protocol ? "\r\n" : "");
	out_append(ws, buf, (size_t)n);
}

void
ws_answer_error(struct ws *ws, enum ws_http why, int forbidden)
{
	const char *status = "400 Bad Request", *extra = "";
	const char *body = "This is an IRC WebSocket endpoint.\n";
	char buf[512];
	int n;

	if (forbidden) {
		status = "403 Forbidden";
		body = "This origin may not connect.\n";
	} else if (why == WS_HTTP_NOUPGRADE) {
		status = "426 Upgrade Required";
		extra = "Upgrade: websocket\r\n";
	} else if (why == WS_HTTP_VERSION) {
		status = "426 Upgrade Required";
		extra = "Sec-WebSocket-Version: 13\r\n";
	} else if (why == WS_HTTP_TOOBIG) {
		status = "431 Request Header Fields Too Large";
	}
	n = snprintf(buf, sizeof(buf),
	             "HTTP/1.1 %s\r\n%sContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n%s",
	             status, extra, strlen(body), body);
	out_append(ws, buf, (size_t)n);
}

/* A server frame: never masked. */
static void
frame_header(struct ws *ws, unsigned opcode, size_t len)
{
	unsigned char h[10];
	size_t n = 2;

	h[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		h[1] = (unsigned char)len;
	} else if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	out_append(ws, h, n);
}

static void
control_frame(struct ws *ws, unsigned opcode, const char *payload, size_t len)
{
	frame_header(ws, opcode, len);
	if (len > 0)
		out_append(ws, payload, len);
}

void
ws_close(struct ws *ws, unsigned code, const char *reason)
{
	char payload[125];
	size_t n = 2;

	if (ws->close_sent)
		return;
	ws->close_sent = 1;
	payload[0] = (char)(code >> 8);
	payload[1] = (char)code;
	if (reason != NULL) {
		size_t r = MIN(strlen(reason), sizeof(payload) - 2);
		memcpy(payload + 2, reason, r);
		n += r;
	}
	control_frame(ws, OP_CLOSE, payload, n);
}

/* Length of a well-formed UTF-8 sequence at s (1-4), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (n == 0 || s[0] > 0xF4 || n > len)
		return 0;
	return utf8_valid((const char *)s, n) ? n : 0;
}

/* Text messages must be UTF-8: other bytes become U+FFFD, as the spec allows. */
static void
text_payload(struct ws *ws, const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t clean = 0, extra = 0, i, n;

	if (utf8_valid(line, len)) { /* nearly always */
		frame_header(ws, OP_TEXT, len);
		out_append(ws, line, len);
		return;
	}
	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(s + i, len - i)) == 0) {
			extra += 2;
			n = 1;
		}
	frame_header(ws, OP_TEXT, len + extra);
	if (extra == 0) {
		out_append(ws, line, len);
		return;
	}
	out_reserve(ws, len + extra);
	for (i = 0; i < len; i += n) {
		if ((n = utf8_seq(s + i, len - i)) == 0) {
			out_append(ws, line + clean, i - clean);
			out_append(ws, "\xEF\xBF\xBD", 3);
			n = 1;
			clean = i + 1;
		}
	}
	out_append(ws, line + clean, len - clean);
}

static void
encode_line(struct ws *ws, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (ws->close_sent || ws->close_received)
		return; /* no data after a close */
	out_reserve(ws, len + 10);
	if (ws->mode == WS_TEXT) {
		text_payload(ws, line, len);
		return;
	}
	frame_header(ws, OP_BINARY, len);
	out_append(ws, line, len);
}

size_t
ws_encode(struct ws *ws, const struct iovec *iov, int n, size_t budget)
{
	static char flat[WS_FLAT_MAX];
	size_t have = 0, pos = 0, limit = MIN(budget, sizeof(flat));

	/* Lines may span the sendq's buffers: flatten a record's worth first. */
	for (int i = 0; i < n && have < limit; i++) {
		size_t take = MIN(iov[i].iov_len, sizeof(flat) - have);
		memcpy(flat + have, iov[i].iov_base, take);
		have += take;
	}
	while (pos < have) {
		char *nl = memchr(flat + pos, '\n', have - pos);
		size_t end;
		if (nl == NULL) {
			/* Only a line longer than any we make has no end here: send it whole.
			 */
			if (have - pos < WS_MESSAGE_MAX)
				break;
			end = have;
		} else {
			end = (size_t)(nl - flat) + 1;
		}
		encode_line(ws, flat + pos, end - pos);
		pos = end;
		if (pos >= limit)
			break;
	}
	return pos;
}

/* ---- Input. */

/* One whole message: an IRC line for the framer, ending in "\n". */
static int
deliver(struct ws *ws, unsigned opcode, const char *p, size_t len, char *out, size_t room,
        size_t *produced, const char **why)
{
	(void)ws;
	if (opcode == OP_TEXT && !utf8_valid(p, len)) {
		*why = "Invalid UTF-8 in a text message";
		return WS_CLOSE_BAD_DATA;
	}
	/* Tolerate a trailing CRLF or LF, which the spec says not to send. */
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if (*produced + len + 1 > room) {
		*why = "Message too big";
		return WS_CLOSE_TOO_BIG;
	}
	memcpy(out + *produced, p, len);
	out[*produced + len] = '\n';
	*produced += len + 1;
	return 0;
}

static int
data_frame(struct ws *ws, int fin, unsigned opcode, const char *p, size_t len, char *out,
           size_t room, size_t *produced, const char **why)
{
	if (opcode == OP_CONTINUATION) {
		if (ws->msg_opcode == 0) {
			*why = "Continuation without a message";
			return WS_CLOSE_PROTOCOL;
		}
		if (ws->msg_len + len > WS_MESSAGE_MAX) {
			*why = "Message too big";
			return WS_CLOSE_TOO_BIG;
		}
		if (ws->msg == NULL)
			ws->msg = xmalloc(WS_MESSAGE_MAX);
		memcpy(ws->msg + ws->msg_len, p, len);
		ws->msg_len += (uint32_t)len;
		if (!fin)
			return 0;
		opcode = ws->msg_opcode;
		ws->msg_opcode = 0;
		int r = deliver(ws, opcode, ws->msg, ws->msg_len, out, room, produced, why);
		free(ws->msg);
		ws->msg = NULL;
		ws->msg_len = 0;
		return r;
	}
	if (ws->msg_opcode != 0) {
		*why = "A new message inside a fragmented one";
		return WS_CLOSE_PROTOCOL;
	}
	if (fin)
		return deliver(ws, opcode, p, len, out, room, produced, why);
	ws->msg_opcode = (uint8_t)opcode;
	ws->msg = xmalloc(WS_MESSAGE_MAX);
	memcpy(ws->msg, p, len);
	ws->msg_len = (uint32_t)len;
	return 0;
}

static int
control(struct ws *ws, unsigned opcode, const char *p, size_t len, const char **why)
{
	unsigned code;

	switch (opcode) {
	case OP_PING:
		/* A client that pings without reading loses pongs, not memory. */
		if (!ws->close_sent && ws_pending(ws) < WS_OUT_SOFT_MAX)
			control_frame(ws, OP_PONG, p, len);
		return 0;
	case OP_PONG: return 0;
	default: /* OP_CLOSE */
		ws->close_received = 1;
		code = len >= 2 ? ((unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1])
		                : WS_CLOSE_NORMAL;
		if (len == 1 ||
		    (len >= 2 && (code < 1000 || code == 1004 || code == 1005 || code == 1006 ||
		                  (code > 1014 && code < 3000) || code > 4999))) {
			*why = "Bad close frame";
			return WS_CLOSE_PROTOCOL;
		}
		ws_close(ws, code, NULL); /* echo it: the closing handshake */
		*why = "Connection closed";
		return WS_CLOSE_NORMAL;
	}
}

int
ws_decode(struct ws *ws, char *in, size_t len, char *out, size_t room, size_t *produced,
          const char **why)
{
	size_t pos = 0;
	int r = 0;

	*produced = 0;
	while (r == 0 && len - pos >= 2) {
		unsigned char *h = (unsigned char *)in + pos;
		int fin = h[0] & 0x80;
		unsigned opcode = h[0] & 0x0f;
		uint64_t plen = h[1] & 0x7f;
		size_t hl = 2;
		if (h[0] & 0x70) {
			*why = "Reserved bits set";
			return WS_CLOSE_PROTOCOL;
		}
		if (!(h[1] & 0x80)) {
			*why = "Unmasked frame";
			return WS_CLOSE_PROTOCOL;
		}
		if (opcode >= 0x8) {
			if (opcode > OP_PONG || !fin || plen > 125) {
				*why = "Bad control frame";
				return WS_CLOSE_PROTOCOL;
			}
		} else if (opcode > OP_BINARY) {
			*why = "Unknown opcode";
			return WS_CLOSE_PROTOCOL;
		}
		if (plen == 126) {
			if (len - pos < 4)
				break;
			plen = (uint64_t)h[2] << 8 | h[3];
			hl = 4;
		} else if (plen == 127) {
			if (len - pos < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | h[2 + i];
			hl = 10;
		}
		if (plen > WS_MESSAGE_MAX) {
			*why = "Message too big";
			return WS_CLOSE_TOO_BIG;
		}
		if (len - pos < hl + 4 + plen)
			break;
		{
			unsigned char *mask = h + hl, *p = h + hl + 4;
			for (size_t i = 0; i < plen; i++)
				p[i] ^= mask[i & 3];
			if (opcode >= 0x8)
				r = control(ws, opcode, (char *)p, (size_t)plen, why);
			else
				r = data_frame(ws, fin, opcode, (char *)p, (size_t)plen, out,
				               room, produced, why);
		}
		pos += hl + 4 + (size_t)plen;
	}
	if (r != 0)
		return r;
	/* Keep the incomplete frame (bounded: its length was checked). */
	ws->carry_len = (uint32_t)(len - pos);
	if (ws->carry_len == 0) {
		free(ws->carry);
		ws->carry = NULL;
	} else {
		if (ws->carry == NULL)
			ws->carry = xmalloc(WS_CARRY_MAX);
		memmove(ws->carry, in + pos, ws->carry_len);
	}
	return 0;
}
