/* history_window.h - the newest lines of the busiest targets, in memory. */
#ifndef EVIRCD_HISTORY_WINDOW_H
#define EVIRCD_HISTORY_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct history_row;

/*
 * The recent past of the busiest targets, kept in memory (LRU): a client
 * catching up with CHATHISTORY LATEST is answered without sqlite.
 */
void history_window_push(const struct history_row *r);
/*
 * The newest limit lines of key, no older than oldest_ms, copied out
 * oldest first (history_rows_free them); events only when asked for.
 * 0 when the window does not hold them all: ask the database.
 */
int history_window_latest(const char *key, int limit, int events, int64_t oldest_ms,
                          struct history_row **rows, size_t *nrows);
/* The line msgid of key, if the window holds it (valid until the window changes). */
const struct history_row *history_window_find(const char *key, const char *msgid);
/* A line was redacted: it goes (and the further lines of its multiline message). */
void history_window_forget(const char *key, const char *msgid);
/* The target's history is gone. */
void history_window_drop(const char *key);
void history_window_clear(void);
size_t history_window_targets(void);

#endif
