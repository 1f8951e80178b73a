/// A SHA-256 digest of everything a document shows, in every root type: what integrity
/// checks compare ("do these bytes load back to what the editor shows?").
///
/// Two documents have the same digest exactly when every root type holds the same visible
/// content: the same text with the same formatting attributes (as `YText.toDelta()` sees
/// it), the same embeds, array elements, map entries (latest value per key) and nested
/// types (kind, XML node name, and their own content), compared by value. The digest does
/// not depend on how the content is stored: item boundaries, deleted or collected items,
/// redundant format items, client ids, the order updates arrived in, or whether a root was
/// ever asked for as text. Roots without visible content count as absent, since an encoded
/// update cannot tell an empty root from a missing one. Structs waiting for missing
/// dependencies are not content (see `Doc.hasPending`). Lone surrogate halves count as
/// U+FFFD, as they are shown and as v1 updates store them.
public struct ContentDigest: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the SHA-256 digest.
    public let bytes: [UInt8]

    /// Lowercase hex of the digest.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Doc {
    /// The digest of the visible content of every root type (see `ContentDigest`).
    ///
    /// Linear in the size of the document and allocation-light: a 1 MB text takes a few
    /// milliseconds. Use it to check that an encoded state loads back to the document it was
    /// taken from: `Doc(gc:)` + `applyUpdate(state)` + `contentDigest()` must equal the
    /// source document's digest.
    public func contentDigest() -> ContentDigest {
        var writer = CanonicalWriter()
        writer.writeDoc(self)
        return ContentDigest(bytes: writer.finish())
    }

    /// Whether `other` shows the same content as this document in every root type (equal
    /// `contentDigest()`s). Neither document is changed.
    public func hasSameContent(as other: Doc) -> Bool {
        contentDigest() == other.contentDigest()
    }
}

/// Writes the canonical form of a document's visible content into SHA-256. Nested types are
/// walked with an explicit stack, so a hostile document nested thousands deep cannot
/// overflow the call stack.
private struct CanonicalWriter {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    private enum Task {
        /// A type's list from `item` on, with the text attributes in effect before it.
        case list(Branch, Item?, attributes: [String: AnyValue])
        /// A type's map entries from `keys[index]` on.
        case map(Branch, keys: [String], index: Int)
        case end
    }

    private enum Tag: UInt8 {
        case root = 1
        case listStart, listEnd, mapStart, mapEnd, typeEnd
        case text = 0x10
        case value, embed, binary, type, subdocument
        case undefined = 0x20
        case null, falseValue, trueValue, integer, double, bigint, string, bytes, array, object
    }

    init() { buffer.reserveCapacity(8192) }

    mutating func finish() -> [UInt8] {
        flush()
        return hasher.finalize()
    }

    mutating func writeDoc(_ doc: Doc) {
        let names = doc.share.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in names {
            guard let branch = doc.share[name], hasVisibleContent(branch) else { continue }
            write(.root)
            write(string: name)
            writeType(branch)
        }
    }

    private func hasVisibleContent(_ b: Branch) -> Bool {
        var i = b.start
        while let it = i {
            if !it.deleted && it.countable { return true }
            i = it.right
        }
        return b.map.values.contains { !$0.deleted }
    }

    private mutating func writeType(_ root: Branch) {
        var stack: [Task] = [
            .end, .map(root, keys: sortedKeys(root), index: 0), .list(root, root.start, attributes: [:])
        ]
        write(.listStart)
        while let task = stack.popLast() {
            switch task {
            case .end:
                write(.typeEnd)
            case let .list(branch, from, attributes):
                if let nested = writeList(branch, from: from, attributes: attributes, stack: &stack) {
                    stack.append(.end)
                    stack.append(.map(nested, keys: sortedKeys(nested), index: 0))
                    stack.append(.list(nested, nested.start, attributes: [:]))
                    write(.listStart)
                } else {
                    write(.listEnd)
                    write(.mapStart)
                }
            case let .map(branch, keys, index):
                var i = index
                var descended = false
                while i < keys.count {
                    let key = keys[i]
                    i += 1
                    guard let item = branch.map[key], !item.deleted else { continue }
                    write(string: key)
                    if case let .type(nested) = item.content {
                        writeTypeHeader(nested)
                        stack.append(.map(branch, keys: keys, index: i))
                        stack.append(.end)
                        stack.append(.map(nested, keys: sortedKeys(nested), index: 0))
                        stack.append(.list(nested, nested.start, attributes: [:]))
                        write(.listStart)
                        descended = true
                        break
                    }
                    writeMapValue(item.content)
                }
                if !descended { write(.mapEnd) }
            }
        }
    }

    /// Writes list elements from `from` on; stops at a nested type (after writing its
    /// header), pushes the rest of this list and returns the nested type to write next.
    private mutating func writeList(
        _ branch: Branch, from: Item?, attributes: [String: AnyValue], stack: inout [Task]
    ) -> Branch? {
        var attributes = attributes
        var run: [UInt16] = []
        var item = from
        while let it = item {
            item = it.right
            guard !it.deleted else { continue }
            switch it.content {
            case let .format(key, value, _):
                let new: AnyValue? = value.isNull ? nil : value
                if !sameValue(attributes[key], new) {
                    writeRun(&run, attributes: attributes)
                    attributes[key] = new
                }
            case let .string(units):
                run.append(contentsOf: units)
            default:
                writeRun(&run, attributes: attributes)
                switch it.content {
                case let .json(texts):
                    for t in texts {
                        write(.value)
                        write(attributes: attributes)
                        write(value: t == "undefined" ? .undefined : ((try? JSONText.parse(t)) ?? .undefined))
                    }
                case let .any(raws):
                    for raw in raws {
                        write(.value)
                        write(attributes: attributes)
                        write(value: AnyCodec.decode(raw))
                    }
                case let .embed(json):
                    write(.embed)
                    write(attributes: attributes)
                    write(value: (try? JSONText.parse(json)) ?? .null)
                case let .binary(bytes):
                    write(.binary)
                    write(attributes: attributes)
                    write(bytes: bytes)
                case let .doc(guid, opts):
                    write(.subdocument)
                    write(attributes: attributes)
                    write(string: guid)
                    write(value: AnyCodec.decode(opts))
                case let .type(nested):
                    write(.type)
                    write(attributes: attributes)
                    writeTypeHeader(nested)
                    stack.append(.list(branch, item, attributes: attributes))
                    return nested
                default:
                    break
                }
            }
        }
        writeRun(&run, attributes: attributes)
        return nil
    }

    private func sameValue(_ a: AnyValue?, _ b: AnyValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return x.jsEquals(y)
        default: return false
        }
    }

    private mutating func writeRun(_ run: inout [UInt16], attributes: [String: AnyValue]) {
        guard !run.isEmpty else { return }
        write(.text)
        write(attributes: attributes)
        write(varUInt: UTF.utf8Count(fromUTF16: run[...]))
        UTF.appendUTF8(fromUTF16: run, to: &buffer)
        run.removeAll(keepingCapacity: true)
        if buffer.count >= 4096 { flush() }
    }

    private mutating func writeTypeHeader(_ b: Branch) {
        write(byte: b.typeRef)
        if let name = b.nodeName {
            write(byte: 1)
            write(string: name)
        } else {
            write(byte: 0)
        }
    }

    /// A map entry's value: the last element of its content, as Yjs `YMap.get` returns it.
    private mutating func writeMapValue(_ content: Content) {
        switch content {
        case let .any(raws): write(value: raws.last.map(AnyCodec.decode) ?? .undefined)
        case let .json(texts):
            let t = texts.last ?? "undefined"
            write(value: t == "undefined" ? .undefined : ((try? JSONText.parse(t)) ?? .undefined))
        case let .string(units):
            write(.text)
            write(varUInt: UTF.utf8Count(fromUTF16: units[...]))
            UTF.appendUTF8(fromUTF16: units, to: &buffer)
        case let .embed(json): write(value: (try? JSONText.parse(json)) ?? .null)
        case let .binary(bytes): write(bytes: bytes)
        case let .format(key, value, _):
            write(string: key)
            write(value: value)
        case let .doc(guid, opts):
            write(string: guid)
            write(value: AnyCodec.decode(opts))
        case .type, .gc, .deleted: write(.undefined)
        }
    }

    private func sortedKeys(_ b: Branch) -> [String] {
        b.map.isEmpty ? [] : b.map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    // MARK: Primitives

    private mutating func flush() {
        hasher.update(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func write(_ tag: Tag) { buffer.append(tag.rawValue) }
    private mutating func write(byte: UInt8) { buffer.append(byte) }

    private mutating func write(varUInt value: Int) {
        var v = UInt64(value)
        while v > 0x7F {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    private mutating func write(string: String) {
        write(varUInt: string.utf8.count)
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= 4096 { flush() }
    }

    private mutating func write(bytes: [UInt8]) {
        write(varUInt: bytes.count)
        buffer.append(contentsOf: bytes)
        if buffer.count >= 4096 { flush() }
    }

    private mutating func write(attributes: [String: AnyValue]) {
        write(varUInt: attributes.count)
        guard !attributes.isEmpty else { return }
        for key in attributes.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            write(string: key)
            write(value: attributes[key]!)
        }
    }

    /// Values by what they mean: numbers by value (1 and 1.0 alike, -0 as 0), object keys sorted.
    private mutating func write(value: AnyValue) {
        var stack: [AnyValue] = [value]
        while let v = stack.popLast() {
            switch v {
            case .undefined: write(.undefined)
            case .null: write(.null)
            case let .bool(b): write(b ? .trueValue : .falseValue)
            case let .int(i): writeInteger(i)
            case let .double(d):
                if d.isFinite, d.rounded(.towardZero) == d, abs(d) < 9.2e18 {
                    writeInteger(Int64(d))
                } else {
                    write(.double)
                    let bits = d.isNaN ? Double.nan.bitPattern : d.bitPattern
                    for shift in stride(from: 56, through: 0, by: -8) {
                        buffer.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
                    }
                }
            case let .bigint(b):
                write(.bigint)
                for shift in stride(from: 56, through: 0, by: -8) {
                    buffer.append(UInt8(truncatingIfNeeded: b >> Int64(shift)))
                }
            case let .string(s):
                write(.string)
                write(string: s)
            case let .bytes(b):
                write(.bytes)
                write(bytes: b)
            case let .array(a):
                write(.array)
                write(varUInt: a.count)
                stack.append(contentsOf: a.reversed())
            case let .object(o):
                write(.object)
                write(varUInt: o.count)
                let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                for key in keys.reversed() {
                    stack.append(o[key]!)
                    stack.append(.string(key))
                }
            }
        }
    }

    private mutating func writeInteger(_ i: Int64) {
        write(.integer)
        let zigzag = UInt64(bitPattern: (i << 1) ^ (i >> 63))
        var v = zigzag
        while v > 0x7F {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }
}
