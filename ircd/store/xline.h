/* xline.h - server bans: K-lines (user@host) and D-lines (IP or CIDR). */
#ifndef EVIRCD_XLINE_H
#define EVIRCD_XLINE_H

#include <stddef.h>
#include <sys/queue.h>
#include <time.h>

struct client;
struct conf_limits;

enum xline_kind { XLINE_K = 'K', XLINE_D = 'D' };

struct xline {
	enum xline_kind kind;
	char *mask; /* "user@host" glob, or an address with an optional /prefix */
	char *reason;
	char *setter;
	time_t set_at;
	time_t expires; /* 0: permanent */
	TAILQ_ENTRY(xline) link;
};
TAILQ_HEAD(xline_list, xline);

/*
 * Load from the database (after store_open).  A stored ban too wide for
 * the [limits] now in force is logged and not enforced; xline_del still
 * finds it, so UNKLINE/UNDLINE can delete its row.
 */
void xline_load(void);
/*
 * 0 when mask is narrow enough to be a ban under lim, else -1 with err
 * (the sentence an operator is told).  K-line: a host without a wildcard
 * names one host and is narrow; a host that is an address range needs
 * dline_min_cidr (IPv6: dline_min_cidr_ipv6) bits; any other mask needs
 * min_nonwildcard characters other than * ? . : @ (ircd-hybrid's count).
 * D-line: the range needs those bits.
 */
int xline_check_width(enum xline_kind kind, const char *mask, const struct conf_limits *lim,
                      char *err, size_t size);
/* Form and width under the running config: 0, or -1 with err. */
int xline_valid(enum xline_kind kind, const char *mask, char *err, size_t size);
/*
 * Add (or replace) a ban: in force at once, and queued for the store lane
 * (an answer that the ban is kept waits for that lane: proto/clientjob.h);
 * NULL with err filled when the mask is not valid (xline_valid).
 */
const struct xline *xline_add(enum xline_kind kind, const char *mask, const char *reason,
                              const char *setter, long duration_seconds, char *err,
                              size_t size);
/* Remove (also a stored ban not loaded as too wide); 0 when it existed. */
int xline_del(enum xline_kind kind, const char *mask);
const struct xline *xline_match_ip(const char *ip);
const struct xline *xline_match_user(const char *user, const char *host, const char *ip);
/* 1 when the ban covers c (a D-line its IP, a K-line its user@host once registered). */
int xline_matches_client(const struct xline *x, const struct client *c);
/* Drop expired bans (memory and database), telling expired (or NULL) of each first. */
void xline_expire(void (*expired)(const struct xline *x));
const struct xline_list *xline_list(enum xline_kind kind);
unsigned xline_count(enum xline_kind kind);
void xline_clear(void);

#endif
