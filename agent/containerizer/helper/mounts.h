/*
 * filesystem/linux's mount plan, carried out in C by mesos-ts-launcher: in the
 * forked child of the launcher itself (no exec per container), or, behind
 * other wrappers (namespaces/pid's unshare), by `mesos-ts-launcher mount`.
 * See mounts.c.
 */
#ifndef MESOS_TS_MOUNTS_H
#define MESOS_TS_MOUNTS_H

#include <stddef.h>
#include <sys/types.h>

/* The user the plan switches to after its mounts (`user` op). */
struct plan_user {
  int set;
  uid_t uid;
  gid_t gid;
};

/* Checks the plan's shape (operations, argument counts, absolute paths without '..', overlay
   options, device names, numbers) without touching the filesystem. 0, or -1 with a message in err. */
int check_mount_plan(char **ops, size_t n, char *err, size_t errlen);

/* In the container's process, as root: a mount namespace of its own, the plan's mounts, pivot_root
   into the root when there is one, chdir to the working directory. Returns the user to switch to.
   On failure: a line on stderr and _exit(125). */
struct plan_user apply_mount_plan(char **ops, size_t n);

/* setgroups(0), setgid, setuid: what a plan's user gets (no supplementary groups of the host's
   group database: the container has a root of its own). _exit(125) on failure. */
void drop_to_plan_user(struct plan_user u);

#endif
