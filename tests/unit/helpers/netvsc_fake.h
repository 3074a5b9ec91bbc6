/* netvsc_fake.h -- a scripted netvsp host for hn driver tests: a VMBus
 * device on the real server that answers NVSP and RNDIS with messages built
 * at explicit offsets from the protocol sheet (devices.md A, B), records
 * what the guest sends (NVSP messages, RNDIS requests, TX frames with their
 * PPIs), delivers frames and indications through the receive buffer, and
 * has knobs to refuse, misreport or send hostile bytes.  Plus the fixture:
 * partition + server + booted guest + VMBus + the hn driver. */
#ifndef TESTS_UNIT_HELPERS_NETVSC_FAKE_H
#define TESTS_UNIT_HELPERS_NETVSC_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmbs_chan;
struct gk_runtime;
struct gk_transport;
struct gmem;
struct part;
struct hostside;
struct hn_config;

#define NF_MAX_CHANS 8
#define NF_LOG       256
#define NF_FRAMES    128
#define NF_FRAME_MAX 70000

struct nf_msg {                 /* one guest NVSP message (in-band or GPA direct) */
	uint16_t pkt_type;
	uint16_t chan;              /* sub-channel index */
	uint32_t len;
	uint8_t  b[64];
};

struct nf_frame {               /* one frame the guest sent */
	uint16_t chan;
	bool     from_section;
	uint32_t csum_ppi, lso_ppi, vlan_ppi;
	bool     has_csum, has_lso, has_vlan;
	uint32_t len;
	uint8_t  *data;
};

struct nf_host {
	/* knobs (set before the guest attaches) */
	uint32_t max_nvsp;          /* highest NVSP version accepted (0 = 6.1) */
	uint32_t refuse_nvsp;       /* refuse this one version as well (0 = none) */
	uint32_t rx_sub_alloc;      /* section size reported (0 = 1806) */
	uint32_t rx_num_sections;   /* reported num_sections (0 = 1) */
	uint32_t rx_count_override; /* reported num_sub_allocs (0 = computed) */
	uint32_t rx_offset;         /* reported section offset */
	uint32_t tx_section;        /* send section size (0 = 6144) */
	bool     offload_udp;       /* hardware caps include UDP checksums */
	bool     offload_none;      /* no hardware caps at all (NOT_SUPPORTED) */
	bool     lso;               /* LSOv2 caps (with TCP checksums) */
	uint32_t rss_queues;        /* RSS caps receive queues (0 = no RSS caps) */
	int      subchan_grant;     /* -1 = grant what was asked, else this */
	bool     link_up;
	uint32_t link_speed;        /* 100 bit/s units */
	uint32_t max_frame;         /* OID_GEN_MAXIMUM_FRAME_SIZE (0 = 1500) */
	uint8_t  mac[6];
	bool     mute_rndis;        /* never answer RNDIS requests */
	bool     wrong_rid;         /* answer with request id + 1000 */
	/* state */
	struct vmbs_chan *chan[NF_MAX_CHANS];
	unsigned nchan;
	uint32_t nvsp;              /* accepted */
	uint32_t ndis_mtu;          /* from NDIS_CONFIG */
	uint64_t ndis_caps;
	uint32_t ndis_major, ndis_minor;
	uint32_t tried[8];
	unsigned ntried;
	bool     have_rx, have_tx;
	uint8_t  *rxbuf, *txbuf;    /* host view (contiguous in this fixture) */
	uint32_t rxbuf_len, txbuf_len;
	uint32_t rx_sub, rx_count;
	uint8_t  *rx_busy;          /* sub-allocations handed out */
	uint32_t packet_filter;
	uint32_t offload_params[8]; /* tcp4, udp4, tcp6, udp6, lso4, lso6 as sent */
	bool     rss_set;
	uint32_t rss_itab_entries, rss_hash_info;
	uint32_t rss_itab[256];
	bool     halted;
	unsigned revoked_rx, revoked_tx;
	uint32_t sub_requested;
	/* logs */
	struct nf_msg log[NF_LOG];
	unsigned nlog;
	uint32_t rndis_types[NF_LOG];
	uint32_t rndis_oids[NF_LOG];
	unsigned nrndis;
	struct nf_frame frames[NF_FRAMES];
	unsigned nframes;
	unsigned rx_completions, rx_completion_fail, rx_sent;
	unsigned bad_guest;          /* protocol violations we saw */
};

/* The fixture. */
struct nf_fix {
	struct gmem *gm;
	struct gk_transport *t;
	struct part *p;
	struct hostside *hs;
	struct gk_runtime *rt;
	struct nf_host *host[2];
	unsigned nhosts;
	uint32_t ncpus;
};

/* Partition with ncpus vCPUs on 'profile', the server, nnics fake NICs
 * (knobs from 'knobs', may be NULL), booted guest, VMBus connected.  The hn
 * driver is NOT started: call nf_hn_start. */
struct nf_fix *nf_new(const char *profile, uint32_t ncpus, unsigned nnics,
		      const struct nf_host *knobs, uint64_t seed);
void nf_free(struct nf_fix *x);
/* hn_init(cfg) in guest context; returns its result. */
int  nf_hn_start(struct nf_fix *x, const struct hn_config *cfg);
void nf_hn_stop(struct nf_fix *x);
/* Run fn(arg) in guest context. */
int  nf_call(struct nf_fix *x, int (*fn)(void *), void *arg);
void nf_sleep_ms(struct nf_fix *x, uint64_t ms);

/* Host actions.  Frames: one RNDIS PACKET with optional PPIs (csum: RX
 * checksum u32, hash value and type when hash_type != 0) on sub-channel chan. */
int nf_rx_frame(struct nf_host *h, unsigned chan, const void *frame, uint32_t len,
		uint32_t csum, uint32_t hash, uint32_t hash_type);
/* INDICATE_STATUS with an optional u32 buffer; legacy = msg_len without it. */
int nf_indicate(struct nf_host *h, uint32_t status, const uint32_t *buf, bool legacy);
/* Raw: put 'msg' (len bytes) into sub-allocation 0.. and send a transfer-page
 * packet with the given ranges / pageset id on chan. */
int nf_raw_xfer(struct nf_host *h, unsigned chan, uint16_t pageset, const void *msg,
		uint32_t msglen, const uint32_t *ranges, uint32_t nranges, uint32_t nvsp_type);
/* Raw NVSP in-band / completion packet on chan. */
int nf_raw_inband(struct nf_host *h, unsigned chan, const void *msg, uint32_t len);
int nf_raw_completion(struct nf_host *h, unsigned chan, uint64_t tid, const void *msg,
		      uint32_t len);
/* SEND_INDIRECTION_TABLE (count 16, table at 'offset', message 'len'). */
int nf_send_itab(struct nf_host *h, const uint32_t *tab, uint32_t offset, uint32_t len,
		 uint32_t count);
/* Free recorded frames. */
void nf_frames_clear(struct nf_host *h);

#endif /* TESTS_UNIT_HELPERS_NETVSC_FAKE_H */
