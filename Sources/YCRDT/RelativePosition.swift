/// A position in a text that survives concurrent edits (Yjs `RelativePosition`): it names
/// the character it sticks to instead of an index.
public struct RelativePosition: Hashable, Sendable {
    /// The item holding the type, for nested types (nil for root types).
    public var typeID: ID?
    /// The root type's name, for root types.
    public var tname: String?
    /// The character the position sticks to; nil means the end (or start, for assoc < 0).
    public var item: ID?
    /// >= 0: stick to the character on the right; < 0: to the one on the left.
    public var assoc: Int

    public init(typeID: ID? = nil, tname: String? = nil, item: ID? = nil, assoc: Int = 0) {
        self.typeID = typeID
        self.tname = tname
        self.item = item
        self.assoc = assoc
    }

    /// Yjs `createRelativePositionFromTypeIndex`. Starts from the text's nearest search
    /// marker, so the cost does not grow with the length of the text.
    public init(text: YText, index: Int, assoc: Int = 0) {
        self.init(
            branch: text.branch, index: index, assoc: assoc,
            markers: text.doc.flatMap { text.branch.trustedMarkers($0) })
    }

    /// `markers` (from `Branch.trustedMarkers`) gives the same result as the walk from the
    /// list start, found faster; nil walks from the start.
    init(branch: Branch, index: Int, assoc: Int, markers: SearchMarkers? = nil) {
        var index = index
        self.assoc = assoc
        if let owner = branch.item { typeID = owner.id } else { tname = branch.rootName }
        if assoc < 0 {
            if index == 0 { return }
            index -= 1
        }
        // A negative index has odd but Yjs-defined results; leave those to the plain walk.
        if let markers = markers, index >= 0 {
            if let (it, offset) = branch.visibleItem(at: index, markers: markers) {
                item = ID(client: it.id.client, clock: it.id.clock + offset)
                return
            }
            if index >= branch.length {
                if assoc < 0, let last = branch.lastItem(markers: markers) { item = last.lastID }
                return
            }
            // A marker walk that misses an index inside the text means the markers
            // disagree with the list; the walk from the start still gives the answer.
        }
        var t = branch.start
        while let it = t {
            if !it.deleted && it.countable {
                if it.length > index {
                    item = ID(client: it.id.client, clock: it.id.clock + index)
                    return
                }
                index -= it.length
            }
            if it.right == nil && assoc < 0 {
                item = it.lastID
                return
            }
            t = it.right
        }
    }

    /// The index this position resolves to now, or nil if the doc does not know it (yet).
    public func absoluteIndex(in doc: Doc) -> Int? {
        resolve(in: doc)?.index
    }

    /// Yjs `createAbsolutePositionFromRelativePosition`: the type and index.
    func resolve(in doc: Doc) -> (branch: Branch, index: Int)? {
        let store = doc.store
        if let rightID = item {
            guard store.state(rightID.client) > rightID.clock,
                let (right, diff) = RelativePosition.followRedone(store, rightID),
                !right.isGC, let type = right.parent
            else { return nil }
            var index = 0
            if type.item == nil || !(type.item!.deleted) {
                index = (right.deleted || !right.countable) ? 0 : diff + (assoc >= 0 ? 0 : 1)
                if right.parentSub == nil, let markers = type.trustedMarkers(doc) {
                    index += type.visibleUnits(before: right, markers: markers)
                } else {
                    var n = right.left
                    while let x = n {
                        if !x.deleted && x.countable { index += x.length }
                        n = x.left
                    }
                }
            }
            return (type, index)
        }
        let type: Branch
        if let name = tname {
            type = doc.rootBranch(name)
        } else if let tid = typeID {
            guard store.state(tid.client) > tid.clock, let (it, _) = RelativePosition.followRedone(store, tid),
                case let .type(b) = it.content
            else { return nil }
            type = b
        } else {
            return nil
        }
        return (type, assoc >= 0 ? type.length : 0)
    }

    static func followRedone(_ store: StructStore, _ id: ID) -> (Item, Int)? {
        var next: ID? = id
        var diff = 0
        var item: Item?
        repeat {
            guard var n = next else { break }
            if diff > 0 { n = ID(client: n.client, clock: n.clock + diff) }
            guard let it = store.find(n) else { return nil }
            item = it
            diff = n.clock - it.id.clock
            next = it.redone
        } while next != nil && !(item?.isGC ?? true)
        return item.map { ($0, diff) }
    }

    /// Binary form (Yjs `encodeRelativePosition`).
    public func encode() -> [UInt8] {
        var e = Lib0Encoder()
        if let i = item {
            e.writeVarUInt(0)
            i.write(to: &e)
        } else if let t = tname {
            e.writeVarUInt(1)
            e.writeVarString(t)
        } else if let t = typeID {
            e.writeVarUInt(2)
            t.write(to: &e)
        }
        e.writeVarInt(Int64(assoc))
        return e.bytes
    }

    /// Decodes the binary form; `assoc` defaults to 0 when absent (older encoders).
    public init(decoding bytes: [UInt8]) throws {
        var d = Lib0Decoder(bytes)
        self.init()
        switch try d.readVarUInt("a relative position kind") {
        case 0: item = try ID.read(&d)
        case 1: tname = try d.readVarString("a type name")
        case 2: typeID = try ID.read(&d)
        case let k: throw YCRDTError.unknownMessageType(Int(k))
        }
        if d.hasContent {
            let (m, neg) = try d.readVarInt("assoc")
            guard m <= UInt64(Int32.max) else { throw YCRDTError.invalidArgument("assoc \(m) out of range") }
            assoc = neg ? -Int(m) : Int(m)
        }
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
    }

    /// JSON form (Yjs `relativePositionToJSON`), e.g. for awareness cursor fields.
    public var json: AnyValue {
        var o: [String: AnyValue] = [:]
        if let t = typeID { o["type"] = .object(["client": .int(Int64(t.client)), "clock": .int(Int64(t.clock))]) }
        if let t = tname { o["tname"] = .string(t) }
        if let i = item { o["item"] = .object(["client": .int(Int64(i.client)), "clock": .int(Int64(i.clock))]) }
        o["assoc"] = .int(Int64(assoc))
        return .object(o)
    }

    /// JSON text in Yjs's key order (type, tname, item, assoc).
    public var jsonText: String {
        var parts: [String] = []
        if let t = typeID { parts.append("\"type\":{\"client\":\(t.client),\"clock\":\(t.clock)}") }
        if let t = tname { parts.append("\"tname\":" + (JSONText.stringify(.string(t)) ?? "\"\"")) }
        if let i = item { parts.append("\"item\":{\"client\":\(i.client),\"clock\":\(i.clock)}") }
        parts.append("\"assoc\":\(assoc)")
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// Reads the JSON form (Yjs `createRelativePositionFromJSON`).
    public init(json: AnyValue) throws {
        guard case let .object(o) = json else {
            throw YCRDTError.invalidArgument("a relative position must be a JSON object")
        }
        func id(_ v: AnyValue?) throws -> ID? {
            guard let v = v, case let .object(x) = v else { return nil }
            guard case let .int(c)? = x["client"], case let .int(k)? = x["clock"], c >= 0, k >= 0 else {
                throw YCRDTError.invalidArgument("relative position ids need integer client and clock")
            }
            return ID(client: ClientID(c), clock: Int(k))
        }
        self.init()
        typeID = try id(o["type"])
        if case let .string(t)? = o["tname"] { tname = t }
        item = try id(o["item"])
        if case let .int(a)? = o["assoc"] { assoc = Int(a) }
    }
}
