/// One transaction: every change made inside `Doc.transact`, or by one `applyUpdate`.
/// Observers and the `update` event fire once, when the outermost transaction ends.
public final class Transaction {
    /// Unchecked: a transaction is used while its doc runs it (a checked `unowned` costs a
    /// retain through the doc's side table on every access).
    unowned(unsafe) let doc: Doc
    /// The origin given to `transact` / `applyUpdate`.
    @exclusivity(unchecked) public private(set) var origin: AnyHashable?
    /// Whether `origin` is not nil (read without copying it).
    @exclusivity(unchecked) private(set) var hasOrigin: Bool
    /// False for transactions that apply remote updates.
    @exclusivity(unchecked) public internal(set) var local: Bool
    /// The clients whose state this transaction moved, with their clocks before it (and,
    /// once cleanup starts, after it). Other clients' states are unchanged, so a
    /// transaction keeps no copy of the state vector.
    @exclusivity(unchecked) private(set) var changedClients = ChangedClients()
    /// What this transaction deleted. Ranges of the client deleted from last are gathered
    /// in an array of their own and handed to the set when another client's come or the set
    /// is read, so that deleting item after item (a load's deleted runs) hashes no client id
    /// per item.
    var deleteSet: DeleteSet {
        get {
            flushDeletions()
            return recordedDeletions
        }
        _modify {
            flushDeletions()
            yield &recordedDeletions
        }
    }
    @exclusivity(unchecked) private var recordedDeletions = DeleteSet()
    @exclusivity(unchecked) private var openDeletionClient = ID.none.client
    @exclusivity(unchecked) private var openDeletions: [DeleteSet.Range] = []

    /// Records that `len` clocks of `client` from `clock` were deleted (joined to the
    /// previous range when it continues it).
    @inline(__always)
    func addDeleted(client: ClientID, clock: Int, len: Int) {
        if client != openDeletionClient {
            flushDeletions()
            openDeletionClient = client
        }
        if let last = openDeletions.last, last.clock + last.len == clock {
            openDeletions[openDeletions.count - 1].len += len
        } else {
            openDeletions.append(DeleteSet.Range(clock: clock, len: len))
        }
    }

    /// Whether this transaction deleted anything.
    var hasDeletions: Bool { !openDeletions.isEmpty || !recordedDeletions.isEmpty }

    /// The deletions when they are all of one client (nearly every transaction's), sorted and
    /// merged, without building the delete set's dictionary; nil otherwise.
    var singleClientDeletions: (client: ClientID, ranges: [DeleteSet.Range])? {
        guard recordedDeletions.isEmpty, !openDeletions.isEmpty else { return nil }
        return (openDeletionClient, openDeletions)
    }

    /// Sorts the deleted ranges and joins touching ones (Yjs `sortAndMergeDeleteSet`).
    func sortAndMergeDeletions() {
        if recordedDeletions.isEmpty {
            DeleteSet.sortAndMerge(&openDeletions)
        } else {
            deleteSet.sortAndMerge()
        }
    }

    private func flushDeletions() {
        guard !openDeletions.isEmpty else { return }
        if recordedDeletions.clients[openDeletionClient] == nil {
            recordedDeletions.clients[openDeletionClient] = openDeletions  // moved, not copied
            openDeletions = []
        } else {
            recordedDeletions.clients[openDeletionClient]!.append(contentsOf: openDeletions)
            openDeletions.removeAll(keepingCapacity: true)
        }
    }
    /// Changed types in the order they were first changed (Yjs iterates a Map). May hold
    /// types removed from `changed` since (removal stays O(1)); iterate `changedTypes`.
    @exclusivity(unchecked) var changedOrder: [Branch] = []
    @exclusivity(unchecked) var changed = ChangedMap()
    /// The type and key of the last `addChanged` that recorded something (typing calls it
    /// once per item with the same pair); cleared by `removeChanged`. Two fields, not an
    /// optional tuple: comparing and replacing the tuple went through outlined copies.
    @exclusivity(unchecked) private var lastChangedType: ObjectIdentifier?
    @exclusivity(unchecked) private var lastChangedSub: String?
    @exclusivity(unchecked) var mergeStructs: [Item] = []
    @exclusivity(unchecked) var needFormattingCleanup = false

    init(doc: Doc, origin: AnyHashable?, local: Bool) {
        self.doc = doc
        self.origin = origin
        self.hasOrigin = origin != nil
        self.local = local
    }

    /// The most elements a reused transaction's arrays keep room for.
    private static let keptCapacity = 64

    /// Makes a finished transaction that nobody else holds a new one, keeping its arrays'
    /// capacity (`Doc.transact` reuses it, so that a keystroke allocates no transaction).
    func reuse(origin: consuming AnyHashable?, local: Bool) {
        // Consumed, and assigned only when it or the one before is not nil: copying or
        // assigning an `AnyHashable?` goes through outlined value witnesses even for nil,
        // and most transactions have no origin.
        switch consume origin {
        case .none:
            if hasOrigin {
                self.origin = nil
                hasOrigin = false
            }
        case let .some(given):
            self.origin = given
            hasOrigin = true
        }
        self.local = local
        changedClients.removeAll()
        // Only what holds something is replaced (each replacement releases a collection).
        if !recordedDeletions.isEmpty { recordedDeletions = DeleteSet() }
        openDeletionClient = ID.none.client
        // One removeLast at a time: removeAll(keepingCapacity:) goes through the generic
        // replaceSubrange, and these hold an element or two. Arrays a large transaction grew
        // (deleting a whole document gathers a range per item) are let go instead: a reused
        // transaction would keep their room as long as its document lives.
        if openDeletions.capacity > Transaction.keptCapacity {
            openDeletions = []
        } else {
            while !openDeletions.isEmpty { openDeletions.removeLast() }
        }
        while !changedOrder.isEmpty { changedOrder.removeLast() }
        changed.removeAll()
        lastChangedType = nil
        if lastChangedSub != nil { lastChangedSub = nil }
        if mergeStructs.capacity > Transaction.keptCapacity {
            mergeStructs = []
        } else {
            while !mergeStructs.isEmpty { mergeStructs.removeLast() }
        }
        needFormattingCleanup = false
    }

    /// Called by the store before a struct moves `client`'s state from `before`.
    @inline(__always)
    func noteState(client: ClientID, before: Int) {
        changedClients.note(client, before: before)
    }

    /// The only client this transaction changed (nearly always), nil when none or several.
    var singleChangedClient: ChangedClients.Entry? { changedClients.single }

    /// The state of `client` before this transaction (Yjs `beforeState.get(client) || 0`).
    @inline(__always)
    func beforeState(_ client: ClientID) -> Int {
        changedClients.before(client) ?? doc.store.state(client)
    }

    /// Records every changed client's state as it is now (Yjs `afterState`).
    func takeAfterState(_ store: StructStore) {
        changedClients.takeAfter(store)
    }

    /// Yjs `addChangedTypeToTransaction`.
    func addChanged(_ type: Branch, _ parentSub: String?) {
        if type.item != nil, let item = type.item {
            guard item.id.clock < beforeState(item.id.client) && !item.deleted else { return }
        }
        let key = ObjectIdentifier(type)
        if lastChangedType == key, lastChangedSub == parentSub { return }
        lastChangedType = key
        if parentSub != nil || lastChangedSub != nil { lastChangedSub = parentSub }
        if changed.add(key, parentSub) { changedOrder.append(type) }
    }

    func removeChanged(_ type: Branch) {
        changed[ObjectIdentifier(type)] = nil
        lastChangedType = nil
        lastChangedSub = nil
    }

    /// The changed types, each once, in first-change order.
    var changedTypes: [Branch] {
        // The common case (one type, never removed) needs no de-duplication set.
        if changedOrder.count == 1 { return changed.isEmpty ? [] : changedOrder }
        var seen = Set<ObjectIdentifier>()
        return changedOrder.filter {
            changed[ObjectIdentifier($0)] != nil && seen.insert(ObjectIdentifier($0)).inserted
        }
    }

    /// A child of a deleted type that was already deleted earlier still wants merging.
    func keepDeletedChild(_ item: Item) {
        if item.id.clock < beforeState(item.id.client) { mergeStructs.append(item) }
    }

    /// Whether `item` was inserted in this transaction (Yjs `YEvent.adds`).
    func adds(_ item: Item) -> Bool { item.id.clock >= beforeState(item.id.client) }
}

/// The changed types of a transaction and their keys. Nearly every transaction changes one
/// type, which is stored inline; only further types go to a dictionary (so a keystroke
/// allocates no hash table).
struct ChangedMap {
    private var firstKey: ObjectIdentifier?
    private var firstValue = ChangedKeys()
    private var rest: [ObjectIdentifier: ChangedKeys] = [:]

    var isEmpty: Bool { firstKey == nil && rest.isEmpty }

    mutating func removeAll() {
        if firstKey != nil {
            firstKey = nil
            firstValue = ChangedKeys()
        }
        if !rest.isEmpty { rest = [:] }
    }

    /// Records `sub` for `key`; true when `key` was not in the map.
    @inline(__always)
    mutating func add(_ key: ObjectIdentifier, _ sub: String?) -> Bool {
        if firstKey == nil, sub == nil, rest.isEmpty {
            // A transaction's first change to a list (typing): no optional value to build.
            firstKey = key
            firstValue = ChangedKeys(list: true)
            return true
        }
        if key == firstKey {
            firstValue.insert(sub)
            return false
        }
        if self[key] == nil {
            self[key] = ChangedKeys(sub)
            return true
        }
        self[key]!.insert(sub)
        return false
    }

    subscript(key: ObjectIdentifier) -> ChangedKeys? {
        get { key == firstKey ? firstValue : rest[key] }
        set {
            if key == firstKey {
                if let v = newValue { firstValue = v } else { firstKey = nil }
            } else if firstKey == nil, rest[key] == nil, let v = newValue {
                firstKey = key
                firstValue = v
            } else {
                rest[key] = newValue
            }
        }
    }
}

/// The keys of one changed type: its list (`nil`, the common case, stored without a set)
/// and/or map keys.
struct ChangedKeys {
    private(set) var list = false
    private(set) var keys: Set<String> = []

    init() {}

    init(_ sub: String?) { insert(sub) }

    init(list: Bool) { self.list = list }

    mutating func insert(_ sub: String?) {
        if let s = sub { keys.insert(s) } else { list = true }
    }

    /// `nil` asks about the list.
    func contains(_ sub: String?) -> Bool {
        if let s = sub { return keys.contains(s) }
        return list
    }
}

/// The clients a transaction changed: nearly always one (stored inline, so a keystroke
/// allocates nothing here), the rest in an array.
struct ChangedClients {
    struct Entry {
        var client: ClientID
        var before: Int
        var after: Int
    }

    private var first: Entry?
    private var rest: [Entry] = []

    var isEmpty: Bool { first == nil }

    mutating func removeAll() {
        first = nil
        if !rest.isEmpty { rest = [] }
    }

    /// The only changed client, nil when none or several changed.
    var single: Entry? { rest.isEmpty ? first : nil }

    @inline(__always)
    mutating func note(_ client: ClientID, before: Int) {
        guard let f = first else {
            first = Entry(client: client, before: before, after: before)
            return
        }
        if f.client == client { return }
        note(slow: client, before: before)
    }

    private mutating func note(slow client: ClientID, before: Int) {
        if rest.contains(where: { $0.client == client }) { return }
        rest.append(Entry(client: client, before: before, after: before))
    }

    @inline(__always)
    func before(_ client: ClientID) -> Int? {
        guard let f = first else { return nil }
        if f.client == client { return f.before }
        return rest.first { $0.client == client }?.before
    }

    mutating func takeAfter(_ store: StructStore) {
        guard first != nil else { return }
        first!.after = store.state(first!.client)
        for i in rest.indices { rest[i].after = store.state(rest[i].client) }
    }

    /// Every changed client, first changed first.
    var entries: [Entry] { Array(self) }

    struct Iterator: IteratorProtocol {
        fileprivate var first: Entry?
        fileprivate var rest: IndexingIterator<[Entry]>

        mutating func next() -> Entry? {
            if let f = first {
                first = nil
                return f
            }
            return rest.next()
        }
    }
}

extension ChangedClients: Sequence {
    /// Every changed client, first changed first, without building an array.
    func makeIterator() -> Iterator { Iterator(first: first, rest: rest.makeIterator()) }
}
