/* metrics.c - a minimal HTTP/1.0 responder for Prometheus scrapes. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/util.h"
#include "net/conn.h"
#include "net/dns.h"
#include "net/reactor.h"
#include "net/tls.h"
#include "ops/metrics.h"
#include "proto/link.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"
#include "store/history.h"

#define REQUEST_MAX 4096
#define SCRAPERS_MAX 16
#define SCRAPE_TIMEOUT 5.0
#define METRICS_ACCEPT_RETRY 0.5 /* seconds, while out of descriptors */

struct scraper {
	struct rio io;
	struct rtimer timeout;
	int fd;
	char req[REQUEST_MAX];
	size_t req_len;
	char *resp;
	size_t resp_len, resp_off;
};

static struct rio listen_io;
static struct rtimer accept_retry;
static int listen_fd = -1;
static unsigned scrapers;

/* A growing text buffer for the exposition. */
struct text {
	char *buf;
	size_t len, cap;
};

PRINTF(2, 3) static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)n + 1;
		t->buf = xrealloc(t->buf, t->cap);
	}
}

static void
metric(struct text *t, const char *name, const char *type, const char *help,
       unsigned long long value)
{
	text_add(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	         value);
}

static unsigned
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* not the one opendir holds */
}

static void
channel_size_histogram(struct text *t)
{
	static const unsigned bounds[] = {1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000};
	unsigned long long counts[ARRAY_LEN(bounds)] = {0}, sum = 0;

	strmap_foreach (&channels, slot) {
		const struct channel *ch = slot->value;
		sum += ch->nmembers;
		for (size_t i = 0; i < ARRAY_LEN(bounds); i++)
			if (ch->nmembers <= bounds[i])
				counts[i]++;
	}
	text_add(t, "# HELP evircd_channel_members Members per channel.\n"
	            "# TYPE evircd_channel_members histogram\n");
	for (size_t i = 0; i < ARRAY_LEN(bounds); i++)
		text_add(t, "evircd_channel_members_bucket{le=\"%u\"} %llu\n", bounds[i],
		         counts[i]);
	text_add(t, "evircd_channel_members_bucket{le=\"+Inf\"} %zu\n", channels.count);
	text_add(t, "evircd_channel_members_sum %llu\nevircd_channel_members_count %zu\n", sum,
	         channels.count);
}

static void
fanout_histogram(struct text *t)
{
	unsigned long long cumulative = 0, bound = 1;

	text_add(t,
	         "# HELP evircd_broadcast_fanout Channel members at each channel broadcast.\n"
	         "# TYPE evircd_broadcast_fanout histogram\n");
	for (int i = 0; i < FANOUT_BUCKETS - 1; i++, bound *= 10) {
		cumulative += stats.fanout[i];
		text_add(t, "evircd_broadcast_fanout_bucket{le=\"%llu\"} %llu\n", bound,
		         cumulative);
	}
	cumulative += stats.fanout[FANOUT_BUCKETS - 1];
	text_add(t, "evircd_broadcast_fanout_bucket{le=\"+Inf\"} %llu\n", cumulative);
	text_add(t, "evircd_broadcast_fanout_sum %llu\nevircd_broadcast_fanout_count %llu\n",
	         (unsigned long long)stats.fanout_sum, cumulative);
}

/* A label value: backslash, quote and newline escaped. */
static void
label_value(char *out, size_t size, const char *in)
{
	size_t n = 0;

	for (; *in != '\0' && n + 3 < size; in++) {
		if (*in == '\\' || *in == '"' || *in == '\n')
			out[n++] = '\\';
		out[n++] = *in == '\n' ? 'n' : *in;
	}
	out[n] = '\0';
}

/* One counter of every link that is up, by the link's name. */
static void
link_counter(struct text *t, const char *metric_name, const char *type, const char *help,
             uint64_t (*value)(const struct conn *))
{
	const struct link *l;
	char name[2 * SERVLEN + 1];

	text_add(t, "# HELP %s %s\n# TYPE %s %s\n", metric_name, help, metric_name, type);
	LIST_FOREACH (l, &links, entry) {
		if (l->server == NULL)
			continue;
		label_value(name, sizeof(name), l->name);
		text_add(t, "%s{link=\"%s\"} %llu\n", metric_name, name,
		         (unsigned long long)value(l->conn));
	}
}

static uint64_t
conn_bytes_out(const struct conn *cn)
{
	return cn->bytes_out;
}

static uint64_t
conn_bytes_in(const struct conn *cn)
{
	return cn->bytes_in;
}

static uint64_t
conn_lines_out(const struct conn *cn)
{
	return cn->msgs_out;
}

static uint64_t
conn_lines_in(const struct conn *cn)
{
	return cn->msgs_in;
}

static uint64_t
conn_sendq(const struct conn *cn)
{
	return cn->sendq.bytes;
}

/* Per link: bytes and lines each way, and the sendq waiting. */
static void
link_counters(struct text *t)
{
	link_counter(t, "evircd_link_sent_bytes_total", "counter",
	             "Bytes written to each link.", conn_bytes_out);
	link_counter(t, "evircd_link_received_bytes_total", "counter",
	             "Bytes read from each link.", conn_bytes_in);
	link_counter(t, "evircd_link_sent_lines_total", "counter", "Lines queued to each link.",
	             conn_lines_out);
	link_counter(t, "evircd_link_received_lines_total", "counter",
	             "Lines received from each link.", conn_lines_in);
	link_counter(t, "evircd_link_sendq_bytes", "gauge",
	             "Bytes queued to each link, not yet written.", conn_sendq);
}

/* Server links: how many are up, and how long each one's burst took. */
static void
link_metrics(struct text *t)
{
	const struct link *l;
	char name[2 * SERVLEN + 1];
	unsigned global = client_count_global();

	metric(t, "evircd_links", "gauge", "Server links up (bursting or synchronised).",
	       links_up());
	metric(t, "evircd_servers", "gauge", "Servers on the network, this one included.",
	       server_count());
	metric(t, "evircd_clients_remote", "gauge", "Registered users on other servers.",
	       global > me.users ? global - me.users : 0);
	text_add(t, "# HELP evircd_link_burst_seconds How long each link's last burst took to "
	            "arrive.\n# TYPE evircd_link_burst_seconds gauge\n");
	LIST_FOREACH (l, &links, entry) {
		if (l->server == NULL || l->state != LINK_ACTIVE)
			continue;
		label_value(name, sizeof(name), l->name);
		text_add(t, "evircd_link_burst_seconds{link=\"%s\"} %.3f\n", name,
		         (double)l->burst_ms / 1000.0);
	}
	link_counters(t);
}

static char *
exposition(size_t *len)
{
	struct text t = {xmalloc(8192), 0, 8192};
	unsigned long hits, misses, resumed, full;
	size_t dns_entries;

	metric(&t, "evircd_connections", "gauge", "Open client connections.", conns_count);
	metric(&t, "evircd_connections_total", "counter", "Connections accepted.",
	       stats.connections);
	metric(&t, "evircd_connections_failed_total", "counter",
	       "Connections refused (full, banned, out of fds, TLS failure).", stats.refused);
	metric(&t, "evircd_clients", "gauge", "Registered local users.", me.users);
	metric(&t, "evircd_clients_global", "gauge", "Registered users network-wide.",
	       client_count_global());
	metric(&t, "evircd_channels", "gauge", "Channels.", channels.count);
	link_metrics(&t);
	metric(&t, "evircd_messages_received_total", "counter", "Lines received from clients.",
	       stats.msgs_in);
	metric(&t, "evircd_messages_sent_total", "counter", "Lines queued to clients.",
	       stats.msgs_out);
	metric(&t, "evircd_bytes_received_total", "counter", "Bytes read.", stats.bytes_in);
	metric(&t, "evircd_bytes_sent_total", "counter", "Bytes written.", stats.bytes_out);
	metric(&t, "evircd_parse_errors_total", "counter", "Malformed or oversized lines.",
	       stats.parse_errors);
	metric(&t, "evircd_dropped_messages_total", "counter",
	       "Lines not delivered because the recipient was closing or over its sendq.",
	       stats.dropped);
	metric(&t, "evircd_sendq_exceeded_total", "counter", "Clients dropped for SendQ.",
	       stats.sendq_exceeded);
	metric(&t, "evircd_joins_total", "counter", "Channel joins.", stats.joins);
	metric(&t, "evircd_parts_total", "counter", "Channel parts and kicks.", stats.parts);
	channel_size_histogram(&t);
	fanout_histogram(&t);
	dns_cache_stats(&hits, &misses, &dns_entries);
	metric(&t, "evircd_dns_cache_hits_total", "counter",
	       "Host lookups answered from cache.", hits);
	metric(&t, "evircd_dns_cache_misses_total", "counter", "Host lookups sent to DNS.",
	       misses);
	tls_counts(&resumed, &full);
	metric(&t, "evircd_tls_handshakes_total", "counter", "Full TLS handshakes.", full);
	metric(&t, "evircd_tls_resumptions_total", "counter", "Resumed TLS sessions.", resumed);
	metric(&t, "evircd_history_written_total", "counter",
	       "History lines committed to sqlite.", history_written());
	metric(&t, "evircd_history_unwritten_total", "counter",
	       "History lines not stored: the writer was write_backlog lines behind, or the "
	       "database stayed locked.",
	       history_unwritten());
	metric(&t, "evircd_history_writer_backlog", "gauge",
	       "History lines handed to the writer and not yet committed.",
	       history_writer_backlog());
	metric(&t, "evircd_process_resident_memory_bytes", "gauge", "Resident set size.",
	       (unsigned long long)process_rss_bytes());
	metric(&t, "evircd_process_open_fds", "gauge", "Open file descriptors.", open_fds());
	text_add(
	    &t,
	    "# HELP evircd_loop_stall_seconds Longest event-loop turn (no client served"
	    " meanwhile) in the last 10 seconds.\n# TYPE evircd_loop_stall_seconds gauge\n"
	    "evircd_loop_stall_seconds %.6f\n"
	    "# HELP evircd_loop_stall_max_seconds Longest event-loop turn since start.\n"
	    "# TYPE evircd_loop_stall_max_seconds gauge\nevircd_loop_stall_max_seconds %.6f\n",
	    reactor_stall_worst(10), reactor_stall_worst_ever());
	metric(&t, "evircd_uptime_seconds", "gauge", "Seconds since start.",
	       (unsigned long long)(now - server_started));
	*len = t.len;
	return t.buf;
}

static void
scraper_free(struct scraper *s)
{
	rio_set(&s->io, 0);
	rtimer_stop(&s->timeout);
	close(s->fd);
	free(s->resp);
	free(s);
	scrapers--;
}

static void
scraper_respond(struct scraper *s)
{
	static const char head_fmt[] = "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
	                               "Content-Length: %zu\r\nConnection: close\r\n\r\n";
	char head[256];
	char *body;
	size_t body_len;
	int hl;

	if (strncmp(s->req, "GET /metrics ", 13) == 0 ||
	    strncmp(s->req, "GET /metrics?", 13) == 0) {
		body = exposition(&body_len);
		hl = snprintf(head, sizeof(head), head_fmt, "200 OK",
		              "text/plain; version=0.0.4; charset=utf-8", body_len);
	} else {
		body = xstrdup("Not found: try /metrics\n");
		body_len = strlen(body);
		hl = snprintf(head, sizeof(head), head_fmt, "404 Not Found", "text/plain",
		              body_len);
	}
	s->resp = xmalloc((size_t)hl + body_len);
	memcpy(s->resp, head, (size_t)hl);
	memcpy(s->resp + hl, body, body_len);
	s->resp_len = (size_t)hl + body_len;
	free(body);
	rio_set(&s->io, RIO_WRITE);
}

static void
scraper_io(struct rio *io, int events)
{
	struct scraper *s = container_of(io, struct scraper, io);
	ssize_t n;

	if (s->resp == NULL) {
		n = read(s->fd, s->req + s->req_len, sizeof(s->req) - 1 - s->req_len);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				scraper_free(s);
			return;
		}
		s->req_len += (size_t)n;
		s->req[s->req_len] = '\0';
		if (strstr(s->req, "\r\n\r\n") != NULL || strstr(s->req, "\n\n") != NULL)
			scraper_respond(s);
		else if (s->req_len == sizeof(s->req) - 1)
			scraper_free(s); /* a request this long is not a scrape */
		return;
	}
	n = write(s->fd, s->resp + s->resp_off, s->resp_len - s->resp_off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		s->resp_off += (size_t)n;
	if (n <= 0 || s->resp_off == s->resp_len)
		scraper_free(s);
}

static void
scraper_timeout(struct rtimer *t)
{
	scraper_free(container_of(t, struct scraper, timeout));
}

static void
metrics_resume(struct rtimer *t)
{
	if (listen_fd >= 0)
		rio_set(&listen_io, RIO_READ);
}

/* Out of descriptors: a listener left readable would spin the loop. */
static void
metrics_pause(void)
{
	rio_set(&listen_io, 0);
	rtimer_start(&accept_retry, METRICS_ACCEPT_RETRY, 0, metrics_resume);
}

static void
metrics_accept(struct rio *io, int events)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct scraper *s;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				metrics_pause();
			return;
		}
		if (scrapers >= SCRAPERS_MAX) {
			close(fd);
			continue;
		}
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		scrapers++;
		rio_init(&s->io, fd, scraper_io);
		rio_set(&s->io, RIO_READ);
		rtimer_start(&s->timeout, SCRAPE_TIMEOUT, 0, scraper_timeout);
	}
}

int
metrics_open(const struct config *c)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];
	int one = 1;

	if (!c->metrics.enabled)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", c->metrics.port);
	if (getaddrinfo(c->metrics.host, port, &hints, &ai) != 0) {
		log_error("[metrics] host '%s' is not an address", c->metrics.host);
		return -1;
	}
	listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(listen_fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(listen_fd, 64) != 0) {
		log_error("[metrics] %s port %d: %s", c->metrics.host, c->metrics.port,
		          strerror(errno));
		if (listen_fd >= 0)
			close(listen_fd);
		listen_fd = -1;
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	rio_init(&listen_io, listen_fd, metrics_accept);
	rio_set(&listen_io, RIO_READ);
	log_info("metrics on http://%s:%d/metrics", c->metrics.host, c->metrics.port);
	return 0;
}

void
metrics_close(void)
{
	if (listen_fd < 0)
		return;
	rtimer_stop(&accept_retry);
	rio_set(&listen_io, 0);
	close(listen_fd);
	listen_fd = -1;
}
