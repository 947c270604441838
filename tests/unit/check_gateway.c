/* check_gateway.c - WebSocket framing and handshake, PROXY headers, CIDR lists. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/cidr.h"
#include "net/proxyproto.h"
#include "net/websocket.h"

/* A masked client frame of payload into buf; returns its length. */
static size_t
client_frame(unsigned char *buf, int fin, unsigned opcode, const char *payload, size_t len)
{
	static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
	size_t n = 0;

	buf[n++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		buf[n++] = (unsigned char)(0x80 | len);
	} else {
		buf[n++] = 0x80 | 126;
		buf[n++] = (unsigned char)(len >> 8);
		buf[n++] = (unsigned char)len;
	}
	memcpy(buf + n, mask, 4);
	n += 4;
	for (size_t i = 0; i < len; i++)
		buf[n + i] = (unsigned char)payload[i] ^ mask[i & 3];
	return n + len;
}

START_TEST(test_accept_key_rfc6455_sample)
{
	char out[29];

	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(test_request_parse)
{
	const char *req = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
	                  "upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
	                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                  "Origin: https://chat.example.org\r\n"
	                  "Sec-WebSocket-Protocol: foo, text.ircv3.net, binary.ircv3.net\r\n"
	                  "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 10.0.0.1\r\n"
	                  "Sec-WebSocket-Version: 13\r\n\r\nrest";
	struct ws_request rq;

	ck_assert_int_eq(ws_request_parse(req, 10, &rq), WS_HTTP_MORE);
	ck_assert_int_eq(ws_request_parse(req, strlen(req), &rq), WS_HTTP_OK);
	ck_assert_uint_eq(rq.length, strlen(req) - 4);
	ck_assert_str_eq(rq.key, "dGhlIHNhbXBsZSBub25jZQ==");
	ck_assert_int_eq(rq.protocol, 1 + WS_TEXT); /* the client's first we speak */
	ck_assert_str_eq(rq.origin, "https://chat.example.org");
	ck_assert_str_eq(rq.forwarded, "192.0.2.1,10.0.0.1");
}
END_TEST

START_TEST(test_request_refusals)
{
	struct ws_request rq;
	char big[WS_REQUEST_MAX + 10];

	ck_assert_int_eq(ws_request_parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, &rq),
	                 WS_HTTP_NOUPGRADE);
	ck_assert_int_eq(ws_request_parse("POST / HTTP/1.1\r\n\r\n", 19, &rq), WS_HTTP_BAD);
	{
		const char *v8 =
		    "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		    "Sec-WebSocket-Version: 8\r\n\r\n";
		ck_assert_int_eq(ws_request_parse(v8, strlen(v8), &rq), WS_HTTP_VERSION);
	}
	{
		const char *nokey =
		    "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n";
		ck_assert_int_eq(ws_request_parse(nokey, strlen(nokey), &rq), WS_HTTP_BAD);
	}
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(ws_request_parse(big, sizeof(big), &rq), WS_HTTP_TOOBIG);
}
END_TEST

START_TEST(test_origin_globs)
{
	const char *list = "https://chat.example.org, http://localhost:*";

	ck_assert(ws_origin_allowed(NULL, "https://anything"));
	ck_assert(ws_origin_allowed(list, "https://chat.example.org"));
	ck_assert(ws_origin_allowed(list, "http://localhost:8080"));
	ck_assert(!ws_origin_allowed(list, "https://chat.example.org.evil.com"));
	ck_assert(!ws_origin_allowed(list, "null"));
}
END_TEST

START_TEST(test_forwarded_ip)
{
	char ip[64];

	ws_forwarded_ip("203.0.113.9, 10.1.2.3", "127.0.0.1 10.0.0.0/8", "127.0.0.1", ip,
	                sizeof(ip));
	ck_assert_str_eq(ip, "203.0.113.9");
	ws_forwarded_ip("203.0.113.9", NULL, "127.0.0.1", ip, sizeof(ip));
	ck_assert_str_eq(ip, "127.0.0.1"); /* no trusted proxies */
	ws_forwarded_ip("203.0.113.9", "10.0.0.0/8", "127.0.0.1", ip, sizeof(ip));
	ck_assert_str_eq(ip, "127.0.0.1"); /* the peer is not one */
	ws_forwarded_ip("1.1.1.1, junk, 10.0.0.2", "127.0.0.1 10.0.0.0/8", "127.0.0.1", ip,
	                sizeof(ip));
	ck_assert_str_eq(ip, "10.0.0.2"); /* stop at garbage: the last trusted hop */
	ws_forwarded_ip(" ::ffff:192.0.2.4 ", "127.0.0.1", "127.0.0.1", ip, sizeof(ip));
	ck_assert_str_eq(ip, "192.0.2.4");
}
END_TEST

START_TEST(test_decode_lines_fragments_and_pings)
{
	struct ws *ws = ws_new(WS_TEXT);
	unsigned char in[512];
	char out[512 + WS_MESSAGE_MAX];
	size_t n = 0, produced;
	const char *why = NULL;

	n += client_frame(in + n, 1, 1, "NICK a\r\n", 8);
	n += client_frame(in + n, 0, 1, "USER u 0", 8);
	n += client_frame(in + n, 1, 9, "hi", 2); /* a ping between fragments */
	n += client_frame(in + n, 1, 0, " * :x", 5);
	n += client_frame(in + n, 1, 2, "", 0); /* empty: nothing */
	ck_assert_int_eq(ws_decode(ws, (char *)in, n - 3, out, sizeof(out), &produced, &why),
	                 0);
	ck_assert_uint_eq(ws->carry_len, 3); /* the last frame, incomplete */
	ck_assert_int_eq(memcmp(out, "NICK a\nUSER u 0 * :x\n", produced), 0);
	ck_assert_uint_eq(produced, 21);
	/* The pong: unmasked, same payload. */
	ck_assert_uint_eq(ws_pending(ws), 4);
	ck_assert_int_eq(memcmp(ws->out, "\x8a\x02hi", 4), 0);
	ws_free(ws);
}
END_TEST

START_TEST(test_decode_errors)
{
	struct {
		unsigned char frame[32];
		size_t len;
		int code;
	} cases[] = {
	    {{0x81, 0x02, 'h', 'i'}, 4, WS_CLOSE_PROTOCOL},   /* unmasked */
	    {{0xc1, 0x80, 0, 0, 0, 0}, 6, WS_CLOSE_PROTOCOL}, /* RSV1 */
	    {{0x83, 0x80, 0, 0, 0, 0}, 6, WS_CLOSE_PROTOCOL}, /* opcode 3 */
	    {{0x09, 0x80, 0, 0, 0, 0}, 6, WS_CLOSE_PROTOCOL}, /* fragmented ping */
	    {{0x80, 0x80, 0, 0, 0, 0}, 6, WS_CLOSE_PROTOCOL}, /* lone continuation */
	    {{0x81, 0xff, 0, 0, 0, 0, 0, 1, 0, 0}, 10, WS_CLOSE_TOO_BIG}, /* 16 MB claimed */
	    {{0x81, 0x81, 0, 0, 0, 0, 0xff}, 7, WS_CLOSE_BAD_DATA},       /* not UTF-8 */
	    {{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}, 8, WS_CLOSE_NORMAL},   /* close 1000 */
	    {{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed}, 8, WS_CLOSE_PROTOCOL}, /* close 1005 */
	};
	char out[64 + WS_MESSAGE_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws *ws = ws_new(WS_TEXT);
		size_t produced;
		const char *why = NULL;
		int code = ws_decode(ws, (char *)cases[i].frame, cases[i].len, out, sizeof(out),
		                     &produced, &why);
		ck_assert_msg(code == cases[i].code, "case %zu: %d", i, code);
		ck_assert(why != NULL);
		ws_free(ws);
	}
}
END_TEST

START_TEST(test_encode_lines)
{
	struct ws *ws = ws_new(WS_TEXT);
	char a[] = ":s 001 x :hi\r\n:s PRIVMSG x :caf\xe9\r\n", b[] = "PING :y\r\n:partial";
	struct iovec iov[2] = {{a, strlen(a)}, {b, strlen(b)}};
	size_t used = ws_encode(ws, iov, 2, 65536);

	/* Complete lines only; the partial one waits. */
	ck_assert_uint_eq(used, strlen(a) + 9);
	ck_assert_int_eq(memcmp(ws->out, "\x81\x0c:s 001 x :hi", 14), 0);
	/* Text frames carry UTF-8 only: the stray byte becomes U+FFFD. */
	ck_assert_int_eq(memcmp(ws->out + 14, "\x81\x14:s PRIVMSG x :caf\xef\xbf\xbd", 22), 0);
	ck_assert_int_eq(memcmp(ws->out + 36, "\x81\x07PING :y", 9), 0);
	ck_assert_uint_eq(ws_pending(ws), 45);
	ws_consume(ws, ws_pending(ws));
	ck_assert_ptr_null(ws->out);
	ws->mode = WS_BINARY;
	ws_encode(ws, iov, 1, 65536);
	ck_assert_int_eq(memcmp(ws->out + 14, "\x82\x12:s PRIVMSG x :caf\xe9", 20), 0);
	ws_close(ws, WS_CLOSE_NORMAL, NULL);
	ws_close(ws, WS_CLOSE_NORMAL, NULL); /* once */
	ck_assert_uint_eq(ws_pending(ws), 34 + 4);
	ws_free(ws);
}
END_TEST

START_TEST(test_proxy_v1)
{
	struct proxy_header h;
	const char *ok = "PROXY TCP4 192.0.2.1 198.51.100.2 1234 6667\r\nNICK";

	ck_assert_int_eq(proxy_parse((const unsigned char *)ok, 3, &h), PROXY_MORE);
	ck_assert_int_eq(proxy_parse((const unsigned char *)ok, 20, &h), PROXY_MORE);
	ck_assert_int_eq(proxy_parse((const unsigned char *)ok, strlen(ok), &h), PROXY_DONE);
	ck_assert_uint_eq(h.length, strlen(ok) - 4);
	ck_assert_str_eq(h.ip, "192.0.2.1");
	ck_assert_int_eq(proxy_parse((const unsigned char *)"PROXY UNKNOWN\r\n", 15, &h),
	                 PROXY_DONE);
	ck_assert(h.local);
	ck_assert_int_eq(proxy_parse((const unsigned char *)"PROXX", 5, &h), PROXY_BAD);
	ck_assert_int_eq(
	    proxy_parse((const unsigned char *)"PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n", 33, &h),
	    PROXY_BAD);
}
END_TEST

START_TEST(test_proxy_v2)
{
	unsigned char h6[16 + 36] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
	                             0x55, 0x49, 0x54, 0x0A, 0x21, 0x21, 0x00, 36};
	struct proxy_header h;

	h6[16] = 0x20;
	h6[17] = 0x01;
	h6[16 + 15] = 0x05; /* 2001::5 */
	ck_assert_int_eq(proxy_parse(h6, 12, &h), PROXY_MORE);
	ck_assert_int_eq(proxy_parse(h6, 30, &h), PROXY_MORE);
	ck_assert_int_eq(proxy_parse(h6, sizeof(h6), &h), PROXY_DONE);
	ck_assert_str_eq(h.ip, "2001::5");
	ck_assert_uint_eq(h.length, sizeof(h6));
	h6[12] = 0x20; /* LOCAL */
	ck_assert_int_eq(proxy_parse(h6, sizeof(h6), &h), PROXY_DONE);
	ck_assert(h.local);
	h6[12] = 0x11; /* version 1 in the binary form */
	ck_assert_int_eq(proxy_parse(h6, sizeof(h6), &h), PROXY_BAD);
}
END_TEST

START_TEST(test_cidr_lists)
{
	char bad[64];

	ck_assert(cidr_list_match("10.0.0.0/8, 127.0.0.1 ::1", "10.9.8.7"));
	ck_assert(cidr_list_match("10.0.0.0/8, 127.0.0.1 ::1", "::1"));
	ck_assert(!cidr_list_match("10.0.0.0/8", "11.0.0.1"));
	ck_assert(!cidr_list_match(NULL, "10.0.0.1"));
	ck_assert(cidr_list_valid("10.0.0.0/8 2001:db8::/32", bad, sizeof(bad)));
	ck_assert(!cidr_list_valid("10.0.0.0/8 example.org", bad, sizeof(bad)));
	ck_assert_str_eq(bad, "example.org");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gateway");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_accept_key_rfc6455_sample);
	tcase_add_test(tc, test_request_parse);
	tcase_add_test(tc, test_request_refusals);
	tcase_add_test(tc, test_origin_globs);
	tcase_add_test(tc, test_forwarded_ip);
	tcase_add_test(tc, test_decode_lines_fragments_and_pings);
	tcase_add_test(tc, test_decode_errors);
	tcase_add_test(tc, test_encode_lines);
	tcase_add_test(tc, test_proxy_v1);
	tcase_add_test(tc, test_proxy_v2);
	tcase_add_test(tc, test_cidr_lists);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
