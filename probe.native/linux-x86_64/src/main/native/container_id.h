/*
 * Kindling Probe for OSGi - the container of a thread, from its cgroups, where libsinsp names none.
 *
 * A container's cgroup has the container's 64-hex-character id in one path component, in the
 * forms that container runtimes give it on cgroup v1 and v2:
 *   /docker/ID                                   Docker, cgroupfs driver
 *   /system.slice/docker-ID.scope                Docker, systemd driver
 *   /kubepods/besteffort/podUID/ID               the kubelet, cgroupfs driver (any runtime)
 *   /kubepods.slice/.../cri-containerd-ID.scope  containerd's CRI, systemd driver
 *   /kubepods-besteffort-podUID.slice:cri-containerd:ID   containerd's CRI, systemd cgroups path as given
 *   /kubepods.slice/.../crio-ID.scope            CRI-O
 *   /machine.slice/libpod-ID.scope(/container)   Podman
 * The id is the first component, from the leaf up, that is such a name; a process of no container
 * (or of a pod's own cgroup, or conmon's crio-conmon-ID.scope) has none. The id delivered is
 * libsinsp's short one: its first 12 characters.
 */
#ifndef KINDLING_CONTAINER_ID_H
#define KINDLING_CONTAINER_ID_H

#include <sinsp.h>

#include <string>

namespace kindling_probe {

/* Characters of a container id in a cgroup path, and of the id delivered. */
const size_t CONTAINER_ID_FULL = 64;
const size_t CONTAINER_ID_SHORT = 12;

/* The short container id of one cgroup path; empty when it names no container. */
std::string container_id_of_path(const std::string& path);

/* The short container id of a thread's cgroups (the first that names one); empty for none. */
std::string container_id_of_cgroups(const std::vector<std::pair<std::string, std::string>>& cgroups);

/* A thread's container id as the batch writer copies it: its bytes and their count (0: none). */
struct container_name {
    const char* data = nullptr;
    size_t len = 0;
};

/* The thread's container id: libsinsp's when it has one, else the probe's own from the thread's
 * cgroups, worked out once per thread and kept in the thread's private state (slot, reserved by
 * reserve_container_slot before the capture opens; -1: worked out at every call). */
container_name container_id_of(sinsp_threadinfo* tinfo, int64_t slot);

/* Reserves the private thread state that container_id_of keeps; -1 when libsinsp refuses. */
int64_t reserve_container_slot(sinsp* insp);

}  // namespace kindling_probe

#endif /* KINDLING_CONTAINER_ID_H */
