/* hvic_kvp.c -- guest KVP: validate each host request (RELIABILITY 91),
 * hand it to the user-level handler through a one-request pending slot,
 * and reply when the handler answers -- or with E_FAIL when its deadline
 * passes, so a handler that hangs never blocks the channel (the KVP hang
 * bug of the field). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic_var.h"

static struct hvic_kvp_handler kv_handler; /* survives init/fini */
static bool kv_have_handler;

static struct {
	struct kern_lock *lock;
	struct kern_timer *timer;
	bool pending;
	uint32_t token, next_token;
	struct hvic_sc *sc;
	uint64_t tid;
	uint8_t op;
	uint32_t len;
	uint8_t msg[HVIC_MSG_MAX];     /* the request, echoed back as the reply */
} kv;

static void kv_timeout(void *arg);

int hvic_kvp_global_init(void)
{
	kv.lock = kern_lock_create("hvic_kvp");
	kv.timer = kern_timer_create(kv_timeout, NULL);
	if (!kv.lock || !kv.timer) {
		hvic_kvp_global_fini();
		return -ENOMEM;
	}
	kv.pending = false;
	kv.sc = NULL;
	return 0;
}

void hvic_kvp_global_fini(void)
{
	kern_timer_destroy(kv.timer);
	kern_lock_destroy(kv.lock);
	kv.timer = NULL;
	kv.lock = NULL;
	kv.pending = false;
	kv.sc = NULL;
}

void hvic_kvp_set_handler(const struct hvic_kvp_handler *h)
{
	if (kv.lock)
		kern_lock_acquire(kv.lock);
	kv_have_handler = h && h->request;
	if (kv_have_handler)
		kv_handler = *h;
	if (kv.lock)
		kern_lock_release(kv.lock);
}

/* ---- parsing a request ------------------------------------------------------------- */

static int kv_key(const uint8_t *key, uint32_t key_size, char *out)
{
	if (key_size > VMBUS_KVP_MAX_KEY_SIZE)
		return -EINVAL;
	int rc = hvic_utf16_to_utf8(key, key_size, out, HVIC_KVP_KEY_MAX);
	return rc ? rc : out[0] ? 0 : -EINVAL;
}

static int kv_value(const struct vmbus_kvp_value *v, char *out)
{
	if (v->value_size > VMBUS_KVP_MAX_VALUE_SIZE)
		return -EINVAL;
	switch (v->value_type) {
	case VMBUS_KVP_REG_SZ:
	case VMBUS_KVP_REG_EXPAND_SZ:
		return hvic_utf16_to_utf8(v->value, v->value_size, out, HVIC_KVP_VALUE_MAX);
	case VMBUS_KVP_REG_U32: {
		uint32_t x;
		if (v->value_size != sizeof x)
			return -EINVAL;
		memcpy(&x, v->value, sizeof x);
		snprintf(out, HVIC_KVP_VALUE_MAX, "%" PRIu32, x);
		return 0;
	}
	case VMBUS_KVP_REG_U64:
	case VMBUS_KVP_REG_QWORD: {
		uint64_t x;
		if (v->value_size != sizeof x)
			return -EINVAL;
		memcpy(&x, v->value, sizeof x);
		snprintf(out, HVIC_KVP_VALUE_MAX, "%" PRIu64, x);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* Fill req from body; -EINVAL for anything outside the rules. */
static int kv_parse(const uint8_t *body, uint32_t len, struct hvic_kvp_req *req)
{
	struct vmbus_kvp_hdr h;
	memcpy(&h, body, sizeof h);
	req->op = h.operation;
	req->pool = h.pool;
	if (h.operation > VMBUS_KVP_OP_ENUMERATE || h.pool >= VMBUS_KVP_POOL_COUNT)
		return -EINVAL;
	static struct vmbus_kvp_value v; /* callbacks of one channel do not overlap */
	switch (h.operation) {
	case VMBUS_KVP_OP_GET:
	case VMBUS_KVP_OP_SET:
		if (len < sizeof(struct vmbus_kvp_msg_getset))
			return -EINVAL;
		memcpy(&v, body + sizeof h, sizeof v);
		if (kv_key(v.key, v.key_size, req->key))
			return -EINVAL;
		if (h.operation == VMBUS_KVP_OP_SET && kv_value(&v, req->value))
			return -EINVAL;
		return 0;
	case VMBUS_KVP_OP_DELETE: {
		struct vmbus_kvp_msg_delete d;
		if (len < sizeof d)
			return -EINVAL;
		memcpy(&d, body, sizeof d);
		return kv_key(d.key, d.key_size, req->key);
	}
	default: /* ENUMERATE: the answer needs the whole record's room */
		if (len < sizeof(struct vmbus_kvp_msg_enumerate))
			return -EINVAL;
		memcpy(&req->index, body + sizeof h, sizeof req->index);
		return 0;
	}
}

static uint32_t kv_request(struct hvic_sc *sc, uint8_t *body, uint32_t len, uint64_t tid)
{
	if (len < sizeof(struct vmbus_kvp_hdr)) {
		sc->sc_st.bad_body++;
		return VMBUS_IC_E_FAIL;
	}
	if (body[0] == VMBUS_KVP_OP_GET_IP_INFO || body[0] == VMBUS_KVP_OP_SET_IP_INFO)
		return VMBUS_IC_E_NOT_SUPPORTED;
	struct hvic_kvp_req *req = kern_zalloc(sizeof *req);
	if (!req)
		return VMBUS_IC_E_FAIL;
	if (kv_parse(body, len, req)) {
		sc->sc_st.bad_body++;
		kern_free(req);
		return VMBUS_IC_E_FAIL;
	}
	kern_lock_acquire(kv.lock);
	if (kv.pending || !kv_have_handler) {
		/* The host keeps one request outstanding; a second one, or no
		 * user level to ask, is answered at once. */
		if (kv.pending)
			sc->sc_st.kvp_busy++;
		kern_lock_release(kv.lock);
		kern_free(req);
		return VMBUS_IC_E_FAIL;
	}
	if (++kv.next_token == 0)
		kv.next_token = 1;
	kv.token = req->token = kv.next_token;
	kv.pending = true;
	kv.sc = sc;
	kv.tid = tid;
	kv.op = req->op;
	kv.len = sc->sc_len;
	memcpy(kv.msg, sc->sc_buf, sc->sc_len);
	struct hvic_kvp_handler h = kv_handler;
	kern_timer_arm(kv.timer, hvic_g.cfg.kvp_timeout_ns);
	sc->sc_st.kvp_handled++;
	kern_lock_release(kv.lock);
	h.request(h.arg, req); /* may answer right here */
	kern_free(req);
	return HVIC_NO_REPLY;
}

/* ---- answering ----------------------------------------------------------------------- */

/* Take the pending request out under the lock: a private copy of the
 * message to send.  NULL when out of memory (the request stays pending). */
static uint8_t *kv_take(struct hvic_sc **sc, uint64_t *tid, uint32_t *len, uint8_t *op)
{
	uint8_t *buf = kern_malloc(kv.len);
	if (!buf)
		return NULL;
	memcpy(buf, kv.msg, kv.len);
	*sc = kv.sc;
	*tid = kv.tid;
	*len = kv.len;
	*op = kv.op;
	kv.pending = false;
	kv.sc = NULL;
	kern_timer_cancel(kv.timer);
	return buf;
}

int hvic_kvp_answer(uint32_t token, uint32_t status, const char *key, const char *value)
{
	if (!kv.lock)
		return -ESTALE;
	kern_lock_acquire(kv.lock);
	if (!kv.pending || token != kv.token) {
		if (kv.sc)
			kv.sc->sc_st.kvp_late_answers++;
		else if (hvic_g.sc[HVIC_KVP])
			hvic_g.sc[HVIC_KVP]->sc_st.kvp_late_answers++;
		kern_lock_release(kv.lock);
		return -ESTALE;
	}
	struct hvic_sc *sc;
	uint64_t tid;
	uint32_t len;
	uint8_t op;
	uint8_t *buf = kv_take(&sc, &tid, &len, &op);
	kern_lock_release(kv.lock);
	if (!buf)
		return -ENOMEM;
	if (status == VMBUS_IC_S_OK && (op == VMBUS_KVP_OP_GET || op == VMBUS_KVP_OP_ENUMERATE)) {
		uint32_t off = VMBUS_IC_HDRS_SIZE + (op == VMBUS_KVP_OP_GET ? 4u : 8u);
		static struct vmbus_kvp_value v;
		memset(&v, 0, sizeof v); /* zero what goes to the host */
		uint32_t n = 0;
		v.value_type = VMBUS_KVP_REG_SZ;
		if (key && hvic_utf8_to_utf16(key, v.key, sizeof v.key, &n) == 0) {
			v.key_size = n;
		} else if (key || op == VMBUS_KVP_OP_ENUMERATE) {
			status = VMBUS_IC_E_FAIL;
		} else {
			struct vmbus_kvp_value orig; /* GET: keep the asked key */
			memcpy(&orig, buf + off, sizeof orig);
			memcpy(v.key, orig.key, sizeof v.key);
			v.key_size = orig.key_size;
		}
		if (status == VMBUS_IC_S_OK &&
		    (!value || hvic_utf8_to_utf16(value, v.value, sizeof v.value, &n)))
			status = VMBUS_IC_E_FAIL;
		v.value_size = n;
		if (status == VMBUS_IC_S_OK && off <= len && sizeof v <= len - off)
			memcpy(buf + off, &v, sizeof v);
	}
	if (sc)
		hvic_send_reply(sc, buf, len, tid, status);
	kern_free(buf);
	return 0;
}

static void kv_timeout(void *arg)
{
	(void)arg;
	kern_lock_acquire(kv.lock);
	if (!kv.pending) {
		kern_lock_release(kv.lock);
		return;
	}
	struct hvic_sc *sc;
	uint64_t tid;
	uint32_t len;
	uint8_t op;
	uint8_t *buf = kv_take(&sc, &tid, &len, &op);
	if (!buf) {
		kern_timer_arm(kv.timer, 1000000); /* try again in 1 ms */
		kern_lock_release(kv.lock);
		return;
	}
	if (sc)
		sc->sc_st.kvp_timeouts++;
	kern_lock_release(kv.lock);
	kern_log(KERN_WARN, "hvic", "kvp: user level did not answer in time");
	if (sc)
		hvic_send_reply(sc, buf, len, tid, VMBUS_IC_E_FAIL);
	kern_free(buf);
}

static void kv_detach(struct hvic_sc *sc)
{
	(void)sc;
	kern_lock_acquire(kv.lock);
	kv.pending = false;
	kv.sc = NULL;
	kern_timer_cancel(kv.timer);
	kern_lock_release(kv.lock);
}

const struct hvic_ic hvic_ic_kvp = {
	.name = "kvp",
	.msgtype = VMBUS_ICMSG_KVP,
	.class_id = VMBUS_GUID_KVP,
	.versions = { 0x00010000u, 0x00030000u, 0x00040000u, 0x00050000u },
	.nversions = 4,
	.request = kv_request,
	.detach = kv_detach,
};
