/// Refusal of updates that reuse known ids for other structs.
///
/// Yjs integrates a struct only from the first clock it does not know yet: a struct whose
/// id the document already has is skipped without a look at its content. An update that
/// decodes but reuses ids with other content (a bit flip is enough) is therefore half
/// applied in Yjs, and a byte-level merge of it with the document's state keeps whichever
/// version sorts first. Before anything is integrated, every clock an update shares with
/// the document (its structs, and the structs it holds pending) is compared here; one
/// disagreement refuses the whole update.
///
/// What "the same struct" means. Two honest encodings of one struct can differ in ways
/// that must stay accepted, exactly as Yjs accepts them:
/// - Split and merge boundaries: the document may hold an item split or merged
///   differently from the update's struct. Comparison is per clock: at clock `k`, a struct
///   starting at `s` has origin `(client, k - 1)` when `k > s`, else its own origin; the
///   right origin, parent and map key are those of the whole struct (a split keeps them,
///   and Yjs merges only items that agree on them).
/// - Garbage collection: a GC struct keeps no origin, parent or content, so a GC struct on
///   either side matches anything (a range the document collected, received again as an
///   item, or an item of ours that the sender has collected). Content that was collected
///   locally cannot be compared; such ranges are accepted, as Yjs does.
/// - Deleted content: `ContentDeleted` (content dropped by collection, the item kept) on
///   either side matches any content of the same length; origins and parent still count.
/// - Skip structs (gaps in merged updates) are never integrated and never compared.
/// - Surrogate halves: splitting an item between the halves of a surrogate pair turns both
///   into U+FFFD, and v1 writes a lone half as U+FFFD, so U+FFFD matches any surrogate half.
/// - Values (format attributes, embeds, JSON and `any` content) are compared by value, not
///   by their bytes (writers differ in number forms and key order).
/// - The parent and map key are on the wire only when a struct has neither origin; with an
///   origin they follow from it, so only the origins are compared then.
extension Doc {
    /// Throws `YCRDTError.conflictingStruct` if `update` disagrees with a struct the
    /// document has or holds pending. Reads only; changes nothing.
    func checkConsistency(_ update: DecodedUpdate) throws {
        let pending = store.pendingStructs?.update
        for block in update.blocks {
            let client = block.client
            guard let first = block.structs.first else { continue }
            let state = store.state(client)
            if first.id.clock < state, let known = store.list(client) {
                try compareWithStore(block.structs, known, state: state)
            }
            if let pending, let held = pending.blocks.first(where: { $0.client == client })?.structs {
                try compareWithPending(block.structs, held)
            }
        }
    }

    private func compareWithStore(_ incoming: [WireStruct], _ known: StructList, state: Int) throws {
        var k: Int?
        for s in incoming {
            let start = s.id.clock
            guard start < state else { return }
            guard let view = StructView(wire: s) else { continue }
            // Walk forward from the previous position; look up only when needed.
            if k == nil || known[k!].id.clock > start || known[k!].id.clock + known[k!].length <= start {
                k = known.findIndex(start)
            }
            guard var i = k else { continue }
            let end = start + s.length
            while i < known.count, known[i].id.clock < end {
                try StructView.compare(existing: StructView(item: known[i]), incoming: view, pending: false)
                i += 1
            }
            k = max(i - 1, 0)
        }
    }

    private func compareWithPending(_ incoming: [WireStruct], _ held: [WireStruct]) throws {
        guard let heldFirst = held.first, let heldLast = held.last else { return }
        let heldEnd = heldLast.id.clock + heldLast.length
        for s in incoming {
            let start = s.id.clock
            let end = start + s.length
            guard end > heldFirst.id.clock else { continue }
            guard start < heldEnd else { return }
            guard let view = StructView(wire: s) else { continue }
            var i = WireStruct.findIndex(held, max(start, heldFirst.id.clock)) ?? 0
            while i < held.count, held[i].id.clock < end {
                if let h = StructView(wire: held[i]) {
                    try StructView.compare(existing: h, incoming: view, pending: true)
                }
                i += 1
            }
        }
    }
}

extension WireStruct {
    /// Index of the struct containing `clock` in a run of one client's structs sorted by
    /// clock (gaps allowed), or of the first one after it; nil when all end before it.
    static func findIndex(_ structs: [WireStruct], _ clock: Int) -> Int? {
        var lo = 0
        var hi = structs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let s = structs[mid]
            if s.id.clock + s.length <= clock { lo = mid + 1 } else { hi = mid }
        }
        return lo < structs.count ? lo : nil
    }
}

/// The parts of a struct that identify it, from the store or from the wire.
private struct StructView {
    var id: ID
    var length: Int
    var origin: ID?
    var rightOrigin: ID?
    /// Meaningful only when the struct has neither origin.
    var parent: ParentRef?
    var parentSub: String?
    /// `.gc` for GC structs (nothing to compare).
    var content: Content

    init(item: Item) {
        id = item.id
        length = item.length
        origin = item.origin
        rightOrigin = item.rightOrigin
        content = item.content
        if origin == nil && rightOrigin == nil, let p = item.parent {
            if let owner = p.item {
                parent = .id(owner.id)
            } else if let name = p.rootName {
                parent = .root(name)
            }
            parentSub = item.parentSub
        }
    }

    /// nil for Skip structs.
    init?(wire: WireStruct) {
        switch wire {
        case .skip: return nil
        case let .gc(id, len):
            self.id = id
            length = len
            content = .gc
        case let .item(w):
            id = w.id
            length = w.length
            origin = w.origin
            rightOrigin = w.rightOrigin
            parent = w.parent
            parentSub = w.parentSub
            content = w.content
        }
    }

    /// The origin the struct has at `clock` (a clock after its first continues the one before).
    func origin(at clock: Int) -> ID? {
        clock > id.clock ? ID(client: id.client, clock: clock - 1) : origin
    }

    static func compare(existing a: StructView, incoming b: StructView, pending: Bool) throws {
        let lo = max(a.id.clock, b.id.clock)
        let hi = min(a.id.clock + a.length, b.id.clock + b.length)
        guard lo < hi else { return }
        if case .gc = a.content { return }
        if case .gc = b.content { return }
        let at = ID(client: a.id.client, clock: lo)
        func conflict(_ field: StructConflict.Field, _ x: String, _ y: String) -> YCRDTError {
            .conflictingStruct(StructConflict(id: at, field: field, existing: x, incoming: y, pending: pending))
        }
        let oa = a.origin(at: lo)
        let ob = b.origin(at: lo)
        guard oa == ob else { throw conflict(.origin, describe(oa), describe(ob)) }
        guard a.rightOrigin == b.rightOrigin else {
            throw conflict(.rightOrigin, describe(a.rightOrigin), describe(b.rightOrigin))
        }
        if oa == nil && a.rightOrigin == nil {
            guard a.parent == b.parent else { throw conflict(.parent, describe(a.parent), describe(b.parent)) }
            guard a.parentSub == b.parentSub else {
                throw conflict(.parentSub, describe(a.parentSub), describe(b.parentSub))
            }
        }
        if case .deleted = a.content { return }
        if case .deleted = b.content { return }
        guard a.content.ref == b.content.ref else {
            throw conflict(.kind, a.content.kindName, b.content.kindName)
        }
        let ra = (lo - a.id.clock)..<(hi - a.id.clock)
        let rb = (lo - b.id.clock)..<(hi - b.id.clock)
        if let (x, y) = Content.firstDifference(a.content, ra, b.content, rb) {
            throw conflict(.content, x, y)
        }
    }

    private static func describe(_ id: ID?) -> String { id.map { "\($0)" } ?? "none" }

    private static func describe(_ p: ParentRef?) -> String {
        switch p {
        case let .root(name)?: return "root type \"\(name)\""
        case let .id(id)?: return "type \(id)"
        case nil: return "none"
        }
    }

    private static func describe(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "none" }
}

extension Content {
    /// A name for messages.
    var kindName: String {
        switch self {
        case .gc: return "collected"
        case .deleted: return "deleted"
        case .json: return "JSON"
        case .binary: return "binary"
        case .string: return "text"
        case .embed: return "embed"
        case .format: return "format"
        case .type: return "shared type"
        case .any: return "value"
        case .doc: return "subdocument"
        }
    }

    /// Compares two contents of the same kind over the given element ranges (of equal
    /// length); returns descriptions of the first difference, nil when they are the same.
    static func firstDifference(_ a: Content, _ ra: Range<Int>, _ b: Content, _ rb: Range<Int>) -> (String, String)? {
        switch (a, b) {
        case let (.string(x), .string(y)):
            let sx = x[ra]
            let sy = y[rb]
            if sx.elementsEqual(sy) { return nil }
            for (u, v) in zip(sx, sy) where !sameUnit(u, v) {
                return (quoted(sx), quoted(sy))
            }
            return nil
        case let (.json(x), .json(y)):
            for (s, t) in zip(x[ra], y[rb]) where !sameJSON(s, t) { return (s, t) }
            return nil
        case let (.any(x), .any(y)):
            for (s, t) in zip(x[ra], y[rb]) where s != t {
                let u = AnyCodec.decode(s)
                let v = AnyCodec.decode(t)
                if !u.jsEquals(v) { return (u.description, v.description) }
            }
            return nil
        case let (.binary(x), .binary(y)):
            return x == y ? nil : ("\(x.count) bytes", "\(y.count) other bytes")
        case let (.embed(x), .embed(y)):
            return sameJSON(x, y) ? nil : (x, y)
        case let (.format(k1, v1, j1), .format(k2, v2, j2)):
            return k1 == k2 && v1.jsEquals(v2) ? nil : ("\(k1)=\(j1)", "\(k2)=\(j2)")
        case let (.type(x), .type(y)):
            return x.typeRef == y.typeRef && x.nodeName == y.nodeName
                ? nil : ("type \(x.typeRef) \(x.nodeName ?? "")", "type \(y.typeRef) \(y.nodeName ?? "")")
        case let (.doc(g1, o1), .doc(g2, o2)):
            return g1 == g2 && (o1 == o2 || AnyCodec.decode(o1).jsEquals(AnyCodec.decode(o2)))
                ? nil : ("subdocument \(g1)", "subdocument \(g2)")
        default:
            return nil
        }
    }

    /// U+FFFD stands for any surrogate half (a split pair, or a lone half written as UTF-8).
    private static func sameUnit(_ u: UInt16, _ v: UInt16) -> Bool {
        if u == v { return true }
        func halfOrReplacement(_ w: UInt16) -> Bool { w == 0xFFFD || (w >= 0xD800 && w <= 0xDFFF) }
        return (u == 0xFFFD || v == 0xFFFD) && halfOrReplacement(u) && halfOrReplacement(v)
    }

    private static func sameJSON(_ s: String, _ t: String) -> Bool {
        if s == t { return true }
        guard s != "undefined", t != "undefined", let x = try? JSONText.parse(s), let y = try? JSONText.parse(t) else {
            return false
        }
        return x.jsEquals(y)
    }

    private static func quoted(_ units: ArraySlice<UInt16>) -> String {
        let text = UTF.string(units.prefix(40))
        return "\"" + text + (units.count > 40 ? "…" : "") + "\""
    }
}
