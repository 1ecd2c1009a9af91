/* progress.c — see progress.h */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"
#include "session.h"

void format_size(char *buf, size_t len, long long bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%lld B", bytes < 0 ? 0 : bytes);
		return;
	}
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, v < 10.0 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void format_eta(char *buf, size_t len, long long s)
{
	if (s < 0 || s > 99LL * 3600)
		snprintf(buf, len, "--:--");
	else if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
}

void format_progress(char *buf, size_t len, int width, const char *name,
		     long long done, long long total, long long elapsed_ms)
{
	char sdone[16], stotal[16], srate[16], seta[16], tail[96];
	long long rate = elapsed_ms > 0 ? (long long)((double)done * 1000.0 / (double)elapsed_ms) : 0;
	int pct = total > 0 ? (int)((double)done * 100.0 / (double)total) : 100;
	int namew, barw, fill, i, used;

	if (pct > 100)
		pct = 100;
	format_size(sdone, sizeof(sdone), done);
	format_size(stotal, sizeof(stotal), total);
	format_size(srate, sizeof(srate), rate);
	format_eta(seta, sizeof(seta), rate > 0 && total >= done ? (total - done) / rate : -1);
	snprintf(tail, sizeof(tail), " %3d%% %s/%s %s/s ETA %s", pct, sdone, stotal, srate, seta);
	if (width < 20)
		width = 20;
	if ((size_t)width >= len)
		width = (int)len - 1;
	/* name, then a bar of what is left (at least 10 columns), then tail */
	namew = (int)strlen(name);
	barw = width - (int)strlen(tail) - 3;
	if (namew > barw / 2)
		namew = barw / 2 > 0 ? barw / 2 : 0;
	barw -= namew;
	used = snprintf(buf, len, "%.*s [", namew, name);
	if (barw < 1) {
		snprintf(buf, len, "%.*s", width, tail + 1);
		return;
	}
	fill = (int)((long long)barw * pct / 100);
	for (i = 0; i < barw && (size_t)used + 1 < len; i++)
		buf[used++] = i < fill ? '=' : (i == fill ? '>' : ' ');
	snprintf(buf + used, len - (size_t)used, "]%s", tail);
}

static int terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void progress_draw(struct progress *p, long long now)
{
	char line[512];

	format_progress(line, sizeof(line), terminal_width() - 1, p->name, p->done, p->total,
			now - p->start_ms);
	log_status(line);
	p->last_draw_ms = now;
}

void progress_start(struct progress *p, const char *name, long long total, int interactive)
{
	memset(p, 0, sizeof(*p));
	log_printable(name, p->name, sizeof(p->name));
	p->total = total;
	p->start_ms = session_now_ms();
	p->bar = interactive;
	if (p->bar)
		progress_draw(p, p->start_ms);
}

void progress_update(struct progress *p, long long done)
{
	long long now;

	p->done = done;
	if (!p->bar)
		return;
	now = session_now_ms();
	if (now - p->last_draw_ms >= 100)
		progress_draw(p, now);
}

void progress_finish(struct progress *p, int ok, const char *method)
{
	long long ms = session_now_ms() - p->start_ms;
	char size[16], rate[16];

	if (p->bar) {
		progress_draw(p, session_now_ms());
		log_status_end();
	}
	if (!ok)
		return;
	format_size(size, sizeof(size), p->total);
	format_size(rate, sizeof(rate), ms > 0 ? (long long)((double)p->total * 1000.0 / (double)ms)
					  : p->total);
	log_info("%s: %s (%lld bytes) in %.1f s, %s/s, via %s", p->name, size, p->total,
		 (double)ms / 1000.0, rate, method);
}
