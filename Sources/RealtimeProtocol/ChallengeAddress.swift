/// The address a relay's challenge proof names: the relay's end of the TCP
/// connection, as the relay sees it and as the client dialled it.
///
/// Both ends write it the same way, `host:port` with an IPv6 host in brackets
/// (`127.0.0.1:4000`, `[::1]:4000`), so that a proof made on one address never
/// passes for another. A client that dials a name (`localhost`) compares the name
/// and so refuses every proof: it must dial the address it means.
public enum ChallengeAddress {
    /// `host:port`, with `host` in brackets when it is an IPv6 address.
    public static func text(host: String, port: Int) -> String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
    }
}
