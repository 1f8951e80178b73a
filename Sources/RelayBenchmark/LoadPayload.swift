/// The payload of one load broadcast: ASCII, so the same bytes can travel as a
/// Realtime binary broadcast and as a bare WebSocket text frame.
///
/// Layout: 16 hex digits of the send time (monotonic ns), 8 of the sender's number,
/// 8 of its sequence number, then `.` up to the requested size.
struct LoadPayload: Equatable {
    static let headerBytes = 32

    var sentAt: UInt64
    var sender: UInt32
    var sequence: UInt32

    func encoded(size: Int) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(size, Self.headerBytes))
        Self.appendHex(sentAt, digits: 16, to: &bytes)
        Self.appendHex(UInt64(sender), digits: 8, to: &bytes)
        Self.appendHex(UInt64(sequence), digits: 8, to: &bytes)
        while bytes.count < size { bytes.append(UInt8(ascii: ".")) }
        return bytes
    }

    /// `nil` for bytes that are not a load payload (too short, not hex).
    init?<Bytes: Collection>(decoding bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count >= Self.headerBytes else { return nil }
        var index = bytes.startIndex
        func hex(_ digits: Int) -> UInt64? {
            var value: UInt64 = 0
            for _ in 0..<digits {
                let byte = bytes[index]
                index = bytes.index(after: index)
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                value = value << 4 | UInt64(nibble)
            }
            return value
        }
        guard let sentAt = hex(16), let sender = hex(8), let sequence = hex(8) else { return nil }
        self.init(
            sentAt: sentAt, sender: UInt32(truncatingIfNeeded: sender), sequence: UInt32(truncatingIfNeeded: sequence))
    }

    init(sentAt: UInt64, sender: UInt32, sequence: UInt32) {
        self.sentAt = sentAt
        self.sender = sender
        self.sequence = sequence
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            bytes.append(hexDigits[Int((value >> UInt64(shift)) & 0xF)])
        }
    }
}
