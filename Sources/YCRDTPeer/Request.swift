import Foundation

/// One parsed request line with typed accessors that fail with a `PeerError`
/// naming the field, so a driver sees exactly what it got wrong.
struct Request {
    let fields: [String: Any]

    init(line: String) throws {
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data),
            let fields = object as? [String: Any]
        else { throw PeerError.notJSONObject }
        self.fields = fields
    }

    func string(_ name: String) throws -> String {
        guard let value = fields[name] else { throw PeerError.missingField(name) }
        guard let text = value as? String else { throw PeerError.wrongType(field: name, expected: "a string") }
        return text
    }

    func int(_ name: String) throws -> Int {
        guard let value = fields[name] else { throw PeerError.missingField(name) }
        // JSONSerialization hands numbers over as NSNumber; reject booleans and fractions.
        guard let number = value as? NSNumber, JSONKind.isInteger(number),
            let int = Int(exactly: number.doubleValue), int >= 0
        else { throw PeerError.wrongType(field: name, expected: "a non-negative integer") }
        return int
    }

    func uint64(_ name: String) throws -> UInt64 {
        guard let value = fields[name] else { throw PeerError.missingField(name) }
        guard let number = value as? NSNumber, JSONKind.isInteger(number), number.int64Value >= 0
        else { throw PeerError.wrongType(field: name, expected: "a non-negative integer") }
        return number.uint64Value
    }

    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let value = fields[name], !(value is NSNull) else { return fallback }
        guard let number = value as? NSNumber, JSONKind.isBoolean(number) else {
            throw PeerError.wrongType(field: name, expected: "a boolean")
        }
        return number.boolValue
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard let bytes = Hex.decode(try string(name)) else { throw PeerError.badHex(field: name) }
        return bytes
    }

    func optionalBytes(_ name: String) throws -> [UInt8]? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        return try bytes(name)
    }

    func byteList(_ name: String) throws -> [[UInt8]] {
        guard let value = fields[name] else { throw PeerError.missingField(name) }
        guard let items = value as? [String] else {
            throw PeerError.wrongType(field: name, expected: "an array of hex strings")
        }
        return try items.map { item in
            guard let bytes = Hex.decode(item) else { throw PeerError.badHex(field: name) }
            return bytes
        }
    }

    func object(_ name: String) throws -> [String: Any]? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else {
            throw PeerError.wrongType(field: name, expected: "an object")
        }
        return object
    }
}

/// What kind of JSON number JSONSerialization produced: on Linux `true` and `1`
/// both bridge to `Bool` and to `Int`, so only the stored C type tells them apart.
enum JSONKind {
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    static func isInteger(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type != "c" && type != "d" && type != "f"
    }
}
