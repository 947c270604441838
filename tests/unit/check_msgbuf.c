/* check_msgbuf.c - refcounted msgbufs and the sendq: coalescing, sharing, iovecs, partial
 * writes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/msgbuf.h"

static struct msgbuf *
shared_buf(const char *text)
{
	size_t len = strlen(text);
	struct msgbuf *mb = msgbuf_new(len);

	memcpy(mb->data, text, len);
	mb->len = (uint32_t)len;
	return mb;
}

/* The unsent data as one string, gathered through sendq_iov. */
static char *
pending(const struct sendq *q, int *niov)
{
	struct iovec iov[64];
	static char out[8192];
	size_t n = 0;

	*niov = sendq_iov(q, iov, 64);
	for (int i = 0; i < *niov; i++) {
		ck_assert_uint_lt(n + iov[i].iov_len, sizeof(out));
		memcpy(out + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	out[n] = '\0';
	return out;
}

START_TEST(test_append_coalesces)
{
	struct sendq q;
	struct iovec iov[4];
	int n;

	sendq_init(&q);
	ck_assert_int_eq(sendq_iov(&q, iov, 4), 0);
	ck_assert_uint_eq(q.bytes, 0);
	sendq_append(&q, ":s 001 n :Welcome\r\n", 19);
	sendq_append(&q, ":s 002 n :Host\r\n", 16);
	sendq_append(&q, ":s 003 n :Created\r\n", 19);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(q.bytes, 54);
	n = sendq_iov(&q, iov, 4);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(iov[0].iov_len, 54);
	ck_assert_int_eq(memcmp(iov[0].iov_base,
	                        ":s 001 n :Welcome\r\n:s 002 n :Host\r\n:s 003 n :Created\r\n",
	                        54),
	                 0);
	sendq_free(&q);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_ptr_null(q.ring);
}
END_TEST

START_TEST(test_append_overflow_starts_new_buffer)
{
	struct sendq q;
	char big[3000];
	int n;

	memset(big, 'x', sizeof(big));
	sendq_init(&q);
	/* The first private buffer holds 1024: 1000 + 24 fit, 1 more does not. */
	sendq_append(&q, big, 1000);
	sendq_append(&q, big, 24);
	ck_assert_uint_eq(q.count, 1);
	sendq_append(&q, "y", 1);
	ck_assert_uint_eq(q.count, 2);
	/* A write larger than the minimum gets a buffer of its own size. */
	sendq_append(&q, big, sizeof(big));
	ck_assert_uint_eq(q.count, 3);
	ck_assert_uint_eq(q.bytes, 1000 + 24 + 1 + 3000);
	pending(&q, &n);
	ck_assert_int_eq(n, 3);
	sendq_free(&q);
}
END_TEST

START_TEST(test_push_shares_not_copies)
{
	struct sendq q1, q2;
	struct msgbuf *mb = shared_buf(":n!u@h PRIVMSG #c :hi\r\n");
	struct iovec iov[4];
	int n;

	sendq_init(&q1);
	sendq_init(&q2);
	ck_assert_uint_eq(mb->refs, 1);
	ck_assert_uint_eq(mb->shared, 0);
	sendq_push(&q1, mb);
	ck_assert_uint_eq(mb->refs, 2);
	ck_assert_uint_eq(mb->shared, 1);
	sendq_push(&q2, mb);
	ck_assert_uint_eq(mb->refs, 3);
	ck_assert_uint_eq(q1.bytes, 23);
	ck_assert_uint_eq(q2.bytes, 23);

	/* Both queues point at the very same bytes. */
	ck_assert_int_eq(sendq_iov(&q1, iov, 4), 1);
	ck_assert_ptr_eq(iov[0].iov_base, mb->data);
	ck_assert_int_eq(sendq_iov(&q2, iov, 4), 1);
	ck_assert_ptr_eq(iov[0].iov_base, mb->data);

	/* Appending after a shared buffer makes a new private one... */
	sendq_append(&q1, "PING x\r\n", 8);
	ck_assert_uint_eq(q1.count, 2);
	ck_assert_uint_eq(mb->len, 23);
	/* ...which later appends coalesce into. */
	sendq_append(&q1, "PING y\r\n", 8);
	ck_assert_uint_eq(q1.count, 2);
	ck_assert_uint_eq(q1.bytes, 39);
	ck_assert_str_eq(pending(&q1, &n), ":n!u@h PRIVMSG #c :hi\r\nPING x\r\nPING y\r\n");
	ck_assert_int_eq(n, 2);
	/* q2 is untouched. */
	ck_assert_str_eq(pending(&q2, &n), ":n!u@h PRIVMSG #c :hi\r\n");
	ck_assert_int_eq(n, 1);

	sendq_free(&q1);
	ck_assert_uint_eq(mb->refs, 2);
	sendq_free(&q2);
	ck_assert_uint_eq(mb->refs, 1);
	msgbuf_unref(mb);
}
END_TEST

START_TEST(test_iov_max)
{
	struct sendq q;
	struct msgbuf *a = shared_buf("AAAA"), *b = shared_buf("BB"), *c = shared_buf("C");
	struct iovec iov[2];

	sendq_init(&q);
	sendq_push(&q, a);
	sendq_push(&q, b);
	sendq_push(&q, c);
	ck_assert_int_eq(sendq_iov(&q, iov, 2), 2);
	ck_assert_uint_eq(iov[0].iov_len, 4);
	ck_assert_uint_eq(iov[1].iov_len, 2);
	ck_assert_int_eq(sendq_iov(&q, iov, 0), 0);
	sendq_free(&q);
	msgbuf_unref(a);
	msgbuf_unref(b);
	msgbuf_unref(c);
}
END_TEST

START_TEST(test_partial_writes)
{
	struct sendq q;
	struct msgbuf *mb = shared_buf("world");
	struct iovec iov[4];
	int n;

	sendq_init(&q);
	sendq_append(&q, "hello", 5);
	sendq_push(&q, mb);
	sendq_append(&q, "!!", 2);
	ck_assert_uint_eq(q.count, 3);
	ck_assert_uint_eq(q.bytes, 12);
	ck_assert_uint_eq(mb->refs, 2);

	/* Within the first buffer. */
	sendq_consume(&q, 3);
	ck_assert_uint_eq(q.bytes, 9);
	ck_assert_uint_eq(q.count, 3);
	ck_assert_uint_eq(q.head_off, 3);
	n = sendq_iov(&q, iov, 4);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(iov[0].iov_len, 2);
	ck_assert_int_eq(memcmp(iov[0].iov_base, "lo", 2), 0);
	ck_assert_str_eq(pending(&q, &n), "loworld!!");

	/* Across a boundary: the rest of "hello" and "wo". */
	sendq_consume(&q, 4);
	ck_assert_uint_eq(q.bytes, 5);
	ck_assert_uint_eq(q.count, 2);
	ck_assert_uint_eq(q.head_off, 2);
	ck_assert_uint_eq(mb->refs, 2);
	n = sendq_iov(&q, iov, 4);
	ck_assert_ptr_eq(iov[0].iov_base, mb->data + 2);
	ck_assert_str_eq(pending(&q, &n), "rld!!");
	ck_assert_int_eq(n, 2);

	/* Exactly to the end of the shared buffer: its reference is dropped. */
	sendq_consume(&q, 3);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(q.head_off, 0);
	ck_assert_uint_eq(mb->refs, 1);
	ck_assert_uint_eq(q.bytes, 2);
	ck_assert_str_eq(pending(&q, &n), "!!");

	/* A private head still coalesces while partly written. */
	sendq_consume(&q, 1);
	sendq_append(&q, "?", 1);
	ck_assert_uint_eq(q.count, 1);
	ck_assert_uint_eq(q.bytes, 2);
	ck_assert_str_eq(pending(&q, &n), "!?");

	sendq_consume(&q, 2);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_int_eq(sendq_iov(&q, iov, 4), 0);
	sendq_free(&q);
	msgbuf_unref(mb);
}
END_TEST

START_TEST(test_ring_wraps_and_grows)
{
	struct sendq q;
	struct msgbuf *mb[40];
	char text[40][4];
	char expect[256] = "";
	int n;

	sendq_init(&q);
	for (int i = 0; i < 40; i++) {
		snprintf(text[i], sizeof(text[i]), "%02d", i);
		mb[i] = shared_buf(text[i]);
	}
	/* Fill 3 of 4 slots, drain 2, then push past the wrap point. */
	for (int i = 0; i < 3; i++)
		sendq_push(&q, mb[i]);
	sendq_consume(&q, 4);
	ck_assert_uint_eq(q.count, 1);
	for (int i = 3; i < 40; i++)
		sendq_push(&q, mb[i]);
	ck_assert_uint_eq(q.count, 38);
	ck_assert_uint_eq(q.bytes, 76);
	for (int i = 2; i < 40; i++)
		strcat(expect, text[i]);
	ck_assert_str_eq(pending(&q, &n), expect);
	ck_assert_int_eq(n, 38);
	for (int i = 0; i < 40; i++)
		ck_assert_uint_eq(mb[i]->refs, i < 2 ? 1 : 2);

	/* Drained, the ring is kept for the next burst, until trimmed. */
	sendq_consume(&q, 76);
	ck_assert_uint_eq(q.count, 0);
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_uint_eq(q.cap, 64);
	sendq_trim(&q);
	ck_assert_ptr_null(q.ring);
	ck_assert_uint_eq(q.cap, 0);
	for (int i = 0; i < 40; i++) {
		ck_assert_uint_eq(mb[i]->refs, 1);
		msgbuf_unref(mb[i]);
	}
	/* And the queue still works. */
	sendq_append(&q, "ok", 2);
	ck_assert_str_eq(pending(&q, &n), "ok");
	sendq_free(&q);
}
END_TEST

START_TEST(test_free_releases_refs)
{
	struct sendq q[3];
	struct msgbuf *mb = shared_buf(":s NOTICE * :hello\r\n");

	for (int i = 0; i < 3; i++) {
		sendq_init(&q[i]);
		sendq_push(&q[i], mb);
	}
	ck_assert_uint_eq(mb->refs, 4);
	/* The creator lets go: the queues now own the buffer. */
	msgbuf_unref(mb);
	ck_assert_uint_eq(mb->refs, 3);
	/* Each free drops one reference; the buffer stays valid (ASan watches). */
	sendq_free(&q[0]);
	ck_assert_uint_eq(mb->refs, 2);
	ck_assert_int_eq(memcmp(mb->data, ":s NOTICE", 9), 0);
	sendq_free(&q[1]);
	ck_assert_uint_eq(mb->refs, 1);
	ck_assert_int_eq(memcmp(mb->data, ":s NOTICE", 9), 0);
	/* The last one frees it (LeakSanitizer would report it otherwise). */
	sendq_free(&q[2]);
	ck_assert_ptr_null(q[2].ring);
	ck_assert_uint_eq(q[2].count, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msgbuf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_append_coalesces);
	tcase_add_test(tc, test_append_overflow_starts_new_buffer);
	tcase_add_test(tc, test_push_shares_not_copies);
	tcase_add_test(tc, test_iov_max);
	tcase_add_test(tc, test_partial_writes);
	tcase_add_test(tc, test_ring_wraps_and_grows);
	tcase_add_test(tc, test_free_releases_refs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
