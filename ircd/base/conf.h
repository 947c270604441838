/* conf.h - the INI configuration, parsed with inih into one object. */
#ifndef EVIRCD_CONF_H
#define EVIRCD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include "base/bounds.h"

struct conf_class {
	char *name;
	size_t sendq;
	size_t recvq;
	unsigned ping_frequency;     /* seconds */
	unsigned connection_timeout; /* seconds to register */
	unsigned max_clients;
	unsigned max_per_ip;      /* live connections per IP (0: no limit) */
	unsigned throttle_count;  /* connects per IP per window (0: off) */
	unsigned throttle_window; /* seconds */
	unsigned ipv4_prefix;     /* bits: IPv4 addresses counted together */
	unsigned ipv6_prefix;     /* bits: IPv6 addresses counted together */
	unsigned flood_rate;      /* lines per second once the burst is spent (0: off) */
	unsigned flood_burst;     /* lines accepted at once */
	unsigned clients;         /* live count, kept across rehash by name */
	TAILQ_ENTRY(conf_class) link;
};

enum listen_type { LISTEN_CLIENTS, LISTEN_SERVERS, LISTEN_WEBSOCKET };

struct conf_listen {
	char *name;
	char *host;
	int port;
	int tls;       /* connections start with a TLS handshake */
	int type;      /* enum listen_type: who connects here */
	int proxy;     /* every connection starts with a PROXY protocol header */
	char *proxies; /* IPs/CIDRs trusted for PROXY and X-Forwarded-For, or NULL */
	char *origins; /* WebSocket Origin globs allowed, or NULL: any */
	TAILQ_ENTRY(conf_listen) link;
};

/* The two TS6 dialects a link may speak (doc/linking.md). */
enum link_dialect { DIALECT_HYBRID, DIALECT_CHARYBDIS };

/* [link NAME]: a server we link with; NAME is its server name. */
struct conf_link {
	char *name;
	char *host; /* numeric address: dialled, and the only one it may come from */
	int port;
	char *sid; /* the SID it must introduce itself with, or NULL: any */
	char *send_password;
	char *accept_password; /* plain text, or a hash made with evircd-mkpasswd */
	int dialect;           /* enum link_dialect: what we speak on this link */
	int autoconnect;       /* dial out, and redial with backoff while down */
	int tls;
	char *fingerprint; /* SHA-256 of the peer's certificate, or NULL */
	char *class_name;  /* NULL: the built-in server class */
	struct conf_class *class;
	TAILQ_ENTRY(conf_link) link;
};

struct conf_auth {
	char *name;
	char *mask; /* user@host glob */
	char *class_name;
	int class_line;         /* where class = was set, for error messages */
	const char *class_file; /* in this file (one of config->files, or its path) */
	char *password;         /* NULL: none required */
	struct conf_class *class;
	TAILQ_ENTRY(conf_auth) link;
};

/* [webirc NAME]: a gateway allowed to give its users' real host and IP. */
struct conf_webirc {
	char *name;
	char *password;   /* plain text, or a hash made with evircd-mkpasswd */
	char *hosts;      /* the gateway's IPs/CIDRs */
	int trust_secure; /* believe the gateway's "secure" option (its TLS to the user) */
	int resolve;      /* look the user's IP up ourselves instead of taking its name */
	TAILQ_ENTRY(conf_webirc) link;
};

/* Operator privileges, one bit each ([oper] privileges = ...). */
#define PRIV_KILL 0x01
#define PRIV_REHASH 0x02
#define PRIV_DIE 0x04
#define PRIV_RESTART 0x08
#define PRIV_KLINE 0x10
#define PRIV_DLINE 0x20
#define PRIV_WALLOPS 0x40
#define PRIV_CONNECT 0x80 /* CONNECT, SQUIT */
#define PRIV_ALL 0xff

struct conf_oper {
	char *name;
	char *password; /* scrypt hash (evircd-mkpasswd), or NULL: certfp only */
	char *masks;    /* space-separated user@host globs */
	char *certfp;   /* required certificate fingerprint, or NULL */
	uint32_t privileges;
	char *snomask; /* given on OPER, e.g. "+ckor" */
	TAILQ_ENTRY(conf_oper) link;
};

struct conf_limits {
	unsigned nicklen;
	unsigned channellen;
	unsigned topiclen;
	unsigned kicklen;
	unsigned awaylen;
	unsigned max_channels;
	unsigned max_list;
	unsigned max_targets;
	unsigned who_max;  /* WHO <mask> replies, 416 beyond */
	unsigned list_max; /* LIST replies, 416 beyond */
	unsigned whowas_size;
	unsigned min_nonwildcard;     /* of a K-line with a wildcard host */
	unsigned dline_min_cidr;      /* shortest IPv4 prefix of a D-line */
	unsigned dline_min_cidr_ipv6; /* and IPv6 */
};

struct conf_tls {
	char *certificate; /* PEM chain; NULL: no TLS */
	char *key;
	char *ciphers;         /* TLS 1.2 cipher list, OpenSSL syntax */
	char *ciphersuites;    /* TLS 1.3 suites */
	char *min_version;     /* "1.2" or "1.3" */
	int trusted;           /* the certificate is CA-issued: STS may be offered */
	unsigned sts_duration; /* seconds clients keep to TLS (0: no STS) */
	int sts_port;          /* the TLS port STS points plaintext clients to */
	int sts_preload;
};

struct conf_dns {
	int enabled;
	char *servers;       /* "host:port,host:port", NULL: the system's */
	unsigned timeout;    /* seconds for the whole lookup */
	unsigned cache_size; /* entries */
	unsigned cache_ttl;  /* seconds, at most */
};

struct conf_metrics {
	int enabled;
	char *host;
	int port;
};

struct conf_log {
	char *file; /* NULL: stderr only */
	int syslog;
	int level; /* enum log_level */
};

struct conf_cloak {
	int enabled;
	char *key;      /* the key itself, or */
	char *key_file; /* a file holding it, created on first run */
	char *prefix;   /* "prefix-XXXXXXXX.domain" for named hosts */
};

enum nick_protection { NICKPROT_OFF, NICKPROT_WARN, NICKPROT_RENAME };

struct conf_accounts {
	int registration;         /* REGISTER allowed */
	int verify;               /* new accounts need VERIFY with an emailed code */
	char *verify_command;     /* run as: command ACCOUNT EMAIL CODE */
	unsigned verify_expire;   /* seconds an unverified account waits for VERIFY */
	unsigned verify_attempts; /* wrong codes before the registration is void */
	unsigned min_password;    /* characters */
	int nick_protection;      /* enum nick_protection */
	unsigned nick_grace;      /* seconds to log in before a rename */
	unsigned auth_rate; /* REGISTER/VERIFY/AUTHENTICATE per minute per address (0: any) */
	unsigned crypto_queue; /* password jobs waiting per lane before "try again later" */
};

struct conf_history {
	int enabled;
	unsigned max_age;        /* seconds kept */
	unsigned max_per_target; /* messages kept per channel or pair */
	unsigned flush_interval; /* ms between batched writes */
	unsigned write_backlog;  /* lines waiting for the writer, at most */
};

struct conf_batch {
	unsigned max_delay; /* ms output may wait to gather more (0: end of tick) */
	unsigned max_size;  /* ...unless this many messages are queued */
	unsigned max_bytes; /* ...or this many bytes */
};

/* [services]: the servers trusted with services commands. */
enum accounts_owner { ACCOUNTS_UNSET, ACCOUNTS_EMBEDDED, ACCOUNTS_SERVICES };

struct conf_services {
	char *servers; /* comma-separated server names, or NULL */
	int accounts;  /* enum accounts_owner: services when servers names any, unless set */
	unsigned sasl_timeout; /* seconds a relayed SASL step waits for the agent */
};

struct conf_netsplit {
	unsigned split_user_grace_period; /* seconds a split user's nick stays reserved */
};

struct config {
	char *path;   /* the file it came from */
	char *dir;    /* its folder: relative paths resolve here */
	char **files; /* the included files and their folders, as named in messages */
	size_t nfiles;
	char *server_name;
	char *sid;
	char *description;
	char *network;
	char *motd_path;
	char *database_path;
	char *run_user;  /* started as root: run as this user once bound */
	char *run_group; /* and this group (default: the user's own) */
	int utf8only;    /* refuse text that is not valid UTF-8 */
	char *admin_name;
	char *admin_location;
	char *admin_email;
	struct conf_limits limits;
	struct conf_tls tls;
	struct conf_dns dns;
	struct conf_metrics metrics;
	struct conf_log log;
	struct conf_cloak cloak;
	struct conf_accounts accounts;
	struct conf_history history;
	struct conf_batch batch;
	TAILQ_HEAD(, conf_class) classes;
	TAILQ_HEAD(, conf_listen) listens;
	TAILQ_HEAD(, conf_auth) auths;
	TAILQ_HEAD(, conf_oper) opers;
	TAILQ_HEAD(, conf_link) links;
	TAILQ_HEAD(, conf_webirc) webircs;
	struct conf_services services;
	struct conf_netsplit netsplit;
};

/*
 * The schema: one entry per key of every section, in conf.c.  A key of a
 * named section ([class NAME], [listen NAME], [auth NAME], [oper NAME]) is
 * stored in that block's struct, any other in struct config.
 */
enum conf_type {
	CONF_UINT,       /* unsigned, from min to max */
	CONF_SIZE,       /* size_t, from min to max */
	CONF_PORT,       /* int, from min to max */
	CONF_BOOL,       /* int: yes, true, 1 or no, false, 0 */
	CONF_STRING,     /* char * */
	CONF_PATH,       /* char *, relative to the file's folder */
	CONF_ENUM,       /* int: one of names */
	CONF_PRIVILEGES, /* uint32_t: PRIV_* words */
};

struct conf_enum {
	const char *name;
	int value;
};

struct conf_parse; /* the parser's state, private to conf.c */

/* An extra check of a value, reporting with conf_error; block as for offset. */
typedef void conf_check_fn(struct conf_parse *ctx, const char *key, const char *value,
                           void *block);

struct conf_key {
	const char *section; /* its kind: "server", "class" */
	const char *key;
	enum conf_type type;
	long min, max;                 /* CONF_UINT, CONF_SIZE, CONF_PORT */
	const struct conf_enum *names; /* CONF_ENUM, ending with a NULL name */
	size_t offset;                 /* in struct config, or in the named block */
	const char *def;               /* as written in a file; NULL: none */
	int required;                  /* the file must set it */
	int reload;                    /* REHASH applies it (else: only a restart) */
	conf_check_fn *check;          /* or NULL */
	const char *doc;               /* one line */
};

extern const struct conf_key conf_schema[];
extern const size_t conf_schema_len;

/* The schema, a line per key: section key type values default reload doc, tab-separated. */
void config_print_schema(FILE *fp);

/* The config in force. */
extern struct config *conf;

/*
 * Load and validate a file.  On failure every problem has been printed as
 * "file:line: key: problem" and NULL is returned.
 */
struct config *config_load(const char *path);
void config_free(struct config *c);
/* The first problem of the last failed config_load, as printed. */
const char *config_last_error(void);
struct conf_oper *config_find_oper(const struct config *c, const char *name);
/* Privilege names ("kill rehash ...") for STATS o and the 381 text. */
void config_privileges_string(uint32_t privs, char *buf, size_t size);
struct conf_class *config_find_class(const struct config *c, const char *name);
struct conf_link *config_find_link(const struct config *c, const char *name);
/* 1 when name is one of [services] servers. */
int config_is_services(const struct config *c, const char *name);
/* The first [webirc] block whose hosts hold ip, or NULL. */
struct conf_webirc *config_find_webirc(const struct config *c, const char *ip);
/* The first [auth] block matching user@host (host or ip). */
struct conf_auth *config_find_auth(const struct config *c, const char *user, const char *host,
                                   const char *ip);

#endif
