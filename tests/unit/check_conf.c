/* check_conf.c - config_load on temporary INI files: values of a good file, exact "file:line:
 * key: problem" for bad ones. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"

static char path[64];
static char errbuf[4096];

/* Write text to a fresh temporary file; its name is left in path. */
static void
write_conf(const char *text)
{
	int fd;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* config_load with stderr captured into errbuf. */
static struct config *
load_capture(const char *text)
{
	char errpath[] = "/tmp/check_conf_err.XXXXXX";
	int errfd = mkstemp(errpath), saved;
	struct config *c;
	ssize_t n;

	ck_assert_int_ge(errfd, 0);
	write_conf(text);
	fflush(stderr);
	saved = dup(2);
	dup2(errfd, 2);
	c = config_load(path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(errfd, errbuf, sizeof(errbuf) - 1, 0);
	ck_assert_int_ge(n, 0);
	errbuf[n] = '\0';
	close(errfd);
	unlink(errpath);
	unlink(path);
	return c;
}

/* The one line a bad config must print, and config_last_error agreeing. */
static void
assert_error(const char *text, int line, const char *rest)
{
	char expect[512];
	struct config *c = load_capture(text);
	int loaded = c != NULL;

	config_free(c);
	ck_assert_msg(!loaded, "config_load accepted a bad file");
	snprintf(expect, sizeof(expect), "%s:%d: %s\n", path, line, rest);
	ck_assert_str_eq(errbuf, expect);
	expect[strlen(expect) - 1] = '\0';
	ck_assert_str_eq(config_last_error(), expect);
}

/* A minimal valid file; bad ones below differ in one line. */
#define SERVER_BLOCK                                                                           \
	"[server]\n"           /* 1 */                                                         \
	"name = irc.test\n"    /* 2 */                                                         \
	"sid = 0TS\n"          /* 3 */                                                         \
	"database = test.db\n" /* 4 */

#define REST_BLOCKS                                                                            \
	"[listen main]\n"                                                                      \
	"port = 6667\n"                                                                        \
	"[auth all]\n"                                                                         \
	"mask = *@*\n"                                                                         \
	"[class default]\n"

START_TEST(test_good_config)
{
	static const char text[] = "; a comment\n"                   /* 1 */
	                           "[server]\n"                      /* 2 */
	                           "name        = irc.example.net\n" /* 3 */
	                           "sid         = 1AB\n"
	                           "description = Test server\n"
	                           "network     = TestNet\n"
	                           "motd        = x.motd\n"
	                           "database    = /var/lib/evircd/ircd.db\n"
	                           "\n"
	                           "[admin]\n"
	                           "name  = Admin Person\n"
	                           "email = admin@example.net\n"
	                           "\n"
	                           "[limits]\n"
	                           "nicklen      = 20\n"
	                           "channellen   = 64\n"
	                           "max_channels = 10\n"
	                           "whowas_size  = 0\n"
	                           "\n"
	                           "[class users]\n"
	                           "sendq          = 65536\n"
	                           "recvq          = 9000\n"
	                           "ping_frequency = 90\n"
	                           "max_per_ip     = 3\n"
	                           "flood_rate     = 0\n"
	                           "\n"
	                           "[class default]\n"
	                           "\n"
	                           "[listen v4]\n"
	                           "host = 127.0.0.1\n"
	                           "port = 6697\n"
	                           "\n"
	                           "[listen v6]\n"
	                           "host = ::1\n"
	                           "\n"
	                           "[auth local]\n"
	                           "mask  = *@127.0.0.1\n"
	                           "class = users\n"
	                           "password = letmein\n"
	                           "\n"
	                           "[auth rest]\n";
	struct config *c = load_capture(text);
	struct conf_class *users, *def;
	struct conf_listen *l;
	struct conf_auth *a;

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(errbuf, "");
	ck_assert_str_eq(c->path, path);
	ck_assert_str_eq(c->dir, "/tmp");
	ck_assert_str_eq(c->server_name, "irc.example.net");
	ck_assert_str_eq(c->sid, "1AB");
	ck_assert_str_eq(c->description, "Test server");
	ck_assert_str_eq(c->network, "TestNet");
	/* Relative paths resolve to the file's folder, absolute ones stay. */
	ck_assert_str_eq(c->motd_path, "/tmp/x.motd");
	ck_assert_str_eq(c->database_path, "/var/lib/evircd/ircd.db");
	ck_assert_str_eq(c->admin_name, "Admin Person");
	ck_assert_str_eq(c->admin_email, "admin@example.net");
	ck_assert_ptr_null(c->admin_location);

	/* Limits set, and the defaults for the rest. */
	ck_assert_uint_eq(c->limits.nicklen, 20);
	ck_assert_uint_eq(c->limits.channellen, 64);
	ck_assert_uint_eq(c->limits.max_channels, 10);
	ck_assert_uint_eq(c->limits.whowas_size, 0);
	ck_assert_uint_eq(c->limits.topiclen, 390);
	ck_assert_uint_eq(c->limits.max_targets, 4);

	/* Classes: the values given, defaults otherwise, in file order. */
	users = config_find_class(c, "users");
	def = config_find_class(c, "default");
	ck_assert_ptr_nonnull(users);
	ck_assert_ptr_nonnull(def);
	ck_assert_ptr_eq(TAILQ_FIRST(&c->classes), users);
	ck_assert_uint_eq(users->sendq, 65536);
	ck_assert_uint_eq(users->recvq, 9000);
	ck_assert_uint_eq(users->ping_frequency, 90);
	ck_assert_uint_eq(users->max_per_ip, 3);
	ck_assert_uint_eq(users->flood_rate, 0);
	ck_assert_uint_eq(users->flood_burst, 25);
	ck_assert_uint_eq(users->connection_timeout, 30);
	ck_assert_uint_eq(def->sendq, 1 << 20);
	ck_assert_uint_eq(def->recvq, 16384);
	ck_assert_uint_eq(def->ping_frequency, 120);
	ck_assert_ptr_null(config_find_class(c, "USERS"));

	/* Listen blocks, port defaulting to 6667. */
	l = TAILQ_FIRST(&c->listens);
	ck_assert_str_eq(l->name, "v4");
	ck_assert_str_eq(l->host, "127.0.0.1");
	ck_assert_int_eq(l->port, 6697);
	ck_assert_int_eq(l->tls, 0);
	l = TAILQ_NEXT(l, link);
	ck_assert_str_eq(l->name, "v6");
	ck_assert_str_eq(l->host, "::1");
	ck_assert_int_eq(l->port, 6667);
	ck_assert_ptr_null(TAILQ_NEXT(l, link));

	/* Auth blocks with their classes resolved; an empty block gets defaults. */
	a = TAILQ_FIRST(&c->auths);
	ck_assert_str_eq(a->name, "local");
	ck_assert_str_eq(a->mask, "*@127.0.0.1");
	ck_assert_str_eq(a->class_name, "users");
	ck_assert_ptr_eq(a->class, users);
	ck_assert_str_eq(a->password, "letmein");
	a = TAILQ_NEXT(a, link);
	ck_assert_str_eq(a->name, "rest");
	ck_assert_str_eq(a->mask, "*@*");
	ck_assert_str_eq(a->class_name, "default");
	ck_assert_ptr_eq(a->class, def);
	ck_assert_ptr_null(a->password);

	/* First matching [auth] wins, by host or by IP. */
	ck_assert_str_eq(config_find_auth(c, "u", "localhost", "127.0.0.1")->name, "local");
	ck_assert_str_eq(config_find_auth(c, "u", "far.example", "192.0.2.1")->name, "rest");

	/* Defaults filled in by validation. */
	ck_assert_str_eq(c->tls.min_version, "1.2");
	ck_assert_str_eq(c->metrics.host, "127.0.0.1");
	ck_assert_int_eq(c->metrics.port, 6680);
	ck_assert_str_eq(c->cloak.prefix, "TestNet");
	config_free(c);
}
END_TEST

START_TEST(test_minimal_defaults)
{
	struct config *c = load_capture(SERVER_BLOCK REST_BLOCKS);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(errbuf, "");
	ck_assert_str_eq(c->database_path, "/tmp/test.db");
	ck_assert_ptr_null(c->motd_path);
	ck_assert_str_eq(c->network, "evircd");
	ck_assert_str_eq(c->description, "evircd server");
	ck_assert_uint_eq(c->limits.nicklen, 30);
	ck_assert_ptr_null(TAILQ_FIRST(&c->listens)->host);
	config_free(c);
}
END_TEST

START_TEST(test_bad_port)
{
	assert_error(SERVER_BLOCK "[listen main]\n" /* 5 */
	                          "port = abc\n"    /* 6 */
	                          "[auth all]\n"
	                          "[class default]\n",
	             6, "port: 'abc' is not a whole number from 1 to 65535");
	assert_error(SERVER_BLOCK "[listen main]\nport = 70000\n[auth all]\n[class default]\n",
	             6, "port: '70000' is not a whole number from 1 to 65535");
}
END_TEST

START_TEST(test_unknown_class_key)
{
	assert_error(SERVER_BLOCK REST_BLOCKS /* lines 5-9 */
	             "sendq = 65536\n"        /* 10 */
	             "colour = blue\n",       /* 11 */
	             11, "colour: unknown key in [class default]");
}
END_TEST

START_TEST(test_recvq_below_minimum)
{
	char rest[128];

	snprintf(rest, sizeof(rest), "recvq: '1000' is not a whole number from %d to %d",
	         RECVQ_MIN, RECVQ_MAX);
	assert_error(SERVER_BLOCK REST_BLOCKS "recvq = 1000\n", 10, rest);
	ck_assert_str_eq(rest, "recvq: '1000' is not a whole number from 8704 to 65536");
}
END_TEST

START_TEST(test_bad_sid)
{
	static const char *bad[] = {"ABC", "0E", "0EVX", "0ev", "A00"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], rest[160];

		snprintf(text, sizeof(text),
		         "[server]\nname = irc.test\nsid = %s\ndatabase = t.db\n" REST_BLOCKS,
		         bad[i]);
		snprintf(rest, sizeof(rest),
		         "sid: '%s' is not a TS6 SID (a digit and two "
		         "letters or digits, e.g. 0EV)",
		         bad[i]);
		assert_error(text, 3, rest);
	}
}
END_TEST

START_TEST(test_auth_unknown_class)
{
	/* Checked after the whole file is read, reported at the class line. */
	assert_error(SERVER_BLOCK "[listen main]\n"
	                          "[auth x]\n"
	                          "mask = *@*\n"
	                          "class = nope\n"
	                          "[class default]\n",
	             8, "class: [auth x] names unknown class 'nope'");
	/* No class named: "default", which must exist; reported at the block. */
	assert_error(SERVER_BLOCK "[listen main]\n[auth y]\n", 6,
	             "class: [auth y] names unknown class 'default'");
}
END_TEST

START_TEST(test_unknown_section)
{
	/* Reported once, at its header; its keys are skipped. */
	assert_error(SERVER_BLOCK REST_BLOCKS "[bogus]\n" /* 10 */
	                                      "a = 1\n"
	                                      "b = 2\n",
	             10, "bogus: unknown section");
}
END_TEST

START_TEST(test_every_error_printed)
{
	struct config *c = load_capture(SERVER_BLOCK "[listen main]\n" /* 5 */
	                                             "port = 0\n"      /* 6 */
	                                             "[class default]\n"
	                                             "recvq = big\n" /* 8 */
	                                             "[auth all]\n");
	char expect[512];

	ck_assert_ptr_null(c);
	snprintf(expect, sizeof(expect),
	         "%s:6: port: '0' is not a whole number from 1 to 65535\n"
	         "%s:8: recvq: 'big' is not a whole number from 8704 to 65536\n",
	         path, path);
	ck_assert_str_eq(errbuf, expect);
	snprintf(expect, sizeof(expect),
	         "%s:6: port: '0' is not a whole number from 1 to 65535", path);
	ck_assert_str_eq(config_last_error(), expect);
}
END_TEST

/*
 * A UTF-8 byte order mark (as some editors save) changes nothing: inih
 * skips it, and so must the block tracking.
 */
START_TEST(test_bom_first_section)
{
	struct config *c;

	/* stderr not captured: a crash report shows in the log. */
	write_conf("\xef\xbb\xbf[class default]\n"
	           "sendq = 65536\n" SERVER_BLOCK "[listen main]\n"
	           "[auth all]\n");
	c = config_load(path);
	unlink(path);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(config_find_class(c, "default"));
	ck_assert_uint_eq(config_find_class(c, "default")->sendq, 65536);
	config_free(c);
}
END_TEST

START_TEST(test_bom_unknown_section)
{
	assert_error("\xef\xbb\xbf[bogus]\n"
	             "a = 1\n" SERVER_BLOCK REST_BLOCKS,
	             1, "bogus: unknown section");
}
END_TEST

/* Lines longer than inih's 200-byte buffer: a long comment is still a comment. */
START_TEST(test_long_comment_line)
{
	char text[1024], rest[128];
	struct config *c;

	snprintf(text, sizeof(text), "; %0300d\n" SERVER_BLOCK REST_BLOCKS, 0);
	c = load_capture(text);
	ck_assert_str_eq(errbuf, "");
	ck_assert_ptr_nonnull(c);
	config_free(c);

	/* And a later error is blamed on its own line (7), not a shifted one. */
	snprintf(text, sizeof(text),
	         "; %0300d\n" SERVER_BLOCK "[listen main]\nport = abc\n[auth all]\n"
	         "[class default]\n",
	         0);
	snprintf(rest, sizeof(rest), "port: 'abc' is not a whole number from 1 to 65535");
	assert_error(text, 7, rest);
}
END_TEST

/* A long value is kept whole (TLS cipher lists easily pass 200 bytes). */
START_TEST(test_long_value_line)
{
	char text[1024], desc[301], want[256];
	struct config *c;

	/* inih reads 200 bytes a line: a longer key line is refused, not split. */
	memset(desc, 'd', 300);
	desc[300] = '\0';
	snprintf(text, sizeof(text), SERVER_BLOCK "description = %s\n" REST_BLOCKS, desc);
	c = load_capture(text);
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s:5: line: longer than 198 characters\n", path);
	ck_assert_str_eq(errbuf, want);
}
END_TEST

/* A key before any [section] is as unknown as any other unknown key. */
START_TEST(test_key_outside_section)
{
	char prefix[128];
	struct config *c = load_capture("name = irc.oops\n" SERVER_BLOCK REST_BLOCKS);
	int loaded = c != NULL;

	config_free(c);
	ck_assert_msg(!loaded, "config_load ignored a key outside any section");
	snprintf(prefix, sizeof(prefix), "%s:1: name: ", path);
	ck_assert_int_eq(strncmp(errbuf, prefix, strlen(prefix)), 0);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config *c;
	int saved = dup(2), nul = open("/dev/null", O_WRONLY);

	dup2(nul, 2);
	c = config_load("/nonexistent/evircd.conf");
	dup2(saved, 2);
	close(saved);
	close(nul);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(config_last_error(), "/nonexistent/evircd.conf:0: file: cannot open: "
	                                      "No such file or directory");
}
END_TEST

#define CERTFP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The defaults of every section, as the schema gives them (the values users rely on). */
START_TEST(test_section_defaults)
{
	struct config *c =
	    load_capture(SERVER_BLOCK REST_BLOCKS "[oper o]\ncertfp = " CERTFP "\n");
	struct conf_class *cl;
	struct conf_oper *o;

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(errbuf, "");
	ck_assert_int_eq(c->utf8only, 1);
	ck_assert_ptr_null(c->tls.certificate);
	ck_assert_ptr_null(c->tls.key);
	ck_assert_str_eq(c->tls.ciphers, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL");
	ck_assert_ptr_null(c->tls.ciphersuites);
	ck_assert_int_eq(c->tls.trusted, 0);
	ck_assert_uint_eq(c->tls.sts_duration, 0);
	ck_assert_int_eq(c->tls.sts_port, 0);
	ck_assert_int_eq(c->dns.enabled, 1);
	ck_assert_ptr_null(c->dns.servers);
	ck_assert_uint_eq(c->dns.timeout, 4);
	ck_assert_uint_eq(c->dns.cache_size, 4096);
	ck_assert_uint_eq(c->dns.cache_ttl, 3600);
	ck_assert_int_eq(c->metrics.enabled, 0);
	ck_assert_int_eq(c->log.level, LOG_LEVEL_INFO);
	ck_assert_int_eq(c->log.syslog, 0);
	ck_assert_int_eq(c->cloak.enabled, 0);
	ck_assert_str_eq(c->cloak.prefix, "evircd");
	ck_assert_int_eq(c->accounts.registration, 1);
	ck_assert_int_eq(c->accounts.verify, 0);
	ck_assert_uint_eq(c->accounts.min_password, 8);
	ck_assert_int_eq(c->accounts.nick_protection, NICKPROT_RENAME);
	ck_assert_uint_eq(c->accounts.nick_grace, 30);
	ck_assert_int_eq(c->history.enabled, 1);
	ck_assert_uint_eq(c->history.max_age, 7 * 86400);
	ck_assert_uint_eq(c->history.max_per_target, 10000);
	ck_assert_uint_eq(c->history.flush_interval, 100);
	ck_assert_uint_eq(c->batch.max_delay, 0);
	ck_assert_uint_eq(c->batch.max_size, 64);
	ck_assert_uint_eq(c->batch.max_bytes, 65536);
	ck_assert_uint_eq(c->limits.kicklen, 255);
	ck_assert_uint_eq(c->limits.awaylen, 255);
	ck_assert_uint_eq(c->limits.max_list, 100);
	ck_assert_uint_eq(c->limits.whowas_size, 1000);

	cl = config_find_class(c, "default");
	ck_assert_uint_eq(cl->connection_timeout, 30);
	ck_assert_uint_eq(cl->max_clients, 100000);
	ck_assert_uint_eq(cl->max_per_ip, 0);
	ck_assert_uint_eq(cl->throttle_count, 0);
	ck_assert_uint_eq(cl->throttle_window, 60);
	ck_assert_uint_eq(cl->flood_rate, 5);
	ck_assert_uint_eq(cl->flood_burst, 25);

	o = config_find_oper(c, "o");
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(o->password);
	ck_assert_str_eq(o->certfp, CERTFP);
	ck_assert_str_eq(o->masks, "*@*");
	ck_assert_str_eq(o->snomask, "+ckor");
	ck_assert_uint_eq(o->privileges,
	                  PRIV_KILL | PRIV_KLINE | PRIV_DLINE | PRIV_REHASH | PRIV_WALLOPS);
	config_free(c);
}
END_TEST

START_TEST(test_enum_and_required_errors)
{
	assert_error(SERVER_BLOCK REST_BLOCKS "[log]\n"
	                                      "level = loud\n",
	             11, "level: 'loud' is not debug, info, warn or error");
	assert_error(SERVER_BLOCK REST_BLOCKS "[accounts]\n"
	                                      "nick_protection = kick\n",
	             11, "nick_protection: 'kick' is not off, warn or rename");
	assert_error("[server]\nname = irc.test\ndatabase = t.db\n" REST_BLOCKS, 0,
	             "sid: [server] sid is required");
}
END_TEST

/* Each key of the schema is one the parser takes in its section, whatever its value. */
START_TEST(test_schema_keys_parsed)
{
	for (size_t i = 0; i < conf_schema_len; i++) {
		const struct conf_key *k = &conf_schema[i];
		char text[512];

		snprintf(text, sizeof(text), SERVER_BLOCK REST_BLOCKS "[%s x]\n%s = %s\n",
		         k->section, k->key, k->def != NULL ? k->def : "1");
		config_free(load_capture(text));
		ck_assert_msg(strstr(errbuf, "unknown") == NULL, "[%s] %s: %s", k->section,
		              k->key, errbuf);
		ck_assert_msg(k->doc != NULL && *k->doc != '\0', "[%s] %s has no doc line",
		              k->section, k->key);
	}
}
END_TEST

/* evircd --config-keys: a header, then a line of 7 tab-separated fields per key. */
START_TEST(test_schema_printed)
{
	char line[512];
	size_t lines = 0;
	FILE *fp = tmpfile();

	ck_assert_ptr_nonnull(fp);
	config_print_schema(fp);
	rewind(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		int tabs = 0;
		for (char *p = line; *p != '\0'; p++)
			tabs += *p == '\t';
		ck_assert_int_eq(tabs, 6);
		ck_assert_ptr_nonnull(strchr(line, '\n'));
		lines++;
	}
	fclose(fp);
	ck_assert_uint_eq(lines, conf_schema_len + 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_good_config);
	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_bad_port);
	tcase_add_test(tc, test_unknown_class_key);
	tcase_add_test(tc, test_recvq_below_minimum);
	tcase_add_test(tc, test_bad_sid);
	tcase_add_test(tc, test_auth_unknown_class);
	tcase_add_test(tc, test_unknown_section);
	tcase_add_test(tc, test_every_error_printed);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_section_defaults);
	tcase_add_test(tc, test_enum_and_required_errors);
	tcase_add_test(tc, test_schema_keys_parsed);
	tcase_add_test(tc, test_schema_printed);
	/* Known bugs, documented here until fixed in ircd/conf.c. */
	tcase_add_test(tc, test_bom_first_section);
	tcase_add_test(tc, test_bom_unknown_section);
	tcase_add_test(tc, test_long_comment_line);
	tcase_add_test(tc, test_long_value_line);
	tcase_add_test(tc, test_key_outside_section);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
