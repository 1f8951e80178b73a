import Foundation
import RealtimeProtocol
import TestSupport
import XCTest

@testable import RelayServer

/// A member's broadcast is relayed on the event loop that read it (`InboundShortcut`),
/// without the hub, yet in order with everything the socket sent before it.
final class InboundShortcutTests: RelayTestCase {
    func testPlainBroadcastsTakeTheShortcutAndOthersTheHub() async throws {
        try await withRelay { relay, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            try await a.join("realtime:room", ref: "1", config: JoinConfig(broadcastAck: true))
            try await b.join("realtime:room", ref: "1")
            for ref in 2...4 {
                try await a.send(
                    .broadcast(
                        topic: "realtime:room", joinRef: "1", ref: "\(ref)", event: "e",
                        payload: ["n": .integer(Int64(ref))]))
                let ack = try await a.expect(event: PhoenixEvent.reply, topic: "realtime:room")
                XCTAssertEqual(ack.ref, "\(ref)")
                XCTAssertEqual(status(of: ack), "ok")
                let relayed = try await b.next()
                XCTAssertEqual(
                    relayed, .broadcast(topic: "realtime:room", event: "e", payload: ["n": .integer(Int64(ref))]))
            }
            // A broadcast on a topic the socket has not joined is the hub's to refuse.
            try await a.send(.broadcast(topic: "realtime:other", joinRef: "1", ref: "5", event: "e", payload: [:]))
            let refusal = try await a.expect(event: PhoenixEvent.reply, topic: "realtime:other")
            XCTAssertEqual(status(of: refusal), "error")
            XCTAssertEqual(relay.hub.table.shortcutCounts.messagesIn, 3)
            let stats = await relay.statistics()
            XCTAssertEqual(stats.messagesIn, 3 + 2 + 1, "three shortcut broadcasts, two joins, one refused broadcast")
            await a.close()
            await b.close()
        }
    }

    /// Broadcasts sent right behind their join, before its reply, wait for the hub to
    /// handle the join instead of overtaking it (they would be refused as unjoined).
    func testBroadcastsRightBehindTheirJoinFollowIt() async throws {
        try await withRelay { _, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            try await b.join("realtime:room", ref: "1")
            try await a.send(
                PhoenixMessage(
                    joinRef: "1", ref: "1", topic: "realtime:room", event: PhoenixEvent.join,
                    json: JoinConfig(broadcastAck: true).joinPayload(accessToken: nil)))
            for ref in 2...21 {
                try await a.send(
                    .broadcast(
                        topic: "realtime:room", joinRef: "1", ref: "\(ref)", event: "e",
                        payload: ["n": .integer(Int64(ref))]))
            }
            for ref in 1...21 {
                let reply = try await a.expect(event: PhoenixEvent.reply, topic: "realtime:room")
                XCTAssertEqual(reply.ref, "\(ref)")
                XCTAssertEqual(status(of: reply), "ok", "reply to \(ref)")
            }
            for ref in 2...21 {
                let relayed = try await b.next()
                XCTAssertEqual(
                    relayed, .broadcast(topic: "realtime:room", event: "e", payload: ["n": .integer(Int64(ref))]))
            }
            await a.close()
            await b.close()
        }
    }

    /// A member that left gets its `phx_close` and no broadcast after it.
    func testNothingReachesAMemberAfterItsLeave() async throws {
        try await withRelay { _, port in
            let a = try await TestSocket.connect(port: port)
            let b = try await TestSocket.connect(port: port)
            try await a.join("realtime:room", ref: "1")
            try await b.join("realtime:room", ref: "1")
            try await b.send(
                PhoenixMessage(joinRef: "1", ref: "2", topic: "realtime:room", event: PhoenixEvent.leave, json: [:]))
            _ = try await b.expect(event: PhoenixEvent.close, topic: "realtime:room")
            try await a.send(.broadcast(topic: "realtime:room", joinRef: "1", ref: "2", event: "e", payload: [:]))
            try await b.expectSilence()
            await a.close()
            await b.close()
        }
    }
}
