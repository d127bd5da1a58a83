/* SPDX-License-Identifier: MIT */
/*
 * xsnodes.h: XenStore node names of the vgpu device class (vgpu-xenstore(7)).
 *
 *   /local/domain/0/backend/vgpu/<domid>/<devid>/   owned by dom0, guest reads
 *   /local/domain/<domid>/device/vgpu/<devid>/      owned by the guest, dom0 reads
 *
 * pool and priority live only in the backend directory: the toolstack writes
 * them, the guest can read but never write them.
 */
#ifndef VGPU_XSNODES_H
#define VGPU_XSNODES_H

#define VGPU_XS_DEVCLASS           "vgpu"
#define VGPU_XS_BACKEND_ROOT       "backend/vgpu"	/* under /local/domain/0 */
#define VGPU_XS_FRONTEND_ROOT      "device/vgpu"	/* under /local/domain/<id> */

/* Both directories. */
#define VGPU_XS_STATE              "state"

/* Backend directory. */
#define VGPU_XS_FRONTEND           "frontend"
#define VGPU_XS_FRONTEND_ID        "frontend-id"
#define VGPU_XS_ONLINE             "online"
#define VGPU_XS_POOL               "pool"
#define VGPU_XS_PRIORITY           "priority"
#define VGPU_XS_FEAT_RING_ORDER    "max-ring-page-order"
#define VGPU_XS_FEAT_VERSION       "feature-protocol-version"
#define VGPU_XS_FEAT_MAX_INFLIGHT  "feature-max-inflight"
#define VGPU_XS_FEAT_MAX_BUF_PAGES "feature-max-buffer-pages"
#define VGPU_XS_FEAT_EXECUTOR      "feature-executor"
#define VGPU_XS_FEAT_MEM_QUOTA     "feature-mem-quota"	/* protocol 2: bytes */
#define VGPU_XS_HOTPLUG_STATUS     "hotplug-status"

/* Frontend directory. */
#define VGPU_XS_BACKEND            "backend"
#define VGPU_XS_BACKEND_ID         "backend-id"
#define VGPU_XS_RING_REF           "ring-ref"		/* order 0 */
#define VGPU_XS_RING_REF_FMT       "ring-ref%u"	/* order > 0 */
#define VGPU_XS_RING_PAGE_ORDER    "ring-page-order"
#define VGPU_XS_EVENT_CHANNEL      "event-channel"
#define VGPU_XS_PROTOCOL           "protocol"

/* Values of the priority node, highest first. */
#define VGPU_PRIO_HIGH   0
#define VGPU_PRIO_MEDIUM 1
#define VGPU_PRIO_LOW    2
#define VGPU_NR_PRIOS    3

#endif /* VGPU_XSNODES_H */
