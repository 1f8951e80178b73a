/// Operations on encoded v1 updates that need no document.
public enum YUpdate {
    /// Merges updates into one (Yjs `mergeUpdates`): structs of all inputs, deduplicated,
    /// gaps filled with Skip structs, delete sets unioned. Nothing is integrated.
    public static func merge(_ updates: [[UInt8]]) throws -> [UInt8] {
        if updates.count == 1 {
            try validate(updates[0])
            return updates[0]
        }
        let decoded = try updates.map(UpdateCodec.decode)
        return mergeDecoded(decoded)
    }

    static func mergeDecoded(_ decoded: [DecodedUpdate]) -> [UInt8] {
        UpdateCodec.encode(mergeToDecoded(decoded))
    }

    static func mergeToDecoded(_ decoded: [DecodedUpdate]) -> DecodedUpdate {
        // Yjs's streaming merge assumes each input lists its clients in descending order
        // (Yjs always writes them so); other writers' updates are put in that order first.
        var readers = decoded.map { u -> LazyReader in
            var sorted = u
            if !zip(u.blocks, u.blocks.dropFirst()).allSatisfy({ $0.client > $1.client }) {
                sorted.blocks.sort { $0.client > $1.client }
            }
            return LazyReader(sorted, filterSkips: true)
        }
        var currWrite: (s: WireStruct, offset: Int)? = nil
        var writer = LazyWriter()

        while true {
            readers = readers.filter { $0.curr != nil }
            readers.sort { a, b in
                let x = a.curr!
                let y = b.curr!
                if x.id.client == y.id.client {
                    let diff = x.id.clock - y.id.clock
                    if diff == 0 {
                        if x.isSkip == y.isSkip { return false }
                        return !x.isSkip
                    }
                    return diff < 0
                }
                return x.id.client > y.id.client
            }
            guard !readers.isEmpty else { break }
            let firstClient = readers[0].curr!.id.client
            if let cw = currWrite {
                var curr = readers[0].curr
                var iterated = false
                while let c = curr, c.id.clock + c.length <= cw.s.id.clock + cw.s.length, c.id.client >= cw.s.id.client
                {
                    curr = readers[0].next()
                    iterated = true
                }
                guard let c0 = curr, c0.id.client == firstClient,
                    !(iterated && c0.id.clock > cw.s.id.clock + cw.s.length)
                else { continue }
                var c = c0
                if firstClient != cw.s.id.client {
                    writer.write(cw.s, offset: cw.offset)
                    currWrite = (c, 0)
                    readers[0].advance()
                } else if cw.s.id.clock + cw.s.length < c.id.clock {
                    if case let .skip(sid, _) = cw.s {
                        currWrite = (.skip(sid, c.id.clock + c.length - sid.clock), 0)
                    } else {
                        writer.write(cw.s, offset: cw.offset)
                        let diff = c.id.clock - cw.s.id.clock - cw.s.length
                        currWrite = (.skip(ID(client: firstClient, clock: cw.s.id.clock + cw.s.length), diff), 0)
                    }
                } else {
                    let diff = cw.s.id.clock + cw.s.length - c.id.clock
                    var cws = cw.s
                    if diff > 0 {
                        if case let .skip(sid, len) = cws {
                            cws = .skip(sid, len - diff)
                            currWrite = (cws, cw.offset)
                        } else {
                            c = c.sliced(diff)
                        }
                    }
                    if let merged = mergeWire(cws, c) {
                        currWrite = (merged, cw.offset)
                    } else {
                        writer.write(cws, offset: cw.offset)
                        currWrite = (c, 0)
                        readers[0].advance()
                    }
                }
            } else {
                currWrite = (readers[0].curr!, 0)
                readers[0].advance()
            }
            while let next = readers[0].curr, next.id.client == firstClient,
                let cw = currWrite, next.id.clock == cw.s.id.clock + cw.s.length, !next.isSkip
            {
                writer.write(cw.s, offset: cw.offset)
                currWrite = (next, 0)
                readers[0].advance()
            }
        }
        if let cw = currWrite { writer.write(cw.s, offset: cw.offset) }
        return writer.decoded(ds: DeleteSet.merge(decoded.map(\.ds)))
    }

    /// Items never merge here (Yjs compares the decoded item's `right`, which is null);
    /// GC and Skip runs do.
    private static func mergeWire(_ a: WireStruct, _ b: WireStruct) -> WireStruct? {
        switch (a, b) {
        case let (.gc(id, l1), .gc(_, l2)): return .gc(id, l1 + l2)
        case let (.skip(id, l1), .skip(_, l2)): return .skip(id, l1 + l2)
        default: return nil
        }
    }

    /// The part of `update` not covered by `stateVector` (Yjs `diffUpdate`).
    public static func diff(_ update: [UInt8], against stateVector: [UInt8]) throws -> [UInt8] {
        let sv = try StateVector.decode(stateVector)
        let u = try UpdateCodec.decode(update)
        return diffDecoded(u, sv)
    }

    static func diffDecoded(_ u: DecodedUpdate, _ sv: [ClientID: Int]) -> [UInt8] {
        UpdateCodec.encode(diffToDecoded(u, sv))
    }

    static func diffToDecoded(_ u: DecodedUpdate, _ sv: [ClientID: Int]) -> DecodedUpdate {
        var reader = LazyReader(u, filterSkips: false)
        var writer = LazyWriter()
        while let curr = reader.curr {
            let client = curr.id.client
            let svClock = sv[client] ?? 0
            if curr.isSkip {
                reader.advance()
                continue
            }
            if curr.id.clock + curr.length > svClock {
                writer.write(curr, offset: max(svClock - curr.id.clock, 0))
                reader.advance()
                while let c = reader.curr, c.id.client == client {
                    writer.write(c, offset: 0)
                    reader.advance()
                }
            } else {
                while let c = reader.curr, c.id.client == client, c.id.clock + c.length <= svClock { reader.advance() }
            }
        }
        return writer.decoded(ds: u.ds)
    }

    /// The state vector an update would produce on an empty doc (Yjs `encodeStateVectorFromUpdate`).
    public static func stateVector(of update: [UInt8]) throws -> [UInt8] {
        let u = try UpdateCodec.decode(update)
        var reader = LazyReader(u, filterSkips: false)
        var e = Lib0Encoder()
        var entries: [(ClientID, Int)] = []
        if var curr = reader.curr {
            var currClient = curr.id.client
            var stopCounting = curr.id.clock != 0
            var currClock = stopCounting ? 0 : curr.id.clock + curr.length
            while true {
                if currClient != curr.id.client {
                    if currClock != 0 { entries.append((currClient, currClock)) }
                    currClient = curr.id.client
                    currClock = 0
                    stopCounting = curr.id.clock != 0
                }
                if curr.isSkip { stopCounting = true }
                if !stopCounting { currClock = curr.id.clock + curr.length }
                guard let n = reader.next() else { break }
                curr = n
            }
            if currClock != 0 { entries.append((currClient, currClock)) }
        }
        e.writeVarUInt(entries.count)
        for (c, k) in entries {
            e.writeVarUInt(c)
            e.writeVarUInt(k)
        }
        return e.bytes
    }

    /// Decodes the whole update and checks it; applies nothing.
    public static func validate(_ update: [UInt8]) throws {
        _ = try UpdateCodec.decode(update)
    }
}

/// Iterates the structs of a decoded update in wire order (Yjs `LazyStructReader`).
struct LazyReader {
    private let flat: [WireStruct]
    private var i = 0
    let filterSkips: Bool
    private(set) var curr: WireStruct?

    init(_ u: DecodedUpdate, filterSkips: Bool) {
        var f: [WireStruct] = []
        for b in u.blocks { f.append(contentsOf: b.structs) }
        flat = f
        self.filterSkips = filterSkips
        i = -1
        curr = nil
        _ = next()
    }

    @discardableResult
    mutating func next() -> WireStruct? {
        repeat {
            i += 1
            curr = i < flat.count ? flat[i] : nil
        } while filterSkips && (curr?.isSkip ?? false)
        return curr
    }

    mutating func advance() { _ = next() }
}

/// Collects client blocks as structs arrive (Yjs `LazyStructWriter`); each struct is kept
/// in the form it is written (offset applied, strings sliced without repair).
struct LazyWriter {
    private(set) var blocks: [(client: ClientID, structs: [WireStruct])] = []

    mutating func write(_ s: WireStruct, offset: Int) {
        let w = offset == 0 ? s : s.written(offset: offset)
        if blocks.isEmpty || blocks[blocks.count - 1].client != w.id.client {
            blocks.append((w.id.client, []))
        }
        blocks[blocks.count - 1].structs.append(w)
    }

    /// The v1 encoding of the blocks (the caller appends a delete set).
    func finish() -> Lib0Encoder {
        var e = Lib0Encoder()
        UpdateCodec.writeBlocks(blocks, to: &e)
        return e
    }

    func decoded(ds: DeleteSet) -> DecodedUpdate {
        DecodedUpdate(blocks: blocks, ds: ds)
    }
}
