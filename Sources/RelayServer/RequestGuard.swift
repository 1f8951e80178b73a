import Foundation
import HTTPTypes

/// Keeps web pages out: every HTTP request and WebSocket upgrade is checked for a
/// foreign `Origin` and, on a loopback relay, for a `Host` that is not the relay's.
///
/// A browser attaches `Origin` to every cross-origin request and to every WebSocket
/// handshake, so a page the user visits can be recognised and refused, however it
/// reached the port. Programs (realtime-py, curl, Qalam's own client) send none, or,
/// like swift-websocket, the socket's own `ws://` URL, which no browser page can
/// have. `Host` stops DNS rebinding: a page on `evil.example` whose name was
/// re-pointed at 127.0.0.1 still sends `Host: evil.example`.
struct RequestGuard: Sendable {
    /// Origins a browser may call from, exactly as the browser sends them
    /// (`scheme://host[:port]`), lowercased.
    let allowedOrigins: Set<String>
    /// Host names (without port) the relay answers to; `nil` answers any.
    let allowedHosts: Set<String>?

    init(configuration: RelayConfiguration) {
        allowedOrigins = Set(configuration.allowedOrigins.map { Self.normalizedOrigin($0) })
        if configuration.isLoopback {
            var hosts: Set<String> = ["127.0.0.1", "localhost", "::1", configuration.host.lowercased()]
            for host in configuration.allowedHosts { hosts.insert(host.lowercased()) }
            allowedHosts = hosts
        } else {
            // A relay on a public interface is reached by names it cannot know; its
            // protection is the JWT, which a browser page does not have.
            allowedHosts =
                configuration.allowedHosts.isEmpty ? nil : Set(configuration.allowedHosts.map { $0.lowercased() })
        }
    }

    /// Why the request is refused, or `nil` to let it through.
    func refusal(origins: [String], host: String?) -> String? {
        if let host, let allowedHosts {
            let name = Self.hostName(host)
            guard allowedHosts.contains(name) else {
                return "Host \(host) is not this relay's address; a proxy in front of it needs --allow-host \(name)"
            }
        }
        // Every Origin field counts: a request may not hide a page behind a second one.
        for origin in origins where !isAllowed(origin: origin) {
            if Self.normalizedOrigin(origin) == "null" {
                // Any site can make one (a sandboxed frame, a file, a redirect): never allowable.
                return
                    "a page without an origin of its own (Origin: null: a sandboxed frame or a file) may not use this relay"
            }
            return "Origin \(origin) may not use this relay; start it with --allow-origin \(origin) to allow it"
        }
        return nil
    }

    /// Whether a browser page of `origin` may call; also decides the CORS answer.
    func isAllowed(origin: String) -> Bool {
        let normalized = Self.normalizedOrigin(origin)
        if allowedOrigins.contains(normalized) { return true }
        // Non-browser WebSocket clients that fill in Origin with the socket URL.
        return normalized.hasPrefix("ws://") || normalized.hasPrefix("wss://")
    }

    /// `Host` without its port: `127.0.0.1:4000` → `127.0.0.1`, `[::1]:4000` → `::1`.
    static func hostName(_ host: String) -> String {
        let lower = host.lowercased().trimmingCharacters(in: .whitespaces)
        if lower.hasPrefix("[") {
            guard let close = lower.firstIndex(of: "]") else { return lower }
            return String(lower[lower.index(after: lower.startIndex)..<close])
        }
        if let colon = lower.lastIndex(of: ":"), lower.firstIndex(of: ":") == colon {
            return String(lower[..<colon])
        }
        return lower
    }

    /// Lowercased, without a trailing slash: browsers send `http://Example.com` as
    /// `http://example.com`, and users type `http://example.com/`.
    static func normalizedOrigin(_ origin: String) -> String {
        var text = origin.lowercased().trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
