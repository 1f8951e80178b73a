import Foundation
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// Bad input gets an error (or, for undecodable binary, a close) and nobody else notices.
final class RobustnessTests: RelayTestCase {
    func testGarbageTextIsDroppedAndTheSocketKeepsWorking() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port)
            for garbage in [
                "not json", "{}", #"{"topic":"x"}"#, "[1,2]", "\"str\"", "[[[[[[", String(repeating: "[", count: 10_000)
            ] {
                try await socket.sendText(garbage)
            }
            try await socket.expectSilence()
            // JSON that names a topic and ref but is invalid gets an error reply.
            try await socket.sendText(#"["1","42","realtime:x","broadcast","payload is not an object"]"#)
            let reply = try await socket.next()
            XCTAssertEqual(reply?.ref, "42")
            XCTAssertEqual(reply.flatMap { status(of: $0) }, "error")
            XCTAssertTrue(reply.flatMap { reason(of: $0) }?.hasPrefix("MalformedMessage") ?? false)
            // Unknown events on a joined channel are refused, the channel stays.
            try await socket.join("realtime:x", ref: "1")
            try await socket.send(
                PhoenixMessage(joinRef: "1", ref: "43", topic: "realtime:x", event: "postgres_magic", json: [:]))
            let value1 = try await socket.next()!
            XCTAssertEqual(status(of: value1), "error")
            try await socket.send(.heartbeat(ref: "44"))
            let value2 = try await socket.next()?.ref
            XCTAssertEqual(value2, "44")
            await socket.close()
        }
    }

    func testBinaryGarbageClosesOnlyThatSocket() async throws {
        try await withRelay { _, port in
            let victim = try await TestSocket.connect(port: port)
            let bystander = try await TestSocket.connect(port: port)
            let listener = try await TestSocket.connect(port: port)
            try await bystander.join("realtime:r", ref: "1")
            try await listener.join("realtime:r", ref: "1")
            try await victim.sendFrame(.binary([0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01]))
            let code = await victim.closeCode()
            XCTAssertEqual(code, .some(1003))
            try await bystander.send(
                .broadcast(topic: "realtime:r", joinRef: "1", ref: "2", event: "still", payload: [:]))
            let value3 = try await listener.next()?.json?["event"]
            XCTAssertEqual(value3, "still")
            await bystander.close()
            await listener.close()
        }
    }

    func testBinaryOnV1SocketIsRefused() async throws {
        try await withRelay { _, port in
            let socket = try await TestSocket.connect(port: port, vsn: .v1)
            try await socket.sendFrame(.binary([4, 0, 0, 0, 0]))
            let code = await socket.closeCode()
            XCTAssertEqual(code, .some(1003))
        }
    }

    func testOversizedFrameIsRefusedByTheWebSocketLayer() async throws {
        try await withRelay({ $0.limits.maxFrameBytes = 10_000 }) { _, port in
            let raw = try RawConnection(port: port)
            try raw.webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=2.0.0")
            try raw.sendText(String(repeating: " ", count: 20_000))
            var closeCode: Int?
            while let frame = raw.readFrame() {
                if frame.opcode == 8, frame.payload.count >= 2 {
                    closeCode = Int(frame.payload[0]) << 8 | Int(frame.payload[1])
                    break
                }
            }
            XCTAssertEqual(closeCode, 1009)
            let other = try await TestSocket.connect(port: port)
            try await other.send(.heartbeat(ref: "1"))
            let value4 = try await other.next()?.ref
            XCTAssertEqual(value4, "1")
            await other.close()
        }
    }

    func testUnsupportedVersionIsRefusedAtHandshake() async throws {
        try await withRelay { _, port in
            let upgrade = try RawConnection.http(
                port: port, method: "GET", path: "/realtime/v1/websocket?vsn=3.0.0",
                headers: RawConnection.upgradeHeaders)
            let plain = try RawConnection.http(port: port, method: "GET", path: "/realtime/v1/websocket?vsn=3.0.0")
            for (kind, result) in [("upgrade", upgrade), ("plain GET", plain)] {
                XCTAssertEqual(result.status, 400, kind)
                let error = try JSONValue(parsing: result.body)["error"]?.stringValue ?? ""
                XCTAssertTrue(error.contains("3.0.0"), "\(kind): \(result.text)")
            }
            // A good upgrade on the same server still switches protocols.
            XCTAssertNoThrow(
                try RawConnection(port: port).webSocketHandshake(port: port, path: "/realtime/v1/websocket?vsn=2.0.0"))
        }
    }
}
