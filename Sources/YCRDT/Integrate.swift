extension Item {
    /// Yjs `Item.integrate` with offset 0: YATA conflict resolution, linking, store insertion.
    func integrate(_ txn: Transaction) {
        let store = txn.doc.store
        guard let parent = parent else {
            store.addStruct(Item(gc: id, length: length))
            return
        }
        if (left == nil && (right == nil || right?.left != nil)) || (left != nil && left?.right !== right) {
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
            var conflicting = Set<ObjectIdentifier>()
            var beforeOrigin = Set<ObjectIdentifier>()
            while let x = o, x !== right {
                beforeOrigin.insert(ObjectIdentifier(x))
                conflicting.insert(ObjectIdentifier(x))
                if origin == x.origin {
                    if x.id.client < id.client {
                        newLeft = x
                        conflicting.removeAll()
                    } else if rightOrigin == x.rightOrigin {
                        break
                    }
                } else if let xo = x.origin, let oi = store.find(xo), beforeOrigin.contains(ObjectIdentifier(oi)) {
                    if !conflicting.contains(ObjectIdentifier(oi)) {
                        newLeft = x
                        conflicting.removeAll()
                    }
                } else {
                    break
                }
                o = x.right
            }
            left = newLeft
        }
        if let l = left {
            right = l.right
            l.right = self
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
        if let r = right {
            r.left = self
        } else if let sub = parentSub {
            parent.map[sub] = self
            left?.delete(txn)
        }
        if parentSub == nil && countable && !deleted { parent.length += length }
        store.addStruct(self)
        switch content {
        case .deleted:
            txn.deleteSet.add(client: id.client, clock: id.clock, len: length)
            deleted = true
        case .format:
            parent.searchMarkers = nil
            parent.hasFormatting = true
            parent.mayHoldFormats = true
        case let .type(branch):
            branch.item = self
        default: break
        }
        txn.addChanged(parent, parentSub)
        if (parent.item?.deleted ?? false) || (parentSub != nil && right != nil) {
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

/// A struct read from an update that is being integrated (Yjs keeps Item objects with
/// unresolved parent fields; here the wire form stays until integration).
private struct RefList {
    var refs: [WireStruct]
    var i: Int
}

extension Doc {
    /// Yjs `readUpdateV2` body: integrate structs, keep what cannot be integrated pending,
    /// apply the delete set, retry pending updates whose dependencies arrived.
    func integrateUpdate(_ u: DecodedUpdate, _ txn: Transaction) {
        var refs: [ClientID: RefList] = [:]
        for block in u.blocks { refs[block.client] = RefList(refs: block.structs, i: 0) }
        let rest = integrateStructs(txn, &refs)
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

    private func integrateStructs(_ txn: Transaction, _ refs: inout [ClientID: RefList]) -> (
        missing: [ClientID: Int], update: DecodedUpdate
    )? {
        var ids = refs.keys.sorted()
        if ids.isEmpty { return nil }
        var stack: [WireStruct] = []
        var restStructs: [ClientID: [WireStruct]] = [:]
        var missingSV: [ClientID: Int] = [:]
        var state: [ClientID: Int] = [:]

        func nextTarget() -> ClientID? {
            while let last = ids.last {
                if let r = refs[last], r.i < r.refs.count { return last }
                ids.removeLast()
            }
            return nil
        }
        func take(_ client: ClientID) -> WireStruct {
            let s = refs[client]!.refs[refs[client]!.i]
            refs[client]!.i += 1
            return s
        }
        func updateMissing(_ client: ClientID, _ clock: Int) {
            if let m = missingSV[client], m <= clock { return }
            missingSV[client] = clock
        }
        func addStackToRest() {
            for s in stack {
                let client = s.id.client
                if var list = refs[client] {
                    list.i -= 1
                    restStructs[client] = Array(list.refs[max(0, list.i)...])
                    refs[client] = nil
                } else {
                    restStructs[client] = [s]
                }
                ids.removeAll { $0 == client }
            }
            stack.removeAll()
        }

        guard var current = nextTarget() else { return nil }
        var head = take(current)
        var curValid = true
        while true {
            if case .skip = head {
                // never integrated
            } else {
                let client = head.id.client
                let localClock: Int
                if let c = state[client] {
                    localClock = c
                } else {
                    localClock = store.state(client)
                    state[client] = localClock
                }
                let offset = localClock - head.id.clock
                if offset < 0 {
                    stack.append(head)
                    updateMissing(client, head.id.clock - 1)
                    addStackToRest()
                } else {
                    switch resolve(head, txn) {
                    case let .missing(missingClient):
                        stack.append(head)
                        if let list = refs[missingClient], list.i < list.refs.count {
                            head = take(missingClient)
                            continue
                        }
                        updateMissing(missingClient, store.state(missingClient))
                        addStackToRest()
                    case let .resolved(origin, left, right, parent, parentSub):
                        if offset == 0 || offset < head.length {
                            integrateResolved(
                                head, offset: offset, origin: origin, left: left, right: right, parent: parent,
                                parentSub: parentSub,
                                txn)
                            state[client] = head.id.clock + head.length
                        }
                    }
                }
            }
            if let s = stack.popLast() {
                head = s
            } else if curValid, let list = refs[current], list.i < list.refs.count {
                head = take(current)
            } else {
                guard let next = nextTarget() else { break }
                current = next
                curValid = true
                head = take(current)
            }
        }
        _ = curValid
        guard !restStructs.isEmpty else { return nil }
        var rest = DecodedUpdate(
            blocks: restStructs.keys.sorted(by: >).compactMap { c in
                restStructs[c].flatMap { $0.isEmpty ? nil : (c, $0) }
            }, ds: DeleteSet())
        UpdateCodec.v2StringRoundtrip(&rest)
        return (missingSV, rest)
    }

    private enum Resolution {
        case missing(ClientID)
        /// `origin` is the left neighbour's last id when it was found, before the right
        /// origin was looked up: finding the right origin may split that neighbour (an
        /// update whose origins cross), and Yjs keeps the origin it read first.
        case resolved(origin: ID?, left: Item?, right: Item?, parent: Branch?, parentSub: String?)
    }

    /// Yjs `getMissing`: a missing dependency, or the resolved neighbours and parent.
    private func resolve(_ s: WireStruct, _ txn: Transaction) -> Resolution {
        guard case let .item(w) = s else {
            return .resolved(origin: nil, left: nil, right: nil, parent: nil, parentSub: nil)
        }
        if let o = w.origin, o.client != w.id.client, o.clock >= store.state(o.client) { return .missing(o.client) }
        if let r = w.rightOrigin, r.client != w.id.client, r.clock >= store.state(r.client) {
            return .missing(r.client)
        }
        if case let .id(pid)? = w.parent, pid.client != w.id.client, pid.clock >= store.state(pid.client) {
            return .missing(pid.client)
        }
        var left: Item?
        var right: Item?
        var origin = w.origin
        if let o = w.origin {
            left = store.getItemCleanEnd(txn, o)
            origin = left?.lastID ?? o
        }
        if let r = w.rightOrigin { right = store.getItemCleanStart(txn, r) }
        // No editor writes an item whose right origin is not after its origin: both are the
        // neighbours of the place it inserts at. Yjs places such an item where no reload of
        // the document puts it back, so it is kept as collected, like an item without a
        // parent. Finding the right origin split the left neighbour (the origins cross inside
        // one run), or the right neighbour is not further down the left one's list. It cannot
        // be refused up front: a document's own state can hold such an item beside a run
        // merged after it was placed.
        let crossed =
            if let l = left {
                l.lastID != origin || (right.map { !$0.follows(l) } ?? false)
            } else {
                false
            }
        var parent: Branch?
        var parentSub = w.parentSub
        if crossed || (left?.isGC ?? false) || (right?.isGC ?? false) {
            parent = nil
        } else if w.parent == nil {
            if let l = left {
                parent = l.parent
                parentSub = l.parentSub
            }
            if let r = right {
                parent = r.parent
                parentSub = r.parentSub
            }
        } else if case let .root(name)? = w.parent {
            parent = rootBranch(name)
        } else if case let .id(pid)? = w.parent {
            if let pi = store.find(pid), case let .type(b) = pi.content { parent = b } else { parent = nil }
        }
        return .resolved(origin: origin, left: left, right: right, parent: parent, parentSub: parentSub)
    }

    private func integrateResolved(
        _ s: WireStruct, offset: Int, origin: ID?, left: Item?, right: Item?, parent: Branch?, parentSub: String?,
        _ txn: Transaction
    ) {
        switch s {
        case .skip: return
        case let .gc(id, len):
            store.addStruct(Item(gc: ID(client: id.client, clock: id.clock + offset), length: len - offset))
        case var .item(w):
            var left = left
            var origin = origin
            if offset > 0 {
                w.id.clock += offset
                left = store.getItemCleanEnd(txn, ID(client: w.id.client, clock: w.id.clock - 1))
                origin = left?.lastID
                w.content = w.content.splice(offset, totalLength: w.length)
                w.length -= offset
            }
            guard let parent = parent else {
                store.addStruct(Item(gc: w.id, length: w.length))
                return
            }
            let item = Item(
                id: w.id, length: w.length, origin: origin, left: left, rightOrigin: right?.id ?? w.rightOrigin,
                right: right, parent: parent, parentSub: parentSub, content: w.content)
            item.integrate(txn)
        }
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
