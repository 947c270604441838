/* m_stats.c - STATS: what operators watch (letters m l u c y k d o p z t). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/hash.h"
#include "base/stats.h"
#include "modules/modules.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/tls.h"
#include "net/worker.h"
#include "proto/link.h"
#include "proto/numeric.h"
#include "proto/oper.h"
#include "proto/send.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/local.h"
#include "state/server.h"
#include "state/whowas.h"
#include "store/history.h"
#include "store/history_query.h"
#include "store/history_window.h"
#include "store/xline.h"

static void
stats_commands(struct client *c)
{
	struct command *table;
	size_t n = command_table(&table);

	for (size_t i = 0; i < n; i++)
		if (table[i].count > 0)
			reply(c, RPL_STATSCOMMANDS, "%s %llu %llu 0", table[i].name,
			      (unsigned long long)table[i].count,
			      (unsigned long long)table[i].bytes);
}

static void
stats_link_one(struct client *c, const struct conn *cn)
{
	const struct client *u = cn->client;
	const struct link *l = cn->owner;

	if (u == NULL && l != NULL) {
		/* A server link: its name and address, the same counters. */
		reply(c, RPL_STATSLINKINFO, "%s[%s] %zu %llu %llu %llu %llu :%lld", l->name,
		      l->ip, cn->sendq.bytes, (unsigned long long)cn->msgs_out,
		      (unsigned long long)(cn->bytes_out / 1024),
		      (unsigned long long)cn->msgs_in,
		      (unsigned long long)(cn->bytes_in / 1024),
		      (long long)(now - cn->connected_at));
		return;
	}
	reply(c, RPL_STATSLINKINFO, "%s[%s@%s] %zu %llu %llu %llu %llu :%lld",
	      u ? client_name(u) : "*", u ? u->user : "*", u ? u->ip : "*", cn->sendq.bytes,
	      (unsigned long long)cn->msgs_out, (unsigned long long)(cn->bytes_out / 1024),
	      (unsigned long long)cn->msgs_in, (unsigned long long)(cn->bytes_in / 1024),
	      (long long)(now - cn->connected_at));
}

/* STATS l [nick|server]: one user's or server's link, or (opers) every connection. */
static void
stats_links(struct client *c, const char *target)
{
	const struct conn *cn;

	if (target != NULL) {
		struct client *u = client_find_nick(target);
		struct server *s = server_find(target);
		if (u != NULL && u->local != NULL && (u == c || (c->umodes & UMODE_OPER)))
			stats_link_one(c, u->local->conn);
		else if (s != NULL && s->link != NULL && (c->umodes & UMODE_OPER))
			stats_link_one(c, s->link->conn);
		return;
	}
	if (!(c->umodes & UMODE_OPER)) {
		if (c->local != NULL) /* a user asking from afar has no connection here */
			stats_link_one(c, c->local->conn);
		return;
	}
	TAILQ_FOREACH (cn, &conns, link)
		stats_link_one(c, cn);
}

/*
 * STATS ?: the server links with their counters (hybrid's servlinks), then
 * the totals; their addresses to operators only.
 */
static void
stats_server_links(struct client *c)
{
	const struct link *l;
	uint64_t sent = 0, received = 0;
	unsigned n = 0;

	LIST_FOREACH (l, &links, entry) {
		const struct conn *cn = l->conn;
		if (l->server == NULL)
			continue;
		n++;
		sent += cn->bytes_out;
		received += cn->bytes_in;
		reply(c, RPL_STATSLINKINFO, "%s[%s] %zu %llu %llu %llu %llu :%lld", l->name,
		      (c->umodes & UMODE_OPER) ? l->ip : "*", cn->sendq.bytes,
		      (unsigned long long)cn->msgs_out,
		      (unsigned long long)(cn->bytes_out / 1024),
		      (unsigned long long)cn->msgs_in,
		      (unsigned long long)(cn->bytes_in / 1024),
		      (long long)(now - cn->connected_at));
	}
	reply(c, RPL_STATSDEBUG, "? :%u total server(s)", n);
	reply(c, RPL_STATSDEBUG, "? :Sent total: %.2f KiB", (double)sent / 1024.0);
	reply(c, RPL_STATSDEBUG, "? :Recv total: %.2f KiB", (double)received / 1024.0);
}

/* STATS c: the [link] blocks, flags A (autoconnect) and S (TLS), linked or not. */
static void
stats_link_blocks(struct client *c)
{
	const struct conf_link *cl;

	TAILQ_FOREACH (cl, &conf->links, link) {
		char flags[4], *f = flags;
		if (cl->autoconnect)
			*f++ = 'A';
		if (cl->tls)
			*f++ = 'S';
		if (f == flags)
			*f++ = '*';
		*f = '\0';
		reply(c, RPL_STATSCLINE, "C %s %s %s %d %s :%s, %s", cl->host, flags, cl->name,
		      cl->port, cl->class ? cl->class->name : "server",
		      cl->dialect == DIALECT_CHARYBDIS ? "charybdis" : "hybrid",
		      server_find(cl->name) != NULL ? "linked" : "not linked");
	}
}

static void
stats_uptime(struct client *c)
{
	long up = (long)(now - server_started);

	reply(c, RPL_STATSUPTIME, ":Server Up %ld days, %ld:%02ld:%02ld", up / 86400,
	      (up / 3600) % 24, (up / 60) % 60, up % 60);
	reply(c, RPL_STATSCONN,
	      ":Highest connection count: %u (%u clients) (%llu connections "
	      "received)",
	      clients_max_local, clients_max_local, (unsigned long long)stats.connections);
}

static void
stats_classes(struct client *c)
{
	const struct conf_class *cl;

	TAILQ_FOREACH (cl, &conf->classes, link)
		reply(c, RPL_STATSYLINE, "Y %s %u %u %u %zu %zu :%u clients", cl->name,
		      cl->ping_frequency, cl->connection_timeout, cl->max_clients, cl->sendq,
		      cl->recvq, cl->clients);
}

static void
stats_xlines(struct client *c, enum xline_kind kind)
{
	const struct xline *x;

	TAILQ_FOREACH (x, xline_list(kind), link) {
		long left = x->expires ? (long)(x->expires - now) : 0;
		if (kind == XLINE_K) {
			const char *at = strchr(x->mask, '@');
			reply(c, RPL_STATSKLINE, "K %s * %.*s :%s (%s, %s)", at + 1,
			      (int)(at - x->mask), x->mask, x->reason, x->setter,
			      left > 0 ? "temporary" : "permanent");
		} else {
			reply(c, RPL_STATSDLINE, "D %s :%s (%s, %s)", x->mask, x->reason,
			      x->setter, left > 0 ? "temporary" : "permanent");
		}
	}
}

static void
stats_operblocks(struct client *c)
{
	const struct conf_oper *o;
	char privs[128];

	TAILQ_FOREACH (o, &conf->opers, link) {
		config_privileges_string(o->privileges, privs, sizeof(privs));
		reply(c, RPL_STATSOLINE, "O %s * %s :%s%s", o->masks, o->name, privs,
		      o->certfp ? " (certfp)" : "");
	}
}

static void
stats_opers(struct client *c)
{
	unsigned n = 0;

	strmap_foreach (&clients_by_uid, slot) {
		struct client *u = slot->value;
		if (!(u->umodes & UMODE_OPER))
			continue;
		n++;
		reply(c, RPL_STATSDEBUG, "p :%s (%s@%s) idle %lld", u->nick, u->user, u->host,
		      u->local ? (long long)(now - u->local->last_message) : 0LL);
	}
	reply(c, RPL_STATSDEBUG, "p :%u operator%s", n, n == 1 ? "" : "s");
}

static void
stats_memory(struct client *c)
{
	unsigned long dns_hits, dns_misses;
	size_t dns_entries, win_targets;
	uint64_t win_hits, win_misses;

	reply(c, RPL_STATSDEBUG, "z :RSS %ld KiB, %u connections", process_rss_bytes() / 1024,
	      conns_count);
	reply(c, RPL_STATSDEBUG, "z :clients %zu (nick table %zu B), channels %zu (%zu B)",
	      clients_by_uid.count, strmap_memory(&clients_by_nick), channels.count,
	      strmap_memory(&channels));
	reply(c, RPL_STATSDEBUG,
	      "z :whowas %u entries, K-lines %u, D-lines %u, worker queue %u", whowas_count(),
	      xline_count(XLINE_K), xline_count(XLINE_D), worker_queue_length());
	dns_cache_stats(&dns_hits, &dns_misses, &dns_entries);
	reply(c, RPL_STATSDEBUG,
	      "z :DNS cache %zu entries, %lu hits, %lu misses (%.1f%% hit rate)", dns_entries,
	      dns_hits, dns_misses,
	      dns_hits + dns_misses ? 100.0 * dns_hits / (double)(dns_hits + dns_misses) : 0.0);
	history_query_stats(&win_hits, &win_misses);
	win_targets = history_window_targets();
	reply(c, RPL_STATSDEBUG,
	      "z :history window %zu targets, %llu hits, %llu misses; "
	      "%llu messages written, %zu waiting for the writer, %llu not written (writer "
	      "behind or database locked)",
	      win_targets, (unsigned long long)win_hits, (unsigned long long)win_misses,
	      (unsigned long long)history_written(), history_writer_backlog(),
	      (unsigned long long)history_unwritten());
	reply(c, RPL_STATSDEBUG, "z :ban-check cache serial %u", ban_serial_global);
}

static void
stats_traffic(struct client *c)
{
	unsigned long resumed, full;

	tls_counts(&resumed, &full);
	reply(c, RPL_STATSDEBUG, "t :connections %llu, refused %llu, sendq exceeded %llu",
	      (unsigned long long)stats.connections, (unsigned long long)stats.refused,
	      (unsigned long long)stats.sendq_exceeded);
	reply(c, RPL_STATSDEBUG,
	      "t :messages in %llu, parse errors %llu, unknown commands %llu",
	      (unsigned long long)stats.msgs_in, (unsigned long long)stats.parse_errors,
	      (unsigned long long)stats.unknown_commands);
	reply(c, RPL_STATSDEBUG, "t :bytes in %llu, bytes out %llu",
	      (unsigned long long)stats.bytes_in, (unsigned long long)stats.bytes_out);
	reply(c, RPL_STATSDEBUG, "t :TLS handshakes %lu full, %lu resumed", full, resumed);
}

/* Letters everyone may ask for; the rest are for operators. */
static int
stats_public(char letter)
{
	return strchr("muypMUYPlL?", letter) != NULL;
}

/* "STATS l <x>" about a user of ours or a link of ours is answered here, not at x. */
static int
stats_names_ours(char letter, const char *target)
{
	const struct client *u = client_find_nick(target);
	const struct server *s = server_find(target);

	if (letter != 'l' && letter != 'L')
		return 0;
	return (u != NULL && u->local != NULL) || (s != NULL && s->link != NULL);
}

HANDLER(m_stats)
{
	char letter = m->argc > 0 ? m->argv[0][0] : '\0';
	const char *target = m->argc > 1 ? m->argv[1] : NULL;

	if (target != NULL && !stats_names_ours(letter, target) &&
	    route_query_last(c, "STATS", m->argv[0], target))
		return IRC_OK;
	if (target != NULL && server_find(target) == &me)
		target = NULL; /* "STATS l <us>", maybe asked from afar: our links */
	if (letter == '\0') {
		send_notice(c,
		            "*** STATS letters: m commands, l links, ? server links, u uptime, "
		            "y classes, p opers; for opers also c k d o z t");
		reply(c, RPL_ENDOFSTATS, "* :End of /STATS report");
		return IRC_OK;
	}
	if (!stats_public(letter) && !oper_require(c, 0)) {
		reply(c, RPL_ENDOFSTATS, "%c :End of /STATS report", letter);
		return IRC_OK;
	}
	switch (letter) {
	case 'm':
	case 'M': stats_commands(c); break;
	case 'l':
	case 'L': stats_links(c, target); break;
	case 'u':
	case 'U': stats_uptime(c); break;
	case 'y':
	case 'Y': stats_classes(c); break;
	case 'k':
	case 'K': stats_xlines(c, XLINE_K); break;
	case 'd':
	case 'D': stats_xlines(c, XLINE_D); break;
	case 'o':
	case 'O': stats_operblocks(c); break;
	case 'p':
	case 'P': stats_opers(c); break;
	case 'z':
	case 'Z': stats_memory(c); break;
	case 't':
	case 'T': stats_traffic(c); break;
	case 'c':
	case 'C': stats_link_blocks(c); break;
	case '?': stats_server_links(c); break;
	default: break;
	}
	reply(c, RPL_ENDOFSTATS, "%c :End of /STATS report", letter);
	return IRC_OK;
}
