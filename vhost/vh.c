#include "vhost/vh.h"

#include <errno.h>
#include <limits.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_vhost.h>

#include "dataplane/dp.h"

#define VH_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, vh_logtype, "vnetd.vhost: " __VA_ARGS__)

static int vh_logtype;

struct vh_slot {
	bool used;
	bool client;
	int vid;
	unsigned queues;
	char path[108];
	dev_t dev; /* the socket file bound (server mode): unlinked only if */
	ino_t ino; /* the file at path is still that one */
};

static struct {
	pthread_mutex_t lock;
	struct dp *dp;
	int gid;
	struct vh_slot slot[DP_MAX_PORTS];
} vh = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const uint64_t masked_features =
	(1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
	(1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
	(1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO) |
	(1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
	(1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO);

/* Caller holds vh.lock. */
static int find_path(const char *path)
{
	for (int i = 0; i < DP_MAX_PORTS; i++)
		if (vh.slot[i].used && !strcmp(vh.slot[i].path, path))
			return i;
	return -1;
}

static int find_vid(int vid)
{
	for (int i = 0; i < DP_MAX_PORTS; i++)
		if (vh.slot[i].used && vh.slot[i].vid == vid)
			return i;
	return -1;
}

static int new_device(int vid)
{
	char path[PATH_MAX];
	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return -1;
	unsigned nr = rte_vhost_get_vring_num(vid);
	pthread_mutex_lock(&vh.lock);
	int p = find_path(path);
	if (p >= 0) {
		vh.slot[p].vid = vid;
		vh.slot[p].queues = nr / 2;
	}
	pthread_mutex_unlock(&vh.lock);
	if (p < 0) {
		VH_LOG(WARNING, "device %d on unknown socket %s\n", vid, path);
		return -1;
	}
	/* We poll: tell the guest not to kick until a worker goes to sleep. */
	for (unsigned q = 0; q < nr; q++)
		rte_vhost_enable_guest_notification(vid, (uint16_t)q, 0);
	dp_port_attach_vhost(vh.dp, (uint16_t)p, vid, nr);
	VH_LOG(INFO, "port %d: device %d attached on %s, %u queue pairs\n", p, vid, path, nr / 2);
	return 0;
}

static void destroy_device(int vid)
{
	pthread_mutex_lock(&vh.lock);
	int p = find_vid(vid);
	pthread_mutex_unlock(&vh.lock);
	if (p < 0)
		return;
	/* Returns after a grace period: no worker touches the vrings now. */
	dp_port_detach(vh.dp, (uint16_t)p);
	pthread_mutex_lock(&vh.lock);
	if (vh.slot[p].vid == vid)
		vh.slot[p].vid = -1;
	pthread_mutex_unlock(&vh.lock);
	VH_LOG(INFO, "port %d: device %d detached\n", p, vid);
}

static int vring_state_changed(int vid, uint16_t queue_id, int enable)
{
	pthread_mutex_lock(&vh.lock);
	int p = find_vid(vid);
	pthread_mutex_unlock(&vh.lock);
	if (p >= 0)
		dp_port_vring_state(vh.dp, (uint16_t)p, queue_id, enable != 0);
	return 0;
}

static const struct rte_vhost_device_ops vh_ops = {
	.new_device = new_device,
	.destroy_device = destroy_device,
	.vring_state_changed = vring_state_changed,
};

int vh_init(struct dp *dp, int socket_gid)
{
	vh_logtype = rte_log_register_type_and_pick_level("vnetd.vhost", RTE_LOG_INFO);
	vh.dp = dp;
	vh.gid = socket_gid;
	for (int i = 0; i < DP_MAX_PORTS; i++)
		vh.slot[i].vid = -1;
	return 0;
}

void vh_fini(void)
{
	for (uint16_t i = 0; i < DP_MAX_PORTS; i++)
		if (vh.slot[i].used)
			vh_port_remove(i);
}

int vh_port_add(uint16_t port, const char *path, bool client)
{
	uint64_t flags = client ? RTE_VHOST_USER_CLIENT : 0;
	struct stat st;
	int r;

	if (port >= DP_MAX_PORTS || strlen(path) >= sizeof(vh.slot[0].path))
		return -EINVAL;
	pthread_mutex_lock(&vh.lock);
	if (vh.slot[port].used || find_path(path) >= 0) {
		pthread_mutex_unlock(&vh.lock);
		return -EEXIST;
	}
	vh.slot[port] = (struct vh_slot){ .used = true, .client = client, .vid = -1 };
	snprintf(vh.slot[port].path, sizeof(vh.slot[port].path), "%s", path);
	pthread_mutex_unlock(&vh.lock);

	/* A stale socket from an earlier run would make bind() fail. */
	if (!client && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	r = rte_vhost_driver_register(path, flags);
	if (r != 0)
		goto fail;
	if (rte_vhost_driver_disable_features(path, masked_features) != 0 ||
	    rte_vhost_driver_callback_register(path, &vh_ops) != 0 ||
	    rte_vhost_driver_start(path) != 0) {
		rte_vhost_driver_unregister(path);
		goto fail;
	}
	if (!client) {
		if (lstat(path, &st) == 0) {
			pthread_mutex_lock(&vh.lock);
			vh.slot[port].dev = st.st_dev;
			vh.slot[port].ino = st.st_ino;
			pthread_mutex_unlock(&vh.lock);
		}
		if (chmod(path, 0660) != 0 ||
		    (vh.gid >= 0 && chown(path, (uid_t)-1, (gid_t)vh.gid) != 0))
			VH_LOG(WARNING, "cannot set permissions of %s\n", path);
	}
	return 0;
fail:
	pthread_mutex_lock(&vh.lock);
	vh.slot[port].used = false;
	pthread_mutex_unlock(&vh.lock);
	return -EIO;
}

int vh_port_remove(uint16_t port)
{
	char path[108];

	if (port >= DP_MAX_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&vh.lock);
	if (!vh.slot[port].used) {
		pthread_mutex_unlock(&vh.lock);
		return -ENOENT;
	}
	memcpy(path, vh.slot[port].path, sizeof(path));
	bool client = vh.slot[port].client;
	dev_t dev = vh.slot[port].dev;
	ino_t ino = vh.slot[port].ino;
	pthread_mutex_unlock(&vh.lock);
	struct stat st;
	bool ours = !client && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == dev && st.st_ino == ino;
	/* rte_vhost unlinks a server socket's path when it unregisters: a file
	 * put there in place of vnetd's socket keeps a second link meanwhile,
	 * and gets its name back afterwards. */
	char keep[sizeof(path) + 24] = "";
	if (!client && !ours && lstat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(keep, sizeof(keep), "%s.vnetd-keep-%d", path, (int)getpid());
		if (link(path, keep) != 0)
			keep[0] = 0;
	}

	/* Unregistering runs destroy_device for a connected device; it
	 * answers -EBUSY while a callback for that socket is in flight. */
	for (int tries = 0; tries < 500; tries++) {
		int r = rte_vhost_driver_unregister(path);
		if (r != -EBUSY)
			break;
		usleep(10000);
	}
	/* Never a file someone put there after vnetd bound its socket. */
	if (ours)
		unlink(path);
	if (keep[0]) {
		if (rename(keep, path) != 0)
			VH_LOG(WARNING, "cannot restore %s: %s\n", path, strerror(errno));
		unlink(keep); /* still there when path was never unlinked */
	}
	pthread_mutex_lock(&vh.lock);
	vh.slot[port] = (struct vh_slot){ .vid = -1 };
	pthread_mutex_unlock(&vh.lock);
	return 0;
}

int vh_port_info(uint16_t port, struct vh_port_info *info)
{
	if (port >= DP_MAX_PORTS)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&vh.lock);
	int r = vh.slot[port].used ? 0 : -ENOENT;
	info->vid = vh.slot[port].vid;
	info->connected = vh.slot[port].vid >= 0;
	info->queues = vh.slot[port].queues;
	pthread_mutex_unlock(&vh.lock);
	return r;
}
