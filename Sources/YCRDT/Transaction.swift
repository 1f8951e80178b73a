/// One transaction: every change made inside `Doc.transact`, or by one `applyUpdate`.
/// Observers and the `update` event fire once, when the outermost transaction ends.
public final class Transaction {
    unowned let doc: Doc
    /// The origin given to `transact` / `applyUpdate`.
    public let origin: AnyHashable?
    /// False for transactions that apply remote updates.
    public internal(set) var local: Bool
    let beforeState: [ClientID: Int]
    var afterState: [ClientID: Int] = [:]
    var deleteSet = DeleteSet()
    /// Changed types in the order they were first changed (Yjs iterates a Map). May hold
    /// types removed from `changed` since (removal stays O(1)); iterate `changedTypes`.
    var changedOrder: [Branch] = []
    var changed: [ObjectIdentifier: Set<String?>] = [:]
    var mergeStructs: [Item] = []
    var needFormattingCleanup = false

    init(doc: Doc, origin: AnyHashable?, local: Bool) {
        self.doc = doc
        self.origin = origin
        self.local = local
        self.beforeState = doc.store.stateVector
    }

    /// Yjs `addChangedTypeToTransaction`.
    func addChanged(_ type: Branch, _ parentSub: String?) {
        if let item = type.item {
            guard item.id.clock < (beforeState[item.id.client] ?? 0) && !item.deleted else { return }
        }
        let key = ObjectIdentifier(type)
        if changed[key] == nil {
            changed[key] = [parentSub]
            changedOrder.append(type)
        } else {
            changed[key]!.insert(parentSub)
        }
    }

    func removeChanged(_ type: Branch) {
        changed[ObjectIdentifier(type)] = nil
    }

    /// The changed types, each once, in first-change order.
    var changedTypes: [Branch] {
        // The common case (one type, never removed) needs no de-duplication set.
        if changedOrder.count == 1 { return changed.isEmpty ? [] : changedOrder }
        var seen = Set<ObjectIdentifier>()
        return changedOrder.filter { changed[ObjectIdentifier($0)] != nil && seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// A child of a deleted type that was already deleted earlier still wants merging.
    func keepDeletedChild(_ item: Item) {
        if item.id.clock < (beforeState[item.id.client] ?? 0) { mergeStructs.append(item) }
    }

    /// Whether `item` was inserted in this transaction (Yjs `YEvent.adds`).
    func adds(_ item: Item) -> Bool { item.id.clock >= (beforeState[item.id.client] ?? 0) }
}
