/* guest_ic_var.h -- the KVP daemon's entry points shared by guest_ic.c and
 * guest_ic_kvpd.c.  Not an API; guest context. */
#ifndef SIM_GUEST_GUEST_IC_VAR_H
#define SIM_GUEST_GUEST_IC_VAR_H

#include <stdint.h>

int  gk_kvpd_start(void);   /* pools (auto pool filled), handler installed */
void gk_kvpd_stop(void);    /* handler removed, pools emptied */
int  gk_kvpd_put(uint8_t pool, const char *key, const char *value);
int  gk_kvpd_del(uint8_t pool, const char *key);
const char *gk_kvpd_lookup(uint8_t pool, const char *key);
uint64_t gk_kvpd_requests(void);

#endif /* SIM_GUEST_GUEST_IC_VAR_H */
