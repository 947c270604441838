/* metrics.h - a Prometheus text endpoint (GET /metrics) on its own port. */
#ifndef EVIRCD_METRICS_H
#define EVIRCD_METRICS_H

struct config;

/* Open the [metrics] listener if enabled; 0 on success. */
int metrics_open(const struct config *c);
void metrics_close(void);

#endif
