/* proxyproto.c - parse PROXY protocol v1 (text) and v2 (binary) headers. */
#include <arpa/inet.h>
#include <string.h>

#include "base/cidr.h"
#include "base/util.h"
#include "net/proxyproto.h"

static const unsigned char v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/* 1 when s is a port: 0-65535 in decimal, no sign or leading zero. */
static int
port_valid(const char *s)
{
	long v;

	return (s[0] != '0' || s[1] == '\0') && str_to_long(s, 0, 65535, &v) == 0;
}

/* "PROXY TCP4|TCP6 src dst sport dport" or "PROXY UNKNOWN ...". */
static enum proxy_result
parse_v1_line(char *line, struct proxy_header *h)
{
	char *f[6], *cursor = line;
	unsigned char addr[16];
	int family, n = 0;

	if (strncmp(line, "PROXY UNKNOWN", 13) == 0 && (line[13] == '\0' || line[13] == ' ')) {
		h->local = 1;
		return PROXY_DONE;
	}
	while (n < 6 && (f[n] = strsep(&cursor, " ")) != NULL)
		n++;
	if (n != 6 || cursor != NULL)
		return PROXY_BAD;
	if (strcmp(f[1], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		family = AF_INET6;
	else
		return PROXY_BAD;
	if (inet_pton(family, f[2], addr) != 1 || inet_pton(family, f[3], addr) != 1 ||
	    !port_valid(f[4]) || !port_valid(f[5]))
		return PROXY_BAD;
	return ip_normalize(f[2], h->ip, sizeof(h->ip)) == 0 ? PROXY_DONE : PROXY_BAD;
}

static enum proxy_result
parse_v1(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	char line[PROXY_V1_MAX + 1];
	const unsigned char *nl = memchr(buf, '\n', MIN(len, (size_t)PROXY_V1_MAX));
	size_t n;

	if (nl == NULL)
		return len >= PROXY_V1_MAX ? PROXY_BAD : PROXY_MORE;
	n = (size_t)(nl - buf);
	if (n < 1 || buf[n - 1] != '\r' || memchr(buf, '\0', n) != NULL)
		return PROXY_BAD;
	memcpy(line, buf, n - 1);
	line[n - 1] = '\0';
	h->length = n + 1;
	return parse_v1_line(line, h);
}

static enum proxy_result
parse_v2(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	size_t body;
	unsigned command, family;

	if (len < 16)
		return PROXY_MORE;
	if ((buf[12] >> 4) != 2)
		return PROXY_BAD;
	command = buf[12] & 0x0f;
	family = buf[13];
	body = (size_t)buf[14] << 8 | buf[15];
	if (command > 1 || body > PROXY_V2_BODY_MAX)
		return PROXY_BAD;
	if (len < 16 + body)
		return PROXY_MORE;
	h->length = 16 + body;
	if (command == 0) { /* LOCAL: the proxy's own connection (health checks) */
		h->local = 1;
		return PROXY_DONE;
	}
	switch (family) {
	case 0x11: /* TCP over IPv4 */
		if (body < 12 || inet_ntop(AF_INET, buf + 16, h->ip, sizeof(h->ip)) == NULL)
			return PROXY_BAD;
		return PROXY_DONE;
	case 0x21: /* TCP over IPv6 */
	{
		char raw[46];
		if (body < 36 || inet_ntop(AF_INET6, buf + 16, raw, sizeof(raw)) == NULL)
			return PROXY_BAD;
		return ip_normalize(raw, h->ip, sizeof(h->ip)) == 0 ? PROXY_DONE : PROXY_BAD;
	}
	case 0x00: /* UNSPEC */
	case 0x31: /* UNIX stream */
	case 0x32: /* UNIX datagram */ h->local = 1; return PROXY_DONE;
	default: return PROXY_BAD;
	}
}

enum proxy_result
proxy_parse(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	memset(h, 0, sizeof(*h));
	if (len == 0)
		return PROXY_MORE;
	if (buf[0] == 'P')
		return memcmp(buf, "PROXY ", MIN(len, (size_t)6)) != 0 ? PROXY_BAD
		       : len < 6                                       ? PROXY_MORE
		                                                       : parse_v1(buf, len, h);
	if (memcmp(buf, v2_sig, MIN(len, sizeof(v2_sig))) != 0)
		return PROXY_BAD;
	return len < sizeof(v2_sig) ? PROXY_MORE : parse_v2(buf, len, h);
}
