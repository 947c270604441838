/* check_dispatch.c - source-aware dispatch of lines from a server link: who sent
 * it (the link, a server behind it, a user behind it), which handler slot runs,
 * and what is dropped (unknown sources, sources on another link's side, commands
 * not taken from that origin). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "proto/command.h"
#include "state/channel.h"
#include "state/client.h"
#include "state/server.h"

/* What the last handler saw. */
static struct {
	const char *slot;
	struct client *client;
	struct source src;
	int argc;
} seen;

static irc_result_t
local_slot(struct client *c, struct irc_msg *m)
{
	seen.slot = "local";
	seen.client = c;
	seen.argc = m->argc;
	return IRC_OK;
}

static irc_result_t
remote_slot(struct client *c, struct irc_msg *m)
{
	seen.slot = "remote";
	seen.client = c;
	seen.argc = m->argc;
	return IRC_OK;
}

static irc_result_t
server_slot(struct source *src, struct irc_msg *m)
{
	seen.slot = "server";
	seen.src = *src;
	seen.argc = m->argc;
	return IRC_OK;
}

/* Sorted by name: one command per combination of slots. */
static struct command table[] = {
    {"BOTH", local_slot, remote_slot, server_slot, CMD_USER, 0, 0, 0, 0},
    {"LOCALONLY", local_slot, NULL, NULL, CMD_USER, 0, 0, 0, 0},
    {"SERVERONLY", NULL, NULL, server_slot, 0, 0, 0, 0, 0},
    {"USERONLY", local_slot, remote_slot, NULL, CMD_USER, 0, 0, 0, 0},
};

static struct server *link_a, *behind_a, *link_b;
static struct client *user_a, *user_b;

static struct client *
mkremote(struct server *s, const char *nick, const char *id)
{
	char uid[UIDLEN + 1];
	struct client_intro in = {.nick = nick,
	                          .nick_ts = 1000,
	                          .user = "u",
	                          .host = "h.example",
	                          .ip = "192.0.2.1",
	                          .uid = uid,
	                          .realname = "r"};

	snprintf(uid, sizeof(uid), "%s%s", s->sid, id);
	return client_new_remote(s, &in);
}

static void
setup(void)
{
	server_init("me.test", "0ME", "d");
	client_tables_init();
	channel_tables_init();
	command_table_install(table, ARRAY_LEN(table));
	ck_assert_int_eq(server_new_remote(&me, "a.test", "1AA", 1, "a", &link_a), SERVER_OK);
	ck_assert_int_eq(server_new_remote(link_a, "a2.test", "1AB", 2, "a2", &behind_a),
	                 SERVER_OK);
	ck_assert_int_eq(server_new_remote(&me, "b.test", "2BB", 1, "b", &link_b), SERVER_OK);
	user_a = mkremote(behind_a, "alice", "AAAAAA");
	user_b = mkremote(link_b, "bob", "AAAAAA");
	ck_assert_ptr_nonnull(user_a);
	ck_assert_ptr_nonnull(user_b);
	memset(&seen, 0, sizeof(seen));
}

/* Dispatch a copy: the parser writes into the line. */
static void
dispatch(struct server *link, const char *text)
{
	char line[512];

	str_copy(line, text, sizeof(line));
	command_dispatch_link(link, line, strlen(line));
}

START_TEST(test_no_prefix_is_the_link)
{
	dispatch(link_a, "BOTH x y");
	ck_assert_str_eq(seen.slot, "server");
	ck_assert_int_eq(seen.src.origin, ORIGIN_SERVER);
	ck_assert_ptr_eq(seen.src.server, link_a);
	ck_assert_ptr_eq(seen.src.link, link_a);
	ck_assert_int_eq(seen.argc, 2);
}
END_TEST

START_TEST(test_server_behind_link_by_sid_and_name)
{
	dispatch(link_a, ":1AB BOTH");
	ck_assert_str_eq(seen.slot, "server");
	ck_assert_ptr_eq(seen.src.server, behind_a);
	ck_assert_ptr_eq(seen.src.link, link_a);
	memset(&seen, 0, sizeof(seen));
	dispatch(link_a, ":a2.test BOTH");
	ck_assert_ptr_eq(seen.src.server, behind_a);
}
END_TEST

START_TEST(test_user_by_uid_and_nick)
{
	dispatch(link_a, ":1ABAAAAAA BOTH #c :hi");
	ck_assert_str_eq(seen.slot, "remote");
	ck_assert_ptr_eq(seen.client, user_a);
	memset(&seen, 0, sizeof(seen));
	dispatch(link_a, ":alice USERONLY");
	ck_assert_str_eq(seen.slot, "remote");
	ck_assert_ptr_eq(seen.client, user_a);
}
END_TEST

START_TEST(test_wrong_direction_dropped)
{
	/* bob and b.test are behind link_b: link_a may not speak for them. */
	dispatch(link_a, ":2BBAAAAAA BOTH");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, ":2BB BOTH");
	ck_assert_ptr_null(seen.slot);
	/* Nor for this server. */
	dispatch(link_a, ":0ME BOTH");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_b, ":2BBAAAAAA BOTH");
	ck_assert_str_eq(seen.slot, "remote");
	ck_assert_ptr_eq(seen.client, user_b);
}
END_TEST

START_TEST(test_unknown_source_and_command_dropped)
{
	dispatch(link_a, ":1ABZZZZZZ BOTH");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, ":nobody BOTH");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, ":9ZZ BOTH");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, "NOSUCHCOMMAND a b");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, ":1AB");
	ck_assert_ptr_null(seen.slot);
}
END_TEST

START_TEST(test_slots_per_origin)
{
	/* A command only local clients send runs for nobody behind a link. */
	dispatch(link_a, ":1ABAAAAAA LOCALONLY");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, "LOCALONLY");
	ck_assert_ptr_null(seen.slot);
	/* Server-only and user-only commands refuse the other origin. */
	dispatch(link_a, ":1ABAAAAAA SERVERONLY");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, "USERONLY");
	ck_assert_ptr_null(seen.slot);
	dispatch(link_a, "SERVERONLY");
	ck_assert_str_eq(seen.slot, "server");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("link");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_no_prefix_is_the_link);
	tcase_add_test(tc, test_server_behind_link_by_sid_and_name);
	tcase_add_test(tc, test_user_by_uid_and_nick);
	tcase_add_test(tc, test_wrong_direction_dropped);
	tcase_add_test(tc, test_unknown_source_and_command_dropped);
	tcase_add_test(tc, test_slots_per_origin);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
