/*
 * conf.c - INI parsing, defaults and validation of the config object.
 *
 * What a file may say is one table, conf_schema: a key's section, type,
 * range, place in the struct, default, reload behaviour and doc line.  The
 * parser only looks keys up there; the checks across keys and blocks are
 * the small validate_* functions of the section table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cidr.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/match.h"
#include "base/passwd.h"
#include "base/util.h"

struct config *conf;
static char first_error[300];

/* How deep "include" lines may nest (a file including itself stops here). */
#define CONF_INCLUDE_DEPTH 8
/*
 * How many files one load may include in all: a glob that matches the
 * including file ("include *") repeats it at every depth, and a few such
 * lines multiply (3 a file, 8 deep: 3^8 reads) where a plain loop is linear.
 */
#define CONF_INCLUDE_FILES 256

/* inih gives no line numbers to the handler: our reader counts them. */
struct conf_parse {
	struct config *c;
	FILE *fp;
	const char *file; /* the file being read: c->path, or an included one */
	const char *dir;  /* its folder (absolute when it could be resolved) */
	int line;
	int depth; /* of includes */
	int errors;
	char section[128];
	int section_bad; /* reported once; its keys are skipped */
	int in_section;  /* a header has been seen */
	void *block;     /* where the keys of the section go: c, or a named block */
};

PRINTF(3, 4)
static void
conf_error(struct conf_parse *ctx, const char *key, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: %s: %s\n", ctx->file, ctx->line, key, text);
	if (ctx->errors++ == 0)
		snprintf(first_error, sizeof(first_error), "%s:%d: %s: %s", ctx->file,
		         ctx->line, key, text);
}

/* ---- Values: one setter per enum conf_type. */

/*
 * A relative path, against the config's folder (made absolute without
 * symlinks when it is read): leading "./" and "../" are resolved here, so
 * messages name "/srv/evircd/var/x", not "conf/../var/x".
 */
static char *
resolve_path(const char *dir, const char *value)
{
	size_t dirlen = strlen(dir), n;
	char *out;

	if (value[0] == '/')
		return xstrdup(value);
	for (;;) {
		if (strncmp(value, "./", 2) == 0) {
			value += 2;
		} else if (strncmp(value, "../", 3) == 0 && dir[0] == '/') {
			while (dirlen > 1 && dir[dirlen - 1] != '/')
				dirlen--;
			if (dirlen > 1)
				dirlen--; /* the slash, unless it is the root */
			value += 3;
		} else {
			break;
		}
	}
	n = dirlen + strlen(value) + 2;
	out = xmalloc(n);
	snprintf(out, n, "%.*s%s%s", (int)dirlen, dir,
	         dirlen > 0 && dir[dirlen - 1] == '/' ? "" : "/", value);
	return out;
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int
set_uint(struct conf_parse *ctx, const char *key, const char *value, long min, long max,
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

static void
set_bool(struct conf_parse *ctx, const char *key, const char *value, int *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = 1;
	else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 ||
	         strcmp(value, "0") == 0)
		*out = 0;
	else
		conf_error(ctx, key, "'%s' is not yes or no", value);
}

/* The names of an enum: "a, b or c" for messages, "a|b|c" for the schema. */
static void
enum_choices(const struct conf_enum *names, const char *sep, const char *last_sep, char *buf,
             size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i].name != NULL; i++) {
		const char *before = i == 0 ? "" : names[i + 1].name == NULL ? last_sep : sep;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", before,
		                      names[i].name);
	}
}

static void
set_enum(struct conf_parse *ctx, const char *key, const char *value,
         const struct conf_enum *names, int *out)
{
	char choices[128];

	for (size_t i = 0; names[i].name != NULL; i++) {
		if (strcmp(value, names[i].name) == 0) {
			*out = names[i].value;
			return;
		}
	}
	enum_choices(names, ", ", " or ", choices, sizeof(choices));
	conf_error(ctx, key, "'%s' is not %s", value, choices);
}

static const struct {
	const char *name;
	uint32_t bit;
} privilege_names[] = {
    {"kill", PRIV_KILL},       {"rehash", PRIV_REHASH},   {"die", PRIV_DIE},
    {"restart", PRIV_RESTART}, {"kline", PRIV_KLINE},     {"dline", PRIV_DLINE},
    {"wallops", PRIV_WALLOPS}, {"connect", PRIV_CONNECT},
};

static void
set_privileges(struct conf_parse *ctx, const char *key, const char *value, uint32_t *out)
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
			           "kline dline wallops connect all)",
			           word);
			continue;
		}
		*out |= privilege_names[i].bit;
	}
	free(copy);
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

/* Check, then store, a value of key k into block (checks report, the value is kept). */
static void
set_value(struct conf_parse *ctx, const struct conf_key *k, const char *value, void *block)
{
	void *field = (char *)block + k->offset;
	unsigned v;

	if (k->check != NULL)
		k->check(ctx, k->key, value, block);
	switch (k->type) {
	case CONF_UINT: set_uint(ctx, k->key, value, k->min, k->max, field); break;
	case CONF_SIZE:
		if (set_uint(ctx, k->key, value, k->min, k->max, &v))
			*(size_t *)field = v;
		break;
	case CONF_PORT:
		if (set_uint(ctx, k->key, value, k->min, k->max, &v))
			*(int *)field = (int)v;
		break;
	case CONF_BOOL: set_bool(ctx, k->key, value, field); break;
	case CONF_STRING: set_str(field, value); break;
	case CONF_PATH:
		free(*(char **)field);
		*(char **)field = resolve_path(ctx->dir, value);
		break;
	case CONF_ENUM: set_enum(ctx, k->key, value, k->names, field); break;
	case CONF_PRIVILEGES: set_privileges(ctx, k->key, value, field); break;
	}
}

/* ---- Checks of single values, beyond their type. */

static void
check_server_name(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strlen(value) > SERVLEN || strchr(value, '.') == NULL ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz"
	                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(value))
		conf_error(ctx, key,
		           "'%s' is not a valid server name (letters, digits, '-', with a dot)",
		           value);
}

static void
check_sid(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strlen(value) != 3 || value[0] < '0' || value[0] > '9' ||
	    strspn(value + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 2)
		conf_error(
		    ctx, key,
		    "'%s' is not a TS6 SID (a digit and two letters or digits, e.g. 0EV)",
		    value);
}

static void
check_network(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strchr(value, ' ') != NULL || *value == '\0')
		conf_error(ctx, key, "network name must be one word");
}

static void
check_ip(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
		conf_error(ctx, key, "'%s' is not an IPv4 or IPv6 address", value);
}

static void
check_user(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (getpwnam(value) == NULL)
		conf_error(ctx, key, "'%s' is not a user of this system", value);
}

static void
check_group(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (getgrnam(value) == NULL)
		conf_error(ctx, key, "'%s' is not a group of this system", value);
}

static void
check_tls_version(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strcmp(value, "1.2") != 0 && strcmp(value, "1.3") != 0)
		conf_error(ctx, key, "'%s' must be 1.2 or 1.3", value);
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

static void
check_server_list(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (!valid_server_list(value))
		conf_error(ctx, key, "'%s' is not a list of IP[:port] or [IPv6]:port", value);
}

static void
check_cloak_key(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strlen(value) < 16)
		conf_error(ctx, key, "a cloak key needs at least 16 characters");
}

static void
check_cloak_prefix(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strlen(value) > 16 ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz"
	                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(value))
		conf_error(ctx, key, "'%s' must be up to 16 letters or digits", value);
}

static void
check_mask(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strchr(value, '@') == NULL)
		conf_error(ctx, key, "'%s' is not a user@host mask", value);
}

static void
check_masks(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	char *copy = xstrdup(value), *cursor = copy, *m;

	while ((m = strsep(&cursor, " ,")) != NULL)
		if (*m != '\0')
			check_mask(ctx, key, m, block);
	free(copy);
}

/* Not a check: an unknown class is found after the file, and reported here. */
static void
note_class_line(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	((struct conf_auth *)block)->class_line = ctx->line;
	((struct conf_auth *)block)->class_file = ctx->file;
}

static void
check_password_hash(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (!passwd_is_hash(value))
		conf_error(ctx, key, "not a password hash: make one with evircd-mkpasswd");
}

static void
check_cidr_list(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	char bad[64];

	if (!cidr_list_valid(value, bad, sizeof(bad)))
		conf_error(ctx, key, "'%s' is not an IP address or CIDR range", bad);
}

/* WebSocket origins: globs such as https://chat.example.org or http://localhost:*. */
static void
check_origins(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (value[strspn(value, " ,\t")] == '\0')
		conf_error(ctx, key, "an empty list would refuse every browser");
}

static void
check_certfp(struct conf_parse *ctx, const char *key, const char *value, void *block)
{
	if (strlen(value) != 64 || strspn(value, "0123456789abcdefABCDEF") != 64)
		conf_error(ctx, key, "'%s' is not a SHA-256 fingerprint (64 hex digits)",
		           value);
}

/* ---- The schema. */

static const struct conf_enum log_levels[] = {
    {"debug", LOG_LEVEL_DEBUG},
    {"info", LOG_LEVEL_INFO},
    {"warn", LOG_LEVEL_WARN},
    {"error", LOG_LEVEL_ERROR},
    {NULL, 0},
};

static const struct conf_enum listen_types[] = {{"clients", LISTEN_CLIENTS},
                                                {"servers", LISTEN_SERVERS},
                                                {"websocket", LISTEN_WEBSOCKET},
                                                {NULL, 0}};

static const struct conf_enum dialects[] = {
    {"hybrid", DIALECT_HYBRID}, {"charybdis", DIALECT_CHARYBDIS}, {NULL, 0}};

static const struct conf_enum accounts_owners[] = {
    {"services", ACCOUNTS_SERVICES}, {"embedded", ACCOUNTS_EMBEDDED}, {NULL, 0}};

static const struct conf_enum nick_protections[] = {
    {"off", NICKPROT_OFF}, {"warn", NICKPROT_WARN}, {"rename", NICKPROT_RENAME}, {NULL, 0}};

#define UINT(lo, hi) .type = CONF_UINT, .min = (lo), .max = (hi)
#define SIZE(lo, hi) .type = CONF_SIZE, .min = (lo), .max = (hi)
#define PORT .type = CONF_PORT, .min = 1, .max = 65535
#define BOOL .type = CONF_BOOL
#define STRING .type = CONF_STRING
#define PATH .type = CONF_PATH
#define ENUM(names_) .type = CONF_ENUM, .names = (names_)
#define PRIVILEGES .type = CONF_PRIVILEGES
#define CFG(member) .offset = offsetof(struct config, member)
#define CLASS(member) .offset = offsetof(struct conf_class, member)
#define LISTEN(member) .offset = offsetof(struct conf_listen, member)
#define AUTH(member) .offset = offsetof(struct conf_auth, member)
#define OPER(member) .offset = offsetof(struct conf_oper, member)
#define LINK(member) .offset = offsetof(struct conf_link, member)
#define WEBIRC(member) .offset = offsetof(struct conf_webirc, member)
#define RELOAD .reload = 1
#define RESTART .reload = 0
#define REQUIRED .required = 1
#define KEY(section_, key_) .section = (section_), .key = (key_)

/* Grouped as in doc/configuration.md; test_config_docs.py checks the docs against it. */
const struct conf_key conf_schema[] = {
    {KEY("server", "name"), STRING, CFG(server_name), REQUIRED, RELOAD,
     .check = check_server_name, .doc = "the server's name, in replies and as message source"},
    {KEY("server", "sid"), STRING, CFG(sid), REQUIRED, RESTART, .check = check_sid,
     .doc = "TS6 server ID, the first 3 characters of every UID and msgid"},
    {KEY("server", "description"), STRING, CFG(description), .def = "evircd server", RELOAD,
     .doc = "shown in WHOIS (312)"},
    {KEY("server", "network"), STRING, CFG(network), .def = "evircd", RELOAD,
     .check = check_network, .doc = "network name: 001, ISUPPORT NETWORK, cloak prefix"},
    {KEY("server", "motd"), PATH, CFG(motd_path), RELOAD,
     .doc = "message-of-the-day file, read at start and each rehash"},
    {KEY("server", "database"), PATH, CFG(database_path), REQUIRED, RESTART,
     .doc = "sqlite3 database: bans, accounts, history"},
    {KEY("server", "user"), STRING, CFG(run_user), RESTART, .check = check_user,
     .doc = "started as root: the user to run as once the listeners are bound"},
    {KEY("server", "group"), STRING, CFG(run_group), RESTART, .check = check_group,
     .doc = "and the group (default: the user's primary group)"},
    {KEY("server", "utf8only"), BOOL, CFG(utf8only), .def = "yes", RELOAD,
     .doc = "refuse client lines that are not valid UTF-8"},

    {KEY("admin", "name"), STRING, CFG(admin_name), RELOAD, .doc = "ADMIN line 257"},
    {KEY("admin", "location"), STRING, CFG(admin_location), RELOAD, .doc = "ADMIN line 258"},
    {KEY("admin", "email"), STRING, CFG(admin_email), RELOAD, .doc = "ADMIN line 259"},

    {KEY("listen", "host"), STRING, LISTEN(host), RESTART, .check = check_ip,
     .doc = "numeric address to bind; none: all IPv4 addresses"},
    {KEY("listen", "port"), PORT, LISTEN(port), .def = "6667", RESTART, .doc = "TCP port"},
    {KEY("listen", "tls"), BOOL, LISTEN(tls), .def = "no", RESTART,
     .doc = "connections start with a TLS handshake"},
    {KEY("listen", "type"), ENUM(listen_types), LISTEN(type), .def = "clients", RESTART,
     .doc = "who connects here: clients, servers linking (TS6), or websocket clients"},
    {KEY("listen", "proxy"), BOOL, LISTEN(proxy), .def = "no", RESTART,
     .doc = "every connection starts with a PROXY protocol v1 or v2 header"},
    {KEY("listen", "proxies"), STRING, LISTEN(proxies), RESTART, .check = check_cidr_list,
     .doc = "IPs/CIDRs of the proxies trusted for PROXY headers and X-Forwarded-For"},
    {KEY("listen", "origins"), STRING, LISTEN(origins), RESTART, .check = check_origins,
     .doc = "websocket: Origin globs browsers may connect from; none: any"},

    {KEY("webirc", "password"), STRING, WEBIRC(password), RELOAD,
     .doc = "the gateway's WEBIRC password: plain, or an evircd-mkpasswd hash"},
    {KEY("webirc", "hosts"), STRING, WEBIRC(hosts), RELOAD, .check = check_cidr_list,
     .doc = "IPs/CIDRs the gateway connects from"},
    {KEY("webirc", "trust_secure"), BOOL, WEBIRC(trust_secure), .def = "yes", RELOAD,
     .doc = "believe the gateway's secure option (the user's side is TLS)"},
    {KEY("webirc", "resolve"), BOOL, WEBIRC(resolve), .def = "no", RELOAD,
     .doc = "look the user's IP up in DNS ourselves instead of taking the gateway's name"},

    {KEY("link", "host"), STRING, LINK(host), RELOAD, .check = check_ip,
     .doc = "the peer's numeric address: dialled, and the only one it may link from"},
    {KEY("link", "port"), PORT, LINK(port), .def = "6666", RELOAD,
     .doc = "the peer's server port, for dialling"},
    {KEY("link", "sid"), STRING, LINK(sid), RELOAD, .check = check_sid,
     .doc = "the SID the peer must introduce itself with; none: any"},
    {KEY("link", "send_password"), STRING, LINK(send_password), RELOAD,
     .doc = "the password we send in PASS"},
    {KEY("link", "accept_password"), STRING, LINK(accept_password), RELOAD,
     .doc = "the password the peer must send: plain, or an evircd-mkpasswd hash"},
    {KEY("link", "dialect"), ENUM(dialects), LINK(dialect), .def = "hybrid", RELOAD,
     .doc = "the TS6 dialect we speak on this link"},
    {KEY("link", "autoconnect"), BOOL, LINK(autoconnect), .def = "no", RELOAD,
     .doc = "dial out, and redial with backoff while the link is down"},
    {KEY("link", "tls"), BOOL, LINK(tls), .def = "no", RELOAD,
     .doc = "TLS on the link (dialling out)"},
    {KEY("link", "fingerprint"), STRING, LINK(fingerprint), RELOAD, .check = check_certfp,
     .doc = "pin the peer's certificate (SHA-256); none: any"},
    {KEY("link", "class"), STRING, LINK(class_name), RELOAD,
     .doc = "[class] for the link's sendq and ping timing; none: built in"},

    {KEY("services", "servers"), STRING, CFG(services.servers), RELOAD,
     .doc = "comma-separated server names allowed services commands"},
    {KEY("services", "accounts"), ENUM(accounts_owners), CFG(services.accounts), RELOAD,
     .doc = "who owns accounts and SASL when linked; none: services if servers is set"},
    {KEY("services", "sasl_timeout"), UINT(1, 300), CFG(services.sasl_timeout), .def = "15",
     RELOAD, .doc = "seconds a client waits for the services' answer to a SASL step"},

    {KEY("netsplit", "split_user_grace_period"), UINT(0, 3600),
     CFG(netsplit.split_user_grace_period), .def = "60", RELOAD,
     .doc = "seconds a split user's nick stays reserved"},

    {KEY("tls", "certificate"), PATH, CFG(tls.certificate), RELOAD,
     .doc = "PEM certificate chain; none: no TLS"},
    {KEY("tls", "key"), PATH, CFG(tls.key), RELOAD,
     .doc = "PEM private key; none: the certificate file"},
    {KEY("tls", "min_version"), STRING, CFG(tls.min_version), .def = "1.2", RELOAD,
     .check = check_tls_version, .doc = "lowest TLS version accepted: 1.2 or 1.3"},
    {KEY("tls", "ciphers"), STRING, CFG(tls.ciphers),
     .def = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL", RELOAD,
     .doc = "TLS 1.2 cipher list, OpenSSL syntax"},
    {KEY("tls", "ciphersuites"), STRING, CFG(tls.ciphersuites), RELOAD,
     .doc = "TLS 1.3 suites, OpenSSL syntax; none: OpenSSL's"},
    {KEY("tls", "trusted"), BOOL, CFG(tls.trusted), .def = "no", RELOAD,
     .doc = "the certificate is CA-issued; required for STS"},
    {KEY("tls", "sts_duration"), UINT(0, 10 * 365 * 86400), CFG(tls.sts_duration), .def = "0",
     RELOAD, .doc = "seconds of STS policy offered (0: no STS)"},
    {KEY("tls", "sts_port"), PORT, CFG(tls.sts_port), RELOAD,
     .doc = "the TLS port STS sends plaintext clients to"},
    {KEY("tls", "sts_preload"), BOOL, CFG(tls.sts_preload), .def = "no", RELOAD,
     .doc = "add preload to the STS policy"},

    {KEY("dns", "enabled"), BOOL, CFG(dns.enabled), .def = "yes", RELOAD,
     .doc = "look up client host names"},
    {KEY("dns", "servers"), STRING, CFG(dns.servers), RELOAD, .check = check_server_list,
     .doc = "resolvers, IP[:port] or [IPv6]:port, comma-separated; none: the system's"},
    {KEY("dns", "timeout"), UINT(1, 30), CFG(dns.timeout), .def = "4", RELOAD,
     .doc = "seconds allowed for one query"},
    {KEY("dns", "cache_size"), UINT(0, 1000000), CFG(dns.cache_size), .def = "4096", RELOAD,
     .doc = "answers kept in memory (0: no cache)"},
    {KEY("dns", "cache_ttl"), UINT(1, 86400), CFG(dns.cache_ttl), .def = "3600", RELOAD,
     .doc = "seconds a found name is kept, at most"},

    {KEY("metrics", "enabled"), BOOL, CFG(metrics.enabled), .def = "no", RESTART,
     .doc = "serve Prometheus GET /metrics over HTTP"},
    {KEY("metrics", "host"), STRING, CFG(metrics.host), .def = "127.0.0.1", RESTART,
     .check = check_ip, .doc = "numeric address to bind"},
    {KEY("metrics", "port"), PORT, CFG(metrics.port), .def = "6680", RESTART,
     .doc = "TCP port"},

    {KEY("log", "file"), PATH, CFG(log.file), RELOAD,
     .doc = "also append log lines to this file"},
    {KEY("log", "syslog"), BOOL, CFG(log.syslog), .def = "no", RELOAD,
     .doc = "also send log lines to syslog"},
    {KEY("log", "level"), ENUM(log_levels), CFG(log.level), .def = "info", RELOAD,
     .doc = "lowest level logged"},

    {KEY("cloak", "enabled"), BOOL, CFG(cloak.enabled), .def = "no", RELOAD,
     .doc = "give users +x with a cloaked host"},
    {KEY("cloak", "key"), STRING, CFG(cloak.key), RELOAD, .check = check_cloak_key,
     .doc = "the secret key, at least 16 characters"},
    {KEY("cloak", "key_file"), PATH, CFG(cloak.key_file), RELOAD,
     .doc = "a file holding the key, created when missing"},
    {KEY("cloak", "prefix"), STRING, CFG(cloak.prefix), RELOAD, .check = check_cloak_prefix,
     .doc = "first label of cloaked host names; none: the network name"},

    {KEY("accounts", "registration"), BOOL, CFG(accounts.registration), .def = "yes", RELOAD,
     .doc = "REGISTER may create accounts"},
    {KEY("accounts", "verify"), BOOL, CFG(accounts.verify), .def = "no", RELOAD,
     .doc = "new accounts need VERIFY with a code sent by verify_command"},
    {KEY("accounts", "verify_command"), PATH, CFG(accounts.verify_command), RELOAD,
     .doc = "program run as: command ACCOUNT EMAIL CODE"},
    {KEY("accounts", "verify_expire"), UINT(1, 30 * 86400), CFG(accounts.verify_expire),
     .def = "86400", RELOAD, .doc = "seconds an unverified account waits for VERIFY"},
    {KEY("accounts", "verify_attempts"), UINT(1, 100), CFG(accounts.verify_attempts),
     .def = "5", RELOAD, .doc = "wrong VERIFY codes before the registration is void"},
    {KEY("accounts", "min_password"), UINT(1, 200), CFG(accounts.min_password), .def = "8",
     RELOAD, .doc = "shortest password, in bytes"},
    {KEY("accounts", "nick_protection"), ENUM(nick_protections), CFG(accounts.nick_protection),
     .def = "rename", RELOAD, .doc = "what befalls a user on a registered nick"},
    {KEY("accounts", "nick_grace"), UINT(1, 3600), CFG(accounts.nick_grace), .def = "30",
     RELOAD, .doc = "seconds to log in before a rename"},
    {KEY("accounts", "auth_rate"), UINT(0, 100000), CFG(accounts.auth_rate), .def = "30",
     RELOAD,
     .doc = "REGISTER, VERIFY and SASL attempts per minute per IPv4 address or IPv6 /64"},
    {KEY("accounts", "crypto_queue"), UINT(1, 100000), CFG(accounts.crypto_queue), .def = "64",
     RELOAD, .doc = "password checks or hashes waiting per lane, at most"},

    {KEY("history", "enabled"), BOOL, CFG(history.enabled), .def = "yes", RELOAD,
     .doc = "store messages and answer CHATHISTORY"},
    {KEY("history", "max_age"), UINT(1, 10 * 365 * 86400), CFG(history.max_age),
     .def = "604800", RELOAD, .doc = "seconds lines are kept"},
    {KEY("history", "max_per_target"), UINT(1, 10000000), CFG(history.max_per_target),
     .def = "10000", RELOAD, .doc = "lines kept per channel or pair of accounts"},
    {KEY("history", "flush_interval"), UINT(1, 10000), CFG(history.flush_interval),
     .def = "100", RELOAD, .doc = "milliseconds between batched writes"},
    {KEY("history", "write_backlog"), UINT(4096, 10000000), CFG(history.write_backlog),
     .def = "65536", RELOAD,
     .doc = "lines waiting for the database writer, at most; beyond, lines are kept in memory "
            "only"},

    {KEY("batch", "max_batch_delay"), UINT(0, 1000), CFG(batch.max_delay), .def = "0", RELOAD,
     .doc = "milliseconds output may wait to be written with more (0: end of loop turn)"},
    {KEY("batch", "max_batch_size"), UINT(1, 1000000), CFG(batch.max_size), .def = "64", RELOAD,
     .doc = "...unless this many messages are queued"},
    {KEY("batch", "max_batch_bytes"), UINT(512, 1 << 30), CFG(batch.max_bytes), .def = "65536",
     RELOAD, .doc = "...or this many bytes"},

    {KEY("class", "sendq"), SIZE(4096, 1L << 30), CLASS(sendq), .def = "1048576", RELOAD,
     .doc = "bytes of output queued for one client"},
    {KEY("class", "recvq"), SIZE(RECVQ_MIN, RECVQ_MAX), CLASS(recvq), .def = "16384", RELOAD,
     .doc = "bytes of unprocessed input held for one client"},
    {KEY("class", "ping_frequency"), UINT(1, 86400), CLASS(ping_frequency), .def = "120",
     RELOAD, .doc = "seconds without input before a PING"},
    {KEY("class", "connection_timeout"), UINT(1, 3600), CLASS(connection_timeout), .def = "30",
     RELOAD, .doc = "seconds to finish registration"},
    {KEY("class", "max_clients"), UINT(0, 10000000), CLASS(max_clients), .def = "100000",
     RELOAD, .doc = "registered clients in the class (0: no limit)"},
    {KEY("class", "max_per_ip"), UINT(0, 10000000), CLASS(max_per_ip), .def = "0", RELOAD,
     .doc = "open connections from one IP (0: no limit)"},
    {KEY("class", "throttle_count"), UINT(0, 10000000), CLASS(throttle_count), .def = "0",
     RELOAD, .doc = "new connections from one IP per window (0: off)"},
    {KEY("class", "throttle_window"), UINT(1, 86400), CLASS(throttle_window), .def = "60",
     RELOAD, .doc = "the throttle window, in seconds"},
    {KEY("class", "ipv4_prefix"), UINT(1, 32), CLASS(ipv4_prefix), .def = "32", RELOAD,
     .doc = "IPv4 prefix length counted as one address by max_per_ip and the throttle"},
    {KEY("class", "ipv6_prefix"), UINT(1, 128), CLASS(ipv6_prefix), .def = "64", RELOAD,
     .doc = "IPv6 prefix length counted as one address by max_per_ip and the throttle"},
    {KEY("class", "flood_rate"), UINT(0, 100000), CLASS(flood_rate), .def = "5", RELOAD,
     .doc = "lines per second once the burst is spent (0: no flood control)"},
    {KEY("class", "flood_burst"), UINT(1, 100000), CLASS(flood_burst), .def = "25", RELOAD,
     .doc = "lines accepted at once"},

    {KEY("auth", "mask"), STRING, AUTH(mask), .def = "*@*", RELOAD, .check = check_mask,
     .doc = "user@host glob of the connections admitted"},
    {KEY("auth", "class"), STRING, AUTH(class_name), .def = "default", RELOAD,
     .check = note_class_line, .doc = "the [class] of those connections"},
    {KEY("auth", "password"), STRING, AUTH(password), RELOAD,
     .doc = "when set, clients must send it with PASS"},

    {KEY("oper", "password"), STRING, OPER(password), RELOAD, .check = check_password_hash,
     .doc = "scrypt hash from evircd-mkpasswd"},
    {KEY("oper", "certfp"), STRING, OPER(certfp), RELOAD, .check = check_certfp,
     .doc = "SHA-256 fingerprint the client certificate must have"},
    {KEY("oper", "mask"), STRING, OPER(masks), .def = "*@*", RELOAD, .check = check_masks,
     .doc = "user@host globs the operator may connect from"},
    {KEY("oper", "privileges"), PRIVILEGES, OPER(privileges),
     .def = "kill kline dline rehash wallops", RELOAD, .doc = "what the operator may do"},
    {KEY("oper", "snomask"), STRING, OPER(snomask), .def = "+ckor", RELOAD,
     .doc = "server notices given at OPER"},

    {KEY("limits", "nicklen"), UINT(9, NICKLEN_MAX), CFG(limits.nicklen), .def = "30", RELOAD,
     .doc = "longest nickname and account name"},
    {KEY("limits", "channellen"), UINT(2, CHANNELLEN_MAX), CFG(limits.channellen), .def = "50",
     RELOAD, .doc = "longest channel name"},
    {KEY("limits", "topiclen"), UINT(1, 400), CFG(limits.topiclen), .def = "390", RELOAD,
     .doc = "topics are cut to this many bytes"},
    {KEY("limits", "kicklen"), UINT(1, 400), CFG(limits.kicklen), .def = "255", RELOAD,
     .doc = "KICK, PART, QUIT and KILL reasons are cut to this"},
    {KEY("limits", "awaylen"), UINT(1, 400), CFG(limits.awaylen), .def = "255", RELOAD,
     .doc = "away messages are cut to this"},
    {KEY("limits", "max_channels"), UINT(1, 1000), CFG(limits.max_channels), .def = "50",
     RELOAD, .doc = "channels one user may be in"},
    {KEY("limits", "max_list"), UINT(1, 10000), CFG(limits.max_list), .def = "100", RELOAD,
     .doc = "+b, +e and +I entries together per channel"},
    {KEY("limits", "max_targets"), UINT(1, 20), CFG(limits.max_targets), .def = "4", RELOAD,
     .doc = "targets of one PRIVMSG, NOTICE or TAGMSG, nicks of one KICK"},
    {KEY("limits", "who_max"), UINT(1, 1000000), CFG(limits.who_max), .def = "500", RELOAD,
     .doc = "WHO <mask> replies at most (416 beyond; operators exempt)"},
    {KEY("limits", "list_max"), UINT(1, 1000000), CFG(limits.list_max), .def = "2000", RELOAD,
     .doc = "LIST replies at most (416 beyond; operators exempt)"},
    {KEY("limits", "whowas_size"), UINT(0, 1000000), CFG(limits.whowas_size), .def = "1000",
     RELOAD, .doc = "WHOWAS entries kept (0: none)"},
    {KEY("limits", "min_nonwildcard"), UINT(0, 100), CFG(limits.min_nonwildcard), .def = "4",
     RELOAD, .doc = "characters other than * ? . : @ a K-line with a wildcard host must hold"},
    {KEY("limits", "dline_min_cidr"), UINT(0, 32), CFG(limits.dline_min_cidr), .def = "16",
     RELOAD, .doc = "shortest IPv4 prefix of a D-line (and of a K-line's host range)"},
    {KEY("limits", "dline_min_cidr_ipv6"), UINT(0, 128), CFG(limits.dline_min_cidr_ipv6),
     .def = "48", RELOAD,
     .doc = "shortest IPv6 prefix of a D-line (and of a K-line's host range)"},
};
const size_t conf_schema_len = ARRAY_LEN(conf_schema);

static const struct conf_key *
find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < conf_schema_len; i++)
		if (strcmp(conf_schema[i].section, section) == 0 &&
		    strcmp(conf_schema[i].key, key) == 0)
			return &conf_schema[i];
	return NULL;
}

/* Every default of a section, set as if the file had said it. */
static void
apply_defaults(struct conf_parse *ctx, const char *section, void *block)
{
	for (size_t i = 0; i < conf_schema_len; i++)
		if (conf_schema[i].def != NULL && strcmp(conf_schema[i].section, section) == 0)
			set_value(ctx, &conf_schema[i], conf_schema[i].def, block);
}

static void
free_strings(const char *section, void *block)
{
	for (size_t i = 0; i < conf_schema_len; i++) {
		const struct conf_key *k = &conf_schema[i];
		if ((k->type == CONF_STRING || k->type == CONF_PATH) &&
		    strcmp(k->section, section) == 0)
			free(*(char **)(void *)((char *)block + k->offset));
	}
}

/* ---- Named blocks: a constructor per kind; NULL refuses the block. */

static void *
open_class(struct conf_parse *ctx, const char *name)
{
	struct conf_class *cl;

	if (config_find_class(ctx->c, name) != NULL) {
		conf_error(ctx, ctx->section, "class '%s' defined twice", name);
		return NULL;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&ctx->c->classes, cl, link);
	return cl;
}

static void *
open_listen(struct conf_parse *ctx, const char *name)
{
	struct conf_listen *l;

	/* Given again (a conf.d file, say): the same listener, later keys winning. */
	TAILQ_FOREACH (l, &ctx->c->listens, link)
		if (strcmp(l->name, name) == 0)
			return l;
	l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&ctx->c->listens, l, link);
	return l;
}

static void *
open_link(struct conf_parse *ctx, const char *name)
{
	struct conf_link *l;

	if (config_find_link(ctx->c, name) != NULL) {
		conf_error(ctx, ctx->section, "link '%s' defined twice", name);
		return NULL;
	}
	if (strchr(name, '.') == NULL || strlen(name) > SERVLEN) {
		conf_error(ctx, ctx->section, "'%s' is not a server name", name);
		return NULL;
	}
	l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&ctx->c->links, l, link);
	return l;
}

static void *
open_webirc(struct conf_parse *ctx, const char *name)
{
	struct conf_webirc *w = xcalloc(1, sizeof(*w));

	w->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&ctx->c->webircs, w, link);
	return w;
}

static void *
open_auth(struct conf_parse *ctx, const char *name)
{
	struct conf_auth *a = xcalloc(1, sizeof(*a));

	a->name = xstrdup(name);
	a->class_line = ctx->line;
	a->class_file = ctx->file;
	TAILQ_INSERT_TAIL(&ctx->c->auths, a, link);
	return a;
}

static void *
open_oper(struct conf_parse *ctx, const char *name)
{
	struct conf_oper *o;

	if (config_find_oper(ctx->c, name) != NULL) {
		conf_error(ctx, ctx->section, "oper '%s' defined twice", name);
		return NULL;
	}
	o = xcalloc(1, sizeof(*o));
	o->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&ctx->c->opers, o, link);
	return o;
}

/* ---- Checks across keys and blocks, once the whole file is read (at line 0). */

static void
validate_required(struct conf_parse *ctx)
{
	for (size_t i = 0; i < conf_schema_len; i++) {
		const struct conf_key *k = &conf_schema[i];
		if (k->required && *(char **)(void *)((char *)ctx->c + k->offset) == NULL)
			conf_error(ctx, k->key, "[%s] %s is required", k->section, k->key);
	}
}

/* The blocks without which no client could connect. */
static void
validate_server(struct conf_parse *ctx)
{
	if (TAILQ_EMPTY(&ctx->c->listens))
		conf_error(ctx, "listen", "no [listen NAME] block");
	if (TAILQ_EMPTY(&ctx->c->auths))
		conf_error(ctx, "auth", "no [auth NAME] block: nobody could connect");
}

static void
validate_auth(struct conf_parse *ctx)
{
	struct conf_auth *a;

	TAILQ_FOREACH (a, &ctx->c->auths, link) {
		a->class = config_find_class(ctx->c, a->class_name);
		if (a->class == NULL) {
			ctx->line = a->class_line;
			ctx->file = a->class_file;
			conf_error(ctx, "class", "[auth %s] names unknown class '%s'", a->name,
			           a->class_name);
			ctx->line = 0;
			ctx->file = ctx->c->path;
		}
	}
}

static void
validate_listen(struct conf_parse *ctx)
{
	struct conf_listen *l;

	TAILQ_FOREACH (l, &ctx->c->listens, link) {
		if (l->tls && ctx->c->tls.certificate == NULL)
			conf_error(ctx, "tls",
			           "[listen %s] wants TLS but [tls] has no certificate",
			           l->name);
		if (l->origins != NULL && l->type != LISTEN_WEBSOCKET)
			conf_error(ctx, "origins", "[listen %s] origins needs type = websocket",
			           l->name);
		if (l->proxies != NULL && !l->proxy && l->type != LISTEN_WEBSOCKET)
			conf_error(ctx, "proxies",
			           "[listen %s] proxies needs proxy = yes or type = websocket",
			           l->name);
	}
}

static void
validate_webirc(struct conf_parse *ctx)
{
	struct conf_webirc *w;

	TAILQ_FOREACH (w, &ctx->c->webircs, link)
		if (w->password == NULL || w->hosts == NULL)
			conf_error(ctx, "webirc", "[webirc %s] needs password and hosts",
			           w->name);
}

static void
validate_link(struct conf_parse *ctx)
{
	struct conf_link *l;

	TAILQ_FOREACH (l, &ctx->c->links, link) {
		if (l->host == NULL || l->send_password == NULL || l->accept_password == NULL)
			conf_error(ctx, "link",
			           "[link %s] needs host, send_password and accept_password",
			           l->name);
		if (l->class_name != NULL &&
		    (l->class = config_find_class(ctx->c, l->class_name)) == NULL)
			conf_error(ctx, "class", "[link %s] names unknown class '%s'", l->name,
			           l->class_name);
		if (strcasecmp(l->name, ctx->c->server_name ? ctx->c->server_name : "") == 0)
			conf_error(ctx, "link", "[link %s] is this server's own name", l->name);
		if (l->tls && ctx->c->tls.certificate == NULL)
			conf_error(ctx, "tls",
			           "[link %s] wants TLS but [tls] has no certificate", l->name);
	}
}

static void
validate_services(struct conf_parse *ctx)
{
	struct conf_services *s = &ctx->c->services;

	if (s->accounts == ACCOUNTS_UNSET)
		s->accounts = s->servers != NULL ? ACCOUNTS_SERVICES : ACCOUNTS_EMBEDDED;
}

static void
validate_oper(struct conf_parse *ctx)
{
	struct conf_oper *o;

	TAILQ_FOREACH (o, &ctx->c->opers, link)
		if (o->password == NULL && o->certfp == NULL)
			conf_error(ctx, "password", "[oper %s] needs a password or a certfp",
			           o->name);
}

static void
validate_tls(struct conf_parse *ctx)
{
	struct conf_tls *t = &ctx->c->tls;

	if (t->certificate != NULL && t->key == NULL)
		t->key = xstrdup(t->certificate);
	/* STS with a self-signed certificate would lock clients out: refuse it. */
	if (t->sts_duration > 0 && !t->trusted)
		conf_error(ctx, "sts_duration",
		           "STS needs a CA-issued certificate: set [tls] "
		           "trusted = yes only when it is one");
	if (t->sts_duration > 0 && t->sts_port == 0)
		conf_error(ctx, "sts_port", "STS needs sts_port (the TLS listener's port)");
}

static void
validate_cloak(struct conf_parse *ctx)
{
	struct conf_cloak *k = &ctx->c->cloak;

	if (k->enabled && k->key == NULL && k->key_file == NULL)
		conf_error(ctx, "key", "[cloak] needs key or key_file");
	if (k->prefix == NULL)
		set_str(&k->prefix, ctx->c->network);
}

static void
validate_accounts(struct conf_parse *ctx)
{
	if (ctx->c->accounts.verify && ctx->c->accounts.verify_command == NULL)
		conf_error(ctx, "verify_command",
		           "[accounts] verify = yes needs verify_command");
}

/*
 * Every section kind.  open is NULL for a section whose keys live in
 * struct config; validate runs after the file, in the order of this table.
 */
static const struct conf_section {
	const char *kind;
	void *(*open)(struct conf_parse *ctx, const char *name);
	void (*validate)(struct conf_parse *ctx);
} sections[] = {
    {"server", NULL, validate_server},
    {"auth", open_auth, validate_auth},
    {"listen", open_listen, validate_listen},
    {"link", open_link, validate_link},
    {"webirc", open_webirc, validate_webirc},
    {"services", NULL, validate_services},
    {"netsplit", NULL, NULL},
    {"oper", open_oper, validate_oper},
    {"tls", NULL, validate_tls},
    {"cloak", NULL, validate_cloak},
    {"accounts", NULL, validate_accounts},
    {"admin", NULL, NULL},
    {"limits", NULL, NULL},
    {"class", open_class, NULL},
    {"dns", NULL, NULL},
    {"metrics", NULL, NULL},
    {"log", NULL, NULL},
    {"history", NULL, NULL},
    {"batch", NULL, NULL},
};

static const struct conf_section *
find_section(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		if (strcmp(sections[i].kind, kind) == 0)
			return &sections[i];
	return NULL;
}

static void
validate(struct conf_parse *ctx)
{
	ctx->line = 0;
	validate_required(ctx);
	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		if (sections[i].validate != NULL)
			sections[i].validate(ctx);
}

/* ---- Reading the file. */

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

/* Where the keys of the section go: 1, or 0 when it is refused. */
static int
open_block(struct conf_parse *ctx, const char *section)
{
	const struct conf_section *s;
	char kind[64];
	const char *name;

	split_section(section, kind, sizeof(kind), &name);
	ctx->block = NULL;
	s = find_section(kind);
	if (s == NULL) {
		conf_error(ctx, section, "unknown section");
		return 0;
	}
	if (s->open == NULL) {
		ctx->block = ctx->c; /* a name after the kind is ignored */
		return 1;
	}
	if (name == NULL || *name == '\0') {
		conf_error(ctx, section, "section needs a name: [%s NAME]", kind);
		return 0;
	}
	ctx->block = s->open(ctx, name);
	if (ctx->block == NULL)
		return 0;
	apply_defaults(ctx, kind, ctx->block);
	return 1;
}

/*
 * Section headers are seen here, not in the handler, so a block with no
 * keys ("[class default]") still exists and repeated headers open new ones.
 */
static void
maybe_section(struct conf_parse *ctx, char *line)
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
overlong_line(struct conf_parse *ctx, char *str, int num)
{
	char rest[256];
	int comment = str[strspn(str, " \t")] == ';' || str[strspn(str, " \t")] == '#';

	while (fgets(rest, sizeof(rest), ctx->fp) != NULL && strchr(rest, '\n') == NULL)
		;
	if (!comment)
		conf_error(ctx, "line", "longer than %d characters", num - 2);
	str_copy(str, ";\n", (size_t)num);
}

static void include_files(struct conf_parse *ctx, const char *pattern);

/* "include PATTERN" at the start of a line: read those files here, in order. */
static void
maybe_include(struct conf_parse *ctx, char *line, int num)
{
	char pattern[PATH_MAX];
	size_t n;

	if (strncmp(line, "include", 7) != 0 || (line[7] != ' ' && line[7] != '\t'))
		return;
	str_copy(pattern, line + 8 + strspn(line + 8, " \t"), sizeof(pattern));
	n = strcspn(pattern, "\r\n");
	while (n > 0 && (pattern[n - 1] == ' ' || pattern[n - 1] == '\t'))
		n--;
	pattern[n] = '\0';
	str_copy(line, ";\n", (size_t)num); /* inih sees a comment */
	if (pattern[0] == '\0')
		conf_error(ctx, "include", "include needs a file name or pattern");
	else if (pattern[0] == '=' || pattern[0] == ':')
		conf_error(ctx, "include", "write \"include PATTERN\", without '%c'",
		           pattern[0]);
	else
		include_files(ctx, pattern);
}

static char *
counting_reader(char *str, int num, void *stream)
{
	struct conf_parse *ctx = stream;
	char *r = fgets(str, num, ctx->fp);

	if (r != NULL) {
		ctx->line++;
		if (strchr(r, '\n') == NULL && !feof(ctx->fp))
			overlong_line(ctx, r, num);
		maybe_include(ctx, r, num);
		maybe_section(ctx, r);
	}
	return r;
}

static int
on_ini_entry(void *user, const char *section, const char *key, const char *value)
{
	struct conf_parse *ctx = user;
	const struct conf_key *k;
	char kind[64];
	const char *name;

	if (!ctx->in_section) {
		conf_error(ctx, key, "key outside any section");
		return 1;
	}
	if (ctx->section_bad)
		return 1;
	split_section(section, kind, sizeof(kind), &name);
	k = find_key(kind, key);
	if (k == NULL)
		conf_error(ctx, key, "unknown key in [%s]", section);
	else
		set_value(ctx, k, value, ctx->block);
	return 1;
}

/* Parse the open file ctx->fp (ctx->file) to its end. */
static void
parse_stream(struct conf_parse *ctx)
{
	int r = ini_parse_stream(counting_reader, ctx, on_ini_entry, ctx);

	if (r > 0) {
		ctx->line = r;
		conf_error(ctx, "syntax", "malformed line (expected [section] or key = value)");
	}
}

/* Keep a name the config refers to (the files it was read from) until it is freed. */
static const char *
config_keep(struct config *c, const char *s)
{
	c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	c->files[c->nfiles] = xstrdup(s);
	return c->files[c->nfiles++];
}

/*
 * Open a config file for reading: a regular file only.  A FIFO, a device
 * (/dev/zero) or a folder would block the open or never end, which in a
 * rehash stalls the whole server.  NULL with *why set otherwise.
 */
static FILE *
open_config_file(const char *path, const char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *fp;

	if (fd < 0) {
		*why = strerror(errno);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		close(fd);
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((fp = fdopen(fd, "r")) == NULL) {
		*why = strerror(errno);
		close(fd);
	}
	return fp;
}

/* Read one included file as if its lines stood at the include line. */
static void
include_file(struct conf_parse *ctx, const char *path)
{
	struct conf_parse outer = *ctx;
	char *tmp, *dir, *real;
	const char *why = NULL;
	FILE *fp = open_config_file(path, &why);

	if (fp == NULL) {
		conf_error(ctx, "include", "%s: cannot open: %s", path, why);
		return;
	}
	tmp = xstrdup(path);
	dir = dirname(tmp);
	real = realpath(dir, NULL);
	ctx->dir = config_keep(ctx->c, real != NULL ? real : dir);
	free(real);
	free(tmp);
	/* An included file starts outside any section, and its sections end with it. */
	ctx->fp = fp;
	ctx->file = config_keep(ctx->c, path);
	ctx->line = 0;
	ctx->depth++;
	ctx->in_section = 0;
	ctx->section_bad = 0;
	ctx->section[0] = '\0';
	ctx->block = NULL;
	parse_stream(ctx);
	fclose(fp);
	outer.errors = ctx->errors;
	*ctx = outer;
}

/*
 * The files an include names: a path or a glob, relative to the including
 * file's folder, read in sorted order.  A glob may match nothing; a plain
 * name must exist.
 */
static void
include_files(struct conf_parse *ctx, const char *pattern)
{
	char *full = resolve_path(ctx->dir, pattern);
	glob_t g;
	int r;

	if (ctx->depth >= CONF_INCLUDE_DEPTH) {
		conf_error(ctx, "include", "%s: includes nested more than %d deep (a loop?)",
		           full, CONF_INCLUDE_DEPTH);
		free(full);
		return;
	}
	/* Each included file keeps two names (config_keep): its folder and itself. */
	if (ctx->c->nfiles >= 2 * CONF_INCLUDE_FILES) {
		conf_error(ctx, "include", "%s: more than %d files included in all (a loop?)",
		           full, CONF_INCLUDE_FILES);
		free(full);
		return;
	}
	r = glob(full, 0, NULL, &g);
	if (r == GLOB_NOMATCH && strpbrk(pattern, "*?[") == NULL)
		conf_error(ctx, "include", "%s: cannot open: %s", full, strerror(ENOENT));
	else if (r != 0 && r != GLOB_NOMATCH)
		conf_error(ctx, "include", "%s: cannot read the folder", full);
	for (size_t i = 0; r == 0 && i < g.gl_pathc && ctx->c->nfiles < 2 * CONF_INCLUDE_FILES;
	     i++)
		include_file(ctx, g.gl_pathv[i]);
	if (r == 0)
		globfree(&g);
	free(full);
}

/* A config with the defaults of every section that is not a named block. */
static struct config *
config_new(struct conf_parse *ctx, const char *path)
{
	struct config *c = xcalloc(1, sizeof(*c));
	char *tmp = xstrdup(path), *dir = dirname(tmp), *real = realpath(dir, NULL);

	c->path = xstrdup(path);
	c->dir = xstrdup(real != NULL ? real : dir);
	free(real);
	free(tmp);
	TAILQ_INIT(&c->classes);
	TAILQ_INIT(&c->listens);
	TAILQ_INIT(&c->auths);
	TAILQ_INIT(&c->opers);
	TAILQ_INIT(&c->links);
	TAILQ_INIT(&c->webircs);
	memset(ctx, 0, sizeof(*ctx));
	ctx->c = c;
	ctx->file = c->path;
	ctx->dir = c->dir;
	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		if (sections[i].open == NULL)
			apply_defaults(ctx, sections[i].kind, c);
	return c;
}

struct config *
config_load(const char *path)
{
	struct conf_parse ctx;
	struct config *c = config_new(&ctx, path);
	const char *why = NULL;

	ctx.fp = open_config_file(path, &why);
	if (ctx.fp == NULL) {
		snprintf(first_error, sizeof(first_error), "%s:0: file: cannot open: %s", path,
		         why);
		fprintf(stderr, "%s\n", first_error);
		config_free(c);
		return NULL;
	}
	parse_stream(&ctx);
	fclose(ctx.fp);
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
	struct conf_link *lk;
	struct conf_webirc *w;

	if (c == NULL)
		return;
	while ((w = TAILQ_FIRST(&c->webircs)) != NULL) {
		TAILQ_REMOVE(&c->webircs, w, link);
		free_strings("webirc", w);
		free(w->name);
		free(w);
	}
	while ((lk = TAILQ_FIRST(&c->links)) != NULL) {
		TAILQ_REMOVE(&c->links, lk, link);
		free_strings("link", lk);
		free(lk->name);
		free(lk);
	}
	while ((cl = TAILQ_FIRST(&c->classes)) != NULL) {
		TAILQ_REMOVE(&c->classes, cl, link);
		free_strings("class", cl);
		free(cl->name);
		free(cl);
	}
	while ((l = TAILQ_FIRST(&c->listens)) != NULL) {
		TAILQ_REMOVE(&c->listens, l, link);
		free_strings("listen", l);
		free(l->name);
		free(l);
	}
	while ((a = TAILQ_FIRST(&c->auths)) != NULL) {
		TAILQ_REMOVE(&c->auths, a, link);
		free_strings("auth", a);
		free(a->name);
		free(a);
	}
	while ((o = TAILQ_FIRST(&c->opers)) != NULL) {
		TAILQ_REMOVE(&c->opers, o, link);
		free_strings("oper", o);
		free(o->name);
		free(o);
	}
	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		if (sections[i].open == NULL)
			free_strings(sections[i].kind, c);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->path);
	free(c->dir);
	free(c);
}

/* ---- The schema for people: evircd --config-keys. */

static const char *const type_names[] = {
    [CONF_UINT] = "uint",     [CONF_SIZE] = "size",
    [CONF_PORT] = "port",     [CONF_BOOL] = "bool",
    [CONF_STRING] = "string", [CONF_PATH] = "path",
    [CONF_ENUM] = "enum",     [CONF_PRIVILEGES] = "privileges",
};

/* The values a key takes: "1-65535", "off|warn|rename", or "-". */
static void
describe_values(const struct conf_key *k, char *buf, size_t size)
{
	size_t n = 0;

	switch (k->type) {
	case CONF_UINT:
	case CONF_SIZE:
	case CONF_PORT: snprintf(buf, size, "%ld-%ld", k->min, k->max); break;
	case CONF_BOOL: snprintf(buf, size, "yes|no"); break;
	case CONF_ENUM: enum_choices(k->names, "|", "|", buf, size); break;
	case CONF_PRIVILEGES:
		for (size_t i = 0; i < ARRAY_LEN(privilege_names); i++)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s|",
			                      privilege_names[i].name);
		snprintf(buf + n, n < size ? size - n : 0, "all");
		break;
	default: snprintf(buf, size, "-"); break;
	}
}

void
config_print_schema(FILE *fp)
{
	char values[128];

	fprintf(fp, "# section\tkey\ttype\tvalues\tdefault\treload\tdoc\n");
	for (size_t i = 0; i < conf_schema_len; i++) {
		const struct conf_key *k = &conf_schema[i];
		describe_values(k, values, sizeof(values));
		fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k->section, k->key,
		        type_names[k->type], values,
		        k->def != NULL ? k->def
		        : k->required  ? "required"
		                       : "-",
		        k->reload ? "yes" : "no", k->doc);
	}
}

/* ---- Lookups in a loaded config. */

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

struct conf_webirc *
config_find_webirc(const struct config *c, const char *ip)
{
	struct conf_webirc *w;

	TAILQ_FOREACH (w, &c->webircs, link)
		if (cidr_list_match(w->hosts, ip))
			return w;
	return NULL;
}

struct conf_link *
config_find_link(const struct config *c, const char *name)
{
	struct conf_link *l;

	TAILQ_FOREACH (l, &c->links, link)
		if (strcasecmp(l->name, name) == 0)
			return l;
	return NULL;
}

int
config_is_services(const struct config *c, const char *name)
{
	const char *p = c->services.servers;
	size_t len = strlen(name);

	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, ", ");
		if (n == len && strncasecmp(p, name, n) == 0)
			return 1;
		p += n;
		p += strspn(p, ", ");
	}
	return 0;
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
