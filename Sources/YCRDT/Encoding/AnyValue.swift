/// A value of lib0's `any` encoding (the JSON-like values Yjs stores in maps, arrays,
/// format attributes and embeds).
///
/// Numbers: `.int` for integers, `.double` for everything else; lib0 itself has one
/// number type, so writers pick the wire form from the value, not from the case.
public enum AnyValue: Hashable, Sendable {
    case undefined
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bigint(Int64)
    case string(String)
    case bytes([UInt8])
    case array([AnyValue])
    case object([String: AnyValue])

    /// Equality as Yjs compares attribute values: numbers by value (`1` equals `1.0`),
    /// objects and arrays by content.
    func jsEquals(_ other: AnyValue) -> Bool {
        switch (self, other) {
        case let (.int(a), .double(b)): return Double(a) == b
        case let (.double(a), .int(b)): return a == Double(b)
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.jsEquals($1) }
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (k, v) in a { guard let w = b[k], v.jsEquals(w) else { return false } }
            return true
        default: return self == other
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension AnyValue: CustomStringConvertible {
    public var description: String { JSONText.stringify(self) ?? "undefined" }
}

/// JavaScript's property order: integer-like keys ascending, then the rest. Swift
/// dictionaries have no insertion order, so the rest are sorted by code units.
func jsKeyOrder(_ keys: some Sequence<String>) -> [String] {
    var indices: [(UInt32, String)] = []
    var others: [String] = []
    for k in keys {
        if let n = UInt32(k), n < UInt32.max, String(n) == k { indices.append((n, k)) } else { others.append(k) }
    }
    indices.sort { $0.0 < $1.0 }
    others.sort { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
    return indices.map(\.1) + others
}
