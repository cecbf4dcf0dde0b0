package io.kindling.probe.api;

/**
 * The container an event's thread runs in, as its runtime describes it: the short (12-character) id,
 * the container's name and image, and for a Kubernetes pod's container the kubelet's labels: the pod's
 * name, namespace and uid and the container's name in the pod (empty when the container has none). The
 * runtime is asked once per container, never while an event waits: until it has answered (or when it
 * cannot), an event carries a context with the id alone.
 *
 * @since 1.3
 */
public record ContainerContext(String id, String name, String image, String podName, String podNamespace, String podUid,
        String podContainer) {

    public ContainerContext {
        id = id == null ? "" : id;
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        podName = podName == null ? "" : podName;
        podNamespace = podNamespace == null ? "" : podNamespace;
        podUid = podUid == null ? "" : podUid;
        podContainer = podContainer == null ? "" : podContainer;
    }

    /** A container known by its id alone (its runtime has not answered, or cannot be asked). */
    public static ContainerContext ofId(String id) {
        return new ContainerContext(id, "", "", "", "", "", "");
    }
}
