/* world.h - a whole evircd in the fuzzer's process, without listeners. */
#ifndef EVIRCD_FUZZ_WORLD_H
#define EVIRCD_FUZZ_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"

/*
 * Start the server as main() does (config in a fresh temporary folder,
 * database, tables, command table, worker), minus listeners and signals.
 * [link peer.test] (charybdis dialect) and [link hybrid.test] (hybrid)
 * accept a server link from 127.0.0.1 with the password "linkpass"; the account "fuzzacct"
 * (password "fuzzpassword") exists for SASL. Idempotent.
 */
void world_init(void);

/*
 * One connection of the given kind, as if accepted from 127.0.0.1: prefix
 * then data arrive as its input, then the peer half-closes. The loop runs
 * until the server has closed the connection; what the server sent is kept
 * in out (cut at outsize - 1, NUL-terminated) when out is not NULL.
 * Aborts when the server neither reads nor closes within 10 s of the
 * half-close: a hang is a finding.
 */
void world_session(enum conn_kind kind, const char *prefix, const uint8_t *data, size_t size,
                   char *out, size_t outsize);

#endif
