/* ata_reg.h -- legacy IDE/ATA primary channel: port map, status/error bits, commands, IDENTIFY words (ATA/ATAPI-8 ACS). */
#ifndef HW_ATA_REG_H
#define HW_ATA_REG_H

/* Primary channel command block (0x1F0..0x1F7) and control block (0x3F6). */
#define ATA_PRI_CMD_BASE   0x1F0u
#define ATA_PRI_CTL        0x3F6u
#define ATA_REG_DATA       0u      /* 16-bit PIO data */
#define ATA_REG_ERROR      1u      /* read: error; write: features */
#define ATA_REG_FEATURE    1u
#define ATA_REG_NSECT      2u      /* sector count (LBA48: two-deep FIFO) */
#define ATA_REG_LBAL       3u
#define ATA_REG_LBAM       4u
#define ATA_REG_LBAH       5u
#define ATA_REG_DEVICE     6u      /* drive/head */
#define ATA_REG_STATUS     7u      /* read: status; write: command */
#define ATA_REG_CMD        7u

/* status (ATA_REG_STATUS, alternate status at ATA_PRI_CTL) */
#define ATA_ST_ERR   0x01u
#define ATA_ST_DRQ   0x08u
#define ATA_ST_DSC   0x10u         /* obsolete "seek complete", still set by disks */
#define ATA_ST_DF    0x20u
#define ATA_ST_DRDY  0x40u
#define ATA_ST_BSY   0x80u

/* error (ATA_REG_ERROR) */
#define ATA_ER_ABRT  0x04u         /* command aborted */
#define ATA_ER_IDNF  0x10u         /* address out of range */
#define ATA_ER_UNC   0x40u         /* uncorrectable data error */

/* device (ATA_REG_DEVICE) */
#define ATA_DEV_DEV  0x10u         /* 1 = device 1 ("slave") */
#define ATA_DEV_LBA  0x40u
#define ATA_DEV_OBS  0xA0u         /* obsolete bits, set by convention */

/* device control (write to ATA_PRI_CTL) */
#define ATA_CTL_NIEN 0x02u
#define ATA_CTL_SRST 0x04u
#define ATA_CTL_HOB  0x80u

/* commands */
#define ATA_CMD_READ_SECTORS      0x20u
#define ATA_CMD_READ_SECTORS_NR   0x21u
#define ATA_CMD_READ_SECTORS_EXT  0x24u
#define ATA_CMD_WRITE_SECTORS     0x30u
#define ATA_CMD_WRITE_SECTORS_NR  0x31u
#define ATA_CMD_WRITE_SECTORS_EXT 0x34u
#define ATA_CMD_VERIFY            0x40u
#define ATA_CMD_VERIFY_EXT        0x42u
#define ATA_CMD_INIT_DEV_PARAMS   0x91u
#define ATA_CMD_PACKET            0xA0u
#define ATA_CMD_ID_PACKET         0xA1u
#define ATA_CMD_STANDBY_IMM       0xE0u
#define ATA_CMD_IDLE_IMM          0xE1u
#define ATA_CMD_CHECK_POWER       0xE5u
#define ATA_CMD_FLUSH_CACHE       0xE7u
#define ATA_CMD_IDENTIFY          0xECu
#define ATA_CMD_FLUSH_CACHE_EXT   0xEAu
#define ATA_CMD_SET_FEATURES      0xEFu

/* SET FEATURES subcommands (ATA_REG_FEATURE) */
#define ATA_SF_ENABLE_WCACHE  0x02u
#define ATA_SF_XFER_MODE      0x03u
#define ATA_SF_DISABLE_WCACHE 0x82u

/* IDENTIFY DEVICE words (256 little-endian words; strings are byte-swapped per word) */
#define ATA_ID_CONFIG        0    /* bit 15 0 = ATA device */
#define ATA_ID_CYLS          1
#define ATA_ID_HEADS         3
#define ATA_ID_SECTORS       6
#define ATA_ID_SERNO         10   /* 20 chars */
#define ATA_ID_FW_REV        23   /* 8 chars */
#define ATA_ID_PROD          27   /* 40 chars */
#define ATA_ID_MAX_MULTSECT  47
#define ATA_ID_CAPABILITY    49   /* bit 9 LBA */
#define ATA_ID_FIELD_VALID   53
#define ATA_ID_LBA_CAPACITY  60   /* two words: LBA28 addressable sectors */
#define ATA_ID_MAJOR_VER     80
#define ATA_ID_COMMAND_SET_1 82   /* bit 5 write cache supported */
#define ATA_ID_COMMAND_SET_2 83   /* bit 10 LBA48, bit 12 FLUSH CACHE, bit 13 FLUSH CACHE EXT, bit 14 must be 1 */
#define ATA_ID_CFSSE         84   /* bit 14 must be 1 */
#define ATA_ID_CFS_ENABLE_1  85   /* bit 5 write cache enabled */
#define ATA_ID_CFS_ENABLE_2  86   /* bit 10 LBA48 enabled, bits 12/13 flush */
#define ATA_ID_CSF_DEFAULT   87   /* bit 14 must be 1 */
#define ATA_ID_LBA48_CAP     100  /* four words */
#define ATA_ID_SECTOR_SIZE   106
#define ATA_ID_WORDS         256

#define ATA_SECTOR           512u
#define ATA_LBA28_MAX        0x0FFFFFFFull  /* sectors addressable with 28 bits */

#endif /* HW_ATA_REG_H */
