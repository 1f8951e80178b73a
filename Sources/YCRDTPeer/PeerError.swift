/// Why a request line could not be carried out; sent back as `{"ok": false, "error": …}`.
enum PeerError: Error, CustomStringConvertible {
    case notJSONObject
    case missingField(String)
    case wrongType(field: String, expected: String)
    case unknownCommand(String)
    case unknownDoc(String)
    case docExists(String)
    case badHex(field: String)
    case indexOutOfRange(index: Int, length: Int, textLength: Int)
    case unsupportedAttribute(String)
    case crdt(String)

    var description: String {
        switch self {
        case .notJSONObject: return "each request line must be one JSON object"
        case .missingField(let name): return "missing field \"\(name)\""
        case .wrongType(let field, let expected): return "field \"\(field)\" must be \(expected)"
        case .unknownCommand(let cmd): return "unknown cmd \"\(cmd)\" (see Sources/YCRDTPeer/main.swift)"
        case .unknownDoc(let name): return "no doc named \"\(name)\": create it first with {\"cmd\":\"new\"}"
        case .docExists(let name): return "a doc named \"\(name)\" already exists: drop it first"
        case .badHex(let field): return "field \"\(field)\" is not an even-length hex string"
        case .indexOutOfRange(let index, let length, let textLength):
            return "range \(index)..<\(index + length) is outside the text (length \(textLength))"
        case .unsupportedAttribute(let key):
            return
                "attribute \"\(key)\" has a value the peer cannot convert (use strings, numbers, booleans, null, arrays, objects)"
        case .crdt(let message): return "YCRDT: \(message)"
        }
    }
}
