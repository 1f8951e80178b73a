extension Item {
    /// Yjs `Item.integrate` with offset 0: YATA conflict resolution, linking, store insertion.
    func integrate(_ txn: Transaction) {
        unowned(unsafe) let store = txn.doc.store
        guard let parent = parent else {
            store.addStruct(Item(gc: id, length: length))
            return
        }
        // The neighbours are compared and linked through their unmanaged links: binding one
        // to a local retained and released it, several times per item of every load.
        let needsScan: Bool
        if let l = leftLink {
            needsScan = l._withUnsafeGuaranteedRef { $0.rightLink?.toOpaque() } != rightLink?.toOpaque()
        } else if let r = rightLink {
            needsScan = r._withUnsafeGuaranteedRef { $0.leftLink != nil }
        } else {
            needsScan = true
        }
        if needsScan {
            var newLeft = left
            var o: Item?
            if let l = left {
                o = l.right
            } else if let sub = parentSub {
                o = parent.map[sub]
                while let x = o, let l = x.left { o = l }
            } else {
                o = parent.start
            }
            // Yjs keeps two sets, `itemsBeforeOrigin` and `conflictingItems`; the second is
            // always the tail of the first added since it was last cleared, so one list of
            // the items passed, in order, and where that tail starts, are enough.
            var passed = ScannedItems(reusing: &store.scanScratch)
            defer { passed.release(to: &store.scanScratch) }
            var conflictStart = 0
            let origin = self.origin
            let rightOrigin = self.rightOrigin
            while let x = o, x !== right {
                passed.append(x)
                let xOrigin = x.origin
                if origin == xOrigin {
                    if x.id.client < id.client {
                        newLeft = x
                        conflictStart = passed.count
                    } else if rightOrigin == x.rightOrigin {
                        break
                    }
                } else if let xo = xOrigin, let oi = store.find(xo), let at = passed.position(of: oi) {
                    if at < conflictStart {
                        newLeft = x
                        conflictStart = passed.count
                    }
                } else {
                    break
                }
                o = x.right
            }
            left = newLeft
        }
        let me = Unmanaged.passUnretained(self)
        if let l = leftLink {
            l._withUnsafeGuaranteedRef { l in
                rightLink = l.rightLink
                l.rightLink = me
            }
        } else {
            var r: Item?
            if let sub = parentSub {
                r = parent.map[sub]
                while let x = r, let l = x.left { r = l }
            } else {
                r = parent.start
                parent.start = self
            }
            right = r
        }
        if let r = rightLink {
            r._withUnsafeGuaranteedRef { $0.leftLink = me }
        } else if let sub = parentSub {
            parent.map[sub] = self
            left?.delete(txn)
        }
        let sub = parentSub
        if sub == nil && countable && !deleted { parent.length += length }
        store.addStruct(self)
        // By reference number: a switch binding the content would copy (retain) it per item.
        switch content.ref {
        case 1:
            txn.addDeleted(client: id.client, clock: id.clock, len: length)
            deleted = true
        case 6:
            parent.searchMarkers = nil
            parent.hasFormatting = true
            parent.mayHoldFormats = true
        case 7:
            if case let .type(branch) = content { branch.item = self }
        default: break
        }
        txn.addChanged(parent, sub)
        if (parent.item?.deleted ?? false) || (sub != nil && right != nil) {
            delete(txn)
        }
    }
}

extension Item {
    /// Whether this item comes after `other` in the same list. Walks from both at once, so
    /// it costs twice the number of items between them, whichever comes first (an honest
    /// item's origins have only concurrent inserts between them, which the YATA scan walks
    /// anyway); only origins in different lists walk to the end.
    func follows(_ other: Item) -> Bool {
        var fromOther = other.right
        var fromSelf: Item? = self
        while let a = fromOther {
            if a === self { return true }
            if let b = fromSelf {
                if b === other { return false }
                fromSelf = b.right
            }
            fromOther = a.right
        }
        return false
    }
}

/// The items a YATA conflict scan has passed, in order, with their positions: a list
/// searched linearly while short (the usual case), indexed once it grows, so that a long
/// run of concurrent inserts costs no quadratic time. Borrows the store's scratch buffer,
/// so a scan allocates nothing.
struct ScannedItems {
    private var order: [ObjectIdentifier]
    private var index: [ObjectIdentifier: Int]?

    init(reusing scratch: inout [ObjectIdentifier]) {
        order = scratch
        scratch = []
        order.removeAll(keepingCapacity: true)
    }

    mutating func release(to scratch: inout [ObjectIdentifier]) {
        scratch = order
    }

    var count: Int { order.count }

    mutating func append(_ item: Item) {
        let key = ObjectIdentifier(item)
        order.append(key)
        if index != nil {
            index![key] = order.count - 1
        } else if order.count > 32 {
            var built: [ObjectIdentifier: Int] = [:]
            built.reserveCapacity(order.count * 2)
            for (i, k) in order.enumerated() { built[k] = i }
            index = built
        }
    }

    /// Where `item` was passed, nil if it was not.
    func position(of item: Item) -> Int? {
        let key = ObjectIdentifier(item)
        if let index { return index[key] }
        return order.lastIndex(of: key)
    }
}

extension Doc {
    /// Yjs `readUpdateV2` body: integrate structs, keep what cannot be integrated pending,
    /// apply the delete set, retry pending updates whose dependencies arrived. `u` is read
    /// only (it may be shared: a parsed update, a pending one).
    func integrateUpdate(_ u: DecodedUpdate, _ txn: Transaction) {
        var u = u
        integrateUpdate(&u, txn, takingStructs: false)
    }

    /// The same; with `takingStructs`, the items integrated are moved out of `u`'s arrays
    /// (each left as a skip of its range) instead of copied: the caller decoded `u` for this
    /// call alone and drops it afterwards. Copying an item out of the update retained its
    /// content, parent and key, and dropping the update released them again, a generic
    /// copy and destroy per struct of every load.
    func integrateUpdate(_ u: inout DecodedUpdate, _ txn: Transaction, takingStructs: Bool) {
        let rest = integrateStructs(txn, &u, taking: takingStructs)
        var retry = false
        if var pending = store.pendingStructs {
            for (client, clock) in pending.missing where clock < store.state(client) {
                retry = true
                break
            }
            if let rest = rest {
                for (client, clock) in rest.missing where (pending.missing[client].map { $0 > clock } ?? true) {
                    pending.missing[client] = clock
                }
                var merged = YUpdate.mergeToDecoded([pending.update, rest.update])
                UpdateCodec.v2StringRoundtrip(&merged)
                pending.update = merged
            }
            store.pendingStructs = pending
        } else {
            store.pendingStructs = rest
        }
        let dsRest = applyDeleteSet(u.ds, txn)
        if let pds = store.pendingDs, let decoded = try? UpdateCodec.decode(pds) {
            let dsRest2 = applyDeleteSet(decoded.ds, txn)
            if let a = dsRest, let b = dsRest2 {
                store.pendingDs = UpdateCodec.encodeDeleteSetUpdate(DeleteSet.merge([a, b]))
            } else {
                store.pendingDs = (dsRest ?? dsRest2).map(UpdateCodec.encodeDeleteSetUpdate)
            }
        } else {
            store.pendingDs = dsRest.map(UpdateCodec.encodeDeleteSetUpdate)
        }
        if retry, let update = store.pendingStructs?.update {
            store.pendingStructs = nil
            integrateUpdate(update, txn)
        }
    }

    /// Yjs `integrateStructs`: clients from the highest id down, each client's structs in
    /// clock order, a struct's missing dependencies first (from the update, through a
    /// stack), what cannot be integrated returned as the rest. The per-client lists are
    /// arrays indexed by the client's rank in the update (Yjs uses maps; hashing a client
    /// id per struct was a fifth of loading a document). Structs are named by rank and
    /// index and read in place from the update's arrays: each item's fields are copied once,
    /// into its `Item`, or with `taking` moved there (see `integrateUpdate`). Only an item
    /// integrated is taken; what goes to the rest (never integrated: a client's structs
    /// integrate in clock order, and none after a refused one) is copied from slots
    /// untouched.
    private func integrateStructs(_ txn: Transaction, _ u: inout DecodedUpdate, taking: Bool) -> (
        missing: [ClientID: Int], update: DecodedUpdate
    )? {
        guard !u.blocks.isEmpty else { return nil }
        let store = self.store
        // The per-client state comes from the store's scratch, kept with its capacity: a
        // remote keystroke's update allocated eight small arrays here, and every allocation
        // of a generic array looks its storage's metadata up at run time (together a tenth
        // of integrating such an update). Swapped in and out, not copied: a copy retains
        // each array. Were this ever called again before it returns, the inner call would
        // find the scratch taken and start from empty arrays.
        var scratch = IntegrationScratch()
        swap(&scratch, &store.integrationScratch)
        defer {
            scratch.clear()
            swap(&scratch, &store.integrationScratch)
        }
        for b in u.blocks.indices {
            // The structs are read (and, taking, moved) through their arrays' storage:
            // nothing else changes `u` until this function returns, so the storage stays
            // where it is (an empty array's nil base is never read: its rank has no next
            // struct). Taking, the mutable view is `u`'s own (it makes each array unique
            // first); reading, the storage is only read. Reading `u.blocks[b].structs[i]`
            // retained and released the inner array and copied the struct (a retain and
            // release of its content) per struct.
            let base =
                taking
                ? u.blocks[b].structs.withUnsafeMutableBufferPointer { $0.baseAddress }
                : u.blocks[b].structs.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeMutablePointer.init) }
            scratch.ranks.append(.init(client: u.blocks[b].client, count: u.blocks[b].structs.count, base: base))
        }
        scratch.ranks.sort { $0.client < $1.client }
        var top = scratch.ranks.count - 1  // the highest-ranked client not yet exhausted or removed
        var restStructs: [ClientID: [WireStruct]] = [:]
        var missingSV: [ClientID: Int] = [:]

        func rank(_ client: ClientID) -> Int? {
            var lo = 0
            var hi = scratch.ranks.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                if scratch.ranks[mid].client == client { return scratch.ranks[mid].removed ? nil : mid }
                if scratch.ranks[mid].client < client { lo = mid + 1 } else { hi = mid - 1 }
            }
            return nil
        }
        func hasNext(_ r: Int) -> Bool { !scratch.ranks[r].removed && scratch.ranks[r].next < scratch.ranks[r].count }
        func nextTarget() -> Int? {
            while top >= 0 {
                if hasNext(top) { return top }
                top -= 1
            }
            return nil
        }
        func take(_ r: Int) -> Int {
            let i = scratch.ranks[r].next
            scratch.ranks[r].next = i + 1
            return i
        }
        func updateMissing(_ client: ClientID, _ clock: Int) {
            if let m = missingSV[client], m <= clock { return }
            missingSV[client] = clock
        }
        func addStackToRest() {
            for (r, index) in scratch.stack {
                if !scratch.ranks[r].removed {
                    let i = max(0, scratch.ranks[r].next - 1)
                    restStructs[scratch.ranks[r].client] = Array(
                        UnsafeBufferPointer(
                            start: scratch.ranks[r].base.unsafelyUnwrapped + i, count: scratch.ranks[r].count - i))
                    scratch.ranks[r].removed = true
                } else {
                    restStructs[scratch.ranks[r].client] = [scratch.ranks[r].base.unsafelyUnwrapped[index]]
                }
            }
            scratch.stack.removeAll(keepingCapacity: true)
        }

        guard var current = nextTarget() else { return nil }
        /// The item integrated last: the next struct's origin is often its last id. Unowned:
        /// no item leaves the store before the transaction ends.
        unowned(unsafe) var lastIntegrated: Item?
        var headRank = current
        var headIndex = take(current)
        while true {
            let head = scratch.ranks[headRank].base.unsafelyUnwrapped + headIndex
            // The struct as a local: reading the slot's fields one by one copied the whole
            // struct for each read. Taking, it is moved out and every path below puts back
            // what the slot must hold (the struct itself, or a skip once it is integrated)
            // before anything else reads the slots (`addStackToRest`).
            let s = taking ? head.move() : head.pointee
            var missingClient: ClientID?
            if s.isSkip {
                if taking { head.initialize(to: s) }
            } else {
                let client = scratch.ranks[headRank].client
                let clock = s.id.clock
                var localClock = scratch.ranks[headRank].state
                if localClock < 0 {
                    localClock = store.state(client)
                    scratch.ranks[headRank].state = localClock
                }
                let offset = localClock - clock
                if offset < 0 {
                    if taking { head.initialize(to: s) }
                    scratch.stack.append((headRank, headIndex))
                    updateMissing(client, clock - 1)
                    addStackToRest()
                } else {
                    switch consume s {
                    case let .skip(id, len):
                        if taking { head.initialize(to: .skip(id, len)) }
                    case let .gc(id, len):
                        if taking { head.initialize(to: .gc(id, len)) }
                        if offset < len {
                            store.addStruct(
                                Item(gc: ID(client: id.client, clock: id.clock + offset), length: len - offset))
                            scratch.ranks[headRank].state = clock + len
                        }
                    case var .item(w):
                        if let c = missingDependency(w, store: store) {
                            if taking { head.initialize(to: .item(w)) }
                            missingClient = c
                            break
                        }
                        let end = clock + w.length
                        if taking { head.initialize(to: .skip(w.id, w.length)) }
                        let step = integrate(&w, offset: offset, txn, store: store, lastIntegrated: lastIntegrated)
                        if case let .integrated(item) = step {
                            if let item { lastIntegrated = item }
                            scratch.ranks[headRank].state = end
                        }
                    }
                }
            }
            if let missingClient {
                scratch.stack.append((headRank, headIndex))
                if let r = rank(missingClient), scratch.ranks[r].next < scratch.ranks[r].count {
                    headRank = r
                    headIndex = take(r)
                    continue
                }
                updateMissing(missingClient, store.state(missingClient))
                addStackToRest()
            }
            if let (r, i) = scratch.stack.popLast() {
                headRank = r
                headIndex = i
            } else if hasNext(current) {
                headRank = current
                headIndex = take(current)
            } else {
                guard let n = nextTarget() else { break }
                current = n
                headRank = current
                headIndex = take(current)
            }
        }
        guard !restStructs.isEmpty else { return nil }
        var rest = DecodedUpdate(
            blocks: restStructs.keys.sorted(by: >).compactMap { c in
                restStructs[c].flatMap { $0.isEmpty ? nil : (c, $0) }
            }, ds: DeleteSet())
        UpdateCodec.v2StringRoundtrip(&rest)
        return (missingSV, rest)
    }

    /// Yjs `getMissing`'s first half for an item: the client of an origin, right origin
    /// or parent (of another client) that the store does not hold yet.
    private func missingDependency(_ w: borrowing WireItem, store: StructStore) -> ClientID? {
        if let o = w.origin, o.client != w.id.client, o.clock >= store.state(o.client) { return o.client }
        if let r = w.rightOrigin, r.client != w.id.client, r.clock >= store.state(r.client) { return r.client }
        if case let .id(pid)? = w.parent, pid.client != w.id.client, pid.clock >= store.state(pid.client) {
            return pid.client
        }
        return nil
    }

    private enum ItemStep {
        /// Integrated; the item it became (nil when it was kept as a GC struct).
        case integrated(Item?)
        /// The store already holds all of it.
        case alreadyKnown
    }

    /// Yjs `getMissing`'s second half followed by `Item.integrate` for an item of an update
    /// whose first `offset` clocks the store already holds and whose dependencies it holds
    /// (`missingDependency`). `lastIntegrated` spares the search for an origin that is its last id
    /// (the item already ends there, so `getItemCleanEnd` would neither split nor find
    /// another).
    private func integrate(
        _ w: inout WireItem, offset: Int, _ txn: Transaction, store: StructStore, lastIntegrated: Item?
    ) -> ItemStep {
        var left: Item?
        var right: Item?
        // The origin is the left neighbour's last id when it was found, before the right
        // origin is looked up: finding the right origin may split that neighbour (an update
        // whose origins cross), and Yjs keeps the origin it read first.
        var origin = w.origin
        if let o = w.origin {
            if let l = lastIntegrated, l.id.client == o.client, l.id.clock + l.length - 1 == o.clock, !l.isGC {
                left = l
            } else {
                left = store.getItemCleanEnd(txn, o)
            }
            origin = left?.lastID ?? o
        }
        /// The right neighbour is the left one's right: it follows the left one.
        var rightIsLeftsRight = false
        if let r = w.rightOrigin {
            // The item was inserted between its origins, so the right origin usually
            // starts the left neighbour's right: no search of the store then.
            if let lr = left?.right, lr.id == r {
                right = lr
                rightIsLeftsRight = true
            } else {
                right = store.getItemCleanStart(txn, r)
            }
        }
        // No editor writes an item whose right origin is not after its origin: both are the
        // neighbours of the place it inserts at. Yjs places such an item where no reload of
        // the document puts it back, so it is kept as collected, like an item without a
        // parent. Finding the right origin split the left neighbour (the origins cross inside
        // one run), or the right neighbour is not further down the left one's list. It cannot
        // be refused up front: a document's own state can hold such an item beside a run
        // merged after it was placed.
        let crossed =
            if let l = left {
                l.lastID != origin || (!rightIsLeftsRight && (right.map { !$0.follows(l) } ?? false))
            } else {
                false
            }
        var parent: Branch?
        var parentSub = w.parentSub
        if crossed || (left?.isGC ?? false) || (right?.isGC ?? false) {
            parent = nil
        } else if w.parent == nil {
            // Yjs reads the left neighbour's parent, then the right one's over it.
            if let r = right {
                parent = r.parent
                parentSub = r.parentSub
            } else if let l = left {
                parent = l.parent
                parentSub = l.parentSub
            }
        } else if case let .root(name)? = w.parent {
            parent = rootBranch(name)
        } else if case let .id(pid)? = w.parent {
            if let pi = store.find(pid), case let .type(b) = pi.content { parent = b } else { parent = nil }
        }
        // Resolved (and neighbours split) even when the store already holds the item, as
        // Yjs's `getMissing` does before it looks at the offset.
        guard offset < w.length else { return .alreadyKnown }
        var id = w.id
        var length = w.length
        // Swapped out: `w` is the caller's own (moved or copied out of the update, dropped
        // after this call), so its content moves into the item with no reference counting.
        var content = Content.deleted
        swap(&content, &w.content)
        if offset > 0 {
            id.clock += offset
            left = store.getItemCleanEnd(txn, ID(client: id.client, clock: id.clock - 1))
            origin = left?.lastID
            content = content.splice(offset, totalLength: length)
            length -= offset
        }
        guard let parent else {
            store.addStruct(Item(gc: id, length: length))
            return .integrated(nil)
        }
        let item = Item(
            id: id, length: length, origin: origin, left: left, rightOrigin: right?.id ?? w.rightOrigin,
            right: right, parent: parent, parentSub: parentSub, content: content)
        item.integrate(txn)
        return .integrated(item)
    }

    /// Yjs `readAndApplyDeleteSet`: deletes what is known, returns the rest.
    func applyDeleteSet(_ ds: DeleteSet, _ txn: Transaction) -> DeleteSet? {
        var unapplied = DeleteSet()
        for (client, dels) in ds.clients {
            let state = store.state(client)
            for d in dels {
                let clock = d.clock
                let clockEnd = d.clock + d.len
                if clock < state {
                    if state < clockEnd { unapplied.add(client: client, clock: state, len: clockEnd - state) }
                    guard let structs = store.list(client), var index = structs.findIndex(clock) else { continue }
                    // A loaded state's deleted structs arrive deleted: look in place first.
                    guard structs.contains(from: index, below: clockEnd, where: { !$0.deleted }) else { continue }
                    let first = structs[index]
                    if !first.deleted && first.id.clock < clock {
                        let r = store.splitItem(txn, first, clock - first.id.clock)
                        structs.insert(r, at: index + 1)
                        index += 1
                    }
                    while index < structs.count {
                        let s = structs[index]
                        index += 1
                        if s.id.clock < clockEnd {
                            if !s.deleted {
                                if clockEnd < s.id.clock + s.length {
                                    let r = store.splitItem(txn, s, clockEnd - s.id.clock)
                                    structs.insert(r, at: index)
                                }
                                s.delete(txn)
                            }
                        } else {
                            break
                        }
                    }
                } else {
                    unapplied.add(client: client, clock: clock, len: clockEnd - clock)
                }
            }
        }
        return unapplied.isEmpty ? nil : unapplied
    }
}
