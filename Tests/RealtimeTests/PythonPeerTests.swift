import Foundation
import NIOSSL
import RealtimeProtocol
import RelayServer
import TestSupport
import XCTest

@testable import Realtime

/// Tests against real Python programs: servers that misbehave on purpose, and the
/// PyPI `realtime` client as a second, independent implementation of the protocol.
final class PythonPeerTests: XCTestCase {
    override func setUpWithError() throws {
        // scripts/install-deps.sh --test installs both (Tests/python/requirements.txt).
        guard PythonPeer.hasModule("websockets"), PythonPeer.hasModule("realtime") else {
            throw Prerequisite.missing(
                "python3 with `websockets` and `realtime` is needed: scripts/install-deps.sh --test")
        }
    }

    private func silentServer(_ mode: String) async throws -> (PythonPeer, URL) {
        let peer = try PythonPeer(script: PythonScripts.silentServer, arguments: [mode])
        let portLine = try await peer.lines.waitFor("the silent server's port") { Int($0) != nil }
        return (peer, URL(string: "http://127.0.0.1:\(portLine)")!)
    }

    func testUnansweredHeartbeatClosesTheSocketAndReconnects() async throws {
        let (server, url) = try await silentServer("ws")
        defer { server.stop() }
        var options = fastOptions(heartbeat: .milliseconds(200))
        options.heartbeatTimeout = .milliseconds(300)
        let client = try RealtimeClient(url: url, apiKey: "anon", options: options)
        let states = Recorder(await client.connectionStates())
        await client.connect()
        try await states.waitFor("first open") { $0 == .open }
        // No reply within 300 ms: the client gives up on the socket and opens a new one.
        try await states.waitFor("closed after the heartbeat timeout") {
            if case .closed(reconnectIn: _?) = $0 { return true } else { return false }
        }
        let opens = try await states.waitForCount(atLeast: 2) { $0 == .open }
        XCTAssertGreaterThanOrEqual(opens, 2, "reconnected after the heartbeat timeout")
        await client.disconnect()
    }

    func testUnansweredUpgradeIsAbandonedAndRetried() async throws {
        let (server, url) = try await silentServer("tcp")
        defer { server.stop() }
        var options = fastOptions()
        options.connectTimeout = .milliseconds(300)
        let client = try RealtimeClient(url: url, apiKey: "anon", options: options)
        let states = Recorder(await client.connectionStates())
        await client.connect()
        let attempts = try await states.waitForCount(atLeast: 3) { $0 == .connecting }
        XCTAssertGreaterThanOrEqual(attempts, 3, "each hung handshake is abandoned and retried")
        let opens = await states.count { $0 == .open }
        XCTAssertEqual(opens, 0)
        await client.disconnect()
    }

    func testUnreadableAndStaleFramesChangeNothing() async throws {
        let server = try PythonPeer(script: PythonScripts.garbageServer, arguments: [])
        defer { server.stop() }
        let port = try await server.lines.waitFor("the scripted server's port") { Int($0) != nil }
        let client = try RealtimeClient(
            url: URL(string: "http://127.0.0.1:\(port)")!, apiKey: "anon", options: fastOptions())
        let states = Recorder(await client.connectionStates())
        let room = await client.channel("junk", config: JoinConfig(presenceEnabled: true))
        let events = Recorder(await room.events())
        try await room.subscribe(timeout: .seconds(15))
        try await events.waitFor("the good broadcast after the junk") { $0.broadcastEvent == "after-garbage" }
        let broadcasts = await events.items.compactMap(\.broadcastEvent)
        XCTAssertEqual(broadcasts, ["after-garbage"], "junk, stale and foreign frames are dropped")
        let presence = await room.presenceState()
        XCTAssertTrue(presence.isEmpty, "malformed presence payloads are not applied")
        let drops = await states.count { if case .closed(reconnectIn: _?) = $0 { return true } else { return false } }
        XCTAssertEqual(drops, 0, "bad frames do not cost the connection")
        let status = await room.status()
        XCTAssertEqual(status, .joined)
        await client.disconnect()
    }

    func testSwiftAndPythonClientsExchangeBroadcastsAndPresence() async throws {
        let relay = try await TestRelay.start()
        let python = try PythonPeer(
            script: PythonScripts.realtimePeer,
            arguments: ["http://127.0.0.1:\(relay.port)/realtime/v1", "crossroom"])
        defer { python.stop() }
        _ = try await python.waitForJSON("python ready") { $0["ready"] as? Bool == true }

        let (client, room, events) = try await joinedChannel(
            relay, "crossroom", config: JoinConfig(presenceKey: "users", presenceEnabled: true))
        // Swift sees Python's presence, Python sees Swift's.
        let state = try await waitForPresence(room, "python's presence") { presenceNames($0) == ["py"] }
        XCTAssertEqual(presenceNames(state), ["py"])
        try await room.track(["name": "swift"])
        _ = try await python.waitForJSON("python sees both") { ($0["presence"] as? [String]) == ["py", "swift"] }

        // Swift (vsn 2.0.0, kind-3 frame) → relay → Python (vsn 1.0.0 JSON) → back.
        let payload: JSONValue = ["text": "مرحبا Qalam", "update": .init(bytes: [0, 1, 2, 254, 255])]
        try await room.broadcast(event: "from-swift", json: payload)
        let seen = try await python.waitForJSON("python got the broadcast") { $0["broadcast"] != nil }
        let message = try XCTUnwrap(seen["broadcast"] as? [String: Any])
        XCTAssertEqual(message["event"] as? String, "from-swift")
        let inner = try XCTUnwrap(message["payload"] as? [String: Any])
        XCTAssertEqual(inner["text"] as? String, "مرحبا Qalam")
        XCTAssertEqual(inner["update"] as? [Int], [0, 1, 2, 254, 255])

        let echo = try await events.waitFor("python's echo") { $0.broadcastEvent == "from-python" }
        XCTAssertEqual(echo.broadcastPayload, .json(["echo": payload]))
        await client.disconnect()
        await relay.stop()
    }
}

/// Refused handshakes as an independent WebSocket client (Python `websockets`) sees them.
final class HandshakeRefusalTests: XCTestCase {
    override func setUpWithError() throws {
        guard PythonPeer.hasModule("websockets") else {
            throw Prerequisite.missing("python3 with `websockets` is needed: scripts/install-deps.sh --test")
        }
    }

    /// What the probe saw when opening the relay's socket with `apikey` and `vsn`.
    private func probe(_ relay: TestRelay, apiKey: String, vsn: String) async throws -> [String: Any] {
        let url = "ws://127.0.0.1:\(relay.port)/realtime/v1/websocket?apikey=\(apiKey)&vsn=\(vsn)"
        let peer = try PythonPeer(script: PythonScripts.handshakeProbe, arguments: [url])
        defer { peer.stop() }
        return try await peer.waitForJSON("the handshake's outcome") { $0["status"] != nil }
    }

    func testRefusedUpgradesCarrySupabasesStatusAndJSONError() async throws {
        let secret = "secret-for-the-handshake-probe-at-least-32"
        let relay = try await TestRelay.start(jwtSecret: secret)
        let cases: [(key: String, vsn: String, status: Int, error: String)] = [
            (RelayToken.make(secret: "not-the-secret"), "2.0.0", 401, "Failed to validate JWT signature"),
            (RelayToken.make(secret: secret, lifetime: -100), "2.0.0", 401, "Token has expired"),
            ("not.a.jwt", "1.0.0", 401, "The token provided is not a valid JWT"),
            (RelayToken.make(secret: secret), "3.0.0", 400, "unsupported serializer version 3.0.0")
        ]
        for item in cases {
            let seen = try await probe(relay, apiKey: item.key, vsn: item.vsn)
            XCTAssertEqual(seen["status"] as? Int, item.status, "\(item)")
            XCTAssertEqual(seen["contentType"] as? String, "application/json", "\(item)")
            let body = try JSONValue(parsing: Array(((seen["body"] as? String) ?? "").utf8))
            let error = body["error"]?.stringValue ?? ""
            XCTAssertTrue(error.hasPrefix(item.error), "\(error) should start with \(item.error)")
        }
        // The control: a good key and version are upgraded.
        let accepted = try await probe(relay, apiKey: RelayToken.make(secret: secret), vsn: "2.0.0")
        XCTAssertEqual(accepted["status"] as? Int, 101)
        await relay.stop()
    }
}

/// `wss://` through swift-nio-ssl, against the relay behind a Python TLS terminator.
final class SecureSocketTests: XCTestCase {
    override func setUpWithError() throws {
        guard PythonPeer.hasModule("cryptography") else {
            throw Prerequisite.missing("python3 with `cryptography` is needed for the TLS terminator")
        }
    }

    func testBroadcastOverWSSWithAPinnedCertificate() async throws {
        let relay = try await TestRelay.start()
        let certPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("qalam-realtime-\(UUID().uuidString).pem").path
        defer {
            try? FileManager.default.removeItem(atPath: certPath)
            try? FileManager.default.removeItem(atPath: certPath + ".key")
        }
        let proxy = try PythonPeer(script: PythonScripts.tlsProxy, arguments: [String(relay.port), certPath])
        defer { proxy.stop() }
        let port = try await proxy.lines.waitFor("the TLS port") { Int($0) != nil }

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certPath))
        var options = fastOptions()
        options.tls = tls
        // `localhost`: SNI cannot carry an IP address; the certificate names localhost.
        let url = URL(string: "https://localhost:\(port)")!
        let a = try RealtimeClient(url: url, apiKey: "anon", options: options)
        XCTAssertEqual(a.endpoint.scheme, "wss")
        let roomA = await a.channel("tls")
        try await roomA.subscribe(timeout: .seconds(15))
        let (b, _, eventsB) = try await joinedChannel(relay, "tls")
        try await roomA.broadcast(event: "secret", payload: .binary([1, 2, 3]))
        let got = try await eventsB.waitFor("broadcast sent over TLS") { $0.broadcastEvent == "secret" }
        XCTAssertEqual(got.broadcastPayload, .binary([1, 2, 3]))

        // Without the pinned certificate the handshake fails and the client keeps retrying.
        let untrusting = try RealtimeClient(url: url, apiKey: "anon", options: fastOptions())
        let states = Recorder(await untrusting.connectionStates())
        await untrusting.connect()
        try await states.waitFor("a failed TLS attempt") {
            if case .closed(reconnectIn: _?) = $0 { return true } else { return false }
        }
        let opens = await states.count { $0 == .open }
        XCTAssertEqual(opens, 0, "an untrusted certificate must not be accepted")
        await untrusting.disconnect()
        await a.disconnect()
        await b.disconnect()
        await relay.stop()
    }
}
