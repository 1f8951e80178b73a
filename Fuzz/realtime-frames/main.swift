// libFuzzer entry point for the RealtimeProtocol decoders. Compiled together with
// Sources/RealtimeProtocol/*.swift by build.sh (one module, so internals are visible).
//
// Input: byte 0 picks the decoder, the rest is the frame:
//   0 vsn 2.0.0 text client→server   1 vsn 2.0.0 text server→client
//   2 vsn 1.0.0 text client→server   3 vsn 1.0.0 text server→client
//   4 vsn 2.0.0 binary client→server 5 vsn 2.0.0 binary server→client
// Besides "never crashes", every frame that decodes must survive encode → decode unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRealtimeFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let mode = bytes[0] % 6
    let body = Array(bytes.dropFirst())

    // The JSON parser on its own, with its round trip.
    if let value = try? JSONValue(parsing: body) {
        guard let again = try? JSONValue(parsing: value.jsonBytes), again == value else {
            fatalError("JSON round trip changed \(value.jsonString)")
        }
    }

    let version: SerializerVersion = (mode == 2 || mode == 3) ? .v1 : .v2
    let direction: FrameDirection = mode % 2 == 0 ? .clientToServer : .serverToClient
    let serializer = PhoenixSerializer(version: version, maxFrameBytes: 1 << 20)
    let frame: WireFrame = mode >= 4 ? .binary(body) : .text(String(decoding: body, as: UTF8.self))
    guard let message = try? serializer.decode(frame, direction: direction) else { return 0 }

    // vsn 1.0.0 server frames drop join_ref by design, so that direction is not round-tripped.
    if version == .v1 && direction == .serverToClient { return 0 }
    guard let encoded = try? serializer.encode(message, direction: direction) else {
        // Only fields longer than 255 bytes (binary frames) may fail to encode.
        return 0
    }
    guard let decoded = try? serializer.decode(encoded, direction: direction) else {
        fatalError("re-encoded frame does not decode: \(message)")
    }
    if decoded != message {
        fatalError("round trip changed the message:\n\(message)\n\(decoded)")
    }
    return 0
}
