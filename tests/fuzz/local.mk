# Included from the top Makefile.am: libFuzzer targets (tests/fuzz/README.md).
FUZZ_TARGETS = tests/fuzz/fuzz_frame tests/fuzz/fuzz_conf tests/fuzz/fuzz_session \
	tests/fuzz/fuzz_ts6
EXTRA_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_LIBS = libircd.a $(DEP_LIBS)
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_frame_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_session_SOURCES = tests/fuzz/fuzz_session.c tests/fuzz/world.c tests/fuzz/world.h
tests_fuzz_fuzz_session_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_session_LDADD = $(FUZZ_LIBS)

tests_fuzz_fuzz_ts6_SOURCES = tests/fuzz/fuzz_ts6.c tests/fuzz/world.c tests/fuzz/world.h
tests_fuzz_fuzz_ts6_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ts6_LDADD = $(FUZZ_LIBS)


EXTRA_DIST += tests/fuzz/README.md tests/fuzz/build.sh tests/fuzz/run.sh tests/fuzz/corpus \
	tests/fuzz/dict

if FUZZING
fuzz: $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz: configure with CC=clang --enable-fuzzing (tests/fuzz/build.sh)" >&2; exit 1
endif
.PHONY: fuzz
