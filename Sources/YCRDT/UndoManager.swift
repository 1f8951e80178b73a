import Foundation

/// Undo/redo of local edits to one text (Yjs `Y.UndoManager`).
///
/// Only transactions whose origin is in `trackedOrigins` (default: `nil`, plus the manager
/// itself) are recorded, so remote edits (applied with another origin) are never reverted.
/// Edits closer together than `captureTimeout` are undone as one step.
public final class UndoManager: Hashable {
    private struct StackItem {
        var insertions: DeleteSet
        var deletions: DeleteSet
    }

    private let branch: Branch
    private weak var doc: Doc?
    public var trackedOrigins: Set<AnyHashable?>
    public let captureTimeout: TimeInterval
    private var undoStack: [StackItem] = []
    private var redoStack: [StackItem] = []
    private var undoing = false
    private var redoing = false
    private var lastChange: TimeInterval = 0
    private var observer: ObserverID?

    public init(_ text: YText, trackedOrigins: Set<AnyHashable?> = [nil], captureTimeout: TimeInterval = 0.5) {
        self.branch = text.branch
        self.doc = text.doc
        self.trackedOrigins = trackedOrigins
        self.captureTimeout = captureTimeout
        self.trackedOrigins.insert(AnyHashable(ObjectIdentifier(self)))
        observer = text.doc?.onAfterTransaction { [weak self] txn in self?.afterTransaction(txn) }
    }

    deinit {
        if let o = observer { doc?.removeObserver(o) }
    }

    public static func == (a: UndoManager, b: UndoManager) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }

    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    /// The next edit starts a new undo step even if it comes within `captureTimeout`.
    public func stopCapturing() { lastChange = 0 }

    /// Forgets both stacks.
    public func clear() {
        undoStack.removeAll()
        redoStack.removeAll()
    }

    private var selfOrigin: AnyHashable { AnyHashable(ObjectIdentifier(self)) }

    private func now() -> TimeInterval { ProcessInfo.processInfo.systemUptime }

    private func isTracked(_ origin: AnyHashable?) -> Bool {
        trackedOrigins.contains(origin)
    }

    private func inScope(_ item: Item) -> Bool {
        var p: Branch? = item.parent
        while let b = p {
            if b === branch { return true }
            p = b.item?.parent
        }
        return false
    }

    private func afterTransaction(_ txn: Transaction) {
        guard
            txn.changed[ObjectIdentifier(branch)] != nil
                || txn.changedTypes.contains(where: { b in
                    var p: Branch? = b
                    while let x = p {
                        if x === branch { return true }
                        p = x.item?.parent
                    }
                    return false
                })
        else { return }
        guard isTracked(txn.origin) else { return }
        let undoingNow = undoing
        let redoingNow = redoing
        if undoingNow { stopCapturing() } else if !redoingNow { redoStack.removeAll() }
        var insertions = DeleteSet()
        for change in txn.changedClients where change.after > change.before {
            insertions.add(client: change.client, clock: change.before, len: change.after - change.before)
        }
        let t = now()
        if lastChange > 0, t - lastChange < captureTimeout, !undoingNow, !redoingNow, !undoStack.isEmpty {
            let last = undoStack.count - 1
            undoStack[last].deletions = DeleteSet.merge([undoStack[last].deletions, txn.deleteSet])
            undoStack[last].insertions = DeleteSet.merge([undoStack[last].insertions, insertions])
        } else {
            let item = StackItem(insertions: insertions, deletions: txn.deleteSet)
            if undoingNow { redoStack.append(item) } else { undoStack.append(item) }
        }
        if !undoingNow && !redoingNow { lastChange = t }
        // Keep what this step deleted from being collected, so undo can bring it back.
        iterateDeleted(txn, txn.deleteSet) { item in
            if inScope(item) { keep(item) }
        }
    }

    private func keep(_ item: Item) {
        var it: Item? = item
        while let x = it, !x.keep {
            x.keep = true
            it = x.parent?.item
        }
    }

    private func iterateDeleted(_ txn: Transaction, _ ds: DeleteSet, _ f: (Item) -> Void) {
        guard let store = doc?.store else { return }
        for (client, dels) in ds.clients {
            for d in dels {
                guard let structs = store.list(client),
                    var i = store.findIndexCleanStart(txn, client: client, clock: d.clock)
                else { continue }
                let end = d.clock + d.len
                while i < structs.count {
                    let s = structs[i]
                    guard s.id.clock < end else { break }
                    if end < s.id.clock + s.length { _ = store.findIndexCleanStart(txn, client: client, clock: end) }
                    if !s.isGC { f(s) }
                    i += 1
                }
            }
        }
    }

    /// Reverts the last step; false when there is nothing to undo.
    @discardableResult
    public func undo() -> Bool {
        undoing = true
        defer { undoing = false }
        return pop(fromUndo: true)
    }

    /// Re-applies the last undone step; false when there is nothing to redo.
    @discardableResult
    public func redo() -> Bool {
        redoing = true
        defer { redoing = false }
        return pop(fromUndo: false)
    }

    private func pop(fromUndo: Bool) -> Bool {
        guard let doc = doc else { return false }
        var performed = false
        doc.transact(origin: selfOrigin) { txn in
            while !performed {
                let popped: StackItem? = fromUndo ? undoStack.popLast() : redoStack.popLast()
                guard let stackItem = popped else { break }
                var toDelete: [Item] = []
                var toRedo: [Item] = []
                iterateDeleted(txn, stackItem.insertions) { s in
                    var s = s
                    if s.redone != nil, let (item, diff) = RelativePosition.followRedone(doc.store, s.id) {
                        s = item
                        if diff > 0,
                            let c = doc.store.getItemCleanStart(
                                txn, ID(client: item.id.client, clock: item.id.clock + diff))
                        {
                            s = c
                        }
                    }
                    if !s.deleted && inScope(s) { toDelete.append(s) }
                }
                iterateDeleted(txn, stackItem.deletions) { s in
                    if inScope(s) && !stackItem.insertions.contains(s.id) && !toRedo.contains(where: { $0 === s }) {
                        toRedo.append(s)
                    }
                }
                for s in toRedo where redoItem(txn, s) != nil { performed = true }
                for s in toDelete.reversed() {
                    s.delete(txn)
                    performed = true
                }
            }
            for b in txn.changedTypes where txn.changed[ObjectIdentifier(b)]?.contains(nil) ?? false {
                b.searchMarkers?.removeAll()
            }
        }
        return performed
    }

    /// Yjs `redoItem` for list items: re-inserts a copy of a deleted item at its old place.
    private func redoItem(_ txn: Transaction, _ item: Item) -> Item? {
        let store = txn.doc.store
        if let r = item.redone { return store.getItemCleanStart(txn, r) }
        guard let parent = item.parent, item.parentSub == nil, parent.item == nil || !(parent.item!.deleted) else {
            return nil
        }
        let content: Content
        switch item.content {
        case .deleted, .gc: return nil
        default: content = item.content
        }
        let left = item.left
        let right: Item? = item
        let id = ID(client: txn.doc.clientID, clock: store.state(txn.doc.clientID))
        let redone = Item(
            id: id, length: item.length, origin: left?.lastID, left: left, rightOrigin: right?.id, right: right,
            parent: parent, parentSub: nil, content: content)
        item.redone = id
        keep(redone)
        redone.integrate(txn)
        return redone
    }
}
