/* storvsc.c -- the storvsc driver on the VMBus bus: attach (open the
 * primary, VSTOR handshake with version fallback, properties, sub-channels
 * one per extra vCPU), the first LUN scan, detach (rescind or unregister:
 * every pending I/O fails, nothing leaks), controller lifetime and stats. */
#include <stdio.h>
#include <string.h>

#include "guest_drivers/storvsc/storvsc_var.h"
#include "guest_drivers/vmbus/vmbus.h"

struct stv_globals stv_g;

static const uint16_t stv_versions[] = {
	VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1, VSTOR_VERSION_WIN8,
	VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6,
};

const char *stv_state_name(enum stv_state s)
{
	static const char *const n[STV_ST_COUNT] = { "init", "scanning", "ready", "dying" };
	return (unsigned)s < STV_ST_COUNT ? n[s] : "?";
}

void stv_set_state(struct stv_ctrl *c, enum stv_state s)
{
	if (c->state != s)
		kern_log(KERN_DEBUG, "storvsc", "%s: %s -> %s", c->name, stv_state_name(c->state),
			 stv_state_name(s));
	c->state = s;
}

void stv_ctrl_hold(struct stv_ctrl *c)
{
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_ACQ_REL);
}

/* The last of the module's locks to go: by storvsc_fini, or by the last
 * controller freed after it. */
static void registry_release(bool add_ref)
{
	kern_lock_acquire(stv_g.lock);
	if (add_ref)
		stv_g.live++;
	else
		stv_g.live--;
	bool last = stv_g.live == 0 && !stv_g.inited;
	kern_lock_release(stv_g.lock);
	if (last) {
		kern_lock_destroy(stv_g.lock);
		stv_g.lock = NULL;
	}
}

void stv_ctrl_put(struct stv_ctrl *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	bool counted = !c->fuzz;
	stv_io_fini(c);
	kern_waitq_destroy(c->wq);
	kern_lock_destroy(c->lock);
	kern_free(c);
	if (counted)
		registry_release(false);
}

/* ---- handshake --------------------------------------------------------------------- */

static bool init_done(void *arg)
{
	return KERN_READ_ONCE(((struct stv_ctrl *)arg)->chans[0].c_init_done);
}

void stv_init_reply(struct stv_chan *ch, const uint8_t *p, uint32_t len)
{
	struct stv_ctrl *c = ch->c_ctrl;
	kern_lock_acquire(c->lock);
	memset(&ch->c_init_reply, 0, sizeof ch->c_init_reply);
	uint32_t n = len < sizeof ch->c_init_reply ? len : (uint32_t)sizeof ch->c_init_reply;
	memcpy(&ch->c_init_reply, p, n);
	ch->c_init_len = len;
	ch->c_init_done = true;
	c->init_tid = 0;    /* a second reply to the same step is dropped */
	kern_lock_release(c->lock);
	kern_wakeup(c->wq);
}

/* One handshake step on the primary: send, wait for the COMPLETE_IO.
 * 0 with *reply filled; -ETIMEDOUT; -EPROTO (wrong operation or short);
 * -EIO (status != 0, in *status); send errors. */
static int init_op(struct stv_ctrl *c, uint32_t op, const void *payload, uint32_t plen,
		   struct vstor_packet *reply, uint32_t *status)
{
	struct stv_chan *ch = &c->chans[0];
	struct vstor_packet p;
	memset(&p, 0, sizeof p);
	p.operation = op;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	if (plen)
		memcpy(p.u.raw, payload, plen);
	kern_lock_acquire(c->lock);
	if (++c->init_seq == 0)
		c->init_seq = 1;
	uint64_t tid = (uint64_t)c->init_seq << 32;
	c->init_tid = tid;
	ch->c_init_done = false;
	kern_lock_release(c->lock);
	int rc = vmbus_chan_send(ch->c_ch, &p, c->pkt_size, tid, true);
	if (!rc)
		rc = kern_wait(c->wq, init_done, c, stv_g.cfg.init_timeout_ns);
	kern_lock_acquire(c->lock);
	c->init_tid = 0;
	kern_lock_release(c->lock);
	if (rc)
		return rc;
	*reply = ch->c_init_reply;
	*status = reply->status;
	if (ch->c_init_len < VSTOR_PACKET_HDR_SIZE || reply->operation != VSTOR_OP_COMPLETE_IO) {
		kern_log(KERN_WARN, "storvsc", "%s: bad reply to op %u (op %u, %u bytes)", c->name, op,
			 reply->operation, ch->c_init_len);
		return -EPROTO;
	}
	return reply->status ? -EIO : 0;
}

static void set_version(struct stv_ctrl *c, uint16_t v)
{
	c->version = v;
	bool win8 = v >= VSTOR_VERSION_WIN8;
	c->srb_size = win8 ? VSTOR_SRB_SIZE_WIN8 : VSTOR_SRB_SIZE_WIN7;
	c->pkt_size = VSTOR_PACKET_HDR_SIZE + c->srb_size;
	c->sense_size = win8 ? VSTOR_SENSE_SIZE_WIN8 : VSTOR_SENSE_SIZE_WIN7;
}

static int handshake(struct stv_ctrl *c)
{
	struct vstor_packet r;
	uint32_t st;
	/* Before a version is agreed, full-size packets (Linux does the same;
	 * hosts echo the size). */
	c->pkt_size = sizeof(struct vstor_packet);
	int rc = init_op(c, VSTOR_OP_BEGIN_INITIALIZATION, NULL, 0, &r, &st);
	if (rc) {
		kern_log(KERN_WARN, "storvsc", "%s: BEGIN_INITIALIZATION failed (%d)", c->name, rc);
		return rc;
	}
	uint16_t ceil = stv_g.cfg.max_version ? stv_g.cfg.max_version : VSTOR_VERSION_WIN10;
	uint16_t agreed = 0;
	for (unsigned i = 0; i < sizeof stv_versions / sizeof stv_versions[0]; i++) {
		if (stv_versions[i] > ceil)
			continue;
		struct vstor_proto_version pv = { .major_minor = stv_versions[i], .revision = 0 };
		rc = init_op(c, VSTOR_OP_QUERY_PROTOCOL_VERSION, &pv, sizeof pv, &r, &st);
		if (rc == 0) {
			agreed = stv_versions[i];
			break;
		}
		if (rc != -EIO)
			return rc;  /* timeout, protocol error: no point going on */
	}
	if (!agreed) {
		kern_log(KERN_WARN, "storvsc", "%s: host refused every VSTOR version", c->name);
		return -EPROTONOSUPPORT;
	}
	set_version(c, agreed);
	rc = init_op(c, VSTOR_OP_QUERY_PROPERTIES, NULL, 0, &r, &st);
	if (rc) {
		kern_log(KERN_WARN, "storvsc", "%s: QUERY_PROPERTIES failed (%d)", c->name, rc);
		return rc;
	}
	c->props = r.u.props;
	uint32_t mx = c->props.max_transfer_bytes;
	if (mx == 0)
		mx = STV_MAX_XFER_DEFAULT;
	if (mx > STV_MAX_XFER_CAP)
		mx = STV_MAX_XFER_CAP;
	mx &= ~511u;       /* whole 512-byte sectors at least */
	if (mx < 512)
		mx = 512;
	c->max_xfer = mx;
	rc = init_op(c, VSTOR_OP_END_INITIALIZATION, NULL, 0, &r, &st);
	if (rc) {
		kern_log(KERN_WARN, "storvsc", "%s: END_INITIALIZATION failed (%d)", c->name, rc);
		return rc;
	}
	kern_log(KERN_INFO, "storvsc", "%s: VSTOR %u.%u, max transfer %u, %u sub-channels offered",
		 c->name, VSTOR_VERSION_MAJOR(agreed), VSTOR_VERSION_MINOR(agreed), c->max_xfer,
		 c->props.max_channel_count);
	return 0;
}

/* ---- channels ------------------------------------------------------------------------ */

static unsigned subchannels_wanted(const struct stv_ctrl *c)
{
	if (c->version < VSTOR_VERSION_WIN8 || !(c->props.flags & VSTOR_PROP_FLAG_MULTI_CHANNEL))
		return 0;
	int cfg = stv_g.cfg.subchannels;
	if (cfg == -2)
		return 0;
	unsigned n = kern_ncpus() > 1 ? (unsigned)kern_ncpus() - 1u : 0u;
	if (cfg > 0 && (unsigned)cfg < n)
		n = (unsigned)cfg;
	if (n > c->props.max_channel_count)
		n = c->props.max_channel_count;
	if (n > STORVSC_MAX_CHANNELS - 1u)
		n = STORVSC_MAX_CHANNELS - 1u;
	return n;
}

static int open_chan(struct stv_ctrl *c, unsigned i, struct vmbus_channel *vch, int cpu)
{
	struct stv_chan *ch = &c->chans[i];
	ch->c_ctrl = c;
	ch->c_ch = vch;
	ch->c_index = i;
	ch->c_cpu = cpu;
	if (i > 0) {
		int rc = vmbus_chan_set_target_cpu(vch, cpu);
		if (rc)
			return rc;
	}
	int rc = vmbus_chan_open(vch, STV_RING_BYTES, STV_RING_BYTES, NULL, 0, stv_on_packet, ch);
	if (rc)
		return rc;
	ch->c_open = true;
	return 0;
}

/* CREATE_SUB_CHANNELS and open what the host offers; failures leave the
 * controller on the channels it has (an I/O path is never lost). */
static void setup_subchannels(struct stv_ctrl *c)
{
	unsigned n = subchannels_wanted(c);
	if (!n)
		return;
	struct vstor_packet r;
	uint32_t st;
	uint16_t cnt = (uint16_t)n;
	int rc = init_op(c, VSTOR_OP_CREATE_SUB_CHANNELS, &cnt, sizeof cnt, &r, &st);
	if (rc) {
		kern_log(KERN_WARN, "storvsc", "%s: CREATE_SUB_CHANNELS(%u) failed (%d)", c->name, n, rc);
		return;
	}
	struct vmbus_channel *primary = c->chans[0].c_ch;
	rc = vmbus_chan_wait_subchannels(primary, n);
	if (rc)
		kern_log(KERN_WARN, "storvsc", "%s: sub-channels not all offered (%d)", c->name, rc);
	for (unsigned i = 1; i <= n; i++) {
		struct vmbus_channel *sub = vmbus_chan_subchannel(primary, (uint16_t)i);
		if (!sub)
			continue;
		int cpu = (int)(i % (unsigned)kern_ncpus());
		rc = open_chan(c, c->nchans, sub, cpu);
		if (rc) {
			kern_log(KERN_WARN, "storvsc", "%s: sub-channel %u did not open (%d)", c->name, i, rc);
			continue;
		}
		c->nchans++;
	}
}

static void close_chans(struct stv_ctrl *c)
{
	for (unsigned i = c->nchans; i-- > 0;) {
		if (c->chans[i].c_open) {
			vmbus_chan_close(c->chans[i].c_ch);
			c->chans[i].c_open = false;
		}
	}
}

/* ---- attach / detach ----------------------------------------------------------------- */

static void save_stats(struct stv_ctrl *c)
{
	if (c->unit < 0 || (unsigned)c->unit >= STORVSC_MAX_CHANNELS)
		return;
	struct storvsc_stats *s = &stv_g.last[c->unit];
	*s = c->st;
	s->attached = false;
	stv_g.used[c->unit] = true;
}

static int stv_attach(struct vmbus_device *dev)
{
	int unit = vmbus_device_unit(dev);
	if (unit < 0 || (unsigned)unit >= STORVSC_MAX_CHANNELS)
		return -ENOSPC;
	struct stv_ctrl *c = kern_zalloc(sizeof *c);
	if (!c)
		return -ENOMEM;
	registry_release(true);
	c->refs = 1;
	c->unit = unit;
	c->dev = dev;
	snprintf(c->name, sizeof c->name, "%s", vmbus_device_name(dev) ? vmbus_device_name(dev) : "storvsc");
	c->lock = kern_lock_create("storvsc");
	c->wq = kern_waitq_create();
	kern_task_init(&c->rescan_task, stv_rescan_task, c);
	int rc = -ENOMEM;
	if (!c->lock || !c->wq)
		goto fail_free;
	c->nchans = 1;
	rc = open_chan(c, 0, vmbus_device_channel(dev), 0);
	if (rc) {
		kern_log(KERN_WARN, "storvsc", "%s: open failed (%d)", c->name, rc);
		goto fail_free;
	}
	rc = handshake(c);
	if (rc)
		goto fail_close;
	setup_subchannels(c);
	rc = stv_io_init(c);
	if (rc)
		goto fail_close;
	memcpy(c->st.name, c->name, sizeof c->st.name);
	c->st.attached = true;
	c->st.version = c->version;
	c->st.nchannels = c->nchans;
	c->st.host_max_subchannels = c->props.max_channel_count;
	c->st.max_transfer = c->max_xfer;
	vmbus_device_set_softc(dev, c);
	kern_lock_acquire(stv_g.lock);
	stv_g.ctrls[unit] = c;
	stv_g.used[unit] = true;
	kern_lock_release(stv_g.lock);
	stv_set_state(c, STV_ST_SCANNING);
	rc = stv_scan(c);
	if (rc == -ENODEV) {
		/* Rescinded while we scanned: detach runs next and cleans up. */
		kern_log(KERN_WARN, "storvsc", "%s: gone during the first scan", c->name);
	}
	kern_lock_acquire(c->lock);
	if (c->state == STV_ST_SCANNING)
		stv_set_state(c, STV_ST_READY);
	kern_lock_release(c->lock);
	return 0;

fail_close:
	close_chans(c);
fail_free:
	stv_ctrl_put(c);
	return rc;
}

static void stv_detach(struct vmbus_device *dev)
{
	struct stv_ctrl *c = vmbus_device_softc(dev);
	if (!c)
		return;
	kern_lock_acquire(c->lock);
	stv_set_state(c, STV_ST_DYING);
	kern_lock_release(c->lock);
	kern_task_cancel(&c->rescan_task);
	/* No callbacks after the channels close; then fail what is left. */
	close_chans(c);
	stv_io_fail_all(c, -ENODEV);
	stv_disks_gone(c);
	kern_lock_acquire(stv_g.lock);
	save_stats(c);
	stv_g.ctrls[c->unit] = NULL;
	kern_lock_release(stv_g.lock);
	vmbus_device_set_softc(dev, NULL);
	kern_log(KERN_INFO, "storvsc", "%s: detached", c->name);
	stv_ctrl_put(c);
}

static struct vmbus_driver stv_driver = {
	.name = "storvsc",
	.class_id = { VMBUS_GUID_STORVSC },
};

int storvsc_init(const struct storvsc_config *cfg)
{
	/* A controller of the last load still draining holds the registry. */
	if (stv_g.inited || stv_g.lock)
		return -EBUSY;
	storvsc_disk_hook *hook = stv_g.hook;
	void *hook_arg = stv_g.hook_arg;
	memset(&stv_g, 0, sizeof stv_g);
	stv_g.hook = hook;
	stv_g.hook_arg = hook_arg;
	if (cfg)
		stv_g.cfg = *cfg;
	struct storvsc_config *k = &stv_g.cfg;
	if (!k->max_luns || k->max_luns > STV_MAX_LUNS)
		k->max_luns = 64;
	if (!k->max_targets)
		k->max_targets = 2;
	if (!k->queue_depth)
		k->queue_depth = STORVSC_DEFAULT_QUEUE_DEPTH;
	if (k->queue_depth > STORVSC_MAX_QUEUE_DEPTH)
		k->queue_depth = STORVSC_MAX_QUEUE_DEPTH;
	if (!k->busy_retries)
		k->busy_retries = 8;
	if (!k->busy_delay_ns)
		k->busy_delay_ns = 10ull * 1000000ull;
	if (!k->io_timeout_ns)
		k->io_timeout_ns = 30ull * 1000000000ull;
	if (!k->init_timeout_ns)
		k->init_timeout_ns = 5ull * 1000000000ull;
	stv_g.lock = kern_lock_create("storvsc-registry");
	if (!stv_g.lock)
		return -ENOMEM;
	stv_g.inited = true;
	stv_driver.attach = stv_attach;
	stv_driver.detach = stv_detach;
	int rc = vmbus_driver_register(&stv_driver);
	if (rc) {
		stv_g.inited = false;
		kern_lock_destroy(stv_g.lock);
		stv_g.lock = NULL;
	}
	return rc;
}

void storvsc_fini(void)
{
	if (!stv_g.inited)
		return;
	vmbus_driver_unregister(&stv_driver);
	kern_lock_acquire(stv_g.lock);
	stv_g.inited = false;
	bool idle = stv_g.live == 0;
	kern_lock_release(stv_g.lock);
	if (idle) {
		kern_lock_destroy(stv_g.lock);
		stv_g.lock = NULL;
	}
}

void storvsc_set_disk_hook(storvsc_disk_hook *fn, void *arg)
{
	stv_g.hook = fn;
	stv_g.hook_arg = arg;
}

int storvsc_get_stats(unsigned unit, struct storvsc_stats *out)
{
	memset(out, 0, sizeof *out);
	if (unit >= STORVSC_MAX_CHANNELS || !stv_g.lock)
		return -ENOENT;
	kern_lock_acquire(stv_g.lock);
	const struct stv_ctrl *c = stv_g.ctrls[unit];
	int rc = 0;
	if (c) {
		*out = c->st;
		unsigned n = 0;
		for (const struct storvsc_disk *d = c->disks; d; d = d->d_next)
			n++;
		out->ndisks = n;
	} else if (stv_g.used[unit]) {
		*out = stv_g.last[unit];
	} else {
		rc = -ENOENT;
	}
	kern_lock_release(stv_g.lock);
	return rc;
}

unsigned storvsc_controller_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < STORVSC_MAX_CHANNELS; i++)
		if (stv_g.ctrls[i])
			n++;
	return n;
}
