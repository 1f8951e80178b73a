import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

#if canImport(Glibc)
    import Glibc
#endif

/// A subscriber that never reads is dropped at its bound (`SocketWriterTests`) with
/// a close frame that says why, behind what it already had in flight.
final class SlowSubscriberTests: RelayTestCase {
    func testADroppedSubscriberLearnsWhyWhenItReadsAgain() async throws {
        let limit = 1 << 20
        try await withRelay({
            $0.limits.maxQueuedBytes = limit
            $0.limits.eventsPerSecond = 100_000
            $0.shutdownGracePeriod = .seconds(10)
        }) { relay, port in
            // The stalled subscriber: joins, then reads nothing. (Its kernel buffers
            // take some megabytes first; a shrunken receive buffer would make the
            // read afterwards crawl through zero-window probes.)
            let stalled = try RawConnection(port: port, receiveTimeout: 20)
            try stalled.webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=1.0.0")
            try stalled.sendText(
                #"{"topic":"realtime:slow","event":"phx_join","payload":{"config":{}},"ref":"1","join_ref":"1"}"#)
            XCTAssertNotNil(stalled.readText(), "the join reply")

            let sender = try await TestSocket.connect(port: port)
            let reader = try await TestSocket.connect(port: port)
            for socket in [sender, reader] {
                let reply = try await socket.join("realtime:slow", ref: "1")
                XCTAssertEqual(status(of: reply), "ok")
            }
            // 60 KB broadcasts until the relay gives up on the stalled one.
            let payload = String(repeating: "x", count: 60_000)
            var sent = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while await relay.statistics().sockets == 3, ContinuousClock.now < deadline {
                try await sender.send(
                    .broadcast(
                        topic: "realtime:slow", joinRef: "1", ref: "\(sent + 2)", event: "big",
                        payload: ["n": .integer(Int64(sent)), "text": .string(payload)]))
                sent += 1
                // The reader keeps up.
                let got = try await reader.next()
                XCTAssertEqual(got?.json?["payload"]?["n"], .integer(Int64(sent - 1)))
            }
            let sockets = await relay.statistics().sockets
            XCTAssertEqual(sockets, 2, "the stalled subscriber was never dropped after \(sent) broadcasts")

            // Reading now, it finds what was in flight and then the close frame with the reason.
            var close: (code: UInt16, reason: String)?
            while let frame = stalled.readFrame() {
                if frame.opcode == 8 {
                    let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : 0
                    close = (code, String(decoding: frame.payload.dropFirst(2), as: UTF8.self))
                    break
                }
            }
            XCTAssertEqual(close?.code, 1008)
            XCTAssertTrue(close?.reason.contains("too slow") == true, "close reason: \(String(describing: close))")

            await sender.close()
            await reader.close()
        }
    }
}
