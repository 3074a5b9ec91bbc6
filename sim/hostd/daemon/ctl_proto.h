/* ctl_proto.h -- the split transport's wire protocol between a guest
 * process and hvsim-hostd: control-socket messages and the shared control
 * page (doorbells, interrupt bitmaps, clock origin).
 *
 * Socket: AF_UNIX SOCK_SEQPACKET, one message per datagram, little endian
 * (host order; both ends run on the same machine).  Every message starts
 * with struct ctl_hdr; each type has exactly one legal length (ctl_msg_len);
 * anything else drops the connection.  The guest sends HELLO first and gets
 * one HELLO reply carrying the fds (SCM_RIGHTS, order CTL_FD_*); after that
 * every request gets exactly one reply echoing its sequence number.  The
 * guest never sends fds; the daemon drops a connection that does.
 *
 * Data plane (never on the socket), see struct ctl_page:
 *  guest -> host: HvSignalEvent (fast, flag 0) to a connection whose bit is
 *   set in cp_db_valid: set the connection's bit in cp_doorbell, then if
 *   exchange(cp_db_kicked, 1) was 0 write 1 to the doorbell eventfd.  The
 *   host reads the eventfd, stores cp_db_kicked = 0, then exchanges each
 *   doorbell word with 0 and delivers every bit as HvSignalEvent.
 *   (The kicked flag is "the bitmap went non-empty since the last drain":
 *   one eventfd write per burst, not per signal.)
 *  host -> guest: the same scheme per vCPU with cp_irq[cpu] and that
 *   vCPU's eventfd; the guest's irq_drain consumes it.
 * Ordering: all accesses are __atomic SEQ_CST (set bit, then exchange the
 * flag; clear the flag, then exchange the words), which is what makes a
 * signal either seen by the current drain or kick a new one. */
#ifndef SIM_HOSTD_DAEMON_CTL_PROTO_H
#define SIM_HOSTD_DAEMON_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* 2: the doorbell bitmaps grew to CTL_DB_CONNS = 16384 (page layout). */
#define CTL_PROTO_VERSION 2u
#define CTL_MAGIC         0x56534843u /* "CHSV" */

/* Limits the daemon enforces on HELLO (also the guest's own checks). */
#define CTL_MAX_VCPUS      64u
#define CTL_MAX_MEM_BYTES  (16ull << 30)
#define CTL_PAGE_SIZE      4096u
#define CTL_PROFILE_NAME_MAX 32u   /* including the NUL */

/* Message types (ctl_hdr.type).  Requests are guest -> host; each reply
 * carries the same type with CTL_REPLY set. */
enum ctl_type {
	CTL_HELLO      = 1, /* ctl_hello        -> ctl_hello_reply + fds */
	CTL_CPUID      = 2, /* ctl_req a0=leaf a1=sub -> ctl_rep v[0..3]=regs */
	CTL_RDMSR      = 3, /* ctl_req a0=msr   -> ctl_rep status, v[0]=val */
	CTL_WRMSR      = 4, /* ctl_req a0=msr a1=val -> ctl_rep status */
	CTL_HYPERCALL  = 5, /* ctl_req a0=control a1=in a2=out -> v[0]=RAX */
	CTL_PIO_READ   = 6, /* ctl_req a0=port a1=size -> v[0]=value */
	CTL_PIO_WRITE  = 7, /* ctl_req a0=port a1=size a2=value -> status */
	CTL_STATS      = 8, /* ctl_req a0=page -> ctl_rep v[] = CTL_STAT_*
			     * (page 0 is legal before HELLO too) */
	CTL_ECHO_PORT  = 9, /* test hook (daemon --test-hooks): ctl_req
			     * a0=conn_id a1=target vp a2=sint a3=flag: add an
			     * event port whose signal sets that SIEF flag */
	CTL_TYPE_COUNT = 10,
};
#define CTL_REPLY 0x8000u

/* All messages: 16 bytes. */
struct ctl_hdr {
	uint32_t magic;   /* CTL_MAGIC */
	uint16_t type;    /* enum ctl_type, | CTL_REPLY on replies */
	uint16_t len;     /* whole message, header included */
	uint32_t seq;     /* chosen by the guest, echoed by the reply */
	uint32_t cpu;     /* the vCPU making the call (0 for HELLO/STATS) */
};
_Static_assert(sizeof(struct ctl_hdr) == 16, "ctl_hdr");

/* HELLO request: 64 bytes. */
struct ctl_hello {
	struct ctl_hdr h;
	uint32_t version;      /* CTL_PROTO_VERSION */
	uint32_t ncpus;        /* 1..CTL_MAX_VCPUS */
	uint64_t mem_bytes;    /* multiple of 4096, 1..CTL_MAX_MEM_BYTES */
	char     profile[CTL_PROFILE_NAME_MAX]; /* NUL-terminated, rest zero */
};
_Static_assert(sizeof(struct ctl_hello) == 64, "ctl_hello");
_Static_assert(offsetof(struct ctl_hello, profile) == 32, "ctl_hello.profile");

/* The fds of a HELLO reply, in this order; nfds = CTL_FD_VCPU0 + ncpus. */
enum { CTL_FD_MEM = 0, CTL_FD_CTLPAGE = 1, CTL_FD_DOORBELL = 2, CTL_FD_VCPU0 = 3 };
#define CTL_MAX_FDS (CTL_FD_VCPU0 + CTL_MAX_VCPUS)

/* HELLO reply: 48 bytes. */
struct ctl_hello_reply {
	struct ctl_hdr h;
	int32_t  status;       /* 0 or a negative errno (then no fds, and the
				* daemon closes the connection) */
	uint32_t nfds;
	uint64_t mem_bytes;    /* size of the CTL_FD_MEM memfd */
	uint64_t ctl_bytes;    /* size of the CTL_FD_CTLPAGE memfd */
	uint64_t tsc_hz;       /* the partition's TSC frequency */
};
_Static_assert(sizeof(struct ctl_hello_reply) == 48, "ctl_hello_reply");

/* Every other request: 48 bytes. */
struct ctl_req {
	struct ctl_hdr h;
	uint64_t a[4];
};
_Static_assert(sizeof(struct ctl_req) == 48, "ctl_req");

/* Every other reply: 56 bytes. */
struct ctl_rep {
	struct ctl_hdr h;
	int32_t  status;       /* 0 or a negative errno (-EINVAL = #GP) */
	uint32_t rsvd;
	uint64_t v[4];
};
_Static_assert(sizeof(struct ctl_rep) == 56, "ctl_rep");

/* CTL_STATS reply values: page 0, the daemon. */
enum {
	CTL_STAT_SESSIONS_LIVE = 0,  /* sessions past HELLO, this one included */
	CTL_STAT_CONNS_LIVE = 1,     /* connections open, this one included */
	CTL_STAT_CONNS_TOTAL = 2,    /* accepted connections since start */
	CTL_STAT_DROPPED = 3,        /* connections dropped for bad input */
};
/* Page 1, this session (after HELLO). */
enum {
	CTL_STAT_DOORBELLS = 0,      /* doorbell bits delivered */
	CTL_STAT_DB_UNKNOWN = 1,     /* doorbell bits for unpublished connections */
	CTL_STAT_HYPERCALLS = 2,     /* the partition's hypercall counter */
	CTL_STAT_EVENTS = 3,         /* the partition's events_signalled */
};

/* Largest message either side sends; a bigger datagram is MSG_TRUNC. */
#define CTL_MSG_MAX 64u

/* The legal length of a message of this type in this direction, 0 if the
 * type is unknown. */
static inline size_t ctl_msg_len(uint16_t type)
{
	switch (type) {
	case CTL_HELLO: return sizeof(struct ctl_hello);
	case CTL_HELLO | CTL_REPLY: return sizeof(struct ctl_hello_reply);
	default: break;
	}
	if (type > CTL_HELLO && type < CTL_TYPE_COUNT)
		return sizeof(struct ctl_req);
	if ((type & CTL_REPLY) && (type & ~CTL_REPLY) > CTL_HELLO &&
	    (type & ~CTL_REPLY) < CTL_TYPE_COUNT)
		return sizeof(struct ctl_rep);
	return 0;
}

/* ---- the shared control page (CTL_FD_CTLPAGE, read-write both sides) ---- */

/* Doorbell fast path covers connection ids below this; others take the
 * HYPERCALL RPC (a socket round trip per signal).  It must cover every
 * VMBus channel's connection id (the server's 0x2000 + relid, relid <
 * 2048), or each guest->host channel signal costs tens of microseconds. */
#define CTL_DB_CONNS 16384u
#define CTL_DB_WORDS (CTL_DB_CONNS / 64u)

/* Per-vCPU pending interrupt vectors: one cache line. */
struct ctl_irq {
	uint64_t pending[4];   /* 256 vector bits */
	uint32_t kicked;       /* 1 while an eventfd write is outstanding */
	uint32_t rsvd[7];
};
_Static_assert(sizeof(struct ctl_irq) == 64, "ctl_irq");

struct ctl_page {
	/* Written once by the host before HELLO is answered. */
	uint32_t cp_magic;       /* CTL_MAGIC */
	uint32_t cp_version;     /* CTL_PROTO_VERSION */
	uint32_t cp_ncpus;
	uint32_t cp_rsvd0;
	uint64_t cp_origin_ns;   /* CLOCK_MONOTONIC at partition time 0 */
	uint64_t cp_tsc_hz;
	uint8_t  cp_pad0[32];
	/* Guest -> host. */
	uint32_t cp_db_kicked;
	uint32_t cp_pad1[15];
	uint64_t cp_doorbell[CTL_DB_WORDS];
	/* Host -> guest: connections that take the doorbell. */
	uint64_t cp_db_valid[CTL_DB_WORDS];
	struct ctl_irq cp_irq[CTL_MAX_VCPUS];
};
_Static_assert(offsetof(struct ctl_page, cp_db_kicked) == 64, "cp_db_kicked");
_Static_assert(offsetof(struct ctl_page, cp_doorbell) == 128, "cp_doorbell");
_Static_assert(offsetof(struct ctl_page, cp_irq) % 64 == 0, "cp_irq aligned");
#define CTL_PAGE_BYTES \
	((sizeof(struct ctl_page) + CTL_PAGE_SIZE - 1) / CTL_PAGE_SIZE * CTL_PAGE_SIZE)

#endif /* SIM_HOSTD_DAEMON_CTL_PROTO_H */
