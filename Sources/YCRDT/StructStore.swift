/// Per client, the structs sorted by clock with no gaps (Yjs `StructStore`), plus what
/// could not be integrated yet.
final class StructStore {
    @exclusivity(unchecked) var clients: [ClientID: [Item]] = [:]
    /// Structs waiting for missing dependencies (Yjs keeps them as a v2 update; the strings
    /// here have been through the same v2 round trip).
    var pendingStructs: (missing: [ClientID: Int], update: DecodedUpdate)?
    /// Delete ranges referring to clocks not yet known, as an encoded update.
    var pendingDs: [UInt8]?

    func state(_ client: ClientID) -> Int {
        guard let s = clients[client], let last = s.last else { return 0 }
        return last.id.clock + last.length
    }

    /// Next clock per client. Kept up to date by `addStruct`, the only way the end of a client's
    /// structs moves (splits, merges and GC replacements keep it), so that every transaction can
    /// take its before/after state without building a dictionary.
    @exclusivity(unchecked) private(set) var stateVector: [ClientID: Int] = [:]

    /// Index of the struct containing `clock` (Yjs `findIndexSS`), nil if none.
    static func findIndex(_ structs: [Item], _ clock: Int) -> Int? {
        guard var right = structs.indices.last else { return nil }
        var left = 0
        var mid = structs[right]
        var midClock = mid.id.clock
        if midClock == clock { return right }
        let denom = midClock + mid.length - 1
        var midIndex = denom > 0 ? Int((Double(clock) / Double(denom) * Double(right)).rounded(.down)) : 0
        midIndex = min(max(midIndex, 0), right)
        while left <= right {
            mid = structs[midIndex]
            midClock = mid.id.clock
            if midClock <= clock {
                if clock < midClock + mid.length { return midIndex }
                left = midIndex + 1
            } else {
                right = midIndex - 1
            }
            midIndex = (left + right) / 2
        }
        return nil
    }

    func addStruct(_ s: Item) {
        clients[s.id.client, default: []].append(s)
        stateVector[s.id.client] = s.id.clock + s.length
    }

    /// The struct containing `id` (Yjs `getItem`).
    func find(_ id: ID) -> Item? {
        guard let structs = clients[id.client], let i = StructStore.findIndex(structs, id.clock) else { return nil }
        return structs[i]
    }

    /// Index of the struct starting exactly at `clock`, splitting an item if needed.
    func findIndexCleanStart(_ txn: Transaction?, client: ClientID, clock: Int) -> Int? {
        // Look up without keeping a second reference to the array, so the insert below
        // mutates it in place instead of copying it.
        guard let index = clients[client].flatMap({ StructStore.findIndex($0, clock) }) else { return nil }
        let s = clients[client]![index]
        if s.id.clock < clock && !s.isGC {
            let right = splitItem(txn, s, clock - s.id.clock)
            clients[client]!.insert(right, at: index + 1)
            return index + 1
        }
        return index
    }

    /// The item starting at `id` (Yjs `getItemCleanStart`).
    func getItemCleanStart(_ txn: Transaction?, _ id: ID) -> Item? {
        guard let i = findIndexCleanStart(txn, client: id.client, clock: id.clock) else { return nil }
        return clients[id.client]![i]
    }

    /// The item ending at `id` (Yjs `getItemCleanEnd`).
    func getItemCleanEnd(_ txn: Transaction?, _ id: ID) -> Item? {
        guard let index = clients[id.client].flatMap({ StructStore.findIndex($0, id.clock) }) else { return nil }
        let s = clients[id.client]![index]
        if id.clock != s.id.clock + s.length - 1 && !s.isGC {
            let right = splitItem(txn, s, id.clock - s.id.clock + 1)
            clients[id.client]!.insert(right, at: index + 1)
        }
        return s
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
        guard let i = clients[item.id.client].flatMap({ StructStore.findIndex($0, item.id.clock) }) else { return }
        let gc = Item(gc: item.id, length: item.length)
        clients[item.id.client]![i] = gc  // no other copy of the array is alive: mutated in place
        currentTransaction?.mergeStructs.append(gc)
    }

    /// Set by the doc while a transaction is being cleaned up (replaceStruct needs it) and
    /// cleared when the cleanup ends (strong: a weak reference would give every transaction
    /// a side table).
    @exclusivity(unchecked) var currentTransaction: Transaction?

    /// Yjs `tryToMergeWithLefts`; returns how many structs were merged away.
    @discardableResult
    func tryToMergeWithLefts(client: ClientID, pos: Int) -> Int {
        // Edit the array in place through the dictionary's values (one hash lookup, no
        // remove-and-reinsert of the entry, no copy).
        guard let slot = clients.index(forKey: client) else { return 0 }
        return StructStore.mergeWithLefts(&clients.values[slot], pos: pos)
    }

    private static func mergeWithLefts(_ structs: inout [Item], pos: Int) -> Int {
        guard pos > 0, pos < structs.count else { return 0 }
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
            structs.removeLast()  // the usual case at transaction end, without the generic splice
        } else if merged > 0 {
            structs.removeSubrange((pos + 1 - merged)...pos)
        }
        return merged
    }
}
