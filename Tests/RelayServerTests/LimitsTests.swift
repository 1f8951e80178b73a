import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// Each limit trips for the client over it and nobody else.
final class LimitsTests: RelayTestCase {
    func testEventsPerSecond() async throws {
        try await withRelay({ $0.limits.eventsPerSecond = 5 }) { _, port in
            let noisy = try await TestSocket.connect(port: port)
            let calm = try await TestSocket.connect(port: port)
            let listener = try await TestSocket.connect(port: port)
            for socket in [noisy, calm, listener] { try await socket.join("realtime:r", ref: "1") }
            for i in 0..<12 {
                try await noisy.send(
                    .broadcast(
                        topic: "realtime:r", joinRef: "1", ref: "\(i + 2)", event: "e",
                        payload: ["i": .integer(Int64(i))]))
            }
            let system = try await noisy.expect(event: "system")
            XCTAssertEqual(system.json?["message"], "Too many messages per second")
            XCTAssertEqual(system.json?["status"], "error")
            let value27 = try await noisy.next()
            XCTAssertEqual(value27, .close(topic: "realtime:r", joinRef: "1"))
            // The calm client still gets through.
            try await calm.send(.broadcast(topic: "realtime:r", joinRef: "1", ref: "2", event: "calm", payload: [:]))
            var sawCalm = false
            while let message = try await listener.next(timeout: .seconds(5)) {
                if message.json?["event"] == "calm" {
                    sawCalm = true
                    break
                }
            }
            XCTAssertTrue(sawCalm)
            await noisy.close()
            await calm.close()
            await listener.close()
        }
    }

    func testPayloadSizeWithAndWithoutAck() async throws {
        try await withRelay({ $0.limits.maxPayloadBytes = 1000 }) { _, port in
            let sender = try await TestSocket.connect(port: port)
            let listener = try await TestSocket.connect(port: port)
            try await sender.join("realtime:r", ref: "1", config: JoinConfig(broadcastAck: true))
            try await listener.join("realtime:r", ref: "1")
            let big = JSONValue.string(String(repeating: "x", count: 2000))
            try await sender.send(
                .broadcast(topic: "realtime:r", joinRef: "1", ref: "2", event: "e", payload: ["big": big]))
            let reply = try await sender.next()
            XCTAssertEqual(reply?.json, ["status": "error", "response": "payload_size_exceeded"])
            try await listener.expectSilence()
            try await sender.send(
                .broadcast(topic: "realtime:r", joinRef: "1", ref: "3", event: "e", payload: ["small": 1]))
            let value28 = try await sender.next()!
            XCTAssertEqual(status(of: value28), "ok")
            let value29 = try await listener.next()?.json?["payload"]
            XCTAssertEqual(value29, ["small": 1])
            // An oversized track stops the channel.
            try await sender.send(
                PhoenixMessage(
                    joinRef: "1", ref: "4", topic: "realtime:r", event: "presence",
                    json: ["type": "presence", "event": "track", "payload": ["big": big]]))
            let value30 = try await sender.expect(event: "system").json?["message"]
            XCTAssertEqual(value30, "Track message size exceeded")
            let value31 = try await sender.next()?.event
            XCTAssertEqual(value31, "phx_close")
            await sender.close()
            await listener.close()
        }
    }

    func testChannelsPerClient() async throws {
        try await withRelay({ $0.limits.maxChannelsPerClient = 1 }) { _, port in
            let socket = try await TestSocket.connect(port: port)
            let value32 = try await socket.join("realtime:one", ref: "1")
            XCTAssertEqual(status(of: value32), "ok")
            let reply = try await socket.join("realtime:two", ref: "2")
            XCTAssertEqual(
                reply.json, ["status": "error", "response": ["reason": "ChannelRateLimitReached: Too many channels"]])
            let other = try await TestSocket.connect(port: port)
            let value33 = try await other.join("realtime:two", ref: "1")
            XCTAssertEqual(status(of: value33), "ok")
            await socket.close()
            await other.close()
        }
    }

    func testConcurrentUsers() async throws {
        try await withRelay({ $0.limits.maxConcurrentUsers = 1 }) { _, port in
            let first = try await TestSocket.connect(port: port)
            let second = try await TestSocket.connect(port: port)
            let value34 = try await first.join("realtime:a", ref: "1")
            XCTAssertEqual(status(of: value34), "ok")
            let value35 = try await second.join("realtime:a", ref: "1")
            XCTAssertEqual(reason(of: value35), "ConnectionRateLimitReached: Too many connected users")
            let value36 = try await first.join("realtime:b", ref: "2")
            XCTAssertEqual(status(of: value36), "ok", "the first user may add channels")
            await first.close()
            await second.close()
        }
    }

    func testJoinsPerSecondClosesTheSocketWith1001() async throws {
        try await withRelay({ $0.limits.joinsPerSecond = 2 }) { _, port in
            let socket = try await TestSocket.connect(port: port)
            let bystander = try await TestSocket.connect(port: port)
            let value37 = try await socket.join("realtime:a", ref: "1")
            XCTAssertEqual(status(of: value37), "ok")
            let value38 = try await socket.join("realtime:b", ref: "2")
            XCTAssertEqual(status(of: value38), "ok")
            let value39 = try await socket.join("realtime:c", ref: "3")
            XCTAssertEqual(reason(of: value39), "ClientJoinRateLimitReached: Too many joins per second")
            let code = await socket.closeCode()
            XCTAssertEqual(code, .some(1001))
            let value40 = try await bystander.join("realtime:a", ref: "1")
            XCTAssertEqual(status(of: value40), "ok")
            await bystander.close()
        }
    }

    func testPresenceCallsPerWindow() async throws {
        try await withRelay({ $0.limits.presenceCallsPerWindow = 2 }) { _, port in
            let socket = try await TestSocket.connect(port: port)
            try await socket.join("realtime:test", ref: "1")
            for i in 0..<2 {
                try await socket.send(
                    PhoenixMessage(
                        joinRef: "1", ref: "\(i + 2)", topic: "realtime:test", event: "presence",
                        json: ["type": "presence", "event": "track", "payload": ["i": .integer(Int64(i))]]))
                let value41 = try await socket.expect(event: "phx_reply")
                XCTAssertEqual(status(of: value41), "ok")
            }
            try await socket.send(
                PhoenixMessage(
                    joinRef: "1", ref: "9", topic: "realtime:test", event: "presence",
                    json: ["type": "presence", "event": "untrack"]))
            let system = try await socket.expect(event: "system")
            XCTAssertEqual(
                system,
                .system(
                    topic: "realtime:test", joinRef: "1", status: "error",
                    message: "Client presence rate limit exceeded"))
            let value42 = try await socket.next()
            XCTAssertEqual(value42, .close(topic: "realtime:test", joinRef: "1"))
            await socket.close()
        }
    }

    func testJoinErrorDelay() async throws {
        try await withRelay({ $0.joinErrorDelay = .milliseconds(500) }) { _, port in
            let socket = try await TestSocket.connect(port: port)
            let clock = ContinuousClock()
            let started = clock.now
            let reply = try await socket.join("realtime:", ref: "1")
            XCTAssertEqual(status(of: reply), "error")
            XCTAssertGreaterThanOrEqual(clock.now - started, .milliseconds(450))
            await socket.close()
        }
    }
}
