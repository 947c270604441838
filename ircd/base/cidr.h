/* cidr.h - IP addresses and CIDR ranges: parse, contain, match a list. */
#ifndef EVIRCD_CIDR_H
#define EVIRCD_CIDR_H

/* An address and prefix length parsed from "a.b.c.d[/n]" or "v6[/n]". */
struct cidr {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

/* 0 when s is an address or a range; an IPv4-mapped IPv6 address stays IPv6. */
int cidr_parse(const char *s, struct cidr *out);
/* 1 when net holds ip (same family, prefix bits equal). */
int cidr_contains(const struct cidr *net, const struct cidr *ip);
/* 1 when ip is in one of the ranges of list (separated by spaces or commas). */
int cidr_list_match(const char *list, const char *ip);
/* 1 when every item of list is an address or a range; *bad names the first that is not. */
int cidr_list_valid(const char *list, char *bad, unsigned size);
/* 1 when s is a numeric IPv4 or IPv6 address. */
int ip_valid(const char *s);
/*
 * The canonical text of a numeric address (an IPv4-mapped IPv6 address as
 * IPv4) in out (INET6_ADDRSTRLEN bytes); 0, or -1 when s is not an address.
 */
int ip_normalize(const char *s, char *out, unsigned size);

#endif
