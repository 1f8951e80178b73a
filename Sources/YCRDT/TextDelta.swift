/// One operation of a Quill-style delta, as `Y.Text.toDelta()` and text events produce.
/// Empty `attributes` means none.
public enum TextDelta: Hashable, Sendable {
    case insert(String, attributes: [String: AnyValue] = [:])
    /// An embed (or an embedded shared type, shown as `.null`).
    case embed(AnyValue, attributes: [String: AnyValue] = [:])
    case retain(Int, attributes: [String: AnyValue] = [:])
    case delete(Int)
}

/// What a transaction changed in a `YText`, delivered to `YText.observe` handlers.
/// Read `delta` inside the handler: it describes the transaction being finished.
public final class YTextEvent {
    public let origin: AnyHashable?
    /// True for edits made on this replica, false for applied remote updates.
    public let isLocal: Bool
    public let transaction: Transaction
    private let branch: Branch
    private var cachedDelta: [TextDelta]?

    init(branch: Branch, transaction: Transaction) {
        self.branch = branch
        self.transaction = transaction
        self.origin = transaction.origin
        self.isLocal = transaction.local
    }

    /// The change as a delta (retain / insert / delete), as Yjs `YTextEvent.delta`.
    public var delta: [TextDelta] {
        if let d = cachedDelta { return d }
        let d = computeDelta()
        cachedDelta = d
        return d
    }

    private func computeDelta() -> [TextDelta] {
        let txn = transaction
        var delta: [TextDelta] = []
        var currentAttributes = OrderedAttributes()
        var oldAttributes = OrderedAttributes()
        var attributes = OrderedAttributes()
        enum Action { case insert, retain, delete }
        var action: Action?
        var insert = ""
        var insertEmbed: AnyValue?
        var retain = 0
        var deleteLen = 0
        func addOp() {
            guard let a = action else { return }
            switch a {
            case .delete:
                if deleteLen > 0 { delta.append(.delete(deleteLen)) }
                deleteLen = 0
            case .insert:
                var attrs: [String: AnyValue] = [:]
                for (k, v) in currentAttributes.pairs where !v.isNull { attrs[k] = v }
                if let e = insertEmbed {
                    delta.append(.embed(e, attributes: attrs))
                } else if !insert.isEmpty {
                    delta.append(.insert(insert, attributes: attrs))
                }
                insert = ""
                insertEmbed = nil
            case .retain:
                if retain > 0 { delta.append(.retain(retain, attributes: attributes.dictionary)) }
                retain = 0
            }
            action = nil
        }
        var item = branch.start
        while let it = item {
            let adds = txn.adds(it)
            // Only an item this transaction deleted is in its delete set, and it is
            // marked deleted: the search is skipped for every other item.
            let deletes = it.deleted && txn.deleteSet.contains(it.id)
            // An item the transaction did not touch, which is nearly every item of a
            // large document, only extends a retain (visible content a text counts)
            // or does nothing (deleted earlier, or content a text ignores). Its content
            // is not bound, which would retain its string. Formats (neither countable
            // nor deleted) take the full path below: they change the attributes.
            if !adds && !deletes && (it.deleted || it.countable) {
                if !it.deleted {
                    let ref = it.content.ref
                    if ref == 4 || ref == 5 || ref == 7 {
                        if action != .retain {
                            addOp()
                            action = .retain
                        }
                        retain += it.length
                    }
                }
                item = it.right
                continue
            }
            switch it.content {
            case .type, .embed:
                if adds {
                    if !deletes {
                        addOp()
                        action = .insert
                        if case let .embed(j) = it.content {
                            insertEmbed = (try? JSONText.parse(j)) ?? .null
                        } else {
                            insertEmbed = .null
                        }
                        addOp()
                    }
                } else if deletes {
                    if action != .delete {
                        addOp()
                        action = .delete
                    }
                    deleteLen += 1
                } else if !it.deleted {
                    if action != .retain {
                        addOp()
                        action = .retain
                    }
                    retain += 1
                }
            case let .string(s):
                if adds {
                    if !deletes {
                        if action != .insert {
                            addOp()
                            action = .insert
                        }
                        insert += UTF.string(s)
                    }
                } else if deletes {
                    if action != .delete {
                        addOp()
                        action = .delete
                    }
                    deleteLen += it.length
                } else if !it.deleted {
                    if action != .retain {
                        addOp()
                        action = .retain
                    }
                    retain += it.length
                }
            case let .format(key, value, _):
                if adds {
                    if !deletes {
                        let cur = currentAttributes[key] ?? .null
                        if !cur.jsEquals(value) {
                            if action == .retain { addOp() }
                            if value.jsEquals(oldAttributes[key] ?? .null) {
                                attributes[key] = nil
                            } else {
                                attributes[key] = value
                            }
                        }
                    }
                } else if deletes {
                    oldAttributes[key] = value
                    let cur = currentAttributes[key] ?? .null
                    if !cur.jsEquals(value) {
                        if action == .retain { addOp() }
                        attributes[key] = cur
                    }
                } else if !it.deleted {
                    oldAttributes[key] = value
                    if let attr = attributes[key], !attr.jsEquals(value) {
                        if action == .retain { addOp() }
                        if value.isNull { attributes[key] = nil } else { attributes[key] = value }
                    }
                }
                if !it.deleted {
                    if action == .insert { addOp() }
                    if value.isNull { currentAttributes[key] = nil } else { currentAttributes[key] = value }
                }
            default: break
            }
            item = it.right
        }
        addOp()
        while let last = delta.last, case let .retain(_, attrs) = last, attrs.isEmpty { delta.removeLast() }
        return delta
    }
}
