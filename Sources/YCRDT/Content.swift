/// The content of a struct (Yjs `Content*` classes). Payloads that came from the wire
/// keep their exact bytes/JSON text so that re-encoding is byte-identical.
enum Content {
    /// A GC struct: removed content (ref 0). Never part of a type's list.
    case gc
    /// ContentDeleted (ref 1); the length is the item's length.
    case deleted
    /// ContentJSON (ref 2): JSON texts, "undefined" for undefined.
    case json([String])
    /// ContentBinary (ref 3).
    case binary([UInt8])
    /// ContentString (ref 4) as UTF-16 code units.
    case string([UInt16])
    /// ContentEmbed (ref 5): the JSON text of the embed (boxed, like the other rare cases,
    /// so that the enum fits in one word).
    indirect case embed(String)
    /// ContentFormat (ref 6): key, parsed value and its JSON text.
    indirect case format(key: String, value: AnyValue, json: String)
    /// ContentType (ref 7).
    case type(Branch)
    /// ContentAny (ref 8): the exact `any` bytes of every element.
    case any([[UInt8]])
    /// ContentDoc (ref 9): guid and the exact `any` bytes of the options.
    indirect case doc(guid: String, opts: [UInt8])

    var ref: UInt8 {
        switch self {
        case .gc: return 0
        case .deleted: return 1
        case .json: return 2
        case .binary: return 3
        case .string: return 4
        case .embed: return 5
        case .format: return 6
        case .type: return 7
        case .any: return 8
        case .doc: return 9
        }
    }

    var isCountable: Bool {
        switch self {
        case .gc, .deleted, .format: return false
        default: return true
        }
    }

    var isFormat: Bool {
        if case .format = self { return true }
        return false
    }

    /// Length in clocks for a content whose length is not stored elsewhere.
    func length(default len: Int) -> Int {
        switch self {
        case .gc, .deleted: return len
        case let .json(a): return a.count
        case let .string(s): return s.count
        case let .any(a): return a.count
        default: return 1
        }
    }

    /// Splits at `offset`: `self` keeps the left part, the right part is returned.
    /// A split between the halves of a surrogate pair replaces both halves by U+FFFD (as Yjs).
    mutating func splice(_ offset: Int, totalLength: Int) -> Content {
        switch self {
        case .gc: return .gc
        case .deleted: return .deleted
        case .json(var a):
            let right = Array(a[offset...])
            a.removeSubrange(offset...)
            self = .json(a)
            return .json(right)
        case .any(var a):
            let right = Array(a[offset...])
            a.removeSubrange(offset...)
            self = .any(a)
            return .any(right)
        case .string(var s):
            self = .deleted  // release our reference so `s` is uniquely owned
            // Each part ends in a buffer its size: the one the whole run had is sized for it
            // (or for twice it, after typing grew it), so a part keeping it with more than
            // half of it idle would hold that room for good (a paste split again and again
            // left every piece holding the full run's room). The buffer goes to the part
            // that fills it, the other part is copied out, as the right part always was.
            var right: [UInt16]
            let room = s.capacity - 16
            if room <= 2 * offset {
                right = Array(s[offset...])
                s.removeSubrange(offset...)
            } else if room <= 2 * (s.count - offset) {
                let left = Array(s[..<offset])
                s.removeSubrange(..<offset)
                right = s
                s = left
            } else {
                right = Array(s[offset...])
                s = Array(s[..<offset])
            }
            if let last = s.last, last >= 0xD800, last <= 0xDBFF {
                s[s.count - 1] = 0xFFFD
                if !right.isEmpty { right[0] = 0xFFFD }
            }
            self = .string(s)
            return .string(right)
        default:
            return self
        }
    }

    /// Whether `right` can be appended to `self`, and does it.
    /// Switches on `self` alone (not on a `(self, right)` tuple, whose temporary would hold a
    /// second reference to our array and make every append copy the whole content).
    mutating func mergeWith(_ right: Content) -> Bool {
        switch self {
        case .deleted:
            if case .deleted = right { return true }
            return false
        case .json(var a):
            guard case let .json(b) = right else { return false }
            self = .deleted
            a.append(contentsOf: b)
            self = .json(a)
            return true
        case .any(var a):
            guard case let .any(b) = right else { return false }
            self = .deleted
            a.append(contentsOf: b)
            self = .any(a)
            return true
        case .string(var a):
            guard case let .string(b) = right else { return false }
            self = .deleted
            a.append(contentsOf: b)
            self = .string(a)
            return true
        default: return false
        }
    }

    /// Writes the payload starting at `offset`.
    func write(to e: inout Lib0Encoder, offset: Int, length: Int) {
        switch self {
        case .gc: e.writeVarUInt(length - offset)
        case .deleted: e.writeVarUInt(length - offset)
        case let .json(a):
            e.writeVarUInt(a.count - offset)
            for s in a[offset...] { e.writeVarString(s) }
        case let .binary(b): e.writeVarUInt8Array(b)
        case let .string(s):
            e.writeVarString(utf16: offset == 0 ? s[...] : s[offset...])
        case let .embed(j): e.writeVarString(j)
        case let .format(key, _, json):
            e.writeVarString(key)
            e.writeVarString(json)
        case let .type(b):
            e.writeVarUInt(Int(b.typeRef))
            if b.typeRef == TypeRef.xmlElement || b.typeRef == TypeRef.xmlHook {
                e.writeVarString(b.nodeName ?? "")
            }
        case let .any(a):
            e.writeVarUInt(a.count - offset)
            for raw in a[offset...] { e.writeBytes(raw) }
        case let .doc(guid, opts):
            e.writeVarString(guid)
            e.writeBytes(opts)
        }
    }

    /// Reads the payload of content `ref` (1...9). Returns the content and its length.
    static func read(ref: UInt8, _ d: inout Lib0Decoder) throws -> (Content, Int) {
        switch ref {
        case 1:
            let len = Int(try d.readVarUInt("a deleted length"))
            return (.deleted, len)
        case 2:
            let n = try d.readCount("JSON content count")
            var a: [String] = []
            for _ in 0..<n {
                let s = try d.readVarString("a JSON text")
                if s != "undefined" { _ = try JSONText.parse(s) }
                a.append(s)
            }
            return (.json(a), n)
        case 3: return (.binary(try d.readVarUInt8Array("binary content")), 1)
        case 4:
            let s = try d.readVarStringUTF16("string content")
            return (.string(s), s.count)
        case 5:
            let j = try d.readVarString("an embed")
            _ = try JSONText.parse(j)
            return (.embed(j), 1)
        case 6:
            let key = try d.readVarString("a format key")
            let json = try d.readVarString("a format value")
            let value = try JSONText.parse(json)
            return (.format(key: key, value: value, json: json), 1)
        case 7:
            let at = d.pos
            let typeRef = try d.readVarUInt("a type reference")
            guard typeRef <= 6 else { throw YCRDTError.unknownTypeRef(Int(typeRef), offset: at) }
            let b = Branch(typeRef: UInt8(typeRef))
            if typeRef == UInt64(TypeRef.xmlElement) || typeRef == UInt64(TypeRef.xmlHook) {
                b.nodeName = try d.readVarString("an XML node name")
            }
            return (.type(b), 1)
        case 8:
            let n = try d.readCount("any content count")
            var a: [[UInt8]] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try AnyCodec.readRaw(&d)) }
            return (.any(a), n)
        case 9:
            let guid = try d.readVarString("a subdocument guid")
            let opts = try AnyCodec.readRaw(&d)
            return (.doc(guid: guid, opts: opts), 1)
        default:
            throw YCRDTError.unknownContentRef(ref, offset: d.pos)
        }
    }
}

/// Yjs type references (ContentType payload).
enum TypeRef {
    static let array: UInt8 = 0
    static let map: UInt8 = 1
    static let text: UInt8 = 2
    static let xmlElement: UInt8 = 3
    static let xmlFragment: UInt8 = 4
    static let xmlHook: UInt8 = 5
    static let xmlText: UInt8 = 6
    /// A root type whose kind the wire does not say (Yjs's generic AbstractType).
    static let unknown: UInt8 = 255
}
