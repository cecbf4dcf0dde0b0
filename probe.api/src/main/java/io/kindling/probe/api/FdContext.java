package io.kindling.probe.api;

/**
 * The file descriptor an event works on. The core fills the number and the type; the file
 * converter fills file name and directory, the socket converter protocol, role, addresses, ports
 * and unix endpoints. What no converter filled stays {@code null}.
 */
public final class FdContext {
    private final long num;
    private final FdType type;
    private String filename;
    private String directory;
    private L4Protocol protocol;
    private Boolean serverRole;
    private String sip;
    /** -1 until a converter sets it (kept unboxed: most events on sockets never have it read). */
    private int sport = -1;
    private String dip;
    private int dport = -1;
    private boolean unixSet;
    private long unixSource;
    private long unixDestination;

    public FdContext(long num, FdType type) {
        this.num = num;
        this.type = type;
    }

    public long num() { return num; }
    public FdType type() { return type; }
    public String filename() { return filename; }
    public String directory() { return directory; }
    public L4Protocol protocol() { return protocol; }
    /** {@code true} when the probe saw the server side, {@code false} for the client side. */
    public Boolean serverRole() { return serverRole; }
    public String sip() { return sip; }
    public Integer sport() { return sport < 0 ? null : sport; }
    public String dip() { return dip; }
    public Integer dport() { return dport < 0 ? null : dport; }
    public Long unixSource() { return unixSet ? unixSource : null; }
    public Long unixDestination() { return unixSet ? unixDestination : null; }

    public FdContext file(String filename, String directory) {
        this.filename = filename;
        this.directory = directory;
        return this;
    }

    public FdContext socket(L4Protocol protocol, boolean serverRole, String sip, int sport, String dip, int dport) {
        this.protocol = protocol;
        this.serverRole = serverRole;
        this.sip = sip;
        this.sport = sport;
        this.dip = dip;
        this.dport = dport;
        return this;
    }

    public FdContext unix(long source, long destination) {
        this.unixSet = true;
        this.unixSource = source;
        this.unixDestination = destination;
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(num).append(' ').append(type.label());
        if (filename != null) b.append(' ').append("/".equals(directory) ? "" : directory).append('/').append(filename);
        if (protocol != null) b.append(' ').append(protocol.label()).append(' ').append(sip).append(':').append(sport)
                .append("->").append(dip).append(':').append(dport).append(Boolean.TRUE.equals(serverRole) ? " server" : " client");
        if (unixSet) b.append(" unix ").append(Long.toHexString(unixSource)).append("->").append(Long.toHexString(unixDestination));
        return b.toString();
    }
}
