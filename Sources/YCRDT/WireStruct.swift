/// Where an item read from an update says its parent is.
enum ParentRef: Equatable {
    case root(String)
    case id(ID)
}

/// An item as read from an update, before integration.
struct WireItem {
    var id: ID
    var length: Int
    var origin: ID?
    var rightOrigin: ID?
    /// Only present when the item has neither origin nor right origin.
    var parent: ParentRef?
    var parentSub: String?
    var content: Content
}

/// A struct of an update: GC, Skip or Item.
enum WireStruct {
    case gc(ID, Int)
    case skip(ID, Int)
    case item(WireItem)

    var id: ID {
        switch self {
        case let .gc(id, _), let .skip(id, _): return id
        case let .item(w): return w.id
        }
    }

    var length: Int {
        switch self {
        case let .gc(_, l), let .skip(_, l): return l
        case let .item(w): return w.length
        }
    }

    var isSkip: Bool {
        if case .skip = self { return true }
        return false
    }

    func write(to e: inout Lib0Encoder, offset: Int) {
        switch self {
        case let .gc(_, len):
            e.writeUInt8(0)
            e.writeVarUInt(len - offset)
        case let .skip(_, len):
            e.writeUInt8(10)
            e.writeVarUInt(len - offset)
        case let .item(w):
            let origin = offset > 0 ? ID(client: w.id.client, clock: w.id.clock + offset - 1) : w.origin
            var info = w.content.ref & 0x1F
            if origin != nil { info |= 0x80 }
            if w.rightOrigin != nil { info |= 0x40 }
            if w.parentSub != nil { info |= 0x20 }
            e.writeUInt8(info)
            if let o = origin { o.write(to: &e) }
            if let r = w.rightOrigin { r.write(to: &e) }
            if origin == nil && w.rightOrigin == nil {
                switch w.parent {
                case let .root(name)?:
                    e.writeVarUInt(1)
                    e.writeVarString(name)
                case let .id(pid)?:
                    e.writeVarUInt(0)
                    pid.write(to: &e)
                case nil:
                    break
                }
                if let sub = w.parentSub { e.writeVarString(sub) }
            }
            w.content.write(to: &e, offset: offset, length: w.length)
        }
    }

    /// The struct as Yjs writes it with `offset`: origin moved, content sliced without the
    /// surrogate repair (a cut pair leaves a lone half, which v1 writes as U+FFFD).
    func written(offset: Int) -> WireStruct {
        guard offset > 0 else { return self }
        switch self {
        case let .gc(id, len): return .gc(ID(client: id.client, clock: id.clock + offset), len - offset)
        case let .skip(id, len): return .skip(ID(client: id.client, clock: id.clock + offset), len - offset)
        case let .item(w):
            let content: Content
            switch w.content {
            case let .string(u): content = .string(Array(u[offset...]))
            case let .json(a): content = .json(Array(a[offset...]))
            case let .any(a): content = .any(Array(a[offset...]))
            default: content = w.content
            }
            return .item(
                WireItem(
                    id: ID(client: w.id.client, clock: w.id.clock + offset), length: w.length - offset,
                    origin: ID(client: w.id.client, clock: w.id.clock + offset - 1),
                    rightOrigin: w.rightOrigin, parent: w.parent, parentSub: w.parentSub, content: content))
        }
    }

    /// Yjs `sliceStruct`: the part from `diff` on.
    func sliced(_ diff: Int) -> WireStruct {
        switch self {
        case let .gc(id, len): return .gc(ID(client: id.client, clock: id.clock + diff), len - diff)
        case let .skip(id, len): return .skip(ID(client: id.client, clock: id.clock + diff), len - diff)
        case let .item(w):
            var c = w.content
            let right = c.splice(diff, totalLength: w.length)
            return .item(
                WireItem(
                    id: ID(client: w.id.client, clock: w.id.clock + diff), length: w.length - diff,
                    origin: ID(client: w.id.client, clock: w.id.clock + diff - 1),
                    rightOrigin: w.rightOrigin, parent: w.parent, parentSub: w.parentSub, content: right))
        }
    }
}

/// A fully decoded v1 update.
struct DecodedUpdate {
    /// Client blocks in wire order.
    var blocks: [(client: ClientID, structs: [WireStruct])]
    var ds: DeleteSet
}

/// Decoding and encoding of v1 updates.
enum UpdateCodec {
    static let maxClock = (1 << 53) - 1

    /// Decodes and validates a whole v1 update; throws on anything malformed.
    static func decode(_ bytes: [UInt8]) throws -> DecodedUpdate {
        var d = Lib0Decoder(bytes)
        let numClients = try d.readCount("number of client blocks", minBytes: 3)
        var blocks: [(client: ClientID, structs: [WireStruct])] = []
        blocks.reserveCapacity(numClients)
        // Built only once there are many blocks: most updates carry one or two, and a set
        // allocated per update cost about 3% of integrating a remote keystroke.
        var seenClients: Set<ClientID>?
        for _ in 0..<numClients {
            let numStructs = try d.readCount("number of structs", minBytes: 2)
            let client = try d.readVarUInt("a client id")
            // Yjs never writes two blocks for one client, and its reader would silently keep
            // only the last; refuse such updates instead of guessing.
            let repeated: Bool
            if blocks.count < 16 {
                repeated = blocks.contains { $0.client == client }
            } else {
                if seenClients == nil { seenClients = Set(blocks.lazy.map(\.client)) }
                repeated = !seenClients!.insert(client).inserted
            }
            guard !repeated else {
                throw YCRDTError.impossibleClock("two client blocks for client \(client)")
            }
            var clock = Int(try d.readVarUInt("a start clock"))
            var structs: [WireStruct] = []
            structs.reserveCapacity(numStructs)
            for _ in 0..<numStructs {
                let at = d.pos
                let info = try d.readUInt8("a struct info byte")
                let ref = info & 0x1F
                let id = ID(client: client, clock: clock)
                let s: WireStruct
                switch ref {
                case 0, 10:
                    let len = Int(try d.readVarUInt("a struct length"))
                    s = ref == 0 ? .gc(id, len) : .skip(id, len)
                case 1...9:
                    s = .item(try readItem(&d, info: info, id: id))
                default:
                    throw YCRDTError.unknownContentRef(ref, offset: at)
                }
                guard s.length > 0 else {
                    throw YCRDTError.impossibleClock(
                        "struct at clock \(clock) of client \(client) has length 0 (byte \(at))")
                }
                clock += s.length
                guard clock <= maxClock else {
                    throw YCRDTError.impossibleClock("clocks of client \(client) exceed 2^53")
                }
                structs.append(s)
            }
            blocks.append((client, structs))
        }
        let ds = try DeleteSet.read(&d)
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
        return DecodedUpdate(blocks: blocks, ds: ds)
    }

    private static func readItem(_ d: inout Lib0Decoder, info: UInt8, id: ID) throws -> WireItem {
        var origin: ID?
        var rightOrigin: ID?
        if info & 0x80 != 0 { origin = try ID.read(&d) }
        if info & 0x40 != 0 { rightOrigin = try ID.read(&d) }
        var parent: ParentRef?
        var parentSub: String?
        if info & 0xC0 == 0 {
            let at = d.pos
            let kind = try d.readVarUInt("parent info")
            switch kind {
            case 1: parent = .root(try d.readVarString("a root type name"))
            case 0: parent = .id(try ID.read(&d))
            default: throw YCRDTError.impossibleClock("parent info \(kind) at byte \(at) is neither 0 nor 1")
            }
            if info & 0x20 != 0 { parentSub = try d.readVarString("a map key") }
        }
        // Checked one by one (a literal array of both would be allocated per item).
        if let r = origin, r.client == id.client, r.clock >= id.clock {
            throw YCRDTError.impossibleClock("item \(id) has its origin \(r) at or after itself")
        }
        if let r = rightOrigin, r.client == id.client, r.clock >= id.clock {
            throw YCRDTError.impossibleClock("item \(id) has its right origin \(r) at or after itself")
        }
        if case let .id(p)? = parent, p.client == id.client, p.clock >= id.clock {
            throw YCRDTError.impossibleClock("item \(id) has its parent \(p) at or after itself")
        }
        let (content, len) = try Content.read(ref: info & 0x1F, &d)
        return WireItem(
            id: id, length: len, origin: origin, rightOrigin: rightOrigin, parent: parent, parentSub: parentSub,
            content: content)
    }

    static func writeBlocks(_ blocks: [(client: ClientID, structs: [WireStruct])], to e: inout Lib0Encoder) {
        e.writeVarUInt(blocks.count)
        for b in blocks {
            e.writeVarUInt(b.structs.count)
            e.writeVarUInt(b.client)
            e.writeVarUInt(b.structs.first?.id.clock ?? 0)
            for s in b.structs { s.write(to: &e, offset: 0) }
        }
    }

    /// The v1 encoding of a decoded update.
    static func encode(_ u: DecodedUpdate) -> [UInt8] {
        var e = Lib0Encoder()
        writeBlocks(u.blocks, to: &e)
        u.ds.write(to: &e)
        return e.bytes
    }

    /// What storing an update in Yjs's v2 format does to its strings: v2 writes all strings
    /// of an update as one concatenated UTF-8 string, so a lone surrogate survives when the
    /// neighbouring string supplies its other half, and becomes U+FFFD otherwise. Yjs keeps
    /// pending structs as v2, so a port must apply the same rule to stay byte-identical.
    static func v2StringRoundtrip(_ u: inout DecodedUpdate) {
        var segments: [(block: Int, index: Int, units: [UInt16]?)] = []
        var keysSeen = Set<String>()
        let order = u.blocks.indices.sorted { u.blocks[$0].client > u.blocks[$1].client }
        var all: [UInt16] = []
        func sep(_ s: String) { all.append(contentsOf: s.utf16) }
        for bi in order {
            for (si, s) in u.blocks[bi].structs.enumerated() {
                guard case let .item(w) = s else { continue }
                if w.origin == nil && w.rightOrigin == nil {
                    if case let .root(name)? = w.parent { sep(name) }
                    if let sub = w.parentSub { sep(sub) }
                }
                switch w.content {
                case let .string(units):
                    segments.append((bi, si, units))
                    all.append(contentsOf: units)
                case let .format(key, _, _):
                    if keysSeen.insert(key).inserted { sep(key) }
                case let .json(a):
                    for j in a { sep(j) }
                case let .doc(guid, _): sep(guid)
                case let .type(b):
                    if let n = b.nodeName, keysSeen.insert(n).inserted { sep(n) }
                default: break
                }
            }
        }
        guard all.contains(where: { $0 >= 0xD800 && $0 <= 0xDFFF }) else { return }
        // Recompute positions: walk again, repairing each string in the context of `all`.
        var pos = 0
        var repaired = all
        var i = 0
        while i < repaired.count {
            let c = repaired[i]
            if c >= 0xD800 && c <= 0xDBFF, i + 1 < repaired.count, repaired[i + 1] >= 0xDC00, repaired[i + 1] <= 0xDFFF
            {
                i += 2
                continue
            }
            if c >= 0xD800 && c <= 0xDFFF { repaired[i] = 0xFFFD }
            i += 1
        }
        keysSeen.removeAll()
        for bi in order {
            for si in u.blocks[bi].structs.indices {
                guard case var .item(w) = u.blocks[bi].structs[si] else { continue }
                if w.origin == nil && w.rightOrigin == nil {
                    if case let .root(name)? = w.parent { pos += name.utf16.count }
                    if let sub = w.parentSub { pos += sub.utf16.count }
                }
                switch w.content {
                case let .string(units):
                    w.content = .string(Array(repaired[pos..<pos + units.count]))
                    pos += units.count
                    u.blocks[bi].structs[si] = .item(w)
                case let .format(key, _, _):
                    if keysSeen.insert(key).inserted { pos += key.utf16.count }
                case let .json(a):
                    for j in a { pos += j.utf16.count }
                case let .doc(guid, _): pos += guid.utf16.count
                case let .type(b):
                    if let n = b.nodeName, keysSeen.insert(n).inserted { pos += n.utf16.count }
                default: break
                }
            }
        }
        _ = segments
    }

    /// An update with no structs and the given delete set.
    static func encodeDeleteSetUpdate(_ ds: DeleteSet) -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(0)
        ds.write(to: &e)
        return e.bytes
    }

    /// Writes `numClients` and the blocks of a store from the given state (Yjs `writeClientsStructs`).
    static func writeClientsStructs(_ e: inout Lib0Encoder, store: StructStore, from sm: [ClientID: Int]) {
        var targets: [(client: ClientID, clock: Int)] = []
        for (client, clock) in sm where store.state(client) > clock { targets.append((client, clock)) }
        for (client, structs) in store.clients where sm[client] == nil && !structs.isEmpty {
            targets.append((client, 0))
        }
        writeClientsStructs(&e, store: store, targets: &targets)
    }

    /// Writes every struct of the store and returns the store's whole delete set (Yjs
    /// `createDeleteSetFromStructStore`), read in the same pass: the structs are walked once.
    static func writeAllStructs(_ e: inout Lib0Encoder, store: StructStore) -> DeleteSet {
        var targets: [(client: ClientID, clock: Int)] = []
        for (client, structs) in store.clients where !structs.isEmpty { targets.append((client, 0)) }
        var ds = DeleteSet()
        writeClientsStructs(&e, store: store, targets: &targets, deletes: &ds)
        return ds
    }

    /// The same for a transaction's update: the clients it changed, each from its state
    /// before the transaction (the others have nothing new).
    static func writeClientsStructs(_ e: inout Lib0Encoder, store: StructStore, from changes: ChangedClients) {
        if let only = changes.single { return writeClientStructs(&e, store: store, only: only) }
        var targets: [(client: ClientID, clock: Int)] = []
        for change in changes where store.state(change.client) > change.before {
            targets.append((change.client, change.before))
        }
        writeClientsStructs(&e, store: store, targets: &targets)
    }

    /// The structs of a transaction that changed one client (nearly every one): no array of
    /// targets to build (its tuple type's metadata is looked up at run time on every call).
    static func writeClientStructs(_ e: inout Lib0Encoder, store: StructStore, only: ChangedClients.Entry) {
        guard store.state(only.client) > only.before else {
            e.writeVarUInt(0)
            return
        }
        e.writeVarUInt(1)
        // Typing: the whole change is the end of the client's last struct (extended in
        // place, or new); written without searching the list.
        if let structs = store.list(only.client), structs.count > 0 {
            let last = structs[structs.count - 1]
            if last.id.clock <= only.before {
                e.writeVarUInt(1)
                e.writeVarUInt(only.client, only.before)
                last.write(to: &e, offset: only.before - last.id.clock)
                return
            }
        }
        writeClientStructs(&e, store: store, client: only.client, since: only.before)
    }

    private static func writeClientsStructs(
        _ e: inout Lib0Encoder, store: StructStore, targets: inout [(client: ClientID, clock: Int)]
    ) {
        var unused = DeleteSet()
        writeClientsStructs(&e, store: store, targets: &targets, deletes: &unused, collect: false)
    }

    /// With `collect`, also gathers the deleted runs of every struct written into `deletes`
    /// (callers pass whole lists, from clock 0).
    private static func writeClientsStructs(
        _ e: inout Lib0Encoder, store: StructStore, targets: inout [(client: ClientID, clock: Int)],
        deletes: inout DeleteSet, collect: Bool = true
    ) {
        if targets.count > 1 { targets.sort { $0.client > $1.client } }
        e.writeVarUInt(targets.count)
        for (client, since) in targets {
            guard !collect else {
                writeClientStructs(&e, store: store, client: client, since: since, deletes: &deletes)
                continue
            }
            writeClientStructs(&e, store: store, client: client, since: since)
        }
    }

    /// Writes the block of `client`'s structs from clock `since` (nothing when it has none).
    private static func writeClientStructs(_ e: inout Lib0Encoder, store: StructStore, client: ClientID, since: Int) {
        guard let structs = store.list(client), let first = structs.first else { return }
        let clock = max(since, first.id.clock)
        guard let start = structs.findIndex(clock) else { return }
        e.writeVarUInt(structs.count - start)
        e.writeVarUInt(client)
        e.writeVarUInt(clock)
        let head = structs[start]
        head.write(to: &e, offset: clock - head.id.clock)
        structs.forEach(from: start + 1) { $0.write(to: &e, offset: 0) }
    }

    /// The same, also gathering the deleted runs of the structs written into `deletes`.
    private static func writeClientStructs(
        _ e: inout Lib0Encoder, store: StructStore, client: ClientID, since: Int, deletes: inout DeleteSet
    ) {
        guard let structs = store.list(client), let first = structs.first else { return }
        let clock = max(since, first.id.clock)
        guard let start = structs.findIndex(clock) else { return }
        e.writeVarUInt(structs.count - start)
        e.writeVarUInt(client)
        e.writeVarUInt(clock)
        let head = structs[start]
        head.write(to: &e, offset: clock - head.id.clock)
        var ranges: [DeleteSet.Range] = []
        var open: DeleteSet.Range? = head.deleted ? DeleteSet.Range(clock: head.id.clock, len: head.length) : nil
        structs.forEach(from: start + 1) { s in
            s.write(to: &e, offset: 0)
            if s.deleted {
                if open != nil {
                    open!.len += s.length
                } else {
                    open = DeleteSet.Range(clock: s.id.clock, len: s.length)
                }
            } else if let o = open {
                ranges.append(o)
                open = nil
            }
        }
        if let o = open { ranges.append(o) }
        if !ranges.isEmpty { deletes.clients[client] = ranges }
    }
}
