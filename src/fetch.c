/* fetch.c — see fetch.h */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "fetch.h"
#include "log.h"	/* log_printable() only: it keeps no state */
#include "resolve.h"
#include "sink.h"

#define FETCH_TICK_MS 100	/* how often the loop looks at the clock */
#define FETCH_GRACE_MS 2000	/* with the whole body in, how long to wait for the end */
#define FETCH_SIZE_DIGITS 18	/* a Content-Length longer than this does not fit */
#define FETCH_PIN_ADDRS 8	/* addresses of a name handed to curl */
#ifdef CURLU_PUNYCODE
#define FETCH_HOST_FLAGS CURLU_PUNYCODE
#else
#define FETCH_HOST_FLAGS 0
#endif

struct fetch {
	const struct fetch_args *a;
	CURL *curl;
	char where[300];	/* "host:port" of the URL, printable */
	char host[256];		/* the URL's host as curl parsed it */
	unsigned short port;
	long connect_ms;	/* what is left of a->connect_ms after the lookup */
	struct fetch_head head;	/* of the last response head */
	int begun;		/* the final head was accepted and the sink is open */
	int connected;		/* idle time counts from here */
	long long last;		/* when the server last sent a byte */
	long long got;
	struct sink *sink;
	struct xerr *err;
	int failed;		/* a callback filled err and stopped the transfer */
};

void fetch_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Parses one Content-Length value: digits between optional whitespace. */
static long long parse_size(const char *s, size_t n)
{
	long long v = 0;
	size_t i = 0, digits = 0;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' ||
			 s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; i < n; i++, digits++) {
		if (s[i] < '0' || s[i] > '9' || digits == FETCH_SIZE_DIGITS)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return digits > 0 ? v : -1;
}

/* Publishes the size and waits for the owner's verdict (see fetch.h);
 * 0 admitted, -1 with f->err filled. */
static int fetch_admit(struct fetch *f)
{
	const struct fetch_args *a = f->a;
	long long until = clock_ms() + FETCH_ADMIT_MS;

	if (f->head.size == 0)
		return 0;
	atomic_store(a->want, f->head.size);
	while (!atomic_load(a->admitted)) {
		struct pollfd p = { .fd = a->cancel_fd, .events = POLLIN };

		if (clock_ms() >= until) {
			xerr_set(f->err, XE_TEMPFAIL, "the download from %s was not admitted "
				 "within %d ms", f->where, FETCH_ADMIT_MS);
			return -1;
		}
		if (poll(&p, a->cancel_fd >= 0 ? 1 : 0, 5) > 0) {
			xerr_set(f->err, XE_SIGNAL, "the download from %s was cancelled", f->where);
			return -1;
		}
	}
	f->last = clock_ms();	/* waiting here is not the server's idleness */
	return 0;
}

/* The head of the final response is complete: decide, and open the sink. */
static int fetch_begin(struct fetch *f)
{
	const struct fetch_args *a = f->a;
	long status = 0;

	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status < 400) {
		xerr_set(f->err, XE_UNAVAILABLE, "the server at %s redirected (%ld%s%s) to %s; "
			 "redirects are not followed", f->where, status,
			 f->head.reason[0] != '\0' ? " " : "", f->head.reason,
			 f->head.location[0] != '\0' ? f->head.location : "nowhere");
		return -1;
	}
	if (status != 200) {
		xerr_set(f->err, status >= 200 && status < 300 ? XE_PROTOCOL : XE_UNAVAILABLE,
			 "the server at %s answered %ld%s%s instead of sending the file%s",
			 f->where, status, f->head.reason[0] != '\0' ? " " : "", f->head.reason,
			 status == 404 ? " (it is no longer offered there)" : "");
		return -1;
	}
	if (f->head.bad_size) {
		xerr_set(f->err, XE_PROTOCOL, "the server at %s sent an invalid Content-Length",
			 f->where);
		return -1;
	}
	if (f->head.size < 0) {
		xerr_set(f->err, XE_PROTOCOL, "the server at %s did not say how large the file is "
			 "(no Content-Length); refusing a download of unknown size", f->where);
		return -1;
	}
	if (a->max_size >= 0 && f->head.size > a->max_size) {
		xerr_set(f->err, XE_CANTCREAT, "the file at %s has %lld bytes, more than max_size "
			 "(%lld)", f->where, f->head.size, a->max_size);
		xerr_flag(f->err, XF_POLICY);
		return -1;
	}
	/* The owner checks the space (with what else it reserved) when it
	 * admits downloads; without one, the free space is checked here. */
	if ((a->want != NULL ? fetch_admit(f) < 0
	     : sink_check_space(a->dir, f->head.size, 0, f->err) != XE_OK) ||
	    sink_open(&f->sink, a->dir, a->name, f->head.size, 0, f->err) != XE_OK)
		return -1;
	if (a->total != NULL)
		*a->total = f->head.size;
	f->begun = 1;
	return 0;
}

/* Copies n bytes of s into out (of len bytes) as a printable C string,
 * cut to fit, without the line end and the whitespace around. */
static void copy_value(char *out, size_t len, const char *s, size_t n)
{
	char line[256];

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' ||
			 s[n - 1] == '\t'))
		n--;
	n = n < sizeof(line) ? n : sizeof(line) - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	log_printable(line, out, len);
}

enum fetch_line fetch_head_line(struct fetch_head *h, const char *buf, size_t n)
{
	long long v;

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		/* "HTTP/1.1 404 Not Found": the reason phrase follows the second space */
		const char *sp = memchr(buf, ' ', n);

		sp = sp != NULL ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - buf)) : NULL;
		if (sp != NULL)
			copy_value(h->reason, sizeof(h->reason), sp + 1, n - (size_t)(sp + 1 - buf));
		else
			h->reason[0] = '\0';
		h->location[0] = '\0';
		h->size = -1;
		h->bad_size = 0;
		return FETCH_LINE_STATUS;
	}
	if (n >= 1 && n <= 2 && (buf[0] == '\r' || buf[0] == '\n'))
		return FETCH_LINE_END;
	if (n >= 9 && strncasecmp(buf, "location:", 9) == 0)
		copy_value(h->location, sizeof(h->location), buf + 9, n - 9);
	if (n >= 15 && strncasecmp(buf, "content-length:", 15) == 0) {
		v = parse_size(buf + 15, n - 15);
		if (v < 0 || (h->size >= 0 && v != h->size))
			h->bad_size = 1;
		h->size = v;
	}
	return FETCH_LINE_FIELD;
}

/* One header line at a time, CRLF included; every response head (a 1xx
 * one too) begins with its status line and ends with an empty line. */
static size_t fetch_header(char *buf, size_t size, size_t n, void *data)
{
	struct fetch *f = data;
	long status = 0;

	(void)size;	/* always 1 */
	f->last = clock_ms();
	if (f->begun)
		return n;	/* trailers */
	if (fetch_head_line(&f->head, buf, n) != FETCH_LINE_END)
		return n;
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 100 && status < 200)
		return n;	/* an interim response; the real one follows */
	if (fetch_begin(f) < 0) {
		f->failed = 1;
		return 0;
	}
	return n;
}

static size_t fetch_write(char *buf, size_t size, size_t n, void *data)
{
	struct fetch *f = data;

	(void)size;
	f->last = clock_ms();
	if (!f->begun) {
		xerr_set(f->err, XE_PROTOCOL, "the server at %s sent data before its header",
			 f->where);
		f->failed = 1;
		return 0;
	}
	if ((long long)n > f->head.size - f->got) {
		xerr_set(f->err, XE_PROTOCOL, "the server at %s sent more than the %lld bytes it "
			 "announced", f->where, f->head.size);
		f->failed = 1;
		return 0;
	}
	if (sink_write(f->sink, buf, n, f->err) != XE_OK) {
		f->failed = 1;
		return 0;
	}
	f->got += (long long)n;
	if (f->a->got != NULL)
		*f->a->got = f->got;
	return n;
}

/* Called once connected (TLS included): from here on, silence is idleness. */
static int fetch_connected(void *data, char *remote_ip, char *local_ip, int remote_port,
			   int local_port)
{
	struct fetch *f = data;

	f->connected = 1;
	f->last = clock_ms();
	return CURL_PREREQFUNC_OK;
}

/* Accepts only http and https URLs and notes "host:port" for messages. */
static enum xerr_code fetch_check_url(struct fetch *f, struct xerr *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	char buf[256], hp[300];
	enum xerr_code rc = XE_OK;

	if (u == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, f->a->url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		rc = xerr_set(err, XE_PROTOCOL, "the URL %s is not valid",
			      log_printable(f->a->url, buf, sizeof(buf)));
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = xerr_set(err, XE_PROTOCOL, "refusing the %s URL %s: only http and https are "
			      "fetched", log_printable(scheme, hp, sizeof(hp)),
			      log_printable(f->a->url, buf, sizeof(buf)));
		goto out;
	}
	/* The host as curl will look it up: an IDN name in its ASCII form. */
	if (curl_url_get(u, CURLUPART_HOST, &host, FETCH_HOST_FLAGS) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		rc = xerr_set(err, XE_PROTOCOL, "the URL %s names no host",
			      log_printable(f->a->url, buf, sizeof(buf)));
		goto out;
	}
	snprintf(hp, sizeof(hp), "%s:%s", host, port);
	log_printable(hp, f->where, sizeof(f->where));
	if (strlen(host) >= sizeof(f->host)) {
		rc = xerr_set(err, XE_PROTOCOL, "the URL %s names a host name too long",
			      log_printable(f->a->url, buf, sizeof(buf)));
		goto out;
	}
	snprintf(f->host, sizeof(f->host), "%s", host);
	f->port = (unsigned short)strtoul(port, NULL, 10);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Appends "HOST:PORT:ADDR,ADDR..." for curl's CURLOPT_RESOLVE. */
static struct curl_slist *pin_append(struct curl_slist *pins, const char *host,
				     unsigned short port, const char *addrs)
{
	char line[300 + FETCH_PIN_ADDRS * 48];
	struct curl_slist *n;

	snprintf(line, sizeof(line), "%s:%u:%s", host, port, addrs);
	n = curl_slist_append(pins, line);
	if (n == NULL)
		curl_slist_free_all(pins);
	return n;
}

/* Text of a lookup's addresses, IPv6 in brackets, comma-separated. */
static void pin_addrs(const struct addrinfo *ai, char *out, size_t len)
{
	char txt[INET6_ADDRSTRLEN];
	size_t off = 0;
	int n = 0;

	out[0] = '\0';
	for (; ai != NULL && n < FETCH_PIN_ADDRS && off < len; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    inet_ntop(ai->ai_family, a, txt, sizeof(txt)) == NULL)
			continue;
		off += (size_t)snprintf(out + off, len - off, ai->ai_family == AF_INET6 ?
					"%s[%s]" : "%s%s", n > 0 ? "," : "", txt);
		n++;
	}
}

/* Resolves the URL's host name here, within the connect budget and the
 * cancel fd, and pins the answer for curl (*pins), which would otherwise
 * resolve it itself in a thread that curl_easy_cleanup() waits for. An
 * IPv6 literal needs nothing; curl does not resolve numeric addresses. */
static enum xerr_code fetch_resolve(struct fetch *f, struct curl_slist **pins,
				    struct xerr *err)
{
	const struct fetch_args *a = f->a;
	long long start = clock_ms();
	struct addrinfo *ai = NULL;
	char why[96], addrs[FETCH_PIN_ADDRS * 48];
	size_t hl = strlen(f->host);
	enum resolve_rc rc;

	f->connect_ms = a->connect_ms;
	if (f->host[0] == '[')
		return XE_OK;
	rc = resolve_tcp(f->host, f->port, start + a->connect_ms, a->cancel_fd, &ai, why,
			 sizeof(why));
	if (rc == RESOLVE_CANCELLED)
		return xerr_set(err, XE_SIGNAL, "the download from %s was cancelled", f->where);
	if (rc != RESOLVE_OK)
		return xerr_set(err, rc == RESOLVE_TIMEDOUT ? XE_TEMPFAIL : XE_UNAVAILABLE,
				"cannot resolve the host of %s: %s", f->where, why);
	pin_addrs(ai, addrs, sizeof(addrs));
	freeaddrinfo(ai);
	if (addrs[0] == '\0')
		return xerr_set(err, XE_UNAVAILABLE, "cannot resolve the host of %s: no address",
				f->where);
	*pins = pin_append(NULL, f->host, f->port, addrs);
	/* curl looks a name up without its one trailing dot */
	if (*pins != NULL && hl > 1 && f->host[hl - 1] == '.') {
		f->host[hl - 1] = '\0';
		*pins = pin_append(*pins, f->host, f->port, addrs);
		f->host[hl - 1] = '.';
	}
	if (*pins == NULL)
		return xerr_set(err, XE_SOFTWARE, "out of memory (libcurl)");
	f->connect_ms = a->connect_ms - (long)(clock_ms() - start);
	if (f->connect_ms < 1)
		f->connect_ms = 1;
	return XE_OK;
}

static enum xerr_code fetch_setup(struct fetch *f, struct curl_slist *headers,
				  struct curl_slist *pins, char *errbuf, struct xerr *err)
{
	const struct fetch_args *a = f->a;
	CURL *c = f->curl;

	/* The URL is the peer's: no other scheme, no redirect, no proxy from
	 * the environment; Content-Length is checked here, not by curl, so
	 * that a longer body is seen too (the server closes after it). */
	if (curl_easy_setopt(c, CURLOPT_URL, a->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, f->connect_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_IGNORE_CONTENT_LENGTH, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "xfer/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, fetch_header) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, f) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, f) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, fetch_connected) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PREREQDATA, f) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_RESOLVE, pins) != CURLE_OK)
		return xerr_set(err, XE_SOFTWARE, "libcurl lacks a feature xfer needs "
				"(version %s)", curl_version_info(CURLVERSION_NOW)->version);
#if CURL_AT_LEAST_VERSION(7, 87, 0)
	/* Should curl resolve a name after all (the pin missed), its cleanup
	 * must not wait for the lookup: the job has to end when cancelled. */
	curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L);
#endif
	return XE_OK;
}

/* Turns what curl gave up with into code and words. */
static enum xerr_code fetch_failed(struct fetch *f, CURLcode res, const char *errbuf,
				   struct xerr *err)
{
	char why[CURL_ERROR_SIZE];
	long os_errno = 0;

	log_printable(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res), why, sizeof(why));
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return xerr_set(err, XE_UNAVAILABLE, "cannot resolve the host of %s: %s",
				f->where, why);
	case CURLE_COULDNT_CONNECT:
		/* "Connection refused" says it better than curl's longer text */
		if (curl_easy_getinfo(f->curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
		    os_errno != 0)
			return xerr_set(err, XE_UNAVAILABLE, "cannot connect to %s: %s", f->where,
					strerror((int)os_errno));
		return xerr_set(err, XE_UNAVAILABLE, "cannot connect to %s: %s", f->where, why);
	case CURLE_OPERATION_TIMEDOUT:
		return xerr_set(err, XE_TEMPFAIL, "connecting to %s took longer than %ld ms: %s",
				f->where, f->a->connect_ms, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return xerr_set(err, XE_NOPERM, "the certificate of %s is not trusted: %s",
				f->where, why);
	case CURLE_SSL_CONNECT_ERROR:
		return xerr_set(err, XE_UNAVAILABLE, "TLS with %s failed: %s", f->where, why);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (f->begun)
			return xerr_set(err, XE_UNAVAILABLE, "the connection to %s broke after "
					"%lld of %lld bytes: %s", f->where, f->got, f->head.size, why);
		return xerr_set(err, XE_UNAVAILABLE, "the connection to %s broke: %s",
				f->where, why);
	case CURLE_GOT_NOTHING:
		return xerr_set(err, XE_PROTOCOL, "the server at %s closed the connection "
				"without answering", f->where);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
		return xerr_set(err, XE_PROTOCOL, "the server at %s sent a broken answer: %s",
				f->where, why);
	case CURLE_OUT_OF_MEMORY:
		return xerr_set(err, XE_SOFTWARE, "out of memory (libcurl): %s", why);
	default:
		return xerr_set(err, XE_UNAVAILABLE, "fetching from %s failed: %s", f->where,
				why);
	}
}

/* Runs the transfer: XE_OK when curl is done (its result in *res), or
 * when the whole body is in and the server only keeps the connection open;
 * an error on cancel, idleness or a failing multi handle. */
static enum xerr_code fetch_run(struct fetch *f, CURLM *m, CURLcode *res, struct xerr *err)
{
	const struct fetch_args *a = f->a;

	*res = CURLE_OK;
	f->last = clock_ms();
	for (;;) {
		struct curl_waitfd w = { .fd = a->cancel_fd, .events = CURL_WAIT_POLLIN };
		long limit = a->idle_ms;
		int running = 0, left;
		CURLMsg *msg;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			return xerr_set(err, XE_SOFTWARE, "libcurl failed (multi_perform)");
		msg = curl_multi_info_read(m, &left);
		if (msg != NULL && msg->msg == CURLMSG_DONE) {
			*res = msg->data.result;
			return XE_OK;
		}
		if (running == 0)
			return XE_OK;
		if (f->begun && f->got == f->head.size && limit > FETCH_GRACE_MS)
			limit = FETCH_GRACE_MS;
		if (f->connected && clock_ms() - f->last >= limit) {
			if (f->begun && f->got == f->head.size)
				return XE_OK;
			if (!f->begun)
				return xerr_set(err, XE_TEMPFAIL, "the server at %s did not answer "
						"within %ld ms", f->where, a->idle_ms);
			return xerr_set(err, XE_TEMPFAIL, "no data from %s for %ld ms, after %lld "
					"of %lld bytes", f->where, a->idle_ms, f->got, f->head.size);
		}
		if (curl_multi_poll(m, &w, a->cancel_fd >= 0 ? 1 : 0, FETCH_TICK_MS, NULL) !=
		    CURLM_OK)
			return xerr_set(err, XE_SOFTWARE, "libcurl failed (multi_poll)");
		if (a->cancel_fd >= 0 && w.revents != 0)
			return xerr_set(err, XE_SIGNAL, "the download from %s was cancelled",
					f->where);
	}
}

enum xerr_code fetch_to_sink(const struct fetch_args *a, char *path, size_t len,
			     struct xerr *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL, *pins = NULL;
	struct fetch f;
	struct xerr local;
	CURLM *m = NULL;
	CURLcode res = CURLE_OK;
	enum xerr_code rc;

	if (err == NULL) {	/* callbacks keep their failure in err */
		xerr_clear(&local);
		err = &local;
	}
	memset(&f, 0, sizeof(f));
	f.a = a;
	f.head.size = -1;
	f.err = err;
	rc = fetch_check_url(&f, err);
	if (rc == XE_OK)
		rc = fetch_resolve(&f, &pins, err);
	if (rc != XE_OK)
		return rc;
	f.curl = curl_easy_init();
	m = curl_multi_init();
	/* The body ends when the server closes, not at Content-Length (see
	 * fetch_setup): ask it to close after the response. */
	headers = curl_slist_append(NULL, "Connection: close");
	if (f.curl == NULL || m == NULL || headers == NULL) {
		rc = xerr_set(err, XE_SOFTWARE, "out of memory (libcurl)");
		goto out;
	}
	rc = fetch_setup(&f, headers, pins, errbuf, err);
	if (rc != XE_OK)
		goto out;
	if (curl_multi_add_handle(m, f.curl) != CURLM_OK) {
		rc = xerr_set(err, XE_SOFTWARE, "libcurl failed (multi_add_handle)");
		goto out;
	}
	rc = fetch_run(&f, m, &res, err);
	curl_multi_remove_handle(m, f.curl);
	if (rc != XE_OK)
		goto out;
	if (f.failed) {
		rc = err->code;
		goto out;
	}
	if (res != CURLE_OK) {
		rc = fetch_failed(&f, res, errbuf, err);
		goto out;
	}
	if (!f.begun) {
		rc = xerr_set(err, XE_PROTOCOL, "the server at %s sent no answer", f.where);
		goto out;
	}
	if (f.got != f.head.size) {
		rc = xerr_set(err, XE_PROTOCOL, "the server at %s closed the connection after %lld "
			      "of %lld bytes", f.where, f.got, f.head.size);
		goto out;
	}
	rc = sink_commit(f.sink, NULL, path, len, err);
	f.sink = NULL;
out:
	sink_abort(f.sink);
	curl_multi_cleanup(m);
	curl_easy_cleanup(f.curl);
	curl_slist_free_all(headers);
	curl_slist_free_all(pins);
	return rc;
}
