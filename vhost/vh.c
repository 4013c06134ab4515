#include "vhost/vh.h"

#include <errno.h>
#include <limits.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_vhost.h>

#include "dataplane/dp.h"

#define VH_REMOVE_WAIT_S 5 /* vh_port_add after a removal of the same socket */
#define VH_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, vh_logtype, "vnetd.vhost: " __VA_ARGS__)

static int vh_logtype;

struct vh_slot {
	bool used;
	bool removing; /* vh_port_remove: rte_vhost unregistering (reaper thread) */
	bool client;
	int vid;
	unsigned queues;
	unsigned connects; /* devices attached since vh_port_add */
	char path[108];
	dev_t dev; /* the socket file bound (server mode): unlinked only if */
	ino_t ino; /* the file at path is still that one */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t removed; /* a slot finished removing */
	unsigned removing;      /* slots removing */
	struct dp *dp;
	int gid;
	struct vh_slot slot[DP_MAX_PORTS];
} vh = { .lock = PTHREAD_MUTEX_INITIALIZER, .removed = PTHREAD_COND_INITIALIZER };

static const uint64_t masked_features =
	(1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
	(1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
	(1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO) |
	(1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
	(1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO);

/* Caller holds vh.lock.  Slots being removed are found by path (the
 * socket is still registered) but not by vid: their device was detached
 * from the dataplane when the removal began. */
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
		if (vh.slot[i].used && !vh.slot[i].removing && vh.slot[i].vid == vid)
			return i;
	return -1;
}

/* The live slot of a device, also before its new_device (rte_vhost reports
 * vring states first): by vid, else by its socket path.  Caller holds
 * vh.lock. */
static int find_dev(int vid)
{
	int p = find_vid(vid);
	char path[PATH_MAX];
	if (p < 0 && rte_vhost_get_ifname(vid, path, sizeof(path)) == 0) {
		p = find_path(path);
		if (p >= 0 && vh.slot[p].removing)
			p = -1;
	}
	return p;
}

static int new_device(int vid)
{
	char path[PATH_MAX];
	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return -1;
	unsigned nr = rte_vhost_get_vring_num(vid);
	/* We poll: tell the guest not to kick until a worker goes to sleep
	 * (before the workers see the device, so we do not undo their arming). */
	for (unsigned q = 0; q < nr; q++)
		rte_vhost_enable_guest_notification(vid, (uint16_t)q, 0);
	pthread_mutex_lock(&vh.lock);
	int p = find_path(path);
	if (p >= 0 && vh.slot[p].removing) {
		pthread_mutex_unlock(&vh.lock);
		return -1; /* the port is going away */
	}
	if (p >= 0) {
		vh.slot[p].vid = vid;
		vh.slot[p].connects++;
		vh.slot[p].queues = nr / 2;
		/* attach under the lock: vh_port_remove detaches under it */
		dp_port_attach_vhost(vh.dp, (uint16_t)p, vid, nr);
	}
	pthread_mutex_unlock(&vh.lock);
	if (p < 0) {
		VH_LOG(WARNING, "device %d on unknown socket %s\n", vid, path);
		return -1;
	}
	VH_LOG(INFO, "port %d: device %d attached on %s, %u queue pairs\n", p, vid, path, nr / 2);
	return 0;
}

static void destroy_device(int vid)
{
	pthread_mutex_lock(&vh.lock);
	int p = find_vid(vid);
	if (p < 0) {
		pthread_mutex_unlock(&vh.lock);
		return;
	}
	/* Returns after a grace period: no worker touches the vrings now.
	 * Under the lock (workers never take it): a removal cannot free the
	 * port id meanwhile, so this never detaches the id's next user. */
	dp_port_detach(vh.dp, (uint16_t)p);
	vh.slot[p].vid = -1;
	pthread_mutex_unlock(&vh.lock);
	VH_LOG(INFO, "port %d: device %d detached\n", p, vid);
}

/* Arrives before new_device for the first states of a connection: the
 * state is recorded for the port all the same (dp keeps it until detach). */
static int vring_state_changed(int vid, uint16_t queue_id, int enable)
{
	pthread_mutex_lock(&vh.lock);
	int p = find_dev(vid);
	if (p >= 0)
		dp_port_vring_state(vh.dp, (uint16_t)p, queue_id, enable != 0);
	pthread_mutex_unlock(&vh.lock);
	return 0;
}

static int wait_removed(uint16_t port, const char *path);

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
	vh_wait_removals();
}

int vh_port_add(uint16_t port, const char *path, bool client)
{
	uint64_t flags = client ? RTE_VHOST_USER_CLIENT : 0;
	struct stat st;
	int r;

	if (port >= DP_MAX_PORTS || strlen(path) >= sizeof(vh.slot[0].path))
		return -EINVAL;
	pthread_mutex_lock(&vh.lock);
	/* the same port id or socket right after a removal: let it finish */
	if (wait_removed(port, path) < 0) {
		pthread_mutex_unlock(&vh.lock);
		return -EBUSY;
	}
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

/* Reaper: unregistering waits for rte_vhost's callbacks in flight on the
 * socket and runs destroy_device (which finds no live slot: the device was
 * detached already), so it runs off the control thread. */
static void *reap(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	char path[108];

	pthread_mutex_lock(&vh.lock);
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
	int r = -EBUSY;
	for (int tries = 0; tries < 500 && r == -EBUSY; tries++) {
		r = rte_vhost_driver_unregister(path);
		if (r == -EBUSY)
			usleep(10000);
	}
	if (r != 0)
		VH_LOG(ERR, "port %u: cannot unregister %s (%d)\n", port, path, r);
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
	vh.removing--;
	pthread_cond_broadcast(&vh.removed);
	pthread_mutex_unlock(&vh.lock);
	return NULL;
}

/* Returns once the dataplane no longer uses the port's device (a grace
 * period: microseconds); the socket is closed by the reaper thread, and
 * the slot and path are reusable when it is done (vh_port_add waits). */
int vh_port_remove(uint16_t port)
{
	if (port >= DP_MAX_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&vh.lock);
	if (!vh.slot[port].used || vh.slot[port].removing) {
		pthread_mutex_unlock(&vh.lock);
		return -ENOENT;
	}
	/* Removing: callbacks leave the slot alone from now on (new_device
	 * refuses, destroy_device and vring states do not find it). */
	vh.slot[port].removing = true;
	vh.removing++;
	bool attached = vh.slot[port].vid >= 0;
	vh.slot[port].vid = -1;
	pthread_mutex_unlock(&vh.lock);
	/* Outside the lock: rte_vhost may hold a vring's lock while its
	 * callback waits for ours, and a worker may wait for that vring. */
	if (attached)
		dp_port_detach(vh.dp, port);

	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, reap, (void *)(uintptr_t)port) != 0)
		reap((void *)(uintptr_t)port); /* no thread: do it here */
	pthread_attr_destroy(&at);
	return 0;
}

/* Waits (bounded) until no removal of this slot or path is in flight.
 * Caller holds vh.lock. */
static int wait_removed(uint16_t port, const char *path)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += VH_REMOVE_WAIT_S;
	for (;;) {
		int p = find_path(path);
		bool busy = (vh.slot[port].used && vh.slot[port].removing) ||
			    (p >= 0 && vh.slot[p].removing);
		if (!busy)
			return 0;
		if (pthread_cond_timedwait(&vh.removed, &vh.lock, &dl) == ETIMEDOUT)
			return -EBUSY;
	}
}

void vh_wait_removals(void)
{
	pthread_mutex_lock(&vh.lock);
	while (vh.removing > 0)
		pthread_cond_wait(&vh.removed, &vh.lock);
	pthread_mutex_unlock(&vh.lock);
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
	info->connects = vh.slot[port].connects;
	/* what the workers serve: the pairs the guest enabled */
	info->queues = info->connected ? dp_port_queues(vh.dp, port) : 0;
	pthread_mutex_unlock(&vh.lock);
	return r;
}
