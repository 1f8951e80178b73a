import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// Deliveries go straight into the socket (`SocketWriter`): frames wait behind a
/// socket that does not read, bounded by `RelayLimits.maxQueuedBytes`; past the
/// bound the socket is dropped while everyone else keeps receiving in order.
final class SocketWriterTests: RelayTestCase {
    func testASocketThatStopsReadingIsDroppedAtItsBoundWhileOthersReceiveInOrder() async throws {
        try await withRelay({
            $0.limits.maxQueuedBytes = 1 << 20
            $0.limits.eventsPerSecond = 100_000
        }) { relay, port in
            // Joins, then never reads again.
            let stalled = try RawConnection(port: port, receiveTimeout: 20)
            try stalled.webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=1.0.0")
            try stalled.sendText(
                #"{"topic":"realtime:stall","event":"phx_join","payload":{"config":{}},"ref":"1","join_ref":"1"}"#)
            XCTAssertNotNil(stalled.readText(), "the join reply")

            let sender = try await TestSocket.connect(port: port)
            let reader = try await TestSocket.connect(port: port)
            for socket in [sender, reader] {
                let reply = try await socket.join("realtime:stall", ref: "1")
                XCTAssertEqual(status(of: reply), "ok")
            }
            let connected = await relay.statistics().sockets
            XCTAssertEqual(connected, 3)
            let payload = String(repeating: "x", count: 60_000)
            var sent = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while await relay.statistics().sockets == 3, sent < 1_000, ContinuousClock.now < deadline {
                try await sender.send(
                    .broadcast(
                        topic: "realtime:stall", joinRef: "1", ref: "\(sent + 2)", event: "big",
                        payload: ["n": .integer(Int64(sent)), "text": .string(payload)]))
                sent += 1
                let got = try await reader.next()
                XCTAssertEqual(got?.json?["payload"]?["n"], .integer(Int64(sent - 1)), "the reader keeps up, in order")
            }
            let sockets = await relay.statistics().sockets
            XCTAssertEqual(sockets, 2, "the stalled socket was never dropped after \(sent) broadcasts of 60 KB")
            // Loopback buffers hold a few MB on top of the relay's 1 MB: far less than unbounded.
            XCTAssertLessThan(sent, 400, "dropped only after \(sent) × 60 KB: the backlog is not bounded near 1 MB")

            try await sender.send(
                .broadcast(topic: "realtime:stall", joinRef: "1", ref: "done", event: "after", payload: [:]))
            let after = try await reader.next()
            XCTAssertEqual(after?.json?["event"]?.stringValue, "after")
            await sender.close()
            await reader.close()
        }
    }
}
