import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

final class AuthTests: RelayTestCase {
    let secret = "test-secret-with-at-least-32-characters!"
    func configure(_ c: inout RelayConfiguration) { c.jwtSecret = secret }

    func testGoodKeyConnectsAndBadKeysGetSupabaseErrors() async throws {
        try await withRelay(configure) { _, port in
            let good = RelayToken.make(secret: secret)
            let socket = try await TestSocket.connect(port: port, apiKey: good)
            let value9 = try await socket.join("realtime:a", ref: "1")
            XCTAssertEqual(status(of: value9), "ok")
            await socket.close()

            let cases: [(String?, String)] = [
                (nil, "API key is missing"),
                (RelayToken.make(secret: "another-secret"), "Failed to validate JWT signature"),
                (
                    RelayToken.sign(
                        claims: ["role": "anon", "exp": .integer(Int64(Date().timeIntervalSince1970) - 1000)],
                        secret: secret),
                    "Token has expired 100"
                ),
                (
                    RelayToken.sign(
                        claims: ["exp": .integer(Int64(Date().timeIntervalSince1970) + 1000)], secret: secret),
                    "Fields `role` and `exp` are required in JWT"
                ),
                ("not.a.jwt", "The token provided is not a valid JWT")
            ]
            for (key, message) in cases {
                var path = "/realtime/v1/websocket?vsn=2.0.0"
                if let key { path += "&apikey=\(key)" }
                // The upgrade is refused with Supabase's 401 and JSON error, and so is the
                // same request without upgrade headers.
                let upgrade = try RawConnection.http(
                    port: port, method: "GET", path: path, headers: RawConnection.upgradeHeaders)
                let plain = try RawConnection.http(port: port, method: "GET", path: path)
                for (kind, result) in [("upgrade", upgrade), ("plain GET", plain)] {
                    XCTAssertEqual(result.status, 401, "\(kind): \(message)")
                    XCTAssertEqual(result.headers["content-type"], "application/json", kind)
                    let error = try JSONValue(parsing: result.body)["error"]?.stringValue ?? ""
                    XCTAssertTrue(error.hasPrefix(message), "\(kind): \(error) should start with \(message)")
                }
            }
            // The x-api-key header works too.
            let viaHeader = try RawConnection.http(
                port: port, method: "GET", path: "/socket/websocket?vsn=1.0.0",
                headers: ["x-api-key": good])
            XCTAssertEqual(viaHeader.status, 400, "authorised but not an upgrade request")
        }
    }

    func testJoinWithExpiredAccessTokenIsRefused() async throws {
        try await withRelay(configure) { _, port in
            let socket = try await TestSocket.connect(port: port, apiKey: RelayToken.make(secret: secret))
            let expired = RelayToken.sign(
                claims: ["role": "authenticated", "exp": .integer(Int64(Date().timeIntervalSince1970) - 1)],
                secret: secret)
            let reply = try await socket.join("realtime:a", ref: "1", accessToken: expired)
            XCTAssertEqual(status(of: reply), "error")
            XCTAssertTrue(
                reason(of: reply)?.hasPrefix("InvalidJWTToken: Token has expired ") ?? false, reason(of: reply) ?? "")
            let forged = try await socket.join("realtime:b", ref: "2", accessToken: RelayToken.make(secret: "x"))
            XCTAssertEqual(reason(of: forged), "JwtSignatureError: Failed to validate JWT signature")
            // sb_ keys fall back to the socket's apikey.
            let value10 = try await socket.join("realtime:c", ref: "3", accessToken: "sb_publishable_x")
            XCTAssertEqual(status(of: value10), "ok")
            await socket.close()
        }
    }

    func testAccessTokenRefresh() async throws {
        try await withRelay(configure) { _, port in
            let socket = try await TestSocket.connect(port: port, apiKey: RelayToken.make(secret: secret))
            try await socket.join("realtime:t", ref: "1", config: JoinConfig(broadcastSelf: true))
            // A valid new token is accepted silently.
            try await socket.send(
                PhoenixMessage(
                    joinRef: "1", ref: "2", topic: "realtime:t", event: "access_token",
                    json: ["access_token": .string(RelayToken.make(secret: secret, lifetime: 7200))]))
            try await socket.expectSilence()
            // A token without role stops the channel.
            let noRole = RelayToken.sign(
                claims: ["exp": .integer(Int64(Date().timeIntervalSince1970) + 100)], secret: secret)
            try await socket.send(
                PhoenixMessage(
                    joinRef: "1", ref: "3", topic: "realtime:t", event: "access_token",
                    json: ["access_token": .string(noRole)]))
            let system = try await socket.next()
            XCTAssertEqual(
                system,
                .system(
                    topic: "realtime:t", joinRef: "1", status: "error",
                    message: "Fields `role` and `exp` are required in JWT"))
            let value11 = try await socket.next()
            XCTAssertEqual(value11, .close(topic: "realtime:t", joinRef: "1"))

            try await socket.join("realtime:t", ref: "4")
            let expired = RelayToken.sign(
                claims: ["role": "anon", "exp": .integer(Int64(Date().timeIntervalSince1970) - 1000)], secret: secret)
            try await socket.send(
                PhoenixMessage(
                    joinRef: "4", ref: "5", topic: "realtime:t", event: "access_token",
                    json: ["access_token": .string(expired)]))
            let expiredMessage = try await socket.next()?.json?["message"]?.stringValue ?? ""
            XCTAssertTrue(expiredMessage.hasPrefix("Token has expired 100"), expiredMessage)
            let value12 = try await socket.next()?.event
            XCTAssertEqual(value12, "phx_close")
            await socket.close()
        }
    }

    func testChannelStopsWhenItsTokenExpires() async throws {
        try await withRelay(configure) { _, port in
            let socket = try await TestSocket.connect(port: port, apiKey: RelayToken.make(secret: secret))
            try await socket.join("realtime:t", ref: "1", accessToken: RelayToken.make(secret: secret, lifetime: 2))
            let system = try await socket.expect(event: "system", timeout: .seconds(10))
            XCTAssertTrue(system.json?["message"]?.stringValue?.hasPrefix("Token has expired") ?? false)
            let value13 = try await socket.next()?.event
            XCTAssertEqual(value13, "phx_close")
            await socket.close()
        }
    }

    func testNoSecretRefusesNonLoopbackBind() {
        XCTAssertThrowsError(try Relay(configuration: RelayConfiguration(host: "0.0.0.0"))) { error in
            guard case RelayError.insecureBind = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("--jwt-secret"))
        }
        XCTAssertNoThrow(try Relay(configuration: RelayConfiguration(host: "0.0.0.0", jwtSecret: secret)))
    }

    /// `--jwt-secret "$SECRET"` with SECRET unset signs with an empty key that
    /// anyone can sign with too, and a short word falls to a guess from one token:
    /// the relay refuses to start with either, on any interface.
    func testAnEmptyOrShortSecretIsRefused() {
        let weak = ["", "   ", "secret", String(repeating: "s", count: 31), String(repeating: " ", count: 40)]
        for secret in weak {
            for host in ["0.0.0.0", "127.0.0.1"] {
                XCTAssertThrowsError(try Relay(configuration: RelayConfiguration(host: host, jwtSecret: secret))) {
                    error in
                    guard case RelayError.weakSecret = error else { return XCTFail("\(error)") }
                    XCTAssertTrue("\(error)".contains("at least 32 characters"), "\(error)")
                }
            }
        }
        XCTAssertNoThrow(try Relay(configuration: RelayConfiguration(jwtSecret: String(repeating: "s", count: 32))))
    }

    /// A token is not accepted before its `nbf` (RFC 7519 §4.1.5), nor with an
    /// `iat` that is not a number (docs/reference/realtime-protocol.md §7).
    func testATokenIsRefusedBeforeItsNotBeforeTime() {
        let verifier = JWTVerifier(secret: secret)
        let now = Int64(Date().timeIntervalSince1970)
        func token(_ extra: [String: JSONValue]) -> String {
            var claims: [String: JSONValue] = ["role": "authenticated", "exp": .integer(now + 3600)]
            claims.merge(extra) { $1 }
            return RelayToken.sign(claims: .object(claims), secret: secret)
        }
        guard case .failure(.notYetValid) = verifier.verify(token(["nbf": .integer(now + 600)])) else {
            return XCTFail("a token used before its nbf was accepted")
        }
        guard case .failure(.malformed) = verifier.verify(token(["iat": "yesterday"])) else {
            return XCTFail("a token with a text iat was accepted")
        }
        let accepted: [[String: JSONValue]] = [
            ["nbf": .integer(now - 10)], ["iat": .integer(now)], ["nbf": .number(Double(now) - 0.5)]
        ]
        for fine in accepted {
            guard case .success = verifier.verify(token(fine)) else { return XCTFail("\(fine) was refused") }
        }
    }
}
