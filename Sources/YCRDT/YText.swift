/// A collaborative text (Yjs `Y.Text`). Indices and lengths are UTF-16 code units.
///
/// Edits made outside `Doc.transact` run in a transaction of their own.
public final class YText {
    let branch: Branch
    /// The document, nil once it is gone (its deinit clears this). Not `weak`: a weak
    /// reference gives the doc a side table, which puts every retain and release of it on
    /// the runtime's slow path (a tenth of a keystroke's time).
    @exclusivity(unchecked) unowned(unsafe) var doc: Doc?
    @exclusivity(unchecked) private var observers: [(ObserverID, (YTextEvent) -> Void)] = []

    init(branch: Branch, doc: Doc) {
        self.branch = branch
        self.doc = doc
    }

    /// Number of UTF-16 code units of visible content (embeds count 1).
    public var length: Int { branch.length }

    /// Out-of-range indices are clamped (Yjs appends past the end, too).
    private func clamp(_ index: Int) -> Int { min(max(0, index), branch.length) }

    /// Inserts `text` at `index` (clamped to the length). Without `attributes` the text takes
    /// the formatting in effect on its left, as in Yjs.
    public func insert(_ text: String, at index: Int, attributes: [String: AnyValue]? = nil) {
        if let attributes {
            insert(
                Array(text.utf16), at: index,
                attributes: OrderedAttributes(jsKeyOrder(attributes.keys).map { ($0, attributes[$0]!) }))
            return
        }
        // Typing: the units go straight from the string into the item they extend (no array
        // of their own, allocated and freed per keystroke).
        guard !text.isEmpty, let doc = doc else { return }
        let index = clamp(index)
        doc.transact { txn in
            var pos = findPosition(txn, index: index, useSearchMarker: true)
            if pos.currentAttributes.isEmpty {
                insertUnformatted(txn, &pos, StringUnits(string: text))
                return
            }
            let units = Array(text.utf16)
            insertContent(txn, &pos, .string(units), length: units.count, attributes: pos.currentAttributes)
        }
    }

    /// Inserts UTF-16 units (may split surrogate pairs the way JavaScript strings can).
    func insert(_ units: [UInt16], at index: Int, attributes: OrderedAttributes?) {
        guard !units.isEmpty, let doc = doc else { return }
        let index = clamp(index)
        doc.transact { txn in
            var pos = findPosition(txn, index: index, useSearchMarker: attributes == nil)
            if attributes == nil && pos.currentAttributes.isEmpty {
                insertUnformatted(txn, &pos, units)
                return
            }
            let attrs = attributes ?? pos.currentAttributes
            insertContent(txn, &pos, .string(units), length: units.count, attributes: attrs)
        }
    }

    /// Inserts an embed (a JSON-like value of length 1).
    public func insertEmbed(_ embed: AnyValue, at index: Int, attributes: [String: AnyValue]? = nil) {
        insertEmbed(
            embed, at: index,
            attributes: attributes.map { a in OrderedAttributes(jsKeyOrder(a.keys).map { ($0, a[$0]!) }) })
    }

    func insertEmbed(_ embed: AnyValue, at index: Int, attributes: OrderedAttributes?) {
        guard let doc = doc, let json = JSONText.stringify(embed) else { return }
        let index = clamp(index)
        doc.transact { txn in
            var pos = findPosition(txn, index: index, useSearchMarker: attributes == nil)
            let attrs = attributes ?? pos.currentAttributes
            insertContent(txn, &pos, .embed(json), length: 1, attributes: attrs)
        }
    }

    /// Deletes `length` units from `index`; ranges past the end are cut.
    public func delete(at index: Int, length: Int) {
        guard length > 0, let doc = doc, index >= 0 else { return }
        doc.transact { txn in
            var pos = findPosition(txn, index: index, useSearchMarker: true)
            deleteText(txn, &pos, length)
        }
    }

    /// Sets (or with `.null` removes) attributes on a range.
    public func format(at index: Int, length: Int, attributes: [String: AnyValue]) {
        format(
            at: index, length: length,
            attributes: OrderedAttributes(jsKeyOrder(attributes.keys).map { ($0, attributes[$0]!) }))
    }

    func format(at index: Int, length: Int, attributes: OrderedAttributes) {
        guard length > 0, let doc = doc, index >= 0 else { return }
        doc.transact { txn in
            var pos = findPosition(txn, index: index, useSearchMarker: false)
            guard pos.right != nil else { return }
            formatText(txn, &pos, length, attributes)
        }
    }

    /// Applies a Quill-style delta at a moving cursor in one transaction (Yjs `applyDelta`):
    /// `insert` inserts with exactly the op's attributes, `retain` formats (or just moves when
    /// it has no attributes), `delete` deletes.
    public func applyDelta(_ delta: [TextDelta]) {
        guard let doc = doc else { return }
        doc.transact { txn in
            var pos = Position(left: nil, right: branch.start, index: 0, currentAttributes: OrderedAttributes())
            for op in delta {
                switch op {
                case let .insert(s, attrs):
                    let units = Array(s.utf16)
                    if !units.isEmpty {
                        insertContent(txn, &pos, .string(units), length: units.count, attributes: ordered(attrs))
                    }
                case let .embed(e, attrs):
                    if let json = JSONText.stringify(e) {
                        insertContent(txn, &pos, .embed(json), length: 1, attributes: ordered(attrs))
                    }
                case let .retain(n, attrs):
                    formatText(txn, &pos, n, ordered(attrs))
                case let .delete(n):
                    deleteText(txn, &pos, n)
                }
            }
        }
    }

    private func ordered(_ a: [String: AnyValue]) -> OrderedAttributes {
        OrderedAttributes(jsKeyOrder(a.keys).map { ($0, a[$0]!) })
    }

    /// The visible text.
    public func toString() -> String {
        var units: [UInt16] = []
        units.reserveCapacity(branch.length)
        var n = branch.start
        while let it = n {
            if !it.deleted, case let .string(s) = it.content { units.append(contentsOf: s) }
            n = it.right
        }
        return UTF.string(units)
    }

    /// The visible text as UTF-16 code units (keeps anything a String cannot hold).
    public func toUTF16() -> [UInt16] {
        var units: [UInt16] = []
        var n = branch.start
        while let it = n {
            if !it.deleted, case let .string(s) = it.content { units.append(contentsOf: s) }
            n = it.right
        }
        return units
    }

    /// The text with its formatting, as Yjs `toDelta()`.
    public func toDelta() -> [TextDelta] {
        var ops: [TextDelta] = []
        var current = OrderedAttributes()
        var str: [UInt16] = []
        func pack() {
            if !str.isEmpty {
                ops.append(.insert(UTF.string(str), attributes: current.dictionary))
                str = []
            }
        }
        var n = branch.start
        while let it = n {
            if !it.deleted {
                switch it.content {
                case let .string(s): str.append(contentsOf: s)
                case let .embed(j):
                    pack()
                    ops.append(.embed((try? JSONText.parse(j)) ?? .null, attributes: current.dictionary))
                case .type:
                    pack()
                    ops.append(.embed(.null, attributes: current.dictionary))
                case let .format(key, value, _):
                    pack()
                    current[key] = value.isNull ? nil : value
                default: break
                }
            }
            n = it.right
        }
        pack()
        return ops
    }

    /// Calls `handler` once per transaction that changed this text.
    @discardableResult
    public func observe(_ handler: @escaping (YTextEvent) -> Void) -> ObserverID {
        let id = doc?.makeObserverID() ?? ObserverID(raw: -1)
        observers.append((id, handler))
        return id
    }

    public func unobserve(_ id: ObserverID) {
        observers.removeAll { $0.0 == id }
    }

    func callObservers(_ txn: Transaction) {
        guard !observers.isEmpty else { return }
        let event = YTextEvent(branch: branch, transaction: txn)
        for (_, h) in observers { h(event) }
    }

    // MARK: - Yjs text algorithms (ItemTextListPosition and friends)

    struct Position {
        // Unowned: a position lives inside one text operation, and the store, which owns
        // every item, frees items only when merging or collecting at the end of the
        // transaction. Walking then costs no reference counting per step.
        unowned(unsafe) var left: Item?
        unowned(unsafe) var right: Item?
        var index: Int
        var currentAttributes: OrderedAttributes

        mutating func forward() {
            guard let r = right else { return }
            if case let .format(key, value, _) = r.content {
                if !r.deleted { currentAttributes[key] = value.isNull ? nil : value }
            } else if !r.deleted {
                index += r.length
            }
            left = r
            right = r.right
        }
    }

    private func findNextPosition(_ txn: Transaction, _ pos: inout Position, _ count: Int) {
        var count = count
        let store = txn.doc.store
        // Each step reads the item through an unmanaged reference (a strong binding retained
        // and released every item passed); a split leaves the item in the store.
        while count > 0, let next = pos.right.map(Unmanaged.passUnretained) {
            next._withUnsafeGuaranteedRef { r in
                if !r.countable, case let .format(key, value, _) = r.content {
                    if !r.deleted { pos.currentAttributes[key] = value.isNull ? nil : value }
                } else if !r.deleted {
                    if count < r.length {
                        _ = store.getItemCleanStart(txn, ID(client: r.id.client, clock: r.id.clock + count))
                    }
                    pos.index += r.length
                    count -= r.length
                }
                pos.left = r
                pos.right = r.right
            }
        }
    }

    func findPosition(_ txn: Transaction, index: Int, useSearchMarker: Bool) -> Position {
        if useSearchMarker, let m = SearchMarkers.find(branch, index: index) {
            var pos = Position(left: m.p.left, right: m.p, index: m.index, currentAttributes: OrderedAttributes())
            findNextPosition(txn, &pos, index - m.index)
            return pos
        }
        var pos = Position(left: nil, right: branch.start, index: 0, currentAttributes: OrderedAttributes())
        findNextPosition(txn, &pos, index)
        return pos
    }

    private func minimizeAttributeChanges(_ pos: inout Position, _ attributes: OrderedAttributes) {
        while let r = pos.right {
            if r.deleted {
                pos.forward()
                continue
            }
            if case let .format(key, value, _) = r.content, (attributes[key] ?? .null).jsEquals(value) {
                pos.forward()
                continue
            }
            break
        }
    }

    private func newItem(_ txn: Transaction, _ pos: Position, _ content: Content, length: Int) -> Item {
        let doc = txn.doc
        return Item(
            id: ID(client: doc.clientID, clock: doc.store.state(doc.clientID)), length: length,
            origin: pos.left?.lastID, left: pos.left, rightOrigin: pos.right?.id, right: pos.right,
            parent: branch, parentSub: nil, content: content)
    }

    private func formatContent(_ key: String, _ value: AnyValue) -> Content {
        .format(key: key, value: value, json: JSONText.stringify(value) ?? "null")
    }

    private func insertAttributes(_ txn: Transaction, _ pos: inout Position, _ attributes: OrderedAttributes)
        -> OrderedAttributes
    {
        var negated = OrderedAttributes()
        for (key, val) in attributes.pairs {
            let current = pos.currentAttributes[key] ?? .null
            if !current.jsEquals(val) {
                negated[key] = current
                let item = newItem(txn, pos, formatContent(key, val), length: 1)
                pos.right = item
                item.integrate(txn)
                pos.forward()
            }
        }
        return negated
    }

    private func insertNegatedAttributes(_ txn: Transaction, _ pos: inout Position, _ negated: OrderedAttributes) {
        var negated = negated
        while let r = pos.right {
            if r.deleted {
                pos.forward()
                continue
            }
            if case let .format(key, value, _) = r.content, let n = negated[key], n.jsEquals(value) {
                negated[key] = nil
                pos.forward()
                continue
            }
            break
        }
        for (key, val) in negated.pairs {
            let item = newItem(txn, pos, formatContent(key, val), length: 1)
            item.integrate(txn)
            pos.right = item
            pos.forward()
        }
    }

    private func insertContent(
        _ txn: Transaction, _ pos: inout Position, _ content: Content, length: Int, attributes: OrderedAttributes
    ) {
        var attributes = attributes
        for key in pos.currentAttributes.keys where attributes[key] == nil { attributes[key] = .null }
        minimizeAttributeChanges(&pos, attributes)
        let negated = insertAttributes(txn, &pos, attributes)
        SearchMarkers.updateChanges(branch, index: pos.index, len: length)
        if case let .string(units) = content, extendLeft(txn, pos, units, count: units.count) {
            pos.index += length
        } else {
            let item = newItem(txn, pos, content, length: length)
            item.integrate(txn)
            pos.right = item
            pos.forward()
        }
        insertNegatedAttributes(txn, &pos, negated)
    }

    /// `insertContent` for plain text where no formatting is in effect: no format item to
    /// insert before or after it, so none of the attribute bookkeeping (the walk past deleted
    /// items and formats that set nothing is all that is left of it).
    private func insertUnformatted<Units: UTF16Source>(_ txn: Transaction, _ pos: inout Position, _ units: Units) {
        minimizeAttributeChanges(&pos, OrderedAttributes())
        let count = units.unitCount
        SearchMarkers.updateChanges(branch, index: pos.index, len: count)
        if extendLeft(txn, pos, units, count: count) { return }
        newItem(txn, pos, .string(units.units), length: count).integrate(txn)
    }

    /// Typing: appends `units` to the item on the left when that is this client's last
    /// struct and the new item would be merged into it at the end of the transaction anyway
    /// (every condition of `Item.tryMerge` holds, and nothing runs between now and the
    /// merge that could tell the two apart: no text observer, no after-transaction observer
    /// such as an undo manager). Saves creating, linking, merging and freeing an item per
    /// keystroke; the store, the emitted update and every later step see what they would
    /// have seen after the merge. `Doc.cleanup` knows that a struct may now start before its
    /// client's before-state.
    private func extendLeft<Units: UTF16Source>(
        _ txn: Transaction, _ pos: Position, _ units: Units, count: Int
    ) -> Bool {
        // Read through unmanaged references: strong bindings of the doc, the item and its
        // parent cost a retain and release each, per keystroke.
        guard let left = pos.left.map(Unmanaged.passUnretained), observers.isEmpty else { return false }
        let doc = Unmanaged.passUnretained(txn.doc)
        let right = pos.right.map { Unmanaged.passUnretained($0).toOpaque() }
        let client = doc._withUnsafeGuaranteedRef { $0.hasAfterTransactionObservers ? nil : $0.clientID }
        guard let client else { return false }
        let extended = left._withUnsafeGuaranteedRef { l -> Bool in
            guard l.id.client == client, !l.deleted, l.content.ref == 4,
                l.right.map({ Unmanaged.passUnretained($0).toOpaque() }) == right,
                l.parent.map({ ObjectIdentifier($0) }) == ObjectIdentifier(branch), !l.hasRedone
            else { return false }
            let state = l.id.clock + l.length
            guard l.rightOrigin == pos.right?.id,
                doc._withUnsafeGuaranteedRef({ $0.store.state(client) }) == state
            else { return false }
            doc._withUnsafeGuaranteedRef { $0.noteState(client: client, before: state) }
            guard case .string(var a) = l.content else { return false }
            l.content = .deleted  // so that `a` is the array's only owner and grows in place
            units.appendUnits(to: &a)
            l.content = .string(a)
            l.length += count
            return true
        }
        guard extended else { return false }
        branch.length += count
        txn.addChanged(branch, nil)
        return true
    }

    private func formatText(_ txn: Transaction, _ pos: inout Position, _ length: Int, _ attributes: OrderedAttributes) {
        var length = length
        let store = txn.doc.store
        minimizeAttributeChanges(&pos, attributes)
        var negated = insertAttributes(txn, &pos, attributes)
        loop: while let r = pos.right, length > 0 || (!negated.isEmpty && (r.deleted || r.content.isFormat)) {
            if !r.deleted {
                if case let .format(key, value, _) = r.content {
                    if let attr = attributes[key] {
                        if attr.jsEquals(value) {
                            negated[key] = nil
                        } else {
                            if length == 0 { break loop }
                            negated[key] = value
                        }
                        r.delete(txn)
                    } else {
                        pos.currentAttributes[key] = value
                    }
                } else {
                    if length < r.length {
                        _ = store.getItemCleanStart(txn, ID(client: r.id.client, clock: r.id.clock + length))
                    }
                    length -= r.length
                }
            }
            pos.forward()
        }
        if length > 0 {
            let newlines = [UInt16](repeating: 10, count: length)
            let item = newItem(txn, pos, .string(newlines), length: length)
            pos.right = item
            item.integrate(txn)
            pos.forward()
        }
        insertNegatedAttributes(txn, &pos, negated)
    }

    private func deleteText(_ txn: Transaction, _ pos: inout Position, _ length: Int) {
        var length = length
        let startLength = length
        let startAttrs = pos.currentAttributes
        let start = pos.right
        let store = txn.doc.store
        while length > 0, let r = pos.right {
            if !r.deleted {
                switch r.content {
                case .type, .embed, .string:
                    if length < r.length {
                        _ = store.getItemCleanStart(txn, ID(client: r.id.client, clock: r.id.clock + length))
                    }
                    length -= r.length
                    r.delete(txn)
                default: break
                }
            }
            pos.forward()
        }
        if let s = start, branch.mayHoldFormats {
            YText.cleanupFormattingGap(
                txn, start: s, curr: pos.right, startAttributes: startAttrs, currAttributes: &pos.currentAttributes)
        }
        SearchMarkers.updateChanges(branch, index: pos.index, len: -startLength + length)
    }

    // MARK: - Formatting cleanup

    @discardableResult
    static func cleanupFormattingGap(
        _ txn: Transaction, start: Item, curr: Item?, startAttributes: OrderedAttributes,
        currAttributes: inout OrderedAttributes
    ) -> Int {
        var end: Item? = start
        var endFormats: [String: Item] = [:]
        while let e = end, !e.countable || e.deleted {
            if !e.deleted, case let .format(key, _, _) = e.content { endFormats[key] = e }
            end = e.right
        }
        var cleanups = 0
        var reachedCurr = false
        var s: Item? = start
        while let st = s, st !== end {
            if curr === st { reachedCurr = true }
            if !st.deleted, case let .format(key, value, _) = st.content {
                let startAttrValue = startAttributes[key] ?? .null
                if endFormats[key] !== st || startAttrValue == value {
                    st.delete(txn)
                    cleanups += 1
                    if !reachedCurr && (currAttributes[key] ?? .null) == value && startAttrValue != value {
                        currAttributes[key] = startAttrValue.isNull ? nil : startAttrValue
                    }
                }
                if !reachedCurr && !st.deleted { currAttributes[key] = value.isNull ? nil : value }
            }
            s = st.right
        }
        return cleanups
    }

    private static func cleanupContextlessFormattingGap(_ txn: Transaction, _ item: Item) {
        var item: Item? = item
        while let it = item, let r = it.right, r.deleted || !r.countable { item = r }
        var attrs = Set<String>()
        while let it = item, it.deleted || !it.countable {
            if !it.deleted, case let .format(key, _, _) = it.content {
                if attrs.contains(key) { it.delete(txn) } else { attrs.insert(key) }
            }
            item = it.left
        }
    }

    private static func cleanupFormattingGaps(_ txn: Transaction, _ branch: Branch) {
        var start = branch.start
        var end = branch.start
        var startAttributes = OrderedAttributes()
        var currentAttributes = startAttributes
        while let e = end {
            if !e.deleted {
                if case let .format(key, value, _) = e.content {
                    currentAttributes[key] = value.isNull ? nil : value
                } else if let s = start {
                    cleanupFormattingGap(
                        txn, start: s, curr: e, startAttributes: startAttributes, currAttributes: &currentAttributes)
                    startAttributes = currentAttributes
                    start = e
                }
            }
            end = e.right
        }
    }

    /// Yjs `cleanupYTextAfterTransaction`: after a remote transaction touched formatted text,
    /// remove redundant format items in a local transaction of our own.
    static func cleanupAfterRemoteTransaction(_ txn: Transaction) {
        let doc = txn.doc
        var needFull: [Branch] = []
        func addFull(_ b: Branch) { if !needFull.contains(where: { $0 === b }) { needFull.append(b) } }
        for change in txn.changedClients.entries {
            guard change.after != change.before, let structs = doc.store.list(change.client),
                var i = structs.findIndex(change.before)
            else { continue }
            while i < structs.count {
                let s = structs[i]
                if !s.deleted, case .format = s.content, let p = s.parent { addFull(p) }
                i += 1
            }
        }
        doc.transact { t in
            for (client, dels) in txn.deleteSet.clients {
                for d in dels {
                    guard let structs = doc.store.list(client), var i = structs.findIndex(d.clock) else { continue }
                    while i < structs.count {
                        let item = structs[i]
                        guard item.id.clock < d.clock + d.len else { break }
                        i += 1
                        guard !item.isGC, let parent = item.parent, parent.hasFormatting,
                            !needFull.contains(where: { $0 === parent })
                        else { continue }
                        if case .format = item.content {
                            addFull(parent)
                        } else {
                            cleanupContextlessFormattingGap(t, item)
                        }
                    }
                }
            }
            for b in needFull { cleanupFormattingGaps(t, b) }
        }
    }
}

/// UTF-16 units that an insert appends to an item's array: an array's, or a string's
/// read in place (typing then allocates no array of its own per keystroke).
protocol UTF16Source {
    var unitCount: Int { get }
    var units: [UInt16] { get }
    func appendUnits(to array: inout [UInt16])
}

extension Array: UTF16Source where Element == UInt16 {
    var unitCount: Int { count }
    var units: [UInt16] { self }
    func appendUnits(to array: inout [UInt16]) { array.append(contentsOf: self) }
}

/// A string's UTF-16 units.
struct StringUnits: UTF16Source {
    let string: String

    var unitCount: Int { string.utf16.count }
    var units: [UInt16] { Array(string.utf16) }

    /// ASCII text (nearly every keystroke) is widened byte by byte from the string's UTF-8
    /// storage; appending the UTF-16 view decodes it through the generic path.
    func appendUnits(to array: inout [UInt16]) {
        let utf8 = string.utf8
        if utf8.count == 1, let byte = utf8.first, byte < 0x80 {
            // One ASCII character: most keystrokes.
            array.append(UInt16(truncatingIfNeeded: byte))
            return
        }
        let done = utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte >= 0x80 { return false }
            for byte in utf8 { array.append(UInt16(truncatingIfNeeded: byte)) }
            return true
        }
        if done != true { array.append(contentsOf: string.utf16) }
    }
}
