import Realtime
import RealtimeProtocol
import YCRDT

/// The bridge between YCRDT's lib0 `any` values and the Realtime layer's JSON values,
/// so Yjs JSON forms (relative positions) can travel in channel payloads.
extension JSONValue {
    /// The JSON a Yjs client would write for `value` with `JSON.stringify`, except
    /// that `undefined` becomes `null` (a JSON value must be something) and bytes
    /// become an array of numbers.
    init(_ value: AnyValue) {
        switch value {
        case .undefined, .null: self = .null
        case let .bool(b): self = .bool(b)
        case let .int(i), let .bigint(i): self = .integer(i)
        case let .double(d): self = .number(d)
        case let .string(s): self = .string(s)
        case let .bytes(bytes): self = .array(bytes.map { .integer(Int64($0)) })
        case let .array(items): self = .array(items.map(JSONValue.init))
        case let .object(fields): self = .object(fields.mapValues(JSONValue.init))
        }
    }
}

extension AnyValue {
    /// The lib0 value for a JSON value. lib0 has one number type, so a whole number
    /// written with a fraction (`4.0`) is an integer, as it is to a JavaScript peer.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case let .bool(b): self = .bool(b)
        case let .integer(i): self = .int(i)
        case let .number(d):
            if d.rounded() == d, abs(d) <= Self.maxSafeInteger, let i = Int64(exactly: d) {
                self = .int(i)
            } else {
                self = .double(d)
            }
        case let .string(s): self = .string(s)
        case let .array(items): self = .array(items.map(AnyValue.init))
        case let .object(fields): self = .object(fields.mapValues(AnyValue.init))
        }
    }

    /// JavaScript's largest exact integer.
    private static let maxSafeInteger = Double((1 << 53) - 1)
}
