/// Why a Phoenix/Realtime frame could not be decoded or encoded.
public enum RealtimeProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not JSON; `offset` is the byte where parsing stopped.
    case invalidJSON(reason: String, offset: Int)
    /// The frame is JSON but not a Phoenix message of the expected shape.
    case malformedMessage(String)
    /// The frame is larger than the configured limit.
    case frameTooLarge(size: Int, limit: Int)
    /// A binary frame is shorter than its header says.
    case truncatedBinaryFrame(kind: UInt8, needed: Int, available: Int)
    /// A binary frame starts with a kind byte that is not 0...4, or one not valid in this direction.
    case unknownBinaryKind(UInt8)
    /// A string field of a binary frame is not UTF-8.
    case invalidUTF8(field: String)
    /// A binary-frame field is over the 255-byte limit of its length byte.
    case fieldTooLong(field: String, length: Int)
    /// The user-broadcast encoding byte is neither 0 (binary) nor 1 (JSON).
    case unknownEncoding(UInt8)
    /// The message cannot be written in the chosen serializer version or direction.
    case unsupported(String)
    /// The `vsn` is not one this implementation speaks.
    case unsupportedVersion(String)

    public var description: String {
        switch self {
        case let .invalidJSON(reason, offset):
            return "invalid JSON at byte \(offset): \(reason)"
        case let .malformedMessage(reason):
            return "malformed Phoenix message: \(reason)"
        case let .frameTooLarge(size, limit):
            return "frame of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .truncatedBinaryFrame(kind, needed, available):
            return
                "binary frame of kind \(kind) is truncated: its header needs \(needed) bytes, the frame has \(available)"
        case let .unknownBinaryKind(kind):
            return "binary frame of unknown or misdirected kind \(kind)"
        case let .invalidUTF8(field):
            return "binary frame field \(field) is not valid UTF-8"
        case let .fieldTooLong(field, length):
            return "unable to convert \(field) to binary: \(length) bytes, must be less than or equal to 255 bytes"
        case let .unknownEncoding(byte):
            return "user broadcast encoding \(byte) is neither 0 (binary) nor 1 (JSON)"
        case let .unsupported(reason):
            return "cannot serialize: \(reason)"
        case let .unsupportedVersion(vsn):
            return "unsupported serializer version \(vsn): use 1.0.0 or 2.0.0"
        }
    }
}
