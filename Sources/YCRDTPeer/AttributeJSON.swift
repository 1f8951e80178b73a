import Foundation
import YCRDT

/// Conversions between the peer's JSON (Foundation objects) and YCRDT's values.
enum AttributeJSON {
    static func attributes(from object: [String: Any]) throws -> [String: AnyValue] {
        var out: [String: AnyValue] = [:]
        for (key, value) in object {
            guard let converted = anyValue(value) else { throw PeerError.unsupportedAttribute(key) }
            out[key] = converted
        }
        return out
    }

    static func anyValue(_ value: Any) -> AnyValue? {
        switch value {
        case is NSNull: return .null
        case let number as NSNumber:
            if JSONKind.isBoolean(number) { return .bool(number.boolValue) }
            if JSONKind.isInteger(number), let int = Int64(exactly: number.doubleValue) { return .int(int) }
            return .double(number.doubleValue)
        case let text as String: return .string(text)
        case let array as [Any]:
            var items: [AnyValue] = []
            for item in array {
                guard let converted = anyValue(item) else { return nil }
                items.append(converted)
            }
            return .array(items)
        case let object as [String: Any]:
            var fields: [String: AnyValue] = [:]
            for (key, item) in object {
                guard let converted = anyValue(item) else { return nil }
                fields[key] = converted
            }
            return .object(fields)
        default: return nil
        }
    }

    /// A value for JSONSerialization; `undefined` and bigints have no JSON form
    /// and are written as null and a number.
    static func json(_ value: AnyValue) -> Any {
        switch value {
        case .undefined, .null: return NSNull()
        case .bool(let flag): return flag
        case .int(let int): return int
        case .double(let double): return double.isFinite ? double : NSNull()
        case .bigint(let int): return int
        case .string(let text): return text
        case .bytes(let bytes): return ["$bytes": Hex.encode(bytes)]
        case .array(let items): return items.map(json)
        case .object(let fields): return fields.mapValues(json)
        }
    }

    /// A Quill-style delta: `[{"insert": …, "attributes": {…}?}]`; embeds are
    /// written as `{"insert": {"embed": VALUE}}`, retains and deletes as in Quill.
    static func delta(_ chunks: [TextDelta]) -> [[String: Any]] {
        chunks.map { chunk in
            var out: [String: Any]
            let attributes: [String: AnyValue]
            switch chunk {
            case let .insert(text, attrs):
                out = ["insert": text]
                attributes = attrs
            case let .embed(value, attrs):
                out = ["insert": ["embed": json(value)]]
                attributes = attrs
            case let .retain(count, attrs):
                out = ["retain": count]
                attributes = attrs
            case let .delete(count):
                out = ["delete": count]
                attributes = [:]
            }
            if !attributes.isEmpty { out["attributes"] = attributes.mapValues(json) }
            return out
        }
    }
}
