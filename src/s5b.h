/* s5b.h — SOCKS5 Bytestreams (XEP-0065): sockets and the data path.
 *
 * No XML here: tr_s5b.c and the negotiations exchange the IQs and call
 * these. The SOCKS5 messages come from the pure codec in socks5.c; the
 * listening socket and the addresses to advertise, shared with OOB, from
 * net.h.
 *
 * Sender (requester): s5b_listener_open() listens for the direct
 * connection; s5b_listener_step(), called from the main loop, accepts and
 * answers SOCKS5 without blocking and keeps the first connection that asks
 * for the right hash (others get a failure reply). Via a proxy, the sender
 * connects with s5b_connect_job() like a receiver, then activates it.
 *
 * Receiver (target): s5b_connect_job() tries each streamhost in order,
 * each within its own budget (connect + handshake).
 *
 * Data: s5b_send_job() sends the file with sendfile(), half-closes, and
 * waits for the receiver to close: a clean close means the receiver has
 * the whole file; a reset means it refused it. s5b_recv_job() reads into
 * the sink with large reads, commits the file and closes (with a reset
 * when the file is refused). Both run as jobs (job.h). */
#ifndef XFER_S5B_H
#define XFER_S5B_H

#include "job.h"
#include "sink.h"
#include "socks5.h"
#include "xerr.h"

#define S5B_MAX_HOSTS 12
#define S5B_DEFAULT_CONNECT_MS 5000

struct s5b_host {
	char jid[3100];
	char host[256];
	unsigned short port;
};

/* DST.ADDR: hex SHA-1 of sid + requester JID + target JID. */
void s5b_hash(const char *sid, const char *requester, const char *target,
	      char out[SOCKS5_HASH_LEN + 1]);

/* The per-streamhost connect budget for s5b_connect_timeout (0: default). */
static inline long s5b_budget_ms(int seconds)
{
	return seconds > 0 ? seconds * 1000L : S5B_DEFAULT_CONNECT_MS;
}

struct s5b_listener;

/* Listens on addr (NULL or "": every address, IPv6 and IPv4) and port (0:
 * ephemeral), for a connection asking for hash. handshake_ms bounds each
 * connection's SOCKS5 exchange. */
enum xerr_code s5b_listener_open(struct s5b_listener **out, const char *addr,
				 unsigned short port, const char *hash, long handshake_ms,
				 struct xerr *err);
unsigned short s5b_listener_port(const struct s5b_listener *l);
/* Accepts and answers without blocking. Returns 1 once a connection asked
 * for the right hash and was told success. */
int s5b_listener_step(struct s5b_listener *l);
/* The authenticated connection (the caller owns it now), or -1. */
int s5b_listener_take(struct s5b_listener *l);
/* Connections refused so far (wrong hash, not SOCKS5, too slow). */
int s5b_listener_refused(const struct s5b_listener *l);
void s5b_listener_close(struct s5b_listener *l);

/* s5b_connect_job(): tries hosts in order. On success err is XE_OK, used
 * is the index and fd the connected socket (the caller owns it); why[i]
 * says why host i failed. */
struct s5b_connect {
	const struct s5b_host *hosts;
	int n;
	char hash[SOCKS5_HASH_LEN + 1];
	long budget_ms;		/* per host: connect + SOCKS5 */
	int used;
	int fd;
	char why[S5B_MAX_HOSTS][160];
};
void s5b_connect_job(struct job *j);

/* s5b_send_job(): sends size bytes of file_fd from offset 0 on sock. */
struct s5b_send {
	int sock;
	int file_fd;
	long long size;
	long idle_ms;		/* the peer takes no byte (or does not close) */
	int rejected;		/* the receiver reset the connection at the end */
};
void s5b_send_job(struct job *j);

/* s5b_recv_job(): reads size bytes from sock into sink, commits it
 * (checking hash, in the sink's algorithm, when known) and writes the
 * delivered path. The sink is consumed either way.
 *
 * Jingle may announce the hash after the data (a session-info checksum):
 * with hash_wait_ms > 0 and no hash known at the start, the job waits that
 * long after the last byte for the main thread to post one with
 * s5b_recv_post_hash(); without one the file is delivered unverified. */
struct s5b_recv {
	int sock;
	struct sink *sink;
	long long size;
	long idle_ms;
	char hash[65];		/* only through s5b_recv_post_hash() */
	long hash_wait_ms;
	atomic_int hash_posted;
	int verified;		/* out: the hash was checked */
	char path[4096];
};
void s5b_recv_job(struct job *j);
/* The expected hash (lowercase hex), from the main thread, before the
 * start or while the job runs; the first one counts. */
void s5b_recv_post_hash(struct s5b_recv *d, const char *hex);

#endif
