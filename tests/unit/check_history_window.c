/* check_history_window.c - the in-memory history window: which LATEST it can
 * answer, the ring of the newest lines, forgetting, LRU eviction. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/history_row.h"
#include "store/history_window.h"

#define RING 64     /* lines kept per target */
#define TARGETS 256 /* targets kept */

static void
push_as(const char *key, const char *cmd, int64_t time_ms, const char *msgid)
{
	struct history_row r;
	char body[64];

	memset(&r, 0, sizeof(r));
	str_copy(r.target, key, sizeof(r.target));
	if (msgid != NULL)
		str_copy(r.msgid, msgid, sizeof(r.msgid));
	else
		snprintf(r.msgid, sizeof(r.msgid), "id%lld", (long long)time_ms);
	r.time_ms = time_ms;
	str_copy(r.cmd, cmd, sizeof(r.cmd));
	snprintf(body, sizeof(body), ":n!u@h %s %s :line %lld", cmd, key, (long long)time_ms);
	history_row_set_text(&r, NULL, "+a=b", body, strlen(body));
	history_window_push(&r);
	history_row_free(&r); /* the window keeps its own reference */
}

static void
push(const char *key, const char *cmd, int64_t time_ms)
{
	push_as(key, cmd, time_ms, NULL);
}

/* LATEST key * limit from the window: the times of the lines, or -1 if it cannot. */
static int
latest(const char *key, int limit, int events, int64_t oldest_ms, int64_t *times)
{
	struct history_row *rows;
	size_t n;

	if (!history_window_latest(key, limit, events, oldest_ms, &rows, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		times[i] = rows[i].time_ms;
	if (n > 0)
		ck_assert_str_eq(rows[0].tags, "+a=b");
	history_rows_free(rows, n);
	return (int)n;
}

START_TEST(test_answers_only_what_it_holds)
{
	int64_t t[RING];

	push("#a", "PRIVMSG", 1);
	push("#a", "PRIVMSG", 2);
	push("#a", "NOTICE", 3);
	ck_assert_int_eq(latest("#a", 2, 0, 0, t), 2);
	ck_assert_int_eq(t[0], 2);
	ck_assert_int_eq(t[1], 3);
	ck_assert_int_eq(latest("#a", 4, 0, 0, t), -1);
	ck_assert_int_eq(latest("#b", 1, 0, 0, t), -1);
	/* Lines older than the age limit are left out, not asked for again. */
	ck_assert_int_eq(latest("#a", 3, 0, 2, t), 2);
	history_window_clear();
}
END_TEST

START_TEST(test_events_only_for_event_playback)
{
	int64_t t[RING];

	push("#e", "PRIVMSG", 1);
	push("#e", "JOIN", 2);
	push("#e", "PRIVMSG", 3);
	ck_assert_int_eq(latest("#e", 1, 0, 0, t), 1);
	ck_assert_int_eq(latest("#e", 2, 0, 0, t), -1);
	ck_assert_int_eq(latest("#e", 2, 1, 0, t), 2);
	ck_assert_int_eq(t[0], 2);
	history_window_clear();
}
END_TEST

START_TEST(test_ring_keeps_the_newest)
{
	int64_t t[RING];

	for (int i = 0; i < RING + 6; i++)
		push("#r", "PRIVMSG", i);
	ck_assert_int_eq(latest("#r", RING, 0, 0, t), RING);
	ck_assert_int_eq(t[0], 6);
	ck_assert_int_eq(t[RING - 1], RING + 5);
	history_window_clear();
}
END_TEST

START_TEST(test_forget_and_drop)
{
	int64_t t[RING];

	push("#f", "PRIVMSG", 1);
	push("#f", "PRIVMSG", 2);
	history_window_forget("#f", "id99");
	ck_assert_int_eq(latest("#f", 2, 0, 0, t), 2);
	/* A redacted line goes; the others are still the newest, and answered. */
	history_window_forget("#f", "id1");
	ck_assert_int_eq(latest("#f", 1, 0, 0, t), 1);
	ck_assert_int_eq(t[0], 2);
	ck_assert_int_eq(latest("#f", 2, 0, 0, t), -1);
	push("#d", "PRIVMSG", 1);
	history_window_drop("#d");
	ck_assert_int_eq(latest("#d", 1, 0, 0, t), -1);
	ck_assert_uint_eq(history_window_targets(), 1);
	history_window_clear();
}
END_TEST

START_TEST(test_forget_in_a_wrapped_ring_and_multiline_parts)
{
	int64_t t[RING];

	for (int i = 0; i < RING + 6; i++) /* the ring has wrapped: lines 6 .. RING+5 */
		push("#w", "PRIVMSG", i);
	history_window_forget("#w", "id10");
	ck_assert_int_eq(latest("#w", RING - 1, 0, 0, t), RING - 1);
	ck_assert_int_eq(t[3], 9);
	ck_assert_int_eq(t[4], 11);
	ck_assert_int_eq(t[RING - 2], RING + 5);
	/* A multiline message: "m1", "m1/2", "m1/3" go together; "m10" stays. */
	push_as("#w", "PRIVMSG", 100, "m1");
	push_as("#w", "PRIVMSG", 101, "m1/2");
	push_as("#w", "PRIVMSG", 102, "m10");
	push_as("#w", "PRIVMSG", 103, "m1/3");
	history_window_forget("#w", "m1");
	ck_assert_int_eq(latest("#w", 2, 0, 0, t), 2);
	ck_assert_int_eq(t[0], RING + 5);
	ck_assert_int_eq(t[1], 102);
	history_window_clear();
}
END_TEST

START_TEST(test_least_recently_used_goes)
{
	int64_t t[RING];
	char key[16];

	for (int i = 0; i < TARGETS; i++) {
		snprintf(key, sizeof(key), "#k%d", i);
		push(key, "PRIVMSG", i);
	}
	push("#k0", "PRIVMSG", 1000); /* #k0 is used again: #k1 is the oldest now */
	push("#new", "PRIVMSG", 1001);
	ck_assert_uint_eq(history_window_targets(), TARGETS);
	ck_assert_int_eq(latest("#k1", 1, 0, 0, t), -1);
	ck_assert_int_eq(latest("#k0", 2, 0, 0, t), 2);
	ck_assert_int_eq(latest("#new", 1, 0, 0, t), 1);
	history_window_clear();
	ck_assert_uint_eq(history_window_targets(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("history_window");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_answers_only_what_it_holds);
	tcase_add_test(tc, test_events_only_for_event_playback);
	tcase_add_test(tc, test_ring_keeps_the_newest);
	tcase_add_test(tc, test_forget_and_drop);
	tcase_add_test(tc, test_forget_in_a_wrapped_ring_and_multiline_parts);
	tcase_add_test(tc, test_least_recently_used_goes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
