/* hsess_var.h -- internal state of one hostd session (hsess.c only). */
#ifndef SIM_HOSTD_DAEMON_HSESS_VAR_H
#define SIM_HOSTD_DAEMON_HSESS_VAR_H

#include "sim/hostd/daemon/hsess.h"

/* Test-hook echo ports per session (CTL_ECHO_PORT). */
#define HSESS_MAX_ECHO 8u

struct hsess_echo {
	struct hsess *ep_sess;
	uint32_t ep_conn, ep_vp, ep_sint, ep_flag;
};

struct hsess {
	struct hsess_env  s_env;
	enum hsess_state  s_state;
	struct gmem      *s_gm;
	struct part      *s_part;
	struct ctl_page  *s_cp;          /* shared with the guest: write-only
					  * for the host except the doorbell */
	int               s_ctl_fd;
	int               s_db_fd;
	int               s_vcpu_fd[CTL_MAX_VCPUS];
	uint32_t          s_ncpus;
	uint64_t          s_origin_ns;
	/* The host's private copy of cp_db_valid: the shared one is only a
	 * hint to the guest and never read back. */
	uint64_t          s_db_valid[CTL_DB_WORDS];
	uint64_t          s_doorbells;    /* bits delivered */
	uint64_t          s_db_unknown;   /* bits for unpublished connections */
	struct hsess_echo s_echo[HSESS_MAX_ECHO];
	uint32_t          s_necho;
	uint32_t          s_echo_pending; /* bit i: echo port i was signalled */
	void             *s_ext_ctx;      /* from s_env.ext->attach */
	bool              s_ext_attached;
	char              s_profile[CTL_PROFILE_NAME_MAX]; /* from HELLO */
	uint64_t          s_mem_bytes;
};

#endif /* SIM_HOSTD_DAEMON_HSESS_VAR_H */
