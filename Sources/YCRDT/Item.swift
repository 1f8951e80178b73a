/// One struct of the store: an Item (content in a type's list or map) or a GC struct
/// (`content == .gc`, never linked into a list). Yjs uses two classes; one class with a
/// content tag keeps the per-client lists homogeneous.
///
/// Laid out compactly, since a document holds one per run of text: origins without
/// Optional's tag byte, the content in one word, and the fields only map entries and undo
/// use (`parentSub`, `redone`) in a side object that most items do not have. An item takes
/// 128 bytes of heap (it took 224).
///
/// The hot properties here and in `Branch`, `StructStore`, `Transaction` and `Doc` are
/// `@exclusivity(unchecked)`: the runtime's dynamic exclusivity checks cost ~15% of a keystroke,
/// every access to them is short and non-overlapping, and the whole suite passed with the checks on.
final class Item {
    @exclusivity(unchecked) var id: ID
    @exclusivity(unchecked) var length: Int
    /// `origin` and `rightOrigin`, with `ID.none` for none.
    @exclusivity(unchecked) private var originRaw: ID
    @exclusivity(unchecked) private var rightOriginRaw: ID
    // The store owns every item; list links are unowned so that walking the list costs no
    // reference counting (items leave the store only when merged into their left
    // neighbour, after every link to them has been moved, or when a collected type's
    // children are replaced by GC structs, after the type's list has been cut).
    //
    // Held as `Unmanaged` so that code on the hot paths can compare and follow links with
    // no reference counting at all (`leftLink`, `rightLink`); `left` and `right` read them
    // as an `unowned(unsafe)` property would, and binding what they return to a local
    // retains it, as it did.
    @exclusivity(unchecked) var leftLink: Unmanaged<Item>?
    @exclusivity(unchecked) var rightLink: Unmanaged<Item>?

    @inline(__always)
    var left: Item? {
        get { leftLink?.takeUnretainedValue() }
        set { leftLink = newValue.map { Unmanaged.passUnretained($0) } }
    }

    @inline(__always)
    var right: Item? {
        get { rightLink?.takeUnretainedValue() }
        set { rightLink = newValue.map { Unmanaged.passUnretained($0) } }
    }
    /// nil only for GC structs.
    @exclusivity(unchecked) var parent: Branch?
    @exclusivity(unchecked) var content: Content {
        didSet { countable = content.isCountable }
    }
    @exclusivity(unchecked) private var extra: Extra?
    /// Cached `content.isCountable` (read on every step of every list walk).
    @exclusivity(unchecked) private(set) var countable: Bool
    @exclusivity(unchecked) var deleted: Bool
    @exclusivity(unchecked) var keep = false
    /// A search marker points at this item.
    @exclusivity(unchecked) var marker = false

    /// What few items have.
    private final class Extra {
        var parentSub: String?
        var redone: ID?
    }

    @inline(__always)
    var origin: ID? {
        get { originRaw.client == ID.none.client ? nil : originRaw }
        set { originRaw = newValue ?? .none }
    }

    @inline(__always)
    var rightOrigin: ID? {
        get { rightOriginRaw.client == ID.none.client ? nil : rightOriginRaw }
        set { rightOriginRaw = newValue ?? .none }
    }

    /// The map key this item is the value of (nil for list content).
    @inline(__always)
    var parentSub: String? {
        get { extra?.parentSub }
        set {
            if let e = extra {
                e.parentSub = newValue
            } else if newValue != nil {
                let e = Extra()
                e.parentSub = newValue
                extra = e
            }
        }
    }

    /// Whether another item redid this one (`redone != nil`), read without copying the side object out.
    @inline(__always)
    var hasRedone: Bool {
        guard let e = extra else { return false }
        return e.redone != nil
    }

    /// The item that redid this one (undo's redo).
    var redone: ID? {
        get { extra?.redone }
        set {
            if let e = extra {
                e.redone = newValue
            } else if newValue != nil {
                let e = Extra()
                e.redone = newValue
                extra = e
            }
        }
    }

    init(
        id: ID, length: Int, origin: ID?, left: Item?, rightOrigin: ID?, right: Item?, parent: Branch?,
        parentSub: String?, content: Content
    ) {
        self.id = id
        self.length = length
        self.originRaw = origin ?? .none
        self.leftLink = left.map { Unmanaged.passUnretained($0) }
        self.rightOriginRaw = rightOrigin ?? .none
        self.rightLink = right.map { Unmanaged.passUnretained($0) }
        self.parent = parent
        self.content = content
        self.countable = content.isCountable
        self.deleted = false
        if let parentSub {
            let e = Extra()
            e.parentSub = parentSub
            extra = e
        }
    }

    /// A GC struct.
    init(gc id: ID, length: Int) {
        self.id = id
        self.length = length
        self.originRaw = .none
        self.rightOriginRaw = .none
        self.content = .gc
        self.countable = false
        self.deleted = true
    }

    var isGC: Bool {
        if case .gc = content { return true }
        return false
    }
    var lastID: ID { ID(client: id.client, clock: id.clock + length - 1) }

    /// Marks as deleted, updates the parent's length and records the deletion; deleting a
    /// shared type deletes everything in it. Iterative, so that deeply nested types from a
    /// hostile update cannot overflow the stack.
    func delete(_ txn: Transaction) {
        var stack: [Item] = [self]
        while let it = stack.popLast() {
            guard !it.deleted, let parent = it.parent else { continue }
            if it.countable && it.parentSub == nil { parent.length -= it.length }
            it.deleted = true
            if it.marker { parent.markersNeedFullPass = true }
            txn.addDeleted(client: it.id.client, clock: it.id.clock, len: it.length)
            txn.addChanged(parent, it.parentSub)
            guard case let .type(branch) = it.content else { continue }
            var children: [Item] = []
            var c = branch.start
            while let x = c {
                if !x.deleted { children.append(x) } else { txn.keepDeletedChild(x) }
                c = x.right
            }
            for (_, v) in branch.map {
                if !v.deleted { children.append(v) } else { txn.keepDeletedChild(v) }
            }
            txn.removeChanged(branch)
            stack.append(contentsOf: children.reversed())
        }
    }

    /// Replaces deleted content with ContentDeleted, or (inside a collected type) with a GC
    /// struct; a collected type's children become GC structs too (iteratively).
    func gc(_ store: StructStore, parentGCd: Bool) {
        guard deleted else { return }
        switch content {
        case .type: break
        case .deleted where !parentGCd: return  // already collected: nothing to replace
        default:
            // No children: replaced here, without the walk's stack.
            if parentGCd { store.replaceWithGC(self) } else { content = .deleted }
            return
        }
        var stack: [(Item, Bool)] = [(self, parentGCd)]
        while let (it, replace) = stack.popLast() {
            guard it.deleted else { continue }
            if case let .type(branch) = it.content {
                var c = branch.start
                while let x = c {
                    stack.append((x, true))
                    c = x.right
                }
                for (_, v) in branch.map {
                    var m: Item? = v
                    while let x = m {
                        stack.append((x, true))
                        m = x.left
                    }
                }
                branch.start = nil
                branch.searchMarkers = branch.searchMarkers.map { _ in SearchMarkers() }
                branch.map = [:]
            }
            if replace {
                store.replaceWithGC(it)
            } else {
                it.content = .deleted
            }
        }
    }

    /// What `tryToMergeWithLefts` requires before `tryMerge` can join `right` to `left`
    /// (a necessary condition, cheap to test).
    @inline(__always)
    static func mayMerge(_ left: Item, _ right: Item) -> Bool {
        guard left.deleted == right.deleted else { return false }
        if left.isGC || right.isGC { return left.isGC && right.isGC }
        return left.right === right && right.originRaw == left.lastID
    }

    /// Yjs `Item.mergeWith`: appends `right` (its store neighbour) to self if allowed.
    func tryMerge(_ right: Item) -> Bool {
        if isGC {
            guard right.isGC else { return false }
            length += right.length
            return true
        }
        guard !right.isGC,
            right.origin == lastID,
            self.right === right,
            rightOrigin == right.rightOrigin,
            id.client == right.id.client,
            id.clock + length == right.id.clock,
            deleted == right.deleted,
            redone == nil, right.redone == nil,
            content.ref == right.content.ref
        else { return false }
        guard content.mergeWith(right.content) else { return false }
        if let parent = parent { SearchMarkers.retarget(parent, from: right, to: self) }
        if right.keep { keep = true }
        self.right = right.right
        self.right?.left = self
        length += right.length
        return true
    }

    /// Writes the struct from `offset` (Yjs `Item.write` / `GC.write`).
    func write(to e: inout Lib0Encoder, offset: Int) {
        if isGC {
            e.writeUInt8(0)
            e.writeVarUInt(length - offset)
            return
        }
        // Origins are read raw (no Optional), the side object only when there is one.
        let origin = offset > 0 ? ID(client: id.client, clock: id.clock + offset - 1) : originRaw
        let hasOrigin = origin.client != ID.none.client
        let hasRightOrigin = rightOriginRaw.client != ID.none.client
        let sub = extra?.parentSub
        var info = content.ref & 0x1F
        if hasOrigin { info |= 0x80 }
        if hasRightOrigin { info |= 0x40 }
        if sub != nil { info |= 0x20 }
        if hasOrigin || hasRightOrigin, !countable, case .deleted = content {
            e.writeItem(info: info, origin: origin, rightOrigin: rightOriginRaw, number: length - offset)
            return
        }
        if hasOrigin || hasRightOrigin, case let .string(units) = content {
            // Text: header, origins and string in one write, from the array in place.
            units.withUnsafeBufferPointer { buf in
                e.writeStringItem(
                    info: info, origin: origin, rightOrigin: rightOriginRaw,
                    units: UnsafeBufferPointer(rebasing: buf[offset...]))
            }
            return
        }
        e.writeUInt8(info)
        if hasOrigin { origin.write(to: &e) }
        if hasRightOrigin { rightOriginRaw.write(to: &e) }
        if !hasOrigin && !hasRightOrigin {
            if let p = parent {
                if let owner = p.item {
                    e.writeVarUInt(0)
                    owner.id.write(to: &e)
                } else {
                    e.writeVarUInt(1)
                    e.writeVarString(p.rootName ?? "")
                }
            }
            if let sub { e.writeVarString(sub) }
        }
        content.write(to: &e, offset: offset, length: length)
    }
}
