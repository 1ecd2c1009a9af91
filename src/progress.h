/* progress.h — the progress bar, and the summary line of a transfer.
 *
 * A bar is drawn only when stderr is a terminal and -q was not given, at
 * most 10 times a second plus the final state, sized to the terminal
 * width. Without a terminal nothing is drawn; at -v one summary line per
 * file is logged when it ends. The format_* functions are pure. */
#ifndef XFER_PROGRESS_H
#define XFER_PROGRESS_H

#include <stddef.h>

struct progress {
	char name[64];
	long long total;
	long long done;
	long long start_ms;
	long long last_draw_ms;
	int bar;		/* drawing a bar */
};

/* "0 B", "1023 B", "1.0 KiB", "3.5 MiB", ... */
void format_size(char *buf, size_t len, long long bytes);
/* "0:07", "12:34", "1:02:03", or "--:--" when unknown (negative). */
void format_eta(char *buf, size_t len, long long seconds);
/* The bar line for a terminal of width columns. */
void format_progress(char *buf, size_t len, int width, const char *name,
		     long long done, long long total, long long elapsed_ms);

/* interactive: draw a bar (the caller decides: stderr is a tty, not -q). */
void progress_start(struct progress *p, const char *name, long long total, int interactive);
void progress_update(struct progress *p, long long done);
/* Ends the bar; on success logs the summary line at -v. */
void progress_finish(struct progress *p, int ok, const char *method);

#endif
