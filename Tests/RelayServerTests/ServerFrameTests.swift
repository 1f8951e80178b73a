import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket
import RealtimeProtocol
import XCTest

@testable import RelayServer

/// The relay frames outgoing messages itself (`ServerFrame`) and writes them below
/// NIO's WebSocket encoder: the bytes must be exactly what that encoder writes, for
/// every length form of the header, and must reach real clients intact.
final class ServerFrameTests: RelayTestCase {
    /// Lengths on both sides of each header form: 7-bit, 16-bit and 64-bit.
    static let lengths = [0, 1, 125, 126, 127, 1000, 65_535, 65_536, 70_000]

    func testFramesAreByteForByteWhatNIOsEncoderWrites() throws {
        for length in Self.lengths {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let text = String(repeating: "ب", count: length / 2) + String(repeating: "a", count: length % 2)
            for wire in [WireFrame.binary(bytes), .text(text)] {
                let opcode: WebSocketOpcode
                let data: ByteBuffer
                switch wire {
                case let .binary(payload): (opcode, data) = (.binary, ByteBuffer(bytes: payload))
                case let .text(payload): (opcode, data) = (.text, ByteBuffer(string: payload))
                }
                XCTAssertEqual(
                    Array(ServerFrame.encode(wire).readableBytesView),
                    try Self.nioEncoded(WebSocketFrame(fin: true, opcode: opcode, data: data)),
                    "\(opcode) frame of \(data.readableBytes) bytes")
            }
        }
    }

    func testBroadcastsOfEveryHeaderFormReachBothVersionsIntact() async throws {
        try await withRelay { _, port in
            let sender = try await TestSocket.connect(port: port)
            let v1 = try await TestSocket.connect(port: port, vsn: .v1)
            let v2 = try await TestSocket.connect(port: port)
            for socket in [sender, v1, v2] {
                let reply = try await socket.join("realtime:frames", ref: "1")
                XCTAssertEqual(status(of: reply), "ok")
            }
            for (n, length) in Self.lengths.enumerated() {
                let text = String(repeating: "ك", count: length / 2)
                try await sender.send(
                    .broadcast(
                        topic: "realtime:frames", joinRef: "1", ref: "\(n + 2)", event: "size",
                        payload: ["n": .integer(Int64(n)), "text": .string(text)]))
                for socket in [v1, v2] {
                    let got = try await socket.next()
                    XCTAssertEqual(
                        got?.json?["payload"]?["n"], .integer(Int64(n)), "broadcast \(n), \(socket.serializer.version)")
                    XCTAssertEqual(
                        got?.json?["payload"]?["text"]?.stringValue, text,
                        "broadcast \(n), \(socket.serializer.version)")
                }
            }
            for socket in [sender, v1, v2] { await socket.close() }
        }
    }

    /// What `WebSocketFrameEncoder` writes for `frame` on a server channel.
    private static func nioEncoded(_ frame: WebSocketFrame) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(frame)
        var bytes: [UInt8] = []
        while let part = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += part.readableBytesView
        }
        _ = try channel.finish()
        return bytes
    }
}
