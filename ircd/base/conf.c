/* conf.c - INI parsing, defaults and validation of the config object. */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/match.h"
#include "base/passwd.h"
#include "base/util.h"

struct config *conf;
static char first_error[300];

/* inih gives no line numbers to the handler: our reader counts them. */
struct parse_ctx {
	struct config *c;
	FILE *fp;
	int line;
	int errors;
	char section[128];
	int section_bad; /* reported once; its keys are skipped */
	int in_section;  /* a header has been seen */
	void *block;     /* the block being filled, by section kind */
};

PRINTF(3, 4)
static void
conf_error(struct parse_ctx *ctx, const char *key, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s: %s\n", ctx->c->path, ctx->line, key, text);
	if (ctx->errors++ == 0)
		snprintf(first_error, sizeof(first_error), "%s:%d: %s: %s", ctx->c->path,
		         ctx->line, key, text);
}

static int open_block(struct parse_ctx *ctx, const char *section);
static int parse_bool(struct parse_ctx *ctx, const char *key, const char *value, int *out);

/*
 * Section headers are seen here, not in the handler, so a block with no
 * keys ("[class default]") still exists and repeated headers open new ones.
 */
static void
maybe_section(struct parse_ctx *ctx, char *line)
{
	const char *p = line, *end;

	/* inih skips a UTF-8 byte-order mark on the first line: so do we. */
	if (ctx->line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (p[strspn(p, " \t")] == '[' && (*p == ' ' || *p == '\t')) {
		/* inih would read it as a continuation of the key above. */
		conf_error(ctx, "section", "section headers must not be indented");
		line[0] = ';';
		return;
	}
	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return;
	snprintf(ctx->section, sizeof(ctx->section), "%.*s", (int)(end - p - 1), p + 1);
	ctx->in_section = 1;
	ctx->section_bad = !open_block(ctx, ctx->section);
}

/* inih reads at most num - 1 bytes a line: a longer one would be split. */
static void
overlong_line(struct parse_ctx *ctx, char *str, int num)
{
	char rest[256];
	int comment = str[strspn(str, " \t")] == ';' || str[strspn(str, " \t")] == '#';

	while (fgets(rest, sizeof(rest), ctx->fp) != NULL && strchr(rest, '\n') == NULL)
		;
	if (!comment)
		conf_error(ctx, "line", "longer than %d characters", num - 2);
	str_copy(str, ";\n", (size_t)num);
}

static char *
counting_reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *r = fgets(str, num, ctx->fp);

	if (r != NULL) {
		ctx->line++;
		if (strchr(r, '\n') == NULL && !feof(ctx->fp))
			overlong_line(ctx, r, num);
		maybe_section(ctx, r);
	}
	return r;
}

static char *
resolve_path(const struct config *c, const char *value)
{
	char *out;
	size_t n;

	if (value[0] == '/')
		return xstrdup(value);
	n = strlen(c->dir) + strlen(value) + 2;
	out = xmalloc(n);
	snprintf(out, n, "%s/%s", c->dir, value);
	return out;
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int
set_uint(struct parse_ctx *ctx, const char *key, const char *value, long min, long max,
         unsigned *out)
{
	long v;
	if (str_to_long(value, min, max, &v) != 0) {
		conf_error(ctx, key, "'%s' is not a whole number from %ld to %ld", value, min,
		           max);
		return 0;
	}
	*out = (unsigned)v;
	return 1;
}

static int
set_size(struct parse_ctx *ctx, const char *key, const char *value, long min, long max,
         size_t *out)
{
	unsigned v;
	if (!set_uint(ctx, key, value, min, max, &v))
		return 0;
	*out = v;
	return 1;
}

static int
valid_sid(const char *s)
{
	return strlen(s) == 3 && s[0] >= '0' && s[0] <= '9' &&
	       strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 2;
}

static int
valid_server_name(const char *s)
{
	return strlen(s) <= SERVLEN && strchr(s, '.') != NULL &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
	                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == strlen(s);
}

static int
server_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config *c = ctx->c;

	if (strcmp(key, "name") == 0) {
		if (!valid_server_name(value))
			conf_error(ctx, key,
			           "'%s' is not a valid server name "
			           "(letters, digits, '-', with a dot)",
			           value);
		set_str(&c->server_name, value);
	} else if (strcmp(key, "sid") == 0) {
		if (!valid_sid(value))
			conf_error(ctx, key,
			           "'%s' is not a TS6 SID (a digit and two "
			           "letters or digits, e.g. 0EV)",
			           value);
		set_str(&c->sid, value);
	} else if (strcmp(key, "description") == 0) {
		set_str(&c->description, value);
	} else if (strcmp(key, "network") == 0) {
		if (strchr(value, ' ') != NULL || *value == '\0')
			conf_error(ctx, key, "network name must be one word");
		set_str(&c->network, value);
	} else if (strcmp(key, "motd") == 0) {
		free(c->motd_path);
		c->motd_path = resolve_path(c, value);
	} else if (strcmp(key, "database") == 0) {
		free(c->database_path);
		c->database_path = resolve_path(c, value);
	} else if (strcmp(key, "utf8only") == 0) {
		parse_bool(ctx, key, value, &c->utf8only);
	} else {
		return 0;
	}
	return 1;
}

static int
admin_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct config *c = ctx->c;

	if (strcmp(key, "name") == 0)
		set_str(&c->admin_name, value);
	else if (strcmp(key, "location") == 0)
		set_str(&c->admin_location, value);
	else if (strcmp(key, "email") == 0)
		set_str(&c->admin_email, value);
	else
		return 0;
	return 1;
}

static int
limits_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_limits *l = &ctx->c->limits;
	static const struct {
		const char *key;
		size_t offset;
		long min, max;
	} keys[] = {
	    {"nicklen", offsetof(struct conf_limits, nicklen), 9, NICKLEN_MAX},
	    {"channellen", offsetof(struct conf_limits, channellen), 2, CHANNELLEN_MAX},
	    {"topiclen", offsetof(struct conf_limits, topiclen), 1, 400},
	    {"kicklen", offsetof(struct conf_limits, kicklen), 1, 400},
	    {"awaylen", offsetof(struct conf_limits, awaylen), 1, 400},
	    {"max_channels", offsetof(struct conf_limits, max_channels), 1, 1000},
	    {"max_list", offsetof(struct conf_limits, max_list), 1, 10000},
	    {"max_targets", offsetof(struct conf_limits, max_targets), 1, 20},
	    {"whowas_size", offsetof(struct conf_limits, whowas_size), 0, 1000000},
	};

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (strcmp(key, keys[i].key) == 0) {
			set_uint(ctx, key, value, keys[i].min, keys[i].max,
			         (unsigned *)(void *)((char *)l + keys[i].offset));
			return 1;
		}
	}
	return 0;
}

static int
class_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_class *cl = ctx->block;

	if (strcmp(key, "sendq") == 0)
		set_size(ctx, key, value, 4096, 1L << 30, &cl->sendq);
	else if (strcmp(key, "recvq") == 0)
		set_size(ctx, key, value, RECVQ_MIN, RECVQ_MAX, &cl->recvq);
	else if (strcmp(key, "ping_frequency") == 0)
		set_uint(ctx, key, value, 1, 86400, &cl->ping_frequency);
	else if (strcmp(key, "connection_timeout") == 0)
		set_uint(ctx, key, value, 1, 3600, &cl->connection_timeout);
	else if (strcmp(key, "max_clients") == 0)
		set_uint(ctx, key, value, 0, 10000000, &cl->max_clients);
	else if (strcmp(key, "max_per_ip") == 0)
		set_uint(ctx, key, value, 0, 10000000, &cl->max_per_ip);
	else if (strcmp(key, "throttle_count") == 0)
		set_uint(ctx, key, value, 0, 10000000, &cl->throttle_count);
	else if (strcmp(key, "throttle_window") == 0)
		set_uint(ctx, key, value, 1, 86400, &cl->throttle_window);
	else if (strcmp(key, "flood_rate") == 0)
		set_uint(ctx, key, value, 0, 100000, &cl->flood_rate);
	else if (strcmp(key, "flood_burst") == 0)
		set_uint(ctx, key, value, 1, 100000, &cl->flood_burst);
	else
		return 0;
	return 1;
}

static int
parse_bool(struct parse_ctx *ctx, const char *key, const char *value, int *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = 1;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 ||
	         strcmp(value, "0") == 0)
		*out = 0;
	else {
		conf_error(ctx, key, "'%s' is not yes or no", value);
		return 0;
	}
	return 1;
}

static int
tls_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_tls *t = &ctx->c->tls;

	if (strcmp(key, "certificate") == 0) {
		free(t->certificate);
		t->certificate = resolve_path(ctx->c, value);
	} else if (strcmp(key, "key") == 0) {
		free(t->key);
		t->key = resolve_path(ctx->c, value);
	} else if (strcmp(key, "ciphers") == 0) {
		set_str(&t->ciphers, value);
	} else if (strcmp(key, "ciphersuites") == 0) {
		set_str(&t->ciphersuites, value);
	} else if (strcmp(key, "trusted") == 0) {
		parse_bool(ctx, key, value, &t->trusted);
	} else if (strcmp(key, "sts_duration") == 0) {
		set_uint(ctx, key, value, 0, 10 * 365 * 86400, &t->sts_duration);
	} else if (strcmp(key, "sts_port") == 0) {
		unsigned port;
		if (set_uint(ctx, key, value, 1, 65535, &port))
			t->sts_port = (int)port;
	} else if (strcmp(key, "sts_preload") == 0) {
		parse_bool(ctx, key, value, &t->sts_preload);
	} else if (strcmp(key, "min_version") == 0) {
		if (strcmp(value, "1.2") != 0 && strcmp(value, "1.3") != 0)
			conf_error(ctx, key, "'%s' must be 1.2 or 1.3", value);
		set_str(&t->min_version, value);
	} else {
		return 0;
	}
	return 1;
}

/* "1.2.3.4", "1.2.3.4:53", "[::1]:53", comma-separated. */
static int
valid_server_list(const char *value)
{
	char *copy = xstrdup(value), *cursor = copy, *item;
	int ok = 1;

	while (ok && (item = strsep(&cursor, ",")) != NULL) {
		unsigned char addr[16];
		char *port = NULL;
		long p;
		item += strspn(item, " ");
		if (*item == '[') {
			char *end = strchr(item, ']');
			if (end == NULL) {
				ok = 0;
				break;
			}
			*end = '\0';
			port = end[1] == ':' ? end + 2 : NULL;
			ok = inet_pton(AF_INET6, item + 1, addr) == 1;
		} else {
			port = strchr(item, ':');
			if (port != NULL)
				*port++ = '\0';
			ok = inet_pton(AF_INET, item, addr) == 1;
		}
		if (ok && port != NULL)
			ok = str_to_long(port, 1, 65535, &p) == 0;
	}
	free(copy);
	return ok;
}

static int
dns_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_dns *d = &ctx->c->dns;

	if (strcmp(key, "enabled") == 0)
		parse_bool(ctx, key, value, &d->enabled);
	else if (strcmp(key, "servers") == 0) {
		if (!valid_server_list(value))
			conf_error(ctx, key, "'%s' is not a list of IP[:port] or [IPv6]:port",
			           value);
		set_str(&d->servers, value);
	} else if (strcmp(key, "timeout") == 0)
		set_uint(ctx, key, value, 1, 30, &d->timeout);
	else if (strcmp(key, "cache_size") == 0)
		set_uint(ctx, key, value, 0, 1000000, &d->cache_size);
	else if (strcmp(key, "cache_ttl") == 0)
		set_uint(ctx, key, value, 1, 86400, &d->cache_ttl);
	else
		return 0;
	return 1;
}

static int
metrics_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_metrics *m = &ctx->c->metrics;
	unsigned port;

	if (strcmp(key, "enabled") == 0) {
		parse_bool(ctx, key, value, &m->enabled);
	} else if (strcmp(key, "host") == 0) {
		unsigned char addr[16];
		if (inet_pton(AF_INET, value, addr) != 1 &&
		    inet_pton(AF_INET6, value, addr) != 1)
			conf_error(ctx, key, "'%s' is not an IPv4 or IPv6 address", value);
		set_str(&m->host, value);
	} else if (strcmp(key, "port") == 0) {
		if (set_uint(ctx, key, value, 1, 65535, &port))
			m->port = (int)port;
	} else {
		return 0;
	}
	return 1;
}

static int
log_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_log *l = &ctx->c->log;
	enum log_level level;

	if (strcmp(key, "file") == 0) {
		free(l->file);
		l->file = resolve_path(ctx->c, value);
	} else if (strcmp(key, "syslog") == 0) {
		parse_bool(ctx, key, value, &l->syslog);
	} else if (strcmp(key, "level") == 0) {
		if (log_level_parse(value, &level) != 0)
			conf_error(ctx, key, "'%s' is not debug, info, warn or error", value);
		else
			l->level = (int)level;
	} else {
		return 0;
	}
	return 1;
}

static int
cloak_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_cloak *k = &ctx->c->cloak;

	if (strcmp(key, "enabled") == 0) {
		parse_bool(ctx, key, value, &k->enabled);
	} else if (strcmp(key, "key") == 0) {
		if (strlen(value) < 16)
			conf_error(ctx, key, "a cloak key needs at least 16 characters");
		set_str(&k->key, value);
	} else if (strcmp(key, "key_file") == 0) {
		free(k->key_file);
		k->key_file = resolve_path(ctx->c, value);
	} else if (strcmp(key, "prefix") == 0) {
		if (strlen(value) > 16 ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz"
		                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(value))
			conf_error(ctx, key, "'%s' must be up to 16 letters or digits", value);
		set_str(&k->prefix, value);
	} else {
		return 0;
	}
	return 1;
}

static int
accounts_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_accounts *a = &ctx->c->accounts;

	if (strcmp(key, "registration") == 0) {
		parse_bool(ctx, key, value, &a->registration);
	} else if (strcmp(key, "verify") == 0) {
		parse_bool(ctx, key, value, &a->verify);
	} else if (strcmp(key, "verify_command") == 0) {
		free(a->verify_command);
		a->verify_command = resolve_path(ctx->c, value);
	} else if (strcmp(key, "min_password") == 0) {
		set_uint(ctx, key, value, 1, 200, &a->min_password);
	} else if (strcmp(key, "nick_protection") == 0) {
		if (strcmp(value, "off") == 0)
			a->nick_protection = NICKPROT_OFF;
		else if (strcmp(value, "warn") == 0)
			a->nick_protection = NICKPROT_WARN;
		else if (strcmp(value, "rename") == 0)
			a->nick_protection = NICKPROT_RENAME;
		else
			conf_error(ctx, key, "'%s' is not off, warn or rename", value);
	} else if (strcmp(key, "nick_grace") == 0) {
		set_uint(ctx, key, value, 1, 3600, &a->nick_grace);
	} else {
		return 0;
	}
	return 1;
}

static int
history_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_history *h = &ctx->c->history;

	if (strcmp(key, "enabled") == 0)
		parse_bool(ctx, key, value, &h->enabled);
	else if (strcmp(key, "max_age") == 0)
		set_uint(ctx, key, value, 1, 10 * 365 * 86400, &h->max_age);
	else if (strcmp(key, "max_per_target") == 0)
		set_uint(ctx, key, value, 1, 10000000, &h->max_per_target);
	else if (strcmp(key, "flush_interval") == 0)
		set_uint(ctx, key, value, 1, 10000, &h->flush_interval);
	else
		return 0;
	return 1;
}

static int
batch_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_batch *b = &ctx->c->batch;

	if (strcmp(key, "max_batch_delay") == 0)
		set_uint(ctx, key, value, 0, 1000, &b->max_delay);
	else if (strcmp(key, "max_batch_size") == 0)
		set_uint(ctx, key, value, 1, 1000000, &b->max_size);
	else if (strcmp(key, "max_batch_bytes") == 0)
		set_uint(ctx, key, value, 512, 1 << 30, &b->max_bytes);
	else
		return 0;
	return 1;
}

static int
listen_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_listen *l = ctx->block;
	unsigned port;

	if (strcmp(key, "host") == 0) {
		unsigned char addr[16];
		if (inet_pton(AF_INET, value, addr) != 1 &&
		    inet_pton(AF_INET6, value, addr) != 1)
			conf_error(ctx, key, "'%s' is not an IPv4 or IPv6 address", value);
		set_str(&l->host, value);
	} else if (strcmp(key, "port") == 0) {
		if (set_uint(ctx, key, value, 1, 65535, &port))
			l->port = (int)port;
	} else if (strcmp(key, "tls") == 0) {
		parse_bool(ctx, key, value, &l->tls);
	} else {
		return 0;
	}
	return 1;
}

static int
auth_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_auth *a = ctx->block;

	if (strcmp(key, "mask") == 0) {
		if (strchr(value, '@') == NULL)
			conf_error(ctx, key, "'%s' is not a user@host mask", value);
		set_str(&a->mask, value);
	} else if (strcmp(key, "class") == 0) {
		set_str(&a->class_name, value);
		a->class_line = ctx->line;
	} else if (strcmp(key, "password") == 0) {
		set_str(&a->password, value);
	} else {
		return 0;
	}
	return 1;
}

static const struct {
	const char *name;
	uint32_t bit;
} privilege_names[] = {
    {"kill", PRIV_KILL},       {"rehash", PRIV_REHASH}, {"die", PRIV_DIE},
    {"restart", PRIV_RESTART}, {"kline", PRIV_KLINE},   {"dline", PRIV_DLINE},
    {"wallops", PRIV_WALLOPS},
};

static int
parse_privileges(struct parse_ctx *ctx, const char *key, const char *value, uint32_t *out)
{
	char *copy = xstrdup(value), *cursor = copy, *word;

	*out = 0;
	while ((word = strsep(&cursor, " ,")) != NULL) {
		size_t i;
		if (*word == '\0')
			continue;
		if (strcmp(word, "all") == 0) {
			*out |= PRIV_ALL;
			continue;
		}
		for (i = 0; i < ARRAY_LEN(privilege_names); i++)
			if (strcmp(word, privilege_names[i].name) == 0)
				break;
		if (i == ARRAY_LEN(privilege_names)) {
			conf_error(ctx, key,
			           "unknown privilege '%s' (kill rehash die restart "
			           "kline dline wallops all)",
			           word);
			continue;
		}
		*out |= privilege_names[i].bit;
	}
	free(copy);
	return 1;
}

void
config_privileges_string(uint32_t privs, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(privilege_names); i++)
		if (privs & privilege_names[i].bit)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
			                      n ? " " : "", privilege_names[i].name);
}

static int
oper_key(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct conf_oper *o = ctx->block;

	if (strcmp(key, "password") == 0) {
		if (!passwd_is_hash(value))
			conf_error(ctx, key,
			           "not a password hash: make one with tools/mkpasswd");
		set_str(&o->password, value);
	} else if (strcmp(key, "mask") == 0) {
		char *copy = xstrdup(value), *cursor = copy, *m;
		while ((m = strsep(&cursor, " ,")) != NULL)
			if (*m != '\0' && strchr(m, '@') == NULL)
				conf_error(ctx, key, "'%s' is not a user@host mask", m);
		free(copy);
		set_str(&o->masks, value);
	} else if (strcmp(key, "certfp") == 0) {
		if (strlen(value) != 64 || strspn(value, "0123456789abcdefABCDEF") != 64)
			conf_error(ctx, key,
			           "'%s' is not a SHA-256 fingerprint (64 hex digits)", value);
		set_str(&o->certfp, value);
	} else if (strcmp(key, "privileges") == 0) {
		parse_privileges(ctx, key, value, &o->privileges);
	} else if (strcmp(key, "snomask") == 0) {
		set_str(&o->snomask, value);
	} else {
		return 0;
	}
	return 1;
}

/* "[class NAME]" -> kind "class", name "NAME". */
static void
split_section(const char *section, char *kind, size_t ksize, const char **name)
{
	const char *sp = strchr(section, ' ');
	size_t n = sp ? (size_t)(sp - section) : strlen(section);

	snprintf(kind, ksize, "%.*s", (int)n, section);
	*name = sp ? sp + 1 : NULL;
	while (*name != NULL && **name == ' ')
		(*name)++;
}

static int
open_block(struct parse_ctx *ctx, const char *section)
{
	struct config *c = ctx->c;
	char kind[64];
	const char *name;

	split_section(section, kind, sizeof(kind), &name);
	ctx->block = NULL;
	if (strcmp(kind, "class") == 0 || strcmp(kind, "listen") == 0 ||
	    strcmp(kind, "auth") == 0 || strcmp(kind, "oper") == 0) {
		if (name == NULL || *name == '\0') {
			conf_error(ctx, section, "section needs a name: [%s NAME]", kind);
			return 0;
		}
	}
	if (strcmp(kind, "class") == 0) {
		struct conf_class *cl = config_find_class(c, name);
		if (cl != NULL) {
			conf_error(ctx, section, "class '%s' defined twice", name);
			return 0;
		}
		cl = xcalloc(1, sizeof(*cl));
		cl->name = xstrdup(name);
		cl->sendq = 1 << 20;
		cl->recvq = 16384;
		cl->ping_frequency = 120;
		cl->connection_timeout = 30;
		cl->max_clients = 100000;
		cl->throttle_window = 60;
		cl->flood_rate = 5;
		cl->flood_burst = 25;
		TAILQ_INSERT_TAIL(&c->classes, cl, link);
		ctx->block = cl;
	} else if (strcmp(kind, "listen") == 0) {
		struct conf_listen *l = xcalloc(1, sizeof(*l));
		l->name = xstrdup(name);
		l->port = 6667;
		TAILQ_INSERT_TAIL(&c->listens, l, link);
		ctx->block = l;
	} else if (strcmp(kind, "auth") == 0) {
		struct conf_auth *a = xcalloc(1, sizeof(*a));
		a->name = xstrdup(name);
		a->class_line = ctx->line;
		TAILQ_INSERT_TAIL(&c->auths, a, link);
		ctx->block = a;
	} else if (strcmp(kind, "oper") == 0) {
		struct conf_oper *o;
		if (config_find_oper(c, name) != NULL) {
			conf_error(ctx, section, "oper '%s' defined twice", name);
			return 0;
		}
		o = xcalloc(1, sizeof(*o));
		o->name = xstrdup(name);
		o->privileges =
		    PRIV_KILL | PRIV_KLINE | PRIV_DLINE | PRIV_REHASH | PRIV_WALLOPS;
		TAILQ_INSERT_TAIL(&c->opers, o, link);
		ctx->block = o;
	} else if (strcmp(kind, "server") != 0 && strcmp(kind, "admin") != 0 &&
	           strcmp(kind, "limits") != 0 && strcmp(kind, "tls") != 0 &&
	           strcmp(kind, "dns") != 0 && strcmp(kind, "metrics") != 0 &&
	           strcmp(kind, "log") != 0 && strcmp(kind, "cloak") != 0 &&
	           strcmp(kind, "accounts") != 0 && strcmp(kind, "history") != 0 &&
	           strcmp(kind, "batch") != 0) {
		conf_error(ctx, section, "unknown section");
		return 0;
	}
	return 1;
}

static int
on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;
	char kind[64];
	const char *name;
	int known;

	if (!ctx->in_section) {
		conf_error(ctx, key, "key outside any section");
		return 1;
	}
	if (ctx->section_bad)
		return 1;
	split_section(section, kind, sizeof(kind), &name);
	if (strcmp(kind, "server") == 0)
		known = server_key(ctx, key, value);
	else if (strcmp(kind, "admin") == 0)
		known = admin_key(ctx, key, value);
	else if (strcmp(kind, "limits") == 0)
		known = limits_key(ctx, key, value);
	else if (strcmp(kind, "class") == 0)
		known = class_key(ctx, key, value);
	else if (strcmp(kind, "listen") == 0)
		known = listen_key(ctx, key, value);
	else if (strcmp(kind, "auth") == 0)
		known = auth_key(ctx, key, value);
	else if (strcmp(kind, "tls") == 0)
		known = tls_key(ctx, key, value);
	else if (strcmp(kind, "oper") == 0)
		known = oper_key(ctx, key, value);
	else if (strcmp(kind, "dns") == 0)
		known = dns_key(ctx, key, value);
	else if (strcmp(kind, "metrics") == 0)
		known = metrics_key(ctx, key, value);
	else if (strcmp(kind, "log") == 0)
		known = log_key(ctx, key, value);
	else if (strcmp(kind, "cloak") == 0)
		known = cloak_key(ctx, key, value);
	else if (strcmp(kind, "accounts") == 0)
		known = accounts_key(ctx, key, value);
	else if (strcmp(kind, "history") == 0)
		known = history_key(ctx, key, value);
	else if (strcmp(kind, "batch") == 0)
		known = batch_key(ctx, key, value);
	else
		known = 1;
	if (!known)
		conf_error(ctx, key, "unknown key in [%s]", section);
	return 1;
}

static void
set_defaults(struct config *c)
{
	c->limits = (struct conf_limits){
	    .nicklen = 30,
	    .channellen = 50,
	    .topiclen = 390,
	    .kicklen = 255,
	    .awaylen = 255,
	    .max_channels = 50,
	    .max_list = 100,
	    .max_targets = 4,
	    .whowas_size = 1000,
	};
	TAILQ_INIT(&c->classes);
	TAILQ_INIT(&c->listens);
	TAILQ_INIT(&c->auths);
	TAILQ_INIT(&c->opers);
	c->metrics.port = 6680;
	c->batch = (struct conf_batch){.max_delay = 0, .max_size = 64, .max_bytes = 65536};
	c->history = (struct conf_history){
	    .enabled = 1, .max_age = 7 * 86400, .max_per_target = 10000, .flush_interval = 100};
	c->accounts = (struct conf_accounts){.registration = 1,
	                                     .min_password = 8,
	                                     .nick_protection = NICKPROT_RENAME,
	                                     .nick_grace = 30};
	c->log.level = LOG_LEVEL_INFO;
	c->dns = (struct conf_dns){
	    .enabled = 1, .timeout = 4, .cache_size = 4096, .cache_ttl = 3600};
}

/* Cross-block checks once the whole file is read. */
static void
validate(struct parse_ctx *ctx)
{
	struct config *c = ctx->c;
	struct conf_auth *a;
	struct conf_listen *l;
	struct conf_oper *o;

	ctx->line = 0;
	if (c->server_name == NULL)
		conf_error(ctx, "name", "[server] name is required");
	if (c->sid == NULL)
		conf_error(ctx, "sid", "[server] sid is required");
	if (c->database_path == NULL)
		conf_error(ctx, "database", "[server] database is required");
	if (TAILQ_EMPTY(&c->listens))
		conf_error(ctx, "listen", "no [listen NAME] block");
	if (TAILQ_EMPTY(&c->auths))
		conf_error(ctx, "auth", "no [auth NAME] block: nobody could connect");
	TAILQ_FOREACH (a, &c->auths, link) {
		if (a->mask == NULL)
			set_str(&a->mask, "*@*");
		if (a->class_name == NULL)
			set_str(&a->class_name, "default");
		a->class = config_find_class(c, a->class_name);
		if (a->class == NULL) {
			ctx->line = a->class_line;
			conf_error(ctx, "class", "[auth %s] names unknown class '%s'", a->name,
			           a->class_name);
			ctx->line = 0;
		}
	}
	TAILQ_FOREACH (l, &c->listens, link)
		if (l->tls && c->tls.certificate == NULL)
			conf_error(ctx, "tls",
			           "[listen %s] wants TLS but [tls] has no certificate",
			           l->name);
	TAILQ_FOREACH (o, &c->opers, link) {
		if (o->password == NULL && o->certfp == NULL)
			conf_error(ctx, "password", "[oper %s] needs a password or a certfp",
			           o->name);
		if (o->masks == NULL)
			set_str(&o->masks, "*@*");
		if (o->snomask == NULL)
			set_str(&o->snomask, "+ckor");
	}
	if (c->tls.certificate != NULL && c->tls.key == NULL)
		c->tls.key = xstrdup(c->tls.certificate);
	if (c->tls.min_version == NULL)
		set_str(&c->tls.min_version, "1.2");
	/* STS with a self-signed certificate would lock clients out: refuse it. */
	if (c->tls.sts_duration > 0 && !c->tls.trusted)
		conf_error(ctx, "sts_duration",
		           "STS needs a CA-issued certificate: set [tls] "
		           "trusted = yes only when it is one");
	if (c->tls.sts_duration > 0 && c->tls.sts_port == 0)
		conf_error(ctx, "sts_port", "STS needs sts_port (the TLS listener's port)");
	if (c->tls.ciphers == NULL)
		set_str(&c->tls.ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL");
	if (c->network == NULL)
		set_str(&c->network, "evircd");
	if (c->cloak.enabled && c->cloak.key == NULL && c->cloak.key_file == NULL)
		conf_error(ctx, "key", "[cloak] needs key or key_file");
	if (c->cloak.prefix == NULL)
		set_str(&c->cloak.prefix, c->network);
	if (c->accounts.verify && c->accounts.verify_command == NULL)
		conf_error(ctx, "verify_command",
		           "[accounts] verify = yes needs verify_command");
	if (c->metrics.host == NULL)
		set_str(&c->metrics.host, "127.0.0.1");
	if (c->description == NULL)
		set_str(&c->description, "evircd server");
}

struct config *
config_load(const char *path)
{
	struct parse_ctx ctx;
	struct config *c = xcalloc(1, sizeof(*c));
	char *tmp;
	int r;

	set_defaults(c);
	c->path = xstrdup(path);
	tmp = xstrdup(path);
	c->dir = xstrdup(dirname(tmp));
	free(tmp);

	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	ctx.fp = fopen(path, "r");
	if (ctx.fp == NULL) {
		snprintf(first_error, sizeof(first_error), "%s:0: file: cannot open: %s", path,
		         strerror(errno));
		fprintf(stderr, "%s\n", first_error);
		config_free(c);
		return NULL;
	}
	r = ini_parse_stream(counting_reader, &ctx, on_ini_entry, &ctx);
	fclose(ctx.fp);
	if (r > 0) {
		ctx.line = r;
		conf_error(&ctx, "syntax",
		           "malformed line (expected [section] or key = value)");
	}
	if (ctx.errors == 0)
		validate(&ctx);
	if (ctx.errors > 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

void
config_free(struct config *c)
{
	struct conf_class *cl;
	struct conf_listen *l;
	struct conf_auth *a;
	struct conf_oper *o;

	if (c == NULL)
		return;
	while ((cl = TAILQ_FIRST(&c->classes)) != NULL) {
		TAILQ_REMOVE(&c->classes, cl, link);
		free(cl->name);
		free(cl);
	}
	while ((l = TAILQ_FIRST(&c->listens)) != NULL) {
		TAILQ_REMOVE(&c->listens, l, link);
		free(l->name);
		free(l->host);
		free(l);
	}
	while ((a = TAILQ_FIRST(&c->auths)) != NULL) {
		TAILQ_REMOVE(&c->auths, a, link);
		free(a->name);
		free(a->mask);
		free(a->class_name);
		free(a->password);
		free(a);
	}
	while ((o = TAILQ_FIRST(&c->opers)) != NULL) {
		TAILQ_REMOVE(&c->opers, o, link);
		free(o->name);
		free(o->password);
		free(o->masks);
		free(o->certfp);
		free(o->snomask);
		free(o);
	}
	free(c->path);
	free(c->dir);
	free(c->server_name);
	free(c->sid);
	free(c->description);
	free(c->network);
	free(c->motd_path);
	free(c->database_path);
	free(c->admin_name);
	free(c->admin_location);
	free(c->admin_email);
	free(c->tls.certificate);
	free(c->tls.key);
	free(c->tls.ciphers);
	free(c->tls.ciphersuites);
	free(c->tls.min_version);
	free(c->dns.servers);
	free(c->metrics.host);
	free(c->log.file);
	free(c->cloak.key);
	free(c->cloak.key_file);
	free(c->cloak.prefix);
	free(c->accounts.verify_command);
	free(c);
}

const char *
config_last_error(void)
{
	return first_error;
}

struct conf_oper *
config_find_oper(const struct config *c, const char *name)
{
	struct conf_oper *o;

	TAILQ_FOREACH (o, &c->opers, link)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

struct conf_class *
config_find_class(const struct config *c, const char *name)
{
	struct conf_class *cl;

	TAILQ_FOREACH (cl, &c->classes, link)
		if (strcmp(cl->name, name) == 0)
			return cl;
	return NULL;
}

struct conf_auth *
config_find_auth(const struct config *c, const char *user, const char *host, const char *ip)
{
	struct conf_auth *a;
	char uh[USERLEN + HOSTLEN + 2], ui[USERLEN + 64];

	snprintf(uh, sizeof(uh), "%s@%s", user, host);
	snprintf(ui, sizeof(ui), "%s@%s", user, ip);
	TAILQ_FOREACH (a, &c->auths, link)
		if (mask_match(a->mask, uh) || mask_match(a->mask, ui))
			return a;
	return NULL;
}
