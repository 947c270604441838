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

TESTS += $(check_PROGRAMS)
endif
