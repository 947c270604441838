/* log.h - three-tier logging: info, warn, fatal (which exits). */
#ifndef EVIRCD_LOG_H
#define EVIRCD_LOG_H

#include "base/util.h"

/* Lines always go to stderr; a file and syslog are optional extras. */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_level(enum log_level level);
int log_level_parse(const char *name, enum log_level *out);
/* Log to this file too (NULL: none) and to syslog or not; 0 on success. */
int log_open(const char *path, int syslog_on);
/* Reopen the file after rotation (SIGUSR1). */
void log_reopen(void);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF(2, 3);
void log_fatal(const char *fmt, ...) PRINTF(1, 2) __attribute__((noreturn));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
