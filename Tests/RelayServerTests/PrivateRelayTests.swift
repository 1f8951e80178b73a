import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// A relay private to its user (the embedded default, `qalam serve` without a
/// secret): it proves it holds the key, and only tokens minted from the key join.
final class PrivateRelayTests: RelayTestCase {
    private let key = RelayKey(secret: "private-relay-key-private-relay-key-0123")
    private let stranger = RelayKey(secret: "another-users-key-another-users-key-0123")

    private func privately(_ configuration: inout RelayConfiguration) {
        configuration = .privateToUser(key, port: 0)
    }

    private func challenge(_ socket: TestSocket, _ challenge: String) async throws -> PhoenixMessage {
        try await socket.send(
            PhoenixMessage(
                joinRef: nil, ref: "c1", topic: "phoenix", event: PhoenixEvent.qalamChallenge,
                json: ["challenge": .string(challenge)]))
        return try await socket.expect(event: "phx_reply", topic: "phoenix")
    }

    func testItProvesItHoldsTheKeyBeforeAnythingElse() async throws {
        try await withRelay(privately) { _, port in
            // No apikey: an editor sends no credential before the proof.
            let socket = try await TestSocket.connect(port: port)
            let nonce = RelayKey.makeChallenge()
            let reply = try await challenge(socket, nonce)
            XCTAssertEqual(status(of: reply), "ok")
            let proof = reply.json?["response"]?["proof"]?.stringValue ?? ""
            XCTAssertTrue(key.verify(proof: proof, for: nonce, at: "127.0.0.1:\(port)"))
            XCTAssertFalse(stranger.verify(proof: proof, for: nonce, at: "127.0.0.1:\(port)"))
            await socket.close()
        }
    }

    /// A program that holds another port (or [::1] of this one) and passes an
    /// editor's challenge on to this relay gets a proof of this relay's address,
    /// which the editor, who dialled the program's, refuses.
    func testTheProofNamesTheAddressTheRelayWasReachedOn() async throws {
        try await withRelay(privately) { _, port in
            let socket = try await TestSocket.connect(port: port)
            let nonce = RelayKey.makeChallenge()
            let proof = try await challenge(socket, nonce).json?["response"]?["proof"]?.stringValue ?? ""
            XCTAssertTrue(key.verify(proof: proof, for: nonce, at: "127.0.0.1:\(port)"))
            for elsewhere in ["127.0.0.1:\(port + 1)", "[::1]:\(port)", "localhost:\(port)"] {
                XCTAssertFalse(key.verify(proof: proof, for: nonce, at: elsewhere), elsewhere)
            }
            await socket.close()
        }
    }

    func testOnlyTokensOfTheKeyJoin() async throws {
        try await withRelay(privately) { _, port in
            let socket = try await TestSocket.connect(port: port, apiKey: "qalam-local")
            let document = "realtime:room:\(UUID().uuidString.lowercased())"
            let keyless = try await socket.join(document, ref: "1")
            XCTAssertEqual(reason(of: keyless), "InvalidJWTToken: API key is missing")
            let foreign = try await socket.join(document, ref: "2", accessToken: stranger.token())
            XCTAssertEqual(reason(of: foreign), "JwtSignatureError: Failed to validate JWT signature")
            let joined = try await socket.join(document, ref: "3", accessToken: key.token())
            XCTAssertEqual(status(of: joined), "ok")
            XCTAssertEqual(joined.json?["response"]?["access"]?["role"], "service_role")
            await socket.close()
            // A realtime-js/py client with a token of the key as its apikey joins as usual.
            let client = try await TestSocket.connect(port: port, apiKey: key.token())
            let viaAPIKey = try await client.join(document, ref: "1")
            XCTAssertEqual(status(of: viaAPIKey), "ok")
            await client.close()
        }
    }

    func testRESTNeedsATokenOfTheKey() async throws {
        try await withRelay(privately) { _, port in
            let body: JSONValue = ["messages": [["topic": "room", "event": "e", "payload": [:]]]]
            for (token, expected) in [(nil, 401), (stranger.token(), 401), (key.token(), 202)] {
                var headers = ["Content-Type": "application/json"]
                if let token { headers["Authorization"] = "Bearer \(token)" }
                let result = try RawConnection.http(
                    port: port, method: "POST", path: "/realtime/v1/api/broadcast", headers: headers,
                    body: body.jsonBytes)
                XCTAssertEqual(result.status, expected)
            }
        }
    }

    func testAnOpenRelayCannotAnswerTheChallenge() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            let reply = try await challenge(socket, RelayKey.makeChallenge())
            XCTAssertEqual(status(of: reply), "error")
            XCTAssertNil(reply.json?["response"]?["proof"])
            await socket.close()
        }
    }

    func testAPrivateRelayServesLoopbackOnly() {
        XCTAssertThrowsError(try Relay(configuration: .privateToUser(key, host: "0.0.0.0"))) { error in
            guard case RelayError.insecureBind = error else { return XCTFail("\(error)") }
        }
    }
}
