/* icvsp_kvp.c -- host KVP IC: the host's pools, pushing the host-owned ones
 * (EXTERNAL, AUTO_EXTERNAL) to the guest with SET/DELETE, reading the
 * guest-owned ones (GUEST, AUTO) with ENUMERATE/GET; one request on the
 * wire at a time, the rest queued (capped). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/devices/ic/icvsp_var.h"

static bool pool_host_owned(uint8_t pool)
{
	return pool == VMBUS_KVP_POOL_EXTERNAL || pool == VMBUS_KVP_POOL_AUTO_EXTERNAL ||
	       pool == VMBUS_KVP_POOL_AUTO_INTERNAL;
}

/* ---- pools ---------------------------------------------------------------------- */

static int pool_find(const struct icvsp_kvp_pool *p, const char *key)
{
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(p->items[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int pool_put(struct icvsp_kvp_pool *p, const char *key, const char *value)
{
	char *v = icvsp_strdup(value);
	if (!v)
		return -ENOMEM;
	int i = pool_find(p, key);
	if (i >= 0) {
		icvsp_free(p->items[i].value);
		p->items[i].value = v;
		return 0;
	}
	if (p->n >= ICVSP_KVP_MAX_ITEMS) {
		icvsp_free(v);
		return -ENOSPC;
	}
	if (p->n == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 8;
		struct icvsp_kvp_item *it = icvsp_zalloc(cap * sizeof *it);
		if (!it) {
			icvsp_free(v);
			return -ENOMEM;
		}
		if (p->n)
			memcpy(it, p->items, p->n * sizeof *it);
		icvsp_free(p->items);
		p->items = it;
		p->cap = cap;
	}
	char *k = icvsp_strdup(key);
	if (!k) {
		icvsp_free(v);
		return -ENOMEM;
	}
	p->items[p->n].key = k;
	p->items[p->n].value = v;
	p->n++;
	return 0;
}

static int pool_del(struct icvsp_kvp_pool *p, const char *key)
{
	int i = pool_find(p, key);
	if (i < 0)
		return -ENOENT;
	icvsp_free(p->items[i].key);
	icvsp_free(p->items[i].value);
	memmove(&p->items[i], &p->items[i + 1], (p->n - (unsigned)i - 1) * sizeof *p->items);
	p->n--;
	return 0;
}

static void pool_clear(struct icvsp_kvp_pool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		icvsp_free(p->items[i].key);
		icvsp_free(p->items[i].value);
	}
	icvsp_free(p->items);
	memset(p, 0, sizeof *p);
}

/* ---- the request queue --------------------------------------------------------------- */

static struct icvsp_kq *kq_head(struct icvsp *s)
{
	return s->s_kq_n ? &s->s_kq[s->s_kq_head] : NULL;
}

static void kq_pop(struct icvsp *s)
{
	struct icvsp_kq *q = kq_head(s);
	if (!q)
		return;
	icvsp_free(q->key);
	icvsp_free(q->value);
	memset(q, 0, sizeof *q);
	s->s_kq_head = (s->s_kq_head + 1) % ICVSP_KVP_QUEUE_MAX;
	s->s_kq_n--;
}

static int kq_add(struct icvsp *s, enum icvsp_kq_kind kind, uint8_t pool, const char *key,
		  const char *value)
{
	if (s->s_kq_n >= ICVSP_KVP_QUEUE_MAX)
		return -ENOSPC;
	struct icvsp_kq q = { .kind = kind, .pool = pool };
	if (key && !(q.key = icvsp_strdup(key)))
		return -ENOMEM;
	if (value && !(q.value = icvsp_strdup(value))) {
		icvsp_free(q.key);
		return -ENOMEM;
	}
	s->s_kq[(s->s_kq_head + s->s_kq_n) % ICVSP_KVP_QUEUE_MAX] = q;
	s->s_kq_n++;
	icvsp_kick(s);
	return 0;
}

static void kq_clear(struct icvsp *s)
{
	while (s->s_kq_n)
		kq_pop(s);
	pool_clear(&s->s_stage);
}

void icvsp_kvp_free_all(struct icvsp *s)
{
	kq_clear(s);
	for (unsigned i = 0; i < VMBUS_KVP_POOL_COUNT; i++)
		pool_clear(&s->s_pool[i]);
}

/* ---- building requests ------------------------------------------------------------------ */

static int kvp_encode(struct vmbus_kvp_value *v, const char *key, const char *value)
{
	uint32_t n;
	int rc = icvsp_utf8_to_utf16(key, v->key, sizeof v->key, &n);
	if (rc)
		return rc;
	v->key_size = n;
	if (value) {
		v->value_type = VMBUS_KVP_REG_SZ;
		rc = icvsp_utf8_to_utf16(value, v->value, sizeof v->value, &n);
		v->value_size = n;
	}
	return rc;
}

/* Send the head request; pops the ones that cannot go. */
static bool kvp_pump(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	static union {
		struct vmbus_kvp_msg_getset gs;
		struct vmbus_kvp_msg_delete del;
		struct vmbus_kvp_msg_enumerate en;
	} m; /* single-threaded owner; too big for a stack frame we like */
	struct icvsp_kq *q;
	while ((q = kq_head(s)) != NULL) {
		memset(&m, 0, sizeof m);
		uint32_t len = 0;
		int rc = 0;
		switch (q->kind) {
		case ICVSP_KQ_PUSH:
			if (q->index >= s->s_pool[q->pool].n) {
				kq_pop(s);
				continue;
			}
			m.gs.hdr.operation = VMBUS_KVP_OP_SET;
			m.gs.hdr.pool = q->pool;
			rc = kvp_encode(&m.gs.data, s->s_pool[q->pool].items[q->index].key,
					s->s_pool[q->pool].items[q->index].value);
			len = sizeof m.gs;
			break;
		case ICVSP_KQ_SET:
		case ICVSP_KQ_GET:
			m.gs.hdr.operation = q->kind == ICVSP_KQ_SET ? VMBUS_KVP_OP_SET : VMBUS_KVP_OP_GET;
			m.gs.hdr.pool = q->pool;
			rc = kvp_encode(&m.gs.data, q->key, q->kind == ICVSP_KQ_SET ? q->value : NULL);
			len = sizeof m.gs;
			break;
		case ICVSP_KQ_DELETE: {
			m.del.hdr.operation = VMBUS_KVP_OP_DELETE;
			m.del.hdr.pool = q->pool;
			uint32_t n = 0;
			rc = icvsp_utf8_to_utf16(q->key, m.del.key, sizeof m.del.key, &n);
			m.del.key_size = n;
			len = sizeof m.del;
			break;
		}
		case ICVSP_KQ_ENUM:
			m.en.hdr.operation = VMBUS_KVP_OP_ENUMERATE;
			m.en.hdr.pool = q->pool;
			m.en.index = q->index;
			len = sizeof m.en;
			break;
		}
		if (rc) { /* checked when queued; cannot happen */
			kq_pop(s);
			continue;
		}
		if (icvsp_send_request(d, &m, len) != 0)
			return false;
		s->s_kvp.requests++;
		return true;
	}
	return false;
}

/* ---- replies -------------------------------------------------------------------------------- */

/* Decode a guest value record into UTF-8 key and value (RELIABILITY 91). */
static int kvp_decode(const struct vmbus_kvp_value *v, char *key, char *value)
{
	if (v->key_size > VMBUS_KVP_MAX_KEY_SIZE || v->value_size > VMBUS_KVP_MAX_VALUE_SIZE)
		return -EINVAL;
	int rc = icvsp_utf16_to_utf8(v->key, v->key_size, key, ICVSP_KVP_KEY_UTF8_MAX);
	if (rc)
		return rc;
	if (!key[0])
		return -EINVAL;
	switch (v->value_type) {
	case VMBUS_KVP_REG_SZ:
	case VMBUS_KVP_REG_EXPAND_SZ:
		return icvsp_utf16_to_utf8(v->value, v->value_size, value,
					   ICVSP_KVP_VALUE_UTF8_MAX);
	case VMBUS_KVP_REG_U32: {
		uint32_t x;
		if (v->value_size != sizeof x)
			return -EINVAL;
		memcpy(&x, v->value, sizeof x);
		snprintf(value, ICVSP_KVP_VALUE_UTF8_MAX, "%" PRIu32, x);
		return 0;
	}
	case VMBUS_KVP_REG_U64:
	case VMBUS_KVP_REG_QWORD: {
		uint64_t x;
		if (v->value_size != sizeof x)
			return -EINVAL;
		memcpy(&x, v->value, sizeof x);
		snprintf(value, ICVSP_KVP_VALUE_UTF8_MAX, "%" PRIu64, x);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static void kvp_enum_done(struct icvsp *s, uint8_t pool)
{
	pool_clear(&s->s_pool[pool]);
	s->s_pool[pool] = s->s_stage;
	memset(&s->s_stage, 0, sizeof s->s_stage);
	s->s_kvp.enumerations++;
}

static void kvp_reply(struct icvsp_dev *d, const struct vmbus_icmsg_hdr *h, const uint8_t *body,
		      uint32_t len)
{
	struct icvsp *s = d->d_set;
	struct icvsp_kq *q = kq_head(s);
	if (!q)
		return;
	static const uint8_t want_op[] = {
		[ICVSP_KQ_SET] = VMBUS_KVP_OP_SET, [ICVSP_KQ_DELETE] = VMBUS_KVP_OP_DELETE,
		[ICVSP_KQ_GET] = VMBUS_KVP_OP_GET, [ICVSP_KQ_ENUM] = VMBUS_KVP_OP_ENUMERATE,
		[ICVSP_KQ_PUSH] = VMBUS_KVP_OP_SET,
	};
	struct vmbus_kvp_hdr kh;
	uint32_t status = h->status;
	s->s_kvp.last_status = status;
	if (len < sizeof kh) {
		d->d_st.drop[ICVSP_DROP_BODY]++;
		status = VMBUS_IC_E_FAIL;
	} else {
		memcpy(&kh, body, sizeof kh);
		if (kh.operation != want_op[q->kind] || kh.pool != q->pool) {
			d->d_st.drop[ICVSP_DROP_BODY]++;
			status = VMBUS_IC_E_FAIL;
		}
	}
	static char key[ICVSP_KVP_KEY_UTF8_MAX], value[ICVSP_KVP_VALUE_UTF8_MAX];
	static struct vmbus_kvp_value rec;
	if (status == VMBUS_IC_S_OK && (q->kind == ICVSP_KQ_GET || q->kind == ICVSP_KQ_ENUM)) {
		uint32_t off = q->kind == ICVSP_KQ_GET ? 4u : 8u;
		if (len < off || len - off < sizeof rec) {
			d->d_st.drop[ICVSP_DROP_BODY]++;
			status = VMBUS_IC_E_FAIL;
		} else {
			memcpy(&rec, body + off, sizeof rec);
			if (kvp_decode(&rec, key, value)) {
				d->d_st.drop[ICVSP_DROP_BODY]++;
				status = VMBUS_IC_E_FAIL;
			}
		}
	}
	if (status == VMBUS_IC_S_OK)
		s->s_kvp.ok++;
	else if (!(q->kind == ICVSP_KQ_ENUM && status == VMBUS_IC_S_CONT))
		s->s_kvp.errors++;

	switch (q->kind) {
	case ICVSP_KQ_PUSH:
		q->index++; /* the next item, whatever the answer */
		return;
	case ICVSP_KQ_GET:
		if (status == VMBUS_IC_S_OK && !pool_host_owned(q->pool))
			pool_put(&s->s_pool[q->pool], key, value);
		else if (!pool_host_owned(q->pool))
			pool_del(&s->s_pool[q->pool], q->key);
		break;
	case ICVSP_KQ_ENUM:
		if (status == VMBUS_IC_S_OK && pool_put(&s->s_stage, key, value) == 0 &&
		    ++q->index < ICVSP_KVP_MAX_ITEMS)
			return; /* ask for the next index */
		/* End (S_CONT), an error, or our cap: keep what was read. */
		kvp_enum_done(s, q->pool);
		break;
	default:
		break;
	}
	kq_pop(s);
}

static void kvp_timeout(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	struct icvsp_kq *q = kq_head(s);
	s->s_kvp.timeouts++;
	if (!q)
		return;
	if (q->kind == ICVSP_KQ_ENUM)
		kvp_enum_done(s, q->pool);
	kq_pop(s);
}

static void kvp_ready(struct icvsp_dev *d)
{
	struct icvsp *s = d->d_set;
	kq_clear(s);
	/* Push what the host holds, then read what the guest holds. */
	kq_add(s, ICVSP_KQ_PUSH, VMBUS_KVP_POOL_EXTERNAL, NULL, NULL);
	kq_add(s, ICVSP_KQ_PUSH, VMBUS_KVP_POOL_AUTO_EXTERNAL, NULL, NULL);
	kq_add(s, ICVSP_KQ_ENUM, VMBUS_KVP_POOL_GUEST, NULL, NULL);
	kq_add(s, ICVSP_KQ_ENUM, VMBUS_KVP_POOL_AUTO, NULL, NULL);
	kvp_pump(d);
}

static void kvp_closed(struct icvsp_dev *d)
{
	kq_clear(d->d_set);
}

const struct icvsp_ic icvsp_ic_kvp = {
	.name = "kvp",
	.msgtype = VMBUS_ICMSG_KVP,
	.class_id = VMBUS_GUID_KVP,
	.instance_id = VMBUS_INST_KVP,
	.versions = { 0x00010000u, 0x00030000u, 0x00040000u, 0x00050000u },
	.nversions = 4,
	.reply_timer = true,
	.ready = kvp_ready,
	.reply = kvp_reply,
	.timeout = kvp_timeout,
	.closed = kvp_closed,
	.pump = kvp_pump,
};

/* ---- the scenario's API ---------------------------------------------------------------------- */

/* Key and value must fit the wire in UTF-16. */
static int kvp_check(const char *key, const char *value)
{
	static uint8_t buf[VMBUS_KVP_MAX_VALUE_SIZE];
	uint32_t n;
	if (!key || !key[0] || icvsp_utf8_to_utf16(key, buf, VMBUS_KVP_MAX_KEY_SIZE, &n))
		return -EINVAL;
	if (value && icvsp_utf8_to_utf16(value, buf, VMBUS_KVP_MAX_VALUE_SIZE, &n))
		return -EINVAL;
	return 0;
}

static bool kvp_on_wire_now(const struct icvsp *s, uint8_t pool)
{
	return pool != VMBUS_KVP_POOL_AUTO_INTERNAL && icvsp_ready(s->s_dev[ICVSP_KVP]);
}

int icvsp_kvp_set(struct icvsp *s, uint8_t pool, const char *key, const char *value)
{
	if (!s->s_dev[ICVSP_KVP] || pool >= VMBUS_KVP_POOL_COUNT || !pool_host_owned(pool) ||
	    !value || kvp_check(key, value))
		return -EINVAL;
	if (kvp_on_wire_now(s, pool) && s->s_kq_n >= ICVSP_KVP_QUEUE_MAX)
		return -ENOSPC;
	int rc = pool_put(&s->s_pool[pool], key, value);
	if (rc == 0 && kvp_on_wire_now(s, pool))
		rc = kq_add(s, ICVSP_KQ_SET, pool, key, value);
	return rc;
}

int icvsp_kvp_delete(struct icvsp *s, uint8_t pool, const char *key)
{
	if (!s->s_dev[ICVSP_KVP] || pool >= VMBUS_KVP_POOL_COUNT || !pool_host_owned(pool) ||
	    kvp_check(key, NULL))
		return -EINVAL;
	if (kvp_on_wire_now(s, pool) && s->s_kq_n >= ICVSP_KVP_QUEUE_MAX)
		return -ENOSPC;
	int rc = pool_del(&s->s_pool[pool], key);
	if (rc == 0 && kvp_on_wire_now(s, pool))
		rc = kq_add(s, ICVSP_KQ_DELETE, pool, key, NULL);
	return rc;
}

int icvsp_kvp_get(const struct icvsp *s, uint8_t pool, const char *key, char *buf, size_t cap)
{
	if (pool >= VMBUS_KVP_POOL_COUNT || !key)
		return -EINVAL;
	int i = pool_find(&s->s_pool[pool], key);
	if (i < 0)
		return -ENOENT;
	size_t n = strlen(s->s_pool[pool].items[i].value);
	if (n >= cap)
		return -ENOSPC;
	memcpy(buf, s->s_pool[pool].items[i].value, n + 1);
	return 0;
}

unsigned icvsp_kvp_count(const struct icvsp *s, uint8_t pool)
{
	return pool < VMBUS_KVP_POOL_COUNT ? s->s_pool[pool].n : 0;
}

int icvsp_kvp_item(const struct icvsp *s, uint8_t pool, unsigned i, const char **key,
		   const char **value)
{
	if (pool >= VMBUS_KVP_POOL_COUNT || i >= s->s_pool[pool].n)
		return -EINVAL;
	*key = s->s_pool[pool].items[i].key;
	*value = s->s_pool[pool].items[i].value;
	return 0;
}

int icvsp_kvp_refresh(struct icvsp *s)
{
	if (!s->s_dev[ICVSP_KVP])
		return -EINVAL;
	if (!icvsp_ready(s->s_dev[ICVSP_KVP]))
		return -ENOTCONN;
	if (s->s_kq_n + 2 > ICVSP_KVP_QUEUE_MAX)
		return -ENOSPC;
	kq_add(s, ICVSP_KQ_ENUM, VMBUS_KVP_POOL_GUEST, NULL, NULL);
	return kq_add(s, ICVSP_KQ_ENUM, VMBUS_KVP_POOL_AUTO, NULL, NULL);
}

int icvsp_kvp_query(struct icvsp *s, uint8_t pool, const char *key)
{
	if (!s->s_dev[ICVSP_KVP] || pool >= VMBUS_KVP_POOL_AUTO_INTERNAL || kvp_check(key, NULL))
		return -EINVAL;
	if (!icvsp_ready(s->s_dev[ICVSP_KVP]))
		return -ENOTCONN;
	return kq_add(s, ICVSP_KQ_GET, pool, key, NULL);
}

int icvsp_kvp_info(const struct icvsp *s, struct icvsp_kvp_info *out)
{
	if (!s->s_dev[ICVSP_KVP])
		return -EINVAL;
	*out = s->s_kvp;
	out->queued = s->s_kq_n;
	return 0;
}
