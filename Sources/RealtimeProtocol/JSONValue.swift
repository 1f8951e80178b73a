/// A JSON value, as carried in Phoenix channel payloads.
///
/// Integers are kept apart from other numbers so that byte values of Yjs
/// payloads (`{"update":[1,2,3]}`) and large counters survive a round trip
/// exactly. `.integer(1)` and `.number(1.0)` compare equal.
public enum JSONValue: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    /// Any other number. Non-finite values are written as `null`.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Compact JSON text (object keys sorted, so output is deterministic).
    public var description: String { JSONWriter.string(self) }
}

// MARK: - Accessors

extension JSONValue {
    /// The string, when this is a string.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The boolean, when this is a boolean.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// The number as a Double, for either number case.
    public var doubleValue: Double? {
        switch self {
        case let .integer(i): return Double(i)
        case let .number(d): return d
        default: return nil
        }
    }

    /// The number as an integer, when it is integral and fits.
    public var intValue: Int? {
        switch self {
        case let .integer(i): return Int(exactly: i)
        case let .number(d): return d.isFinite ? Int(exactly: d) : nil
        default: return nil
        }
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// Whether this is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup; `nil` when this is not an object or has no such key.
    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] }
        return nil
    }

    /// Element lookup; `nil` when this is not an array or the index is out of range.
    public subscript(index: Int) -> JSONValue? {
        if case let .array(a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    /// A byte array as a JSON array of numbers (the channel contract's `update` form).
    public init(bytes: [UInt8]) {
        self = .array(bytes.map { .integer(Int64($0)) })
    }

    /// The bytes, when this is an array of integers 0...255; `nil` otherwise.
    public var byteArrayValue: [UInt8]? {
        guard case let .array(elements) = self else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(elements.count)
        for element in elements {
            guard let i = element.intValue, let b = UInt8(exactly: i) else { return nil }
            out.append(b)
        }
        return out
    }

    /// Parses JSON text (UTF-8). Throws `RealtimeProtocolError.invalidJSON` on anything
    /// that is not exactly one JSON value.
    public init(parsing bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) throws {
        self = try JSONParser.parse(bytes, maxDepth: maxDepth)
    }

    /// Parses JSON text.
    public init(parsing text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws {
        self = try JSONParser.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Compact JSON text as UTF-8 bytes.
    public var jsonBytes: [UInt8] { JSONWriter.bytes(self) }

    /// Compact JSON text.
    public var jsonString: String { JSONWriter.string(self) }
}

// MARK: - Equality

extension JSONValue: Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.integer(a), .number(b)), let (.number(b), .integer(a)):
            return Int64(exactly: b) == a
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b):
            hasher.combine(1)
            hasher.combine(b)
        case let .integer(i):
            hasher.combine(2)
            hasher.combine(i)
        case let .number(d):
            // Integral doubles hash like the integer they equal.
            if let i = Int64(exactly: d) {
                hasher.combine(2)
                hasher.combine(i)
            } else {
                hasher.combine(3)
                hasher.combine(d)
            }
        case let .string(s):
            hasher.combine(4)
            hasher.combine(s)
        case let .array(a):
            hasher.combine(5)
            hasher.combine(a)
        case let .object(o):
            hasher.combine(6)
            hasher.combine(o)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var o = [String: JSONValue]()
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
}

// MARK: - Codable

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
            return
        }
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
            return
        }
        if let i = try? c.decode(Int64.self) {
            self = .integer(i)
            return
        }
        if let d = try? c.decode(Double.self) {
            self = .number(d)
            return
        }
        if let s = try? c.decode(String.self) {
            self = .string(s)
            return
        }
        if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
            return
        }
        if let o = try? c.decode([String: JSONValue].self) {
            self = .object(o)
            return
        }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .integer(i): try c.encode(i)
        case let .number(d): if d.isFinite { try c.encode(d) } else { try c.encodeNil() }
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
