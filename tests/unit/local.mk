# Included from the top Makefile.am: Check unit tests, one program per area.
if HAVE_CHECK
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = libircd.a $(DEP_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_casemap
tests_unit_check_casemap_SOURCES = tests/unit/check_casemap.c
tests_unit_check_casemap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_casemap_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_line
tests_unit_check_line_SOURCES = tests/unit/check_line.c
tests_unit_check_line_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_line_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_conn
tests_unit_check_conn_SOURCES = tests/unit/check_conn.c
tests_unit_check_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_conn_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_iplimit
tests_unit_check_iplimit_SOURCES = tests/unit/check_iplimit.c
tests_unit_check_iplimit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_iplimit_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_cloak
tests_unit_check_cloak_SOURCES = tests/unit/check_cloak.c
tests_unit_check_cloak_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cloak_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_parse
tests_unit_check_parse_SOURCES = tests/unit/check_parse.c
tests_unit_check_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_parse_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_hash
tests_unit_check_hash_SOURCES = tests/unit/check_hash.c
tests_unit_check_hash_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_hash_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_passwd
tests_unit_check_passwd_SOURCES = tests/unit/check_passwd.c
tests_unit_check_passwd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_passwd_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_match
tests_unit_check_match_SOURCES = tests/unit/check_match.c
tests_unit_check_match_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_match_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_msgbuf
tests_unit_check_msgbuf_SOURCES = tests/unit/check_msgbuf.c
tests_unit_check_msgbuf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_msgbuf_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_channel
tests_unit_check_channel_SOURCES = tests/unit/check_channel.c
tests_unit_check_channel_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_channel_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_conf
tests_unit_check_conf_SOURCES = tests/unit/check_conf.c
tests_unit_check_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_conf_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_whowas
tests_unit_check_whowas_SOURCES = tests/unit/check_whowas.c
tests_unit_check_whowas_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_whowas_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_metadata
tests_unit_check_metadata_SOURCES = tests/unit/check_metadata.c
tests_unit_check_metadata_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_metadata_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_history_window
tests_unit_check_history_window_SOURCES = tests/unit/check_history_window.c
tests_unit_check_history_window_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_history_window_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_client
tests_unit_check_client_SOURCES = tests/unit/check_client.c
tests_unit_check_client_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_client_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_dispatch
tests_unit_check_dispatch_SOURCES = tests/unit/check_dispatch.c
tests_unit_check_dispatch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dispatch_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_proceed_channel
tests_unit_check_proceed_channel_SOURCES = tests/unit/check_proceed_channel.c
tests_unit_check_proceed_channel_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_proceed_channel_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_proceed_user
tests_unit_check_proceed_user_SOURCES = tests/unit/check_proceed_user.c
tests_unit_check_proceed_user_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_proceed_user_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_authlimit
tests_unit_check_authlimit_SOURCES = tests/unit/check_authlimit.c
tests_unit_check_authlimit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_authlimit_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_gateway
tests_unit_check_gateway_SOURCES = tests/unit/check_gateway.c
tests_unit_check_gateway_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_gateway_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/check_xline
tests_unit_check_xline_SOURCES = tests/unit/check_xline.c
tests_unit_check_xline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_xline_LDADD = $(UNIT_LDADD)

TESTS += $(check_PROGRAMS)
endif
