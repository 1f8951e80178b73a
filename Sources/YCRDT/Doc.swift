/// A Yjs-compatible document replica.
///
/// Not thread-safe: confine each `Doc` to one thread or actor.
public final class Doc {
    /// This replica's client id. Changes (as in Yjs) only if a remote update is seen
    /// that uses it.
    @exclusivity(unchecked) public private(set) var clientID: ClientID
    /// Whether deleted content is collected (Yjs `gc`, on by default).
    public let gc: Bool
    let store = StructStore()
    private(set) var share: [String: Branch] = [:]
    private var shareOrder: [String] = []
    @exclusivity(unchecked) var currentTransaction: Transaction?
    @exclusivity(unchecked) private var cleanupQueue: [Transaction] = []
    /// A finished transaction that nobody else held, reused by the next one.
    @exclusivity(unchecked) private var spareTransaction: Transaction?
    /// Reused for every update event: the bytes handed to observers share its buffer, and
    /// the next event writes over it in place unless an observer kept them (then it copies).
    @exclusivity(unchecked) private var updateEncoder = Lib0Encoder()
    /// The most room `updateEncoder` keeps between updates (a keystroke's takes tens of bytes).
    private static let keptUpdateBuffer = 16 * 1024
    @exclusivity(unchecked) private var updateObservers: [(ObserverID, ([UInt8], AnyHashable?) -> Void)] = []
    @exclusivity(unchecked) private var afterTransactionObservers: [(ObserverID, (Transaction) -> Void)] = []
    private var nextObserverID = 0
    /// Handed to update observers for a transaction without origin: a stored nil is passed
    /// by address, a literal one is built and destroyed per event.
    private let noOrigin: AnyHashable? = nil

    /// - Parameters:
    ///   - clientID: a fixed client id; a random 32-bit one when nil, as Yjs does.
    ///   - gc: collect deleted content (Yjs default).
    public init(clientID: ClientID? = nil, gc: Bool = true) {
        self.clientID = clientID ?? ClientID(UInt32.random(in: 0...UInt32.max))
        self.gc = gc
        store.owner = self
    }

    /// Tells every transaction not yet cleaned up that `client`'s state moves from `before`
    /// (their before-states are snapshots, as in Yjs).
    @inline(__always)
    func noteState(client: ClientID, before: Int) {
        // Nearly always one open transaction: no iterator over the queue then.
        if cleanupQueue.count == 1 {
            cleanupQueue[0].noteState(client: client, before: before)
        } else {
            for t in cleanupQueue { t.noteState(client: client, before: before) }
        }
    }

    deinit {
        // Types and their items refer to each other (map entries, owning items, the
        // text handle); break those cycles so a dropped doc returns its memory.
        for (_, b) in share {
            b.textHandle?.doc = nil  // a text kept by a caller finds no doc from now on
            b.textHandle = nil
            b.map = [:]
            // A YText kept by a caller outlives its doc: leave it empty, not pointing
            // at items that are about to be freed.
            b.start = nil
            b.searchMarkers = nil
            b.length = 0
        }
        for (_, structs) in store.clients {
            for s in structs {
                if case let .type(b) = s.content {
                    b.map = [:]
                    b.item = nil
                    b.textHandle = nil
                }
            }
        }
    }

    func makeObserverID() -> ObserverID {
        nextObserverID += 1
        return ObserverID(raw: nextObserverID)
    }

    /// The root type `name`, created on first use (kind unknown until someone asks).
    func rootBranch(_ name: String) -> Branch {
        if let b = share[name] { return b }
        let b = Branch(typeRef: TypeRef.unknown)
        b.rootName = name
        share[name] = b
        shareOrder.append(name)
        return b
    }

    /// The root `Y.Text` named `name` (the document contract uses "content").
    public func getText(_ name: String = "content") -> YText {
        let b = rootBranch(name)
        if b.typeRef == TypeRef.unknown {
            // Yjs replaces a generic root by a fresh YText that takes over its items.
            b.typeRef = TypeRef.text
            b.searchMarkers = SearchMarkers()
            b.hasFormatting = false
        }
        if let t = b.textHandle { return t }
        let t = YText(branch: b, doc: self)
        b.textHandle = t
        return t
    }

    /// Names of the root types that hold text (asked for as text, or holding strings/formats).
    public var rootTextNames: [String] {
        shareOrder.filter { name in
            guard let b = share[name] else { return false }
            if b.typeRef == TypeRef.text { return true }
            guard b.typeRef == TypeRef.unknown, b.map.isEmpty else { return false }
            var i = b.start
            while let it = i {
                switch it.content {
                case .string, .format: return true
                default: break
                }
                i = it.right
            }
            return false
        }
    }

    /// Runs `body` in one transaction; nested calls join the outer transaction.
    /// Observers and the update event fire once, when the outermost call returns.
    @discardableResult
    public func transact<T>(origin: consuming AnyHashable? = nil, _ body: (Transaction) throws -> T) rethrows -> T {
        try transact(origin: origin, local: true, body)
    }

    /// `origin` is consumed, so that handing it to the transaction copies no `AnyHashable`.
    func transact<T>(origin: consuming AnyHashable?, local: Bool, _ body: (Transaction) throws -> T) rethrows -> T {
        if let t = currentTransaction { return try body(t) }
        var t: Transaction
        if let spare = spareTransaction {
            spareTransaction = nil
            spare.reuse(origin: origin, local: local)
            t = spare
        } else {
            t = Transaction(doc: self, origin: origin, local: local)
        }
        currentTransaction = t
        cleanupQueue.append(t)
        defer {
            currentTransaction = nil
            if cleanupQueue.first === t {
                runCleanups()
                // Reused only when no observer or caller kept it.
                if isKnownUniquelyReferenced(&t) { spareTransaction = t }
            }
        }
        return try body(t)
    }

    /// Called with each emitted v1 update (local and remote transactions) and its origin.
    @discardableResult
    public func onUpdate(_ handler: @escaping (_ update: [UInt8], _ origin: AnyHashable?) -> Void) -> ObserverID {
        let id = makeObserverID()
        updateObservers.append((id, handler))
        return id
    }

    @discardableResult
    func onAfterTransaction(_ handler: @escaping (Transaction) -> Void) -> ObserverID {
        let id = makeObserverID()
        afterTransactionObservers.append((id, handler))
        return id
    }

    /// Whether anything (an undo manager) watches transactions end.
    var hasAfterTransactionObservers: Bool { !afterTransactionObservers.isEmpty }

    public func removeObserver(_ id: ObserverID) {
        updateObservers.removeAll { $0.0 == id }
        afterTransactionObservers.removeAll { $0.0 == id }
    }

    /// The whole state (or the part missing from `stateVector`) as a v1 update,
    /// including pending structs and deletes, as Yjs does.
    public func encodeStateAsUpdate(since stateVector: [UInt8] = []) throws -> [UInt8] {
        let sv = try StateVector.decode(stateVector)
        var e = Lib0Encoder()
        if sv.isEmpty {
            // A whole state takes about ten bytes a struct plus its text: room for that up
            // front spares the dozen doublings that would each copy what is written so far.
            var estimate = 64
            for (_, structs) in store.clients { estimate += 10 * structs.count }
            for (_, type) in share { estimate += type.length }
            e.reserveCapacity(estimate)
            UpdateCodec.writeAllStructs(&e, store: store).write(to: &e)
        } else {
            UpdateCodec.writeClientsStructs(&e, store: store, from: sv)
            completeDeleteSet().write(to: &e)
        }
        var updates = [e.bytes]
        if let pds = store.pendingDs { updates.append(pds) }
        if let ps = store.pendingStructs {
            var diff = YUpdate.diffToDecoded(ps.update, sv)
            UpdateCodec.v2StringRoundtrip(&diff)
            updates.append(UpdateCodec.encode(diff))
        }
        if updates.count > 1 { return try YUpdate.merge(updates) }
        return updates[0]
    }

    /// The state vector (pending structs do not count).
    public func encodeStateVector() -> [UInt8] {
        StateVector.encode(store.stateVector)
    }

    /// Whether structs or deletes are waiting for missing updates.
    public var hasPending: Bool { store.pendingStructs != nil || store.pendingDs != nil }

    /// Decodes and validates `update` completely, then integrates it in one remote
    /// transaction. A malformed update throws and changes nothing.
    ///
    /// An update that reuses an id this document already has (integrated or pending) for a
    /// struct with other content, origins, parent or map key throws
    /// `YCRDTError.conflictingStruct` and changes nothing either: Yjs would skip such structs
    /// silently and keep the rest. Structs received again unchanged (re-delivery, ranges
    /// overlapping differently, ranges collected on either side) are accepted as in Yjs;
    /// see `StructConsistency.swift` for what counts as the same struct.
    public func applyUpdate(_ update: [UInt8], origin: AnyHashable? = nil) throws {
        // Decoded for this call alone: its items are moved into the document, not copied.
        var decoded = try UpdateCodec.decode(update)
        try checkConsistency(decoded)
        transact(origin: origin, local: false) { txn in
            integrateUpdate(&decoded, txn, takingStructs: true)
        }
    }

    /// Checks `decoded` against what this document holds, then integrates it in
    /// one remote transaction; a conflict throws and changes nothing.
    func integrate(_ decoded: DecodedUpdate, origin: AnyHashable?) throws {
        try checkConsistency(decoded)
        transact(origin: origin, local: false) { txn in
            integrateUpdate(decoded, txn)
        }
    }

    /// The delete set of the whole store (Yjs `createDeleteSetFromStructStore`).
    func completeDeleteSet() -> DeleteSet {
        var ds = DeleteSet()
        for (client, structs) in store.clients {
            var ranges: [DeleteSet.Range] = []
            var open: DeleteSet.Range?
            structs.forEach(from: 0) { s in
                if s.deleted {
                    if let o = open {
                        open = DeleteSet.Range(clock: o.clock, len: o.len + s.length)
                    } else {
                        open = DeleteSet.Range(clock: s.id.clock, len: s.length)
                    }
                } else if let o = open {
                    ranges.append(o)
                    open = nil
                }
            }
            if let o = open { ranges.append(o) }
            if !ranges.isEmpty { ds.clients[client] = ranges }
        }
        return ds
    }

    // MARK: - Transaction end

    private func runCleanups() {
        var i = 0
        while i < cleanupQueue.count {
            cleanup(cleanupQueue[i])
            i += 1
        }
        // Usually one transaction: removeAll(keepingCapacity:) would go through the generic
        // replaceSubrange.
        while !cleanupQueue.isEmpty { cleanupQueue.removeLast() }
    }

    /// Yjs `cleanupTransactions` for one transaction.
    private func cleanup(_ txn: Transaction) {
        store.currentTransaction = txn
        defer { store.currentTransaction = nil }
        txn.sortAndMergeDeletions()
        txn.takeAfterState(store)
        for type in txn.changedTypes {
            if let item = type.item, item.deleted { continue }
            if !txn.local { type.searchMarkers?.removeAll() }
            if type.typeRef == TypeRef.text, let text = type.textHandle {
                text.callObservers(txn)
                if !txn.local && type.hasFormatting { txn.needFormattingCleanup = true }
            } else if !txn.local && type.hasFormatting && type.typeRef == TypeRef.text {
                txn.needFormattingCleanup = true
            }
        }
        if !afterTransactionObservers.isEmpty {
            for (_, h) in afterTransactionObservers { h(txn) }
        }
        if txn.needFormattingCleanup { YText.cleanupAfterRemoteTransaction(txn) }

        if let (client, dels) = txn.singleClientDeletions {
            if gc { tryGcDeletions(client, dels) }
            tryMergeDeletions(client, dels)
        } else if txn.hasDeletions {
            let ds = txn.deleteSet
            if gc { for (client, dels) in ds.clients { tryGcDeletions(client, dels) } }
            for (client, dels) in ds.clients { tryMergeDeletions(client, dels) }
        }
        for change in txn.changedClients {
            guard change.before != change.after, let structs = store.list(change.client) else { continue }
            // Typing extended the last struct in place and added none: nothing can merge.
            if structs[structs.count - 1].id.clock < change.before { continue }
            // Yjs tries every position from the end down to the first change; only the
            // candidates can merge, and a merge at `pos` of `n` structs consumes the
            // positions down to `pos - n` (those below it are untouched).
            var firstChangePos = max(structs.findIndex(change.before) ?? 0, 1)
            // A struct that starts before the before-state was extended in place by typing
            // (`YText.extendLeft`): its new part counts as merged into it, so the first
            // struct that Yjs would try is the one after it.
            if firstChangePos < structs.count, structs[firstChangePos].id.clock < change.before { firstChangePos += 1 }
            var below = Int.max
            for pos in structs.mergeCandidates(from: firstChangePos).reversed() where pos < below {
                below = pos - store.tryToMergeWithLefts(client: change.client, pos: pos)
            }
        }
        var m = txn.mergeStructs.count - 1
        while m >= 0 {
            let s = txn.mergeStructs[m]
            m -= 1
            guard let structs = store.list(s.id.client), let pos = structs.findIndex(s.id.clock) else { continue }
            if pos + 1 < structs.count, store.tryToMergeWithLefts(client: s.id.client, pos: pos + 1) > 1 { continue }
            if pos > 0 { store.tryToMergeWithLefts(client: s.id.client, pos: pos) }
        }
        var changedState = false
        var ownStateMoved = false
        for change in txn.changedClients where change.before != change.after {
            changedState = true
            if change.client == clientID { ownStateMoved = true }
        }
        if !txn.local, ownStateMoved {
            clientID = ClientID(UInt32.random(in: 0...UInt32.max))
        }
        guard !updateObservers.isEmpty else { return }
        guard txn.hasDeletions || changedState else { return }
        updateEncoder.reset()
        if let only = txn.singleChangedClient {
            UpdateCodec.writeClientStructs(&updateEncoder, store: store, only: only)
        } else {
            UpdateCodec.writeClientsStructs(&updateEncoder, store: store, from: txn.changedClients)
        }
        if let (client, dels) = txn.singleClientDeletions {
            DeleteSet.write(client: client, dels, to: &updateEncoder)
        } else {
            txn.deleteSet.write(to: &updateEncoder)
        }
        let update = updateEncoder.bytes
        // Most transactions have no origin: passing a literal nil spares the outlined copy
        // and destroy of the `AnyHashable?`.
        if !txn.hasOrigin {
            for (_, h) in updateObservers { h(update, noOrigin) }
        } else {
            let origin = txn.origin
            for (_, h) in updateObservers { h(update, origin) }
        }
        // The buffer is kept for the next update, but not the room a large one (a paste, a
        // whole state applied) grew it to: the document would hold that for good.
        if updateEncoder.capacity > Doc.keptUpdateBuffer { updateEncoder = Lib0Encoder() }
    }

    private func tryGcDeletions(_ client: ClientID, _ dels: [DeleteSet.Range]) {
        guard let structs = store.list(client) else { return }
        for d in dels.reversed() {
            let end = d.clock + d.len
            guard var si = structs.findIndex(d.clock) else { continue }
            // Most deleted runs (all of a loaded state's) are collected already: look in
            // place before walking them one subscript at a time.
            let collectable = structs.contains(from: si, below: end) { s in
                guard !s.isGC, s.deleted, !s.keep else { return false }
                if case .deleted = s.content { return false }  // `gc` has nothing to do
                return true
            }
            guard collectable else { continue }
            while si < structs.count {
                let s = structs[si]
                guard s.id.clock < end else { break }
                if !s.isGC && s.deleted && !s.keep { s.gc(store, parentGCd: false) }
                si += 1
            }
        }
    }

    private func tryMergeDeletions(_ client: ClientID, _ dels: [DeleteSet.Range]) {
        guard let structs = store.list(client) else { return }
        for d in dels.reversed() {
            let count = structs.count
            guard count > 0 else { continue }
            let found = structs.findIndex(d.clock + d.len - 1) ?? (count - 1)
            var si = min(count - 1, 1 + found)
            // Nothing merges unless `Item.mayMerge` holds somewhere between the range's
            // first struct and `si`.
            let first = structs.findIndex(d.clock) ?? 0
            guard first > si || structs.hasMergeCandidate(in: first...si) else { continue }
            while si > 0, si < structs.count, structs[si].id.clock >= d.clock {
                si -= 1 + store.tryToMergeWithLefts(client: client, pos: si)
            }
        }
    }
}
