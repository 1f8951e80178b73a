import Realtime

/// Converts Yjs relative positions between their binary encoding (what the editor's
/// `RelativePosition.encode()` gives) and their JSON form (`relativePositionToJSON`,
/// what editor bindings put in awareness states as `cursor.anchor` / `cursor.head`).
///
/// The JSON comes from the network, so every field is checked; anything unexpected
/// makes the position unusable (`nil`), never a crash.
public enum RelativePositionJSON {
    /// The JSON object for an encoded relative position, or `nil` when the bytes are not one.
    public static func json(fromEncoded bytes: [UInt8]) -> JSONValue? {
        var reader = LibZeroReader(bytes)
        guard let kind = reader.varUint() else { return nil }
        var object: [String: JSONValue] = [:]
        switch kind {
        case 0, 2:
            guard let client = reader.varUint(), let clock = reader.varUint(),
                  client <= maxSafe, clock <= maxSafe else { return nil }
            object[kind == 0 ? "item" : "type"] = .object(["client": .integer(Int64(client)), "clock": .integer(Int64(clock))])
        case 1:
            guard let name = reader.varString() else { return nil }
            object["tname"] = .string(name)
        default:
            return nil
        }
        // Older encodings end before `assoc`, which then means 0.
        let assoc = reader.isAtEnd ? 0 : reader.varInt()
        guard let assoc, reader.isAtEnd else { return nil }
        object["assoc"] = .integer(assoc)
        return .object(object)
    }

    /// The binary encoding of a JSON relative position, or `nil` when it is not one.
    /// Like Yjs, `item` wins over `tname`, which wins over `type`.
    public static func encoded(fromJSON value: JSONValue) -> [UInt8]? {
        guard value.objectValue != nil else { return nil }
        var writer = LibZeroWriter()
        let assoc: Int64
        switch value["assoc"] {
        case nil, .null?: assoc = 0
        case let number?:
            guard let i = number.intValue else { return nil }
            assoc = Int64(i)
        }
        if let item = value["item"], !item.isNull {
            guard let (client, clock) = id(item) else { return nil }
            writer.varUint(0); writer.varUint(client); writer.varUint(clock)
        } else if let name = value["tname"], !name.isNull {
            guard let text = name.stringValue else { return nil }
            writer.varUint(1); writer.varString(text)
        } else if let type = value["type"], !type.isNull {
            guard let (client, clock) = id(type) else { return nil }
            writer.varUint(2); writer.varUint(client); writer.varUint(clock)
        } else {
            return nil
        }
        writer.varInt(assoc)
        return writer.bytes
    }

    /// JavaScript's largest exact integer: Yjs clients and clocks never exceed it.
    static let maxSafe: UInt64 = (1 << 53) - 1

    private static func id(_ value: JSONValue) -> (UInt64, UInt64)? {
        guard let client = value["client"]?.intValue, let clock = value["clock"]?.intValue,
              client >= 0, clock >= 0, UInt64(client) <= maxSafe, UInt64(clock) <= maxSafe else { return nil }
        return (UInt64(client), UInt64(clock))
    }
}

/// The few lib0 primitives relative positions use (spec yjs-format.md §1).
struct LibZeroReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func varUint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value <= RelativePositionJSON.maxSafe ? value : nil }
            shift += 7
        }
        return nil
    }

    mutating func varInt() -> Int64? {
        guard position < bytes.count else { return nil }
        let first = bytes[position]
        position += 1
        var magnitude = UInt64(first & 0x3F)
        let negative = first & 0x40 != 0
        var more = first & 0x80 != 0
        var shift: UInt64 = 6
        while more {
            guard position < bytes.count, shift < 57 else { return nil }
            let byte = bytes[position]
            position += 1
            magnitude |= UInt64(byte & 0x7F) << shift
            more = byte & 0x80 != 0
            shift += 7
        }
        guard magnitude <= RelativePositionJSON.maxSafe else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    mutating func varString() -> String? {
        guard let length = varUint(), length <= UInt64(bytes.count - position) else { return nil }
        let end = position + Int(length)
        let slice = Array(bytes[position..<end])
        position = end
        return String(validating: slice, as: UTF8.self)
    }
}

struct LibZeroWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varUint(_ value: UInt64) {
        var v = value
        while v > 0x7F {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func varInt(_ value: Int64) {
        var magnitude = value.magnitude
        var first = UInt8(magnitude & 0x3F)
        if value < 0 { first |= 0x40 }
        magnitude >>= 6
        if magnitude > 0 { first |= 0x80 }
        bytes.append(first)
        while magnitude > 0 {
            var byte = UInt8(magnitude & 0x7F)
            magnitude >>= 7
            if magnitude > 0 { byte |= 0x80 }
            bytes.append(byte)
        }
    }

    mutating func varString(_ text: String) {
        let utf8 = Array(text.utf8)
        varUint(UInt64(utf8.count))
        bytes += utf8
    }
}
