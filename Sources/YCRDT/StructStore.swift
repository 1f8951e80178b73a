/// Per client, the structs sorted by clock with no gaps (Yjs `StructStore`), plus what
/// could not be integrated yet.
final class StructStore {
    /// Per client, its structs. Read through `list(_:)`, which remembers the last client.
    @exclusivity(unchecked) private(set) var clients: [ClientID: StructList] = [:]
    @exclusivity(unchecked) private var cachedClient: ClientID = .max
    /// Unmanaged, so that `state(_:)` (several calls per keystroke) costs no reference
    /// counting: `clients` holds every list for the store's lifetime (lists are only added).
    @exclusivity(unchecked) private var cachedList: Unmanaged<StructList>?
    /// Structs waiting for missing dependencies (Yjs keeps them as a v2 update; the strings
    /// here have been through the same v2 round trip).
    var pendingStructs: (missing: [ClientID: Int], update: DecodedUpdate)?
    /// Delete ranges referring to clocks not yet known, as an encoded update.
    var pendingDs: [UInt8]?
    /// Reused by every YATA conflict scan (`ScannedItems`).
    @exclusivity(unchecked) var scanScratch: [ObjectIdentifier] = []
    /// Reused by every `integrateStructs` (`IntegrationScratch`).
    @exclusivity(unchecked) var integrationScratch = IntegrationScratch()
    /// The document: `addStruct` tells its open transactions which clients' states move,
    /// so a transaction needs no copy of the state vector. Unmanaged, as `cachedList`:
    /// an `unowned(unsafe)` reference was retained and released on every struct added.
    @exclusivity(unchecked) private var ownerRef: Unmanaged<Doc>?
    var owner: Doc? {
        get { ownerRef?.takeUnretainedValue() }
        set { ownerRef = newValue.map { Unmanaged.passUnretained($0) } }
    }

    /// The structs of `client`, nil when it has none.
    @inline(__always)
    func list(_ client: ClientID) -> StructList? {
        if client == cachedClient { return cachedList?.takeUnretainedValue() }
        let l = clients[client]
        cachedClient = client
        cachedList = l.map { Unmanaged.passUnretained($0) }
        return l
    }

    func state(_ client: ClientID) -> Int {
        if client != cachedClient { _ = list(client) }
        guard let l = cachedList else { return 0 }
        return l._withUnsafeGuaranteedRef { $0.endClock }
    }

    /// Next clock per client (clients with structs only).
    var stateVector: [ClientID: Int] {
        var sv: [ClientID: Int] = [:]
        sv.reserveCapacity(clients.count)
        for (client, l) in clients where !l.isEmpty { sv[client] = l.endClock }
        return sv
    }

    func addStruct(_ s: Item) {
        let client = s.id.client
        if client != cachedClient || cachedList == nil, list(client) == nil {
            let l = StructList()
            clients[client] = l
            cachedClient = client
            cachedList = Unmanaged.passUnretained(l)
        }
        // The list and the document through their unmanaged references (both outlive the
        // call): binding them strongly cost a retain and a release each per struct.
        cachedList.unsafelyUnwrapped._withUnsafeGuaranteedRef { l in
            ownerRef?._withUnsafeGuaranteedRef { $0.noteState(client: client, before: l.endClock) }
            l.append(s)
        }
    }

    /// Index of the struct containing `clock` in `client`'s structs (Yjs `findIndexSS`).
    func findIndex(_ client: ClientID, _ clock: Int) -> Int? {
        list(client)?.findIndex(clock)
    }

    /// The struct containing `id` (Yjs `getItem`).
    func find(_ id: ID) -> Item? {
        guard let l = list(id.client), let i = l.findIndex(id.clock) else { return nil }
        return l[i]
    }

    /// Index of the struct starting exactly at `clock`, splitting an item if needed.
    func findIndexCleanStart(_ txn: Transaction?, client: ClientID, clock: Int) -> Int? {
        guard let l = list(client), let index = l.findIndex(clock) else { return nil }
        let s = l[index]
        if s.id.clock < clock && !s.isGC {
            let right = splitItem(txn, s, clock - s.id.clock)
            l.insert(right, at: index + 1)
            return index + 1
        }
        return index
    }

    /// The item starting at `id` (Yjs `getItemCleanStart`).
    func getItemCleanStart(_ txn: Transaction?, _ id: ID) -> Item? {
        guard let i = findIndexCleanStart(txn, client: id.client, clock: id.clock) else { return nil }
        return list(id.client)![i]
    }

    /// The item ending at `id` (Yjs `getItemCleanEnd`).
    func getItemCleanEnd(_ txn: Transaction?, _ id: ID) -> Item? {
        // The list through the cached unmanaged reference (every load looks up an origin
        // per item; binding the list strongly retained and released it each time).
        if id.client != cachedClient || cachedList == nil {
            guard list(id.client) != nil else { return nil }
        }
        return cachedList.unsafelyUnwrapped._withUnsafeGuaranteedRef { l -> Item? in
            guard let index = l.findIndex(id.clock) else { return nil }
            let s = l[index]
            if id.clock != s.id.clock + s.length - 1 && !s.isGC {
                let right = splitItem(txn, s, id.clock - s.id.clock + 1)
                l.insert(right, at: index + 1)
            }
            return s
        }
    }

    /// Yjs `splitItem`: `left` keeps `diff` clocks; returns the new right part (not yet in the store).
    func splitItem(_ txn: Transaction?, _ left: Item, _ diff: Int) -> Item {
        let client = left.id.client
        let clock = left.id.clock
        let rightContent = left.content.splice(diff, totalLength: left.length)
        let right = Item(
            id: ID(client: client, clock: clock + diff), length: left.length - diff,
            origin: ID(client: client, clock: clock + diff - 1), left: left,
            rightOrigin: left.rightOrigin, right: left.right,
            parent: left.parent, parentSub: left.parentSub, content: rightContent)
        if left.deleted { right.deleted = true }
        if left.keep { right.keep = true }
        if let r = left.redone { right.redone = ID(client: r.client, clock: r.clock + diff) }
        left.right = right
        right.right?.left = right
        txn?.mergeStructs.append(right)
        if let sub = right.parentSub, right.right == nil { right.parent?.map[sub] = right }
        left.length = diff
        return right
    }

    /// Replaces an item by a GC struct of the same id and length (Yjs `replaceStruct`).
    func replaceWithGC(_ item: Item) {
        guard let l = list(item.id.client), let i = l.findIndex(item.id.clock) else { return }
        let gc = Item(gc: item.id, length: item.length)
        l[i] = gc
        currentTransaction?.mergeStructs.append(gc)
    }

    /// Set by the doc while a transaction is being cleaned up (replaceStruct needs it) and
    /// cleared when the cleanup ends. Unchecked: the doc holds the transaction throughout (a
    /// weak reference would give every transaction a side table, a strong one costs a
    /// retain and release per transaction).
    @exclusivity(unchecked) unowned(unsafe) var currentTransaction: Transaction?

    /// Yjs `tryToMergeWithLefts`; returns how many structs were merged away.
    @discardableResult
    func tryToMergeWithLefts(client: ClientID, pos: Int) -> Int {
        guard let structs = list(client), pos > 0, pos < structs.count else { return 0 }
        var right = structs[pos]
        var left = structs[pos - 1]
        var i = pos
        while i > 0 {
            if left.deleted == right.deleted && left.isGC == right.isGC && left.tryMerge(right) {
                if !right.isGC, let sub = right.parentSub, let p = right.parent, p.map[sub] === right {
                    p.map[sub] = left
                }
                i -= 1
                if i == 0 { break }
                right = left
                left = structs[i - 1]
                continue
            }
            break
        }
        let merged = pos - i
        if merged == 1 && pos == structs.count - 1 {
            structs.removeLast()  // the usual case at transaction end
        } else if merged > 0 {
            structs.removeSubrange((pos + 1 - merged)..<(pos + 1))
        }
        return merged
    }
}
