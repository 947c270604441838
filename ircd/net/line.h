/* line.h - the framer (bytes -> lines) and the serializer (-> one line). */
#ifndef EVIRCD_LINE_H
#define EVIRCD_LINE_H

#include <stdarg.h>
#include <stddef.h>

#include "base/util.h"

/*
 * Split buf into lines ending in "\n", "\r\n" or a bare "\r" (a bare CR
 * ends a line, so it is never relayed inside one),
 * NUL-terminating each in place and calling on_line for it.  on_line says
 * whether to go on, to stop after this line, or to stop and leave this line
 * unconsumed (restored as it was).  Returns the bytes consumed.
 */
enum line_action { LINE_NEXT, LINE_STOP, LINE_DEFER };
typedef enum line_action (*line_cb)(void *arg, char *line, size_t len);
size_t line_frame(char *buf, size_t len, line_cb on_line, void *arg);
/* Whether buf[0..len) holds a complete line, as line_frame sees it. */
int line_complete(const char *buf, size_t len);

/*
 * Serialize prefix + formatted text as one IRC line ending in CRLF, cut
 * so the whole line fits in 512 bytes.  out must hold OUT_LINE_MAX + 1.
 * Returns the length including CRLF.
 */
size_t line_vformat(char *out, const char *prefix, const char *fmt, va_list ap);
size_t line_format(char *out, const char *prefix, const char *fmt, ...) PRINTF(3, 4);

#endif
