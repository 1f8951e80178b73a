import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

final class HTTPRouteTests: RelayTestCase {
    func testHealthz() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:a", ref: "1")
            let result = try RawConnection.http(port: port, method: "GET", path: "/healthz")
            XCTAssertEqual(result.status, 200)
            let body = try JSONValue(parsing: result.body)
            XCTAssertEqual(body["status"], "ok")
            XCTAssertEqual(body["sockets"], 1)
            XCTAssertEqual(body["channels"], 1)
            await socket.close()
        }
    }

    func testRESTBroadcastReachesSubscribers() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:room", ref: "1")
            let body: JSONValue = ["messages": [["topic": "room", "event": "cursor", "payload": ["x": 1], "id": "m1"]]]
            let result = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast",
                headers: ["Content-Type": "application/json"], body: body.jsonBytes)
            XCTAssertEqual(result.status, 202)
            let value43 = try await socket.next()
            XCTAssertEqual(
                value43,
                PhoenixMessage(
                    topic: "realtime:room", event: "broadcast",
                    json: ["type": "broadcast", "event": "cursor", "payload": ["x": 1], "meta": ["id": "m1"]]))
            // Invalid batches are refused whole.
            let bad: JSONValue = [
                "messages": [
                    ["topic": "room", "event": "ok", "payload": [:]], ["topic": "room", "event": "e", "payload": "str"]
                ]
            ]
            let json = ["Content-Type": "application/json"]
            let refused = try RawConnection.http(
                port: port, method: "POST", path: "/api/broadcast", headers: json, body: bad.jsonBytes)
            XCTAssertEqual(refused.status, 422)
            XCTAssertEqual(
                try RawConnection.http(
                    port: port, method: "POST", path: "/api/broadcast", headers: json, body: Array("nope".utf8)
                ).status, 422)
            try await socket.expectSilence()
            await socket.close()
        }
    }

    func testSingleMessageRESTBroadcastCarriesJSONAndBinary() async throws {
        try await withRelay { _, port in
            let v2 = try await TestSocket.connect(port: port)
            let v1 = try await TestSocket.connect(port: port, vsn: .v1)
            try await v2.join("realtime:room", ref: "1")
            try await v1.join("realtime:room", ref: "1")
            let json = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast/room/events/yjs-update",
                headers: ["Content-Type": "application/json"], body: Array(#"{"update":"AAE="}"#.utf8))
            XCTAssertEqual(json.status, 202)
            let expected = PhoenixMessage(
                topic: "realtime:room", event: "broadcast",
                payload: .userBroadcast(UserBroadcast(event: "yjs-update", payload: .json(["update": "AAE="]))))
            let viaV2 = try await v2.next()
            XCTAssertEqual(viaV2, expected)
            let viaV1 = try await v1.next()
            XCTAssertEqual(viaV1?.json, ["type": "broadcast", "event": "yjs-update", "payload": ["update": "AAE="]])

            let binary = try RawConnection.http(
                port: port, method: "POST", path: "/api/broadcast/room/events/yjs-update",
                headers: ["Content-Type": "application/octet-stream"], body: [0, 1, 2])
            XCTAssertEqual(binary.status, 202)
            let binaryViaV2 = try await v2.next()
            XCTAssertEqual(
                binaryViaV2?.payload, .userBroadcast(UserBroadcast(event: "yjs-update", payload: .binary([0, 1, 2]))))
            try await v1.expectSilence()

            let badJSON = try RawConnection.http(
                port: port, method: "POST", path: "/api/broadcast/room/events/e",
                headers: ["Content-Type": "application/json"], body: Array("{".utf8))
            XCTAssertEqual(badJSON.status, 422)
            let badType = try RawConnection.http(
                port: port, method: "POST", path: "/api/broadcast/room/events/e",
                headers: ["Content-Type": "text/plain"], body: Array("x".utf8))
            XCTAssertEqual(badType.status, 415)
            await v1.close()
            await v2.close()
        }
    }

    func testRESTBroadcastNeedsAValidTokenWhenAuthIsOn() async throws {
        let secret = "rest-secret-rest-secret-rest-secret!"
        try await withRelay({ $0.jwtSecret = secret }) { _, port in
            let body: JSONValue = ["messages": [["topic": "room", "event": "e", "payload": [:]]]]
            let anonymous = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast", body: body.jsonBytes)
            XCTAssertEqual(anonymous.status, 401)
            XCTAssertEqual(try JSONValue(parsing: anonymous.body), ["message": "Unauthorized"])
            let forged = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast",
                headers: [
                    "Authorization": "Bearer \(RelayToken.make(secret: "nope"))", "Content-Type": "application/json"
                ],
                body: body.jsonBytes)
            XCTAssertEqual(forged.status, 401)
            let good = try RawConnection.http(
                port: port, method: "POST", path: "/realtime/v1/api/broadcast",
                headers: ["apikey": RelayToken.make(secret: secret), "Content-Type": "application/json"],
                body: body.jsonBytes)
            XCTAssertEqual(good.status, 202)
        }
    }

    func testGracefulShutdownTellsClientsAndClosesWith1012() async throws {
        var configuration = RelayConfiguration(port: 0)
        configuration.shutdownGracePeriod = .seconds(2)
        let relay = try Relay(configuration: configuration)
        let port = try await relay.start()
        let socket = try await TestSocket.connect(port: port)
        try await socket.join("realtime:room", ref: "1")
        await relay.shutdown()
        let value44 = try await socket.next()
        XCTAssertEqual(
            value44,
            .system(topic: "realtime:room", joinRef: "1", status: "ok", message: "Server requested disconnect"))
        let code = await socket.closeCode()
        XCTAssertEqual(code, .some(1012))
        // And the port is free again: a new relay can take it.
        var again = RelayConfiguration(port: port)
        again.shutdownGracePeriod = .milliseconds(200)
        let second = try Relay(configuration: again)
        let value45 = try await second.start()
        XCTAssertEqual(value45, port)
        await second.shutdown()
    }

    func testStartFailsWhenThePortIsTaken() async throws {
        try await withRelay { _, port in
            let clash = try Relay(configuration: RelayConfiguration(port: port))
            do {
                _ = try await clash.start()
                XCTFail("a second relay on the same port should not start")
                await clash.shutdown()
            } catch {
                XCTAssertTrue(error is RelayError, "\(error)")
            }
        }
    }
}
