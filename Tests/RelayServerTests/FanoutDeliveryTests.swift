import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// A burst of broadcasts to sockets of both serializer versions: each socket gets every
/// frame, in order, in its own format (the hub encodes once per version and the socket
/// side coalesces flushes; neither may reorder, drop or mix formats).
final class FanoutDeliveryTests: RelayTestCase {
    func testBurstReachesMixedVersionReceiversInOrderInTheirOwnFormat() async throws {
        try await withRelay { _, port in
            let sender = try await TestSocket.connect(port: port)
            let v1Receivers = [
                try await TestSocket.connect(port: port, vsn: .v1), try await TestSocket.connect(port: port, vsn: .v1)
            ]
            let v2Receivers = [try await TestSocket.connect(port: port), try await TestSocket.connect(port: port)]
            for socket in [sender] + v1Receivers + v2Receivers {
                let reply = try await socket.join("realtime:burst", ref: "1")
                XCTAssertEqual(status(of: reply), "ok")
            }
            let count = 50  // under the default 100 events a second
            for n in 0..<count {
                try await sender.send(
                    PhoenixMessage(
                        joinRef: "1", ref: "\(n + 2)", topic: "realtime:burst", event: "broadcast",
                        payload: .userBroadcast(UserBroadcast(event: "tick", payload: .json(["n": .integer(Int64(n))])))
                    ))
            }
            // Binary reaches vsn 2.0.0 only; the JSON marker after it reaches everyone.
            try await sender.send(
                PhoenixMessage(
                    joinRef: "1", ref: "100", topic: "realtime:burst", event: "broadcast",
                    payload: .userBroadcast(UserBroadcast(event: "bin", payload: .binary([7, 8, 9])))))
            try await sender.send(
                .broadcast(topic: "realtime:burst", joinRef: "1", ref: "101", event: "end", payload: [:]))

            for socket in v1Receivers {
                for n in 0..<count {
                    guard case let .text(text)? = await socket.nextFrame() else {
                        return XCTFail("v1 frame \(n) missing")
                    }
                    XCTAssertEqual(
                        try JSONValue(parsing: text)["payload"]?["payload"]?["n"], .integer(Int64(n)), "v1 frame \(n)")
                }
                let end = try await socket.next()
                XCTAssertEqual(
                    end?.json?["event"]?.stringValue, "end", "the binary broadcast must be skipped for vsn 1.0.0")
            }
            for socket in v2Receivers {
                for n in 0..<count {
                    guard case let .binary(frame)? = await socket.nextFrame() else {
                        return XCTFail("v2 frame \(n) missing")
                    }
                    XCTAssertEqual(
                        try socket.serializer.decode(.binary(frame), direction: .serverToClient).payload,
                        .userBroadcast(UserBroadcast(event: "tick", payload: .json(["n": .integer(Int64(n))]))),
                        "v2 frame \(n)")
                }
                let binary = try await socket.next()
                XCTAssertEqual(
                    binary?.payload, .userBroadcast(UserBroadcast(event: "bin", payload: .binary([7, 8, 9]))))
                let end = try await socket.next()
                XCTAssertEqual(end?.json?["event"]?.stringValue, "end")
            }
            try await sender.expectSilence(for: .milliseconds(100))
            for socket in [sender] + v1Receivers + v2Receivers { await socket.close() }
        }
    }
}
