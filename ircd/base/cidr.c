/* cidr.c - IP addresses and CIDR ranges (D-lines, trusted proxies, gateways). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "base/cidr.h"
#include "base/util.h"

int
cidr_parse(const char *s, struct cidr *out)
{
	char buf[64];
	char *slash;
	long bits = -1;

	if (str_copy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (str_to_long(slash + 1, 0, 128, &bits) != 0)
			return -1;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = bits < 0 ? 32 : (unsigned)bits;
		return out->bits <= 32 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = bits < 0 ? 128 : (unsigned)bits;
		return 0;
	}
	return -1;
}

int
cidr_contains(const struct cidr *net, const struct cidr *ip)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (net->family != ip->family)
		return 0;
	if (memcmp(net->addr, ip->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->addr[full] ^ ip->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Call each item of a space- or comma-separated list until fn says stop (1). */
static int
list_each(const char *list, int (*fn)(const char *item, size_t len, void *arg), void *arg)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t skip = strspn(p, " ,\t"), len;
		p += skip;
		len = strcspn(p, " ,\t");
		if (len > 0 && fn(p, len, arg))
			return 1;
		p += len;
	}
	return 0;
}

struct match_arg {
	struct cidr ip;
};

static int
item_contains(const char *item, size_t len, void *arg)
{
	struct match_arg *m = arg;
	char buf[64];
	struct cidr net;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, item, len);
	buf[len] = '\0';
	return cidr_parse(buf, &net) == 0 && cidr_contains(&net, &m->ip);
}

int
cidr_list_match(const char *list, const char *ip)
{
	struct match_arg m;

	if (list == NULL || cidr_parse(ip, &m.ip) != 0)
		return 0;
	return list_each(list, item_contains, &m);
}

struct valid_arg {
	char *bad;
	unsigned size;
};

static int
item_invalid(const char *item, size_t len, void *arg)
{
	struct valid_arg *v = arg;
	char buf[64];
	struct cidr net;

	if (len < sizeof(buf)) {
		memcpy(buf, item, len);
		buf[len] = '\0';
		if (cidr_parse(buf, &net) == 0)
			return 0;
	}
	if (v->size > 0) {
		size_t n = MIN(len, (size_t)v->size - 1);
		memcpy(v->bad, item, n);
		v->bad[n] = '\0';
	}
	return 1;
}

int
cidr_list_valid(const char *list, char *bad, unsigned size)
{
	struct valid_arg v = {bad, size};

	return !list_each(list, item_invalid, &v);
}

int
ip_valid(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

int
ip_normalize(const char *s, char *out, unsigned size)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return inet_ntop(AF_INET, &a4, out, size) != NULL ? 0 : -1;
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return inet_ntop(AF_INET, &a6.s6_addr[12], out, size) != NULL ? 0 : -1;
	return inet_ntop(AF_INET6, &a6, out, size) != NULL ? 0 : -1;
}
