/* check_conn.c - which events a connection waits for, from its flags. */
#include <check.h>
#include <stdlib.h>

#include "net/conn.h"

START_TEST(test_plain_states)
{
	ck_assert_int_eq(conn_wanted_events(0), RIO_READ);
	ck_assert_int_eq(conn_wanted_events(CONN_WRITE_BLOCKED), RIO_READ | RIO_WRITE);
	ck_assert_int_eq(conn_wanted_events(CONN_HOLD), 0);
	ck_assert_int_eq(conn_wanted_events(CONN_HOLD | CONN_WRITE_BLOCKED), RIO_WRITE);
}
END_TEST

/* A TLS read that must write first waits for writable only: readable would spin. */
START_TEST(test_tls_read_wants_write)
{
	ck_assert_int_eq(conn_wanted_events(CONN_READ_WANTS_WRITE), RIO_WRITE);
	/* Held input: nothing to resume until released (writable would spin). */
	ck_assert_int_eq(conn_wanted_events(CONN_READ_WANTS_WRITE | CONN_HOLD), 0);
	ck_assert_int_eq(conn_wanted_events(CONN_READ_WANTS_WRITE | CONN_WRITE_BLOCKED),
	                 RIO_WRITE);
}
END_TEST

/* A TLS write that must read first waits for readable only, even with input held. */
START_TEST(test_tls_write_wants_read)
{
	uint32_t blocked = CONN_WRITE_BLOCKED | CONN_WRITE_WANTS_READ;

	ck_assert_int_eq(conn_wanted_events(blocked), RIO_READ);
	ck_assert_int_eq(conn_wanted_events(blocked | CONN_HOLD), RIO_READ);
}
END_TEST

/* Once the operation is done and its flag cleared, the other direction is dropped. */
START_TEST(test_flags_cleared_drop_the_extra_event)
{
	ck_assert_int_eq(conn_wanted_events(CONN_READ_WANTS_WRITE) & RIO_READ, 0);
	ck_assert_int_eq(conn_wanted_events(0) & RIO_WRITE, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plain_states);
	tcase_add_test(tc, test_tls_read_wants_write);
	tcase_add_test(tc, test_tls_write_wants_read);
	tcase_add_test(tc, test_flags_cleared_drop_the_extra_event);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
