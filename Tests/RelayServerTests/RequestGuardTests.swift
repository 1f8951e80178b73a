import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// A relay on loopback is private to its machine's programs, not to the web pages
/// its user visits: foreign origins and foreign Host names are refused, CORS is
/// granted only to origins allowed by name, and REST writes insist on a content
/// type a page cannot send without asking first.
final class RequestGuardTests: RelayTestCase {
    private let evil = "http://evil.example"

    func testForeignOriginWebSocketUpgradeIsRefused() async throws {
        try await withRelay { _, port in
            let result = try RawConnection.http(
                port: port, method: "GET", path: "/realtime/v1/websocket?vsn=2.0.0",
                headers: RawConnection.upgradeHeaders.merging(["Origin": evil]) { $1 })
            XCTAssertEqual(result.status, 403)
            XCTAssertEqual(result.headers["content-type"], "application/json")
            let error = try JSONValue(parsing: result.body)["error"]?.stringValue ?? ""
            XCTAssertTrue(error.contains("--allow-origin"), error)
            XCTAssertNil(result.headers["access-control-allow-origin"])
            let stats = await withStatistics(port)
            XCTAssertEqual(stats, 0, "no socket was opened")
        }
    }

    func testForeignOriginHTTPRequestsAreRefusedAndGetNoCORS() async throws {
        try await withRelay { _, port in
            let subscriber = try await TestSocket.connect(port: port)
            try await subscriber.join("realtime:room", ref: "1")
            let broadcast: JSONValue = ["messages": [["topic": "room", "event": "e", "payload": ["x": 1]]]]
            let requests: [(String, String, [String: String], [UInt8])] = [
                ("GET", "/healthz", [:], []),
                ("GET", "/api/documents/notes/yjs", [:], []),
                ("POST", "/realtime/v1/api/broadcast", ["Content-Type": "application/json"], broadcast.jsonBytes),
                ("OPTIONS", "/realtime/v1/api/broadcast", ["Access-Control-Request-Method": "POST"], []),
                ("GET", "/no/such/route", [:], [])
            ]
            for (method, path, headers, body) in requests {
                for origin in [evil, "null", "http://127.0.0.1:\(port + 1)"] {
                    let result = try RawConnection.http(
                        port: port, method: method, path: path, headers: headers.merging(["Origin": origin]) { $1 },
                        body: body)
                    XCTAssertEqual(result.status, 403, "\(method) \(path) from \(origin)")
                    XCTAssertNil(result.headers["access-control-allow-origin"], "\(method) \(path)")
                }
            }
            try await subscriber.expectSilence()
            await subscriber.close()
        }
    }

    /// `Origin: null` is any sandboxed frame or file page: the refusal says so,
    /// and does not suggest allowing it (`--allow-origin` takes only real origins).
    func testANullOriginIsRefusedWithoutAdviceToAllowIt() async throws {
        try await withRelay { _, port in
            let result = try RawConnection.http(
                port: port, method: "GET", path: "/healthz", headers: ["Origin": "null"])
            XCTAssertEqual(result.status, 403)
            let error = try JSONValue(parsing: result.body)["error"]?.stringValue ?? ""
            XCTAssertFalse(error.contains("--allow-origin"), error)
            XCTAssertTrue(error.contains("sandboxed"), error)
        }
    }

    func testAnAllowedOriginGetsCORSForItselfOnly() async throws {
        let app = "https://app.example.com"
        try await withRelay({ $0.allowedOrigins = [app + "/"] }) { _, port in
            let preflight = try RawConnection.http(
                port: port, method: "OPTIONS", path: "/realtime/v1/api/broadcast",
                headers: ["Origin": app, "Access-Control-Request-Method": "POST"])
            XCTAssertEqual(preflight.status, 204)
            XCTAssertEqual(preflight.headers["access-control-allow-origin"], app)
            XCTAssertEqual(preflight.headers["vary"], "Origin")
            let health = try RawConnection.http(port: port, method: "GET", path: "/healthz", headers: ["Origin": app])
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.headers["access-control-allow-origin"], app)
            // Without an Origin (a program, not a page) there is no CORS at all.
            let plain = try RawConnection.http(port: port, method: "GET", path: "/healthz")
            XCTAssertEqual(plain.status, 200)
            XCTAssertNil(plain.headers["access-control-allow-origin"])
            // The allowed page may open a socket; another page still may not.
            let connection = try RawConnection(port: port)
            try connection.webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=2.0.0", origin: app)
            connection.cut()
            let other = try RawConnection.http(
                port: port, method: "GET", path: "/realtime/v1/websocket?vsn=2.0.0",
                headers: RawConnection.upgradeHeaders.merging(["Origin": evil]) { $1 })
            XCTAssertEqual(other.status, 403)
        }
    }

    func testWrongHostIsRefused() async throws {
        try await withRelay { _, port in
            for host in ["evil.example:\(port)", "evil.example", "127.0.0.1.evil.example:\(port)"] {
                let health = try RawConnection.http(port: port, method: "GET", path: "/healthz", host: host)
                XCTAssertEqual(health.status, 403, host)
                let upgrade = try RawConnection.http(
                    port: port, method: "GET", path: "/realtime/v1/websocket?vsn=2.0.0",
                    headers: RawConnection.upgradeHeaders, host: host)
                XCTAssertEqual(upgrade.status, 403, host)
            }
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "[::1]:\(port)"] {
                XCTAssertEqual(
                    try RawConnection.http(port: port, method: "GET", path: "/healthz", host: host).status, 200)
            }
        }
        try await withRelay({ $0.allowedHosts = ["qalam.internal"] }) { _, port in
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "GET", path: "/healthz", host: "qalam.internal").status, 200)
        }
    }

    func testRESTWritesNeedJSONContentType() async throws {
        try await withRelay { _, port in
            let subscriber = try await TestSocket.connect(port: port)
            try await subscriber.join("realtime:room", ref: "1")
            let body: JSONValue = ["messages": [["topic": "room", "event": "e", "payload": ["x": 1]]]]
            for contentType in ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", nil] {
                let headers = contentType.map { ["Content-Type": $0] } ?? [:]
                let batch = try RawConnection.http(
                    port: port, method: "POST", path: "/realtime/v1/api/broadcast", headers: headers,
                    body: body.jsonBytes)
                XCTAssertEqual(batch.status, 415, contentType ?? "no Content-Type")
                let single = try RawConnection.http(
                    port: port, method: "POST", path: "/realtime/v1/api/broadcast/room/events/e", headers: headers,
                    body: Array(#"{"x":1}"#.utf8))
                XCTAssertEqual(single.status, 415, contentType ?? "no Content-Type")
            }
            try await subscriber.expectSilence()
            let json = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast",
                headers: ["Content-Type": "application/json; charset=utf-8"], body: body.jsonBytes)
            XCTAssertEqual(json.status, 202)
            _ = try await subscriber.expect(event: "broadcast")
            await subscriber.close()
        }
    }

    private func withStatistics(_ port: Int) async -> Int {
        guard let result = try? RawConnection.http(port: port, method: "GET", path: "/healthz"),
            let sockets = try? JSONValue(parsing: result.body)["sockets"]?.intValue
        else { return -1 }
        return sockets
    }
}
