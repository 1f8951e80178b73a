import Foundation

/// Builds the WebSocket URL of a Realtime server from a project URL, as supabase-js
/// and realtime-js do: `http(s)://HOST/…` becomes
/// `ws(s)://HOST/…/realtime/v1/websocket?apikey=KEY&vsn=2.0.0`.
enum RealtimeEndpoint {
    /// - Parameters:
    ///   - base: `http://127.0.0.1:4000`, `https://xyz.supabase.co`, or a `ws(s)://` URL
    ///     that may already end in `/realtime/v1` or `/realtime/v1/websocket`.
    ///   - params: extra query parameters (e.g. `log_level`), sent before `vsn`.
    static func url(base: URL, apiKey: String, vsn: String, params: [String: String] = [:]) throws -> URL {
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw RealtimeError.invalidURL(base.absoluteString) }
        switch scheme {
        case "http", "ws": components.scheme = "ws"
        case "https", "wss": components.scheme = "wss"
        default: throw RealtimeError.invalidURL(base.absoluteString)
        }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/realtime/v1/websocket") || path.hasSuffix("/socket/websocket") {
            // Already a socket URL.
        } else if path.hasSuffix("/realtime/v1") {
            path += "/websocket"
        } else {
            path += "/realtime/v1/websocket"
        }
        components.path = path
        // phoenix appends user params first and `vsn` last; an `apikey` or `vsn`
        // already in the URL is replaced rather than sent twice.
        var items = (components.queryItems ?? []).filter { $0.name != "apikey" && $0.name != "vsn" }
        items.append(URLQueryItem(name: "apikey", value: apiKey))
        for name in params.keys.sorted() where name != "apikey" && name != "vsn" {
            items.append(URLQueryItem(name: name, value: params[name]))
        }
        items.append(URLQueryItem(name: "vsn", value: vsn))
        components.queryItems = items
        guard let url = components.url else { throw RealtimeError.invalidURL(base.absoluteString) }
        return url
    }
}
