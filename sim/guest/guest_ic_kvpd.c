/* guest_ic_kvpd.c -- the guest's user-level KVP daemon: keeps the five
 * pools and answers the driver's requests (GET/SET/DELETE/ENUMERATE) --
 * at once, late, or never, as a test asks. */
#include <stdlib.h>
#include <string.h>

#include "guest_drivers/kern.h"
#include "guest_drivers/utils/hvic.h"
#include "hyperv/vmbus_ic.h"
#include "sim/guest/guest_ic.h"
#include "sim/guest/guest_ic_var.h"

struct kvpd_item {
	char *key, *value;
};

static struct {
	struct kvpd_item pool[VMBUS_KVP_POOL_COUNT][GK_KVPD_MAX_ITEMS];
	unsigned n[VMBUS_KVP_POOL_COUNT];
	enum gk_kvpd_mode mode;
	uint64_t delay_ns;
	struct kern_timer *late;
	uint32_t late_token, late_status;
	char *late_key, *late_value;
	uint64_t requests;
} kd;

/* The auto pool's fixed index -> key order (Linux convention, D.7). */
static const char *const kvpd_auto[][2] = {
	{ "FullyQualifiedDomainName", "hvsim-guest" },
	{ "IntegrationServicesVersion", "hvsim" },
	{ "NetworkAddressIPv4", "" },
	{ "NetworkAddressIPv6", "" },
	{ "OSBuildNumber", "1" },
	{ "OSName", "hvsim" },
	{ "OSMajorVersion", "1" },
	{ "OSMinorVersion", "0" },
	{ "OSVersion", "1.0" },
	{ "ProcessorArchitecture", "x86_64" },
};

static int kvpd_find(uint8_t pool, const char *key)
{
	for (unsigned i = 0; i < kd.n[pool]; i++)
		if (strcmp(kd.pool[pool][i].key, key) == 0)
			return (int)i;
	return -1;
}

int gk_kvpd_put(uint8_t pool, const char *key, const char *value)
{
	if (pool >= VMBUS_KVP_POOL_COUNT || !key || !key[0] || !value)
		return -EINVAL;
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	int i = kvpd_find(pool, key);
	if (i >= 0) {
		free(kd.pool[pool][i].value);
		kd.pool[pool][i].value = v;
		return 0;
	}
	if (kd.n[pool] >= GK_KVPD_MAX_ITEMS) {
		free(v);
		return -ENOSPC;
	}
	char *k = strdup(key);
	if (!k) {
		free(v);
		return -ENOMEM;
	}
	kd.pool[pool][kd.n[pool]].key = k;
	kd.pool[pool][kd.n[pool]].value = v;
	kd.n[pool]++;
	return 0;
}

int gk_kvpd_del(uint8_t pool, const char *key)
{
	if (pool >= VMBUS_KVP_POOL_COUNT || !key)
		return -EINVAL;
	int i = kvpd_find(pool, key);
	if (i < 0)
		return -ENOENT;
	free(kd.pool[pool][i].key);
	free(kd.pool[pool][i].value);
	memmove(&kd.pool[pool][i], &kd.pool[pool][i + 1],
		(kd.n[pool] - (unsigned)i - 1) * sizeof kd.pool[pool][0]);
	kd.n[pool]--;
	return 0;
}

const char *gk_kvpd_lookup(uint8_t pool, const char *key)
{
	if (pool >= VMBUS_KVP_POOL_COUNT || !key)
		return NULL;
	int i = kvpd_find(pool, key);
	return i < 0 ? NULL : kd.pool[pool][i].value;
}

uint64_t gk_kvpd_requests(void)
{
	return kd.requests;
}

void gk_guest_ic_kvpd_mode(enum gk_kvpd_mode mode, uint64_t delay_ns)
{
	kd.mode = mode;
	kd.delay_ns = delay_ns;
}

static void kvpd_late_fire(void *arg)
{
	(void)arg;
	hvic_kvp_answer(kd.late_token, kd.late_status, kd.late_key, kd.late_value);
}

static void kvpd_answer(uint32_t token, uint32_t status, const char *key, const char *value)
{
	if (kd.mode == GK_KVPD_NEVER)
		return;
	if (kd.mode == GK_KVPD_LATE && kd.late) {
		free(kd.late_key);
		free(kd.late_value);
		kd.late_token = token;
		kd.late_status = status;
		kd.late_key = key ? strdup(key) : NULL;
		kd.late_value = value ? strdup(value) : NULL;
		kern_timer_arm(kd.late, kd.delay_ns);
		return;
	}
	hvic_kvp_answer(token, status, key, value);
}

/* Who may write which pool over the wire: the host owns EXTERNAL and
 * AUTO_EXTERNAL; GUEST and AUTO are ours; AUTO_INTERNAL never travels. */
static void kvpd_request(void *arg, const struct hvic_kvp_req *r)
{
	(void)arg;
	kd.requests++;
	bool host_pool = r->pool == VMBUS_KVP_POOL_EXTERNAL ||
			 r->pool == VMBUS_KVP_POOL_AUTO_EXTERNAL;
	const char *v;
	switch (r->op) {
	case VMBUS_KVP_OP_SET:
		kvpd_answer(r->token, host_pool && gk_kvpd_put(r->pool, r->key, r->value) == 0
					      ? VMBUS_IC_S_OK : VMBUS_IC_E_FAIL, NULL, NULL);
		return;
	case VMBUS_KVP_OP_DELETE:
		/* NOTE: Linux's daemon answers a failed GET/SET/DELETE with
		 * S_CONT; any error ends the host's operation the same way. */
		kvpd_answer(r->token, host_pool && gk_kvpd_del(r->pool, r->key) == 0
					      ? VMBUS_IC_S_OK : VMBUS_IC_S_CONT, NULL, NULL);
		return;
	case VMBUS_KVP_OP_GET:
		v = r->pool != VMBUS_KVP_POOL_AUTO_INTERNAL ? gk_kvpd_lookup(r->pool, r->key) : NULL;
		kvpd_answer(r->token, v ? VMBUS_IC_S_OK : VMBUS_IC_S_CONT, r->key, v);
		return;
	case VMBUS_KVP_OP_ENUMERATE:
		if (r->pool != VMBUS_KVP_POOL_AUTO_INTERNAL && r->index < kd.n[r->pool]) {
			const struct kvpd_item *it = &kd.pool[r->pool][r->index];
			kvpd_answer(r->token, VMBUS_IC_S_OK, it->key, it->value);
		} else {
			kvpd_answer(r->token, VMBUS_IC_S_CONT, NULL, NULL);
		}
		return;
	default:
		kvpd_answer(r->token, VMBUS_IC_E_FAIL, NULL, NULL);
		return;
	}
}

int gk_kvpd_start(void)
{
	gk_kvpd_stop();
	for (unsigned i = 0; i < sizeof kvpd_auto / sizeof kvpd_auto[0]; i++)
		if (gk_kvpd_put(VMBUS_KVP_POOL_AUTO, kvpd_auto[i][0], kvpd_auto[i][1]))
			return -ENOMEM;
	kd.late = kern_timer_create(kvpd_late_fire, NULL);
	if (!kd.late)
		return -ENOMEM;
	static const struct hvic_kvp_handler h = { .request = kvpd_request };
	hvic_kvp_set_handler(&h);
	return 0;
}

void gk_kvpd_stop(void)
{
	hvic_kvp_set_handler(NULL);
	kern_timer_destroy(kd.late);
	kd.late = NULL;
	free(kd.late_key);
	free(kd.late_value);
	kd.late_key = kd.late_value = NULL;
	for (unsigned p = 0; p < VMBUS_KVP_POOL_COUNT; p++)
		while (kd.n[p])
			gk_kvpd_del((uint8_t)p, kd.pool[p][0].key);
	kd.requests = 0;
}
