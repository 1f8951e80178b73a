/// A shared type's list and map (Yjs `AbstractType`). Root types have a `rootName`;
/// nested types are owned by the item holding their ContentType.
final class Branch {
    /// First item of the list (owned by the store, like all list links).
    @exclusivity(unchecked) unowned(unsafe) var start: Item?
    @exclusivity(unchecked) var map: [String: Item] = [:]
    /// The item whose ContentType holds this type; nil for root types.
    @exclusivity(unchecked) var item: Item?
    var rootName: String?
    /// Sum of the lengths of non-deleted countable items in the list.
    @exclusivity(unchecked) var length = 0
    @exclusivity(unchecked) var typeRef: UInt8
    /// XML element node name or XML hook name.
    var nodeName: String?
    /// nil disables search markers (Yjs does so for types that ever held formatting).
    @exclusivity(unchecked) var searchMarkers: [SearchMarker]?
    @exclusivity(unchecked) var hasFormatting = false
    /// A format item was ever integrated into this list. Unlike `hasFormatting` (which follows
    /// Yjs and resets when a generic root becomes a text) it never resets, so while it is false
    /// the formatting cleanup after a delete has nothing to find and is skipped.
    @exclusivity(unchecked) var mayHoldFormats = false
    /// False while every search marker's item is visible and has its `marker` flag set, so
    /// that `SearchMarker.updateChanges` would leave every item as it is and need only shift
    /// indices. Set by whatever can break that (a marked item deleted, a marker placed on an
    /// invisible item, a flag cleared under another marker, a merge moving a marker);
    /// cleared by the full pass. Yjs always does the full pass, touching every marked item
    /// on every insert; the result is the same.
    @exclusivity(unchecked) var markersNeedFullPass = false
    /// Clock for search-marker recency (Yjs uses a global one; only the order within
    /// one type matters, and a per-type clock keeps docs on different threads apart).
    @exclusivity(unchecked) var markerClock = 0
    /// The text API object handed out for this branch, if any.
    /// The text API object for this branch (strong: it holds the observers; `Doc.deinit` breaks the cycle).
    @exclusivity(unchecked) var textHandle: YText?

    init(typeRef: UInt8) {
        self.typeRef = typeRef
        self.searchMarkers =
            typeRef == TypeRef.text || typeRef == TypeRef.xmlText || typeRef == TypeRef.array
                || typeRef == TypeRef.xmlElement || typeRef == TypeRef.xmlFragment ? [] : nil
    }
}

/// A cached (item, index) pair that speeds up index lookups (Yjs `ArraySearchMarker`).
/// Yjs's marker choice decides which neighbour a local insert takes as its origin, so this
/// follows Yjs exactly (it affects the bytes emitted, not only the speed). A value type:
/// markers live in their branch's array and are changed in place.
struct SearchMarker {
    static let maxMarkers = 80

    /// Owned by the store; markers are moved off items before they leave it. Unmanaged so
    /// that the per-insert pass over every marker costs no reference counting.
    private var ref: Unmanaged<Item>
    var p: Item {
        get { ref.takeUnretainedValue() }
        set { ref = Unmanaged.passUnretained(newValue) }
    }
    var index: Int
    var timestamp: Int

    init(p: Item, index: Int, timestamp: Int) {
        p.marker = true
        self.ref = Unmanaged.passUnretained(p)
        self.index = index
        self.timestamp = timestamp
    }

    mutating func overwrite(p: Item, index: Int, timestamp: Int) {
        ref._withUnsafeGuaranteedRef { $0.marker = false }
        self.p = p
        p.marker = true
        self.index = index
        self.timestamp = timestamp
    }

    /// Whether a marker other than `markers[except]` points at `item`.
    static func isMarked(_ item: Item, in markers: [SearchMarker], except: Int) -> Bool {
        let target = Unmanaged.passUnretained(item).toOpaque()
        for i in markers.indices where i != except && markers[i].ref.toOpaque() == target { return true }
        return false
    }

    /// Keeps `markersNeedFullPass` true when `p`, just marked, breaks its invariant.
    @inline(__always)
    static func noteMarked(_ p: Item, _ branch: Branch) {
        if p.deleted || !p.countable { branch.markersNeedFullPass = true }
    }

    /// Overwrites `markers[i]`; a flag cleared on an item another marker still points at
    /// (Yjs does the same) breaks the fast path's invariant.
    static func overwrite(_ markers: inout [SearchMarker], _ i: Int, _ branch: Branch, p: Item, index: Int) {
        let old = markers[i].p
        markers[i].overwrite(p: p, index: index, timestamp: branch.markerClock)
        if old !== p, isMarked(old, in: markers, except: i) { branch.markersNeedFullPass = true }
        noteMarked(p, branch)
    }

    /// Yjs `markPosition`: a new marker, or the least recently used one moved.
    static func markPosition(_ markers: inout [SearchMarker], _ branch: Branch, p: Item, index: Int) -> SearchMarker {
        branch.markerClock += 1
        if markers.count >= maxMarkers {
            var oldest = 0
            for i in markers.indices where markers[i].timestamp < markers[oldest].timestamp { oldest = i }
            overwrite(&markers, oldest, branch, p: p, index: index)
            return markers[oldest]
        }
        let m = SearchMarker(p: p, index: index, timestamp: branch.markerClock)
        markers.append(m)
        noteMarked(p, branch)
        return m
    }

    /// Yjs `findMarker`: the (item, index) to start a walk from, or nil for the list start.
    static func find(_ branch: Branch, index: Int) -> SearchMarker? {
        guard let start = branch.start, index != 0, var markers = branch.searchMarkers else { return nil }
        branch.searchMarkers = nil  // own the array while changing it
        defer { branch.searchMarkers = markers }
        var best: Int? = nil
        if !markers.isEmpty {
            // Yjs's reduce keeps the later of equally close markers; the running distance
            // saves recomputing the best one's on every step.
            best = markers.withUnsafeBufferPointer { buf -> Int in
                // Indices and the list length are far below Int.max: wrapping arithmetic
                // spares the overflow checks in this loop over every marker.
                @inline(__always) func distance(_ i: Int) -> Int {
                    let x = index &- buf[i].index
                    return x < 0 ? 0 &- x : x
                }
                var b = 0
                var bestDistance = distance(0)
                for i in 1..<buf.count {
                    let d = distance(i)
                    if !(bestDistance < d) {
                        b = i
                        bestDistance = d
                    }
                }
                return b
            }
        }
        // The walk only reads links between items the store owns, and frees none: it holds
        // them unmanaged, so a step costs no reference counting (a strong binding of each
        // neighbour retained and released it).
        var p = Unmanaged.passUnretained(start)
        var pindex = 0
        if let b = best {
            p = markers[b].ref
            pindex = markers[b].index
            branch.markerClock += 1
            markers[b].timestamp = branch.markerClock
        }
        while pindex < index, let r = neighbour(of: p, right: true) {
            let (visible, length) = p._withUnsafeGuaranteedRef { (!$0.deleted && $0.countable, $0.length) }
            if visible {
                if index < pindex + length { break }
                pindex += length
            }
            p = r
        }
        while pindex > index, let l = neighbour(of: p, right: false) {
            p = l
            let (visible, length) = p._withUnsafeGuaranteedRef { (!$0.deleted && $0.countable, $0.length) }
            if visible { pindex -= length }
        }
        while let l = neighbour(of: p, right: false),
            p._withUnsafeGuaranteedRef({ pi in
                l._withUnsafeGuaranteedRef { li in
                    li.id.client == pi.id.client && li.id.clock + li.length == pi.id.clock
                }
            })
        {
            p = l
            let (visible, length) = p._withUnsafeGuaranteedRef { (!$0.deleted && $0.countable, $0.length) }
            if visible { pindex -= length }
        }
        let item = p.takeUnretainedValue()
        if let b = best, Double(abs(markers[b].index - pindex)) < Double(branch.length) / Double(maxMarkers) {
            branch.markerClock += 1
            overwrite(&markers, b, branch, p: item, index: pindex)
            return markers[b]
        }
        return markPosition(&markers, branch, p: item, index: pindex)
    }

    /// `p`'s right (or left) neighbour, unmanaged like `p`.
    @inline(__always)
    private static func neighbour(of p: Unmanaged<Item>, right: Bool) -> Unmanaged<Item>? {
        p._withUnsafeGuaranteedRef { item in
            guard let n = right ? item.right : item.left else { return nil }
            return Unmanaged.passUnretained(n)
        }
    }

    /// Yjs `updateMarkerChanges`.
    static func updateChanges(_ branch: Branch, index: Int, len: Int) {
        guard var markers = branch.searchMarkers, !markers.isEmpty else { return }
        branch.searchMarkers = nil  // own the array so changes do not copy it
        defer { branch.searchMarkers = markers }
        if len <= 0 || !branch.markersNeedFullPass {
            // Every marked item is visible and flagged (or nothing is inserted): Yjs's pass
            // would touch no item, only shift indices.
            // The rule below, split by the sign of `len` (with `len > 0`, `max` is always
            // `mi + len`); wrapping arithmetic, as indices are far below Int.max.
            markers.withUnsafeMutableBufferPointer { buf in
                if len > 0 {
                    for i in buf.indices {
                        let mi = buf[i].index
                        buf[i].index = mi >= index ? mi &+ len : mi
                    }
                } else {
                    for i in buf.indices {
                        let mi = buf[i].index
                        if index < mi { buf[i].index = Swift.max(index, mi &+ len) }
                    }
                }
            }
            return
        }
        branch.markersNeedFullPass = false
        // One pass over the buffer, last marker first as in Yjs; markers to drop are removed
        // afterwards (in descending order, so earlier indices stay valid).
        var dropped: [Int] = []
        markers.withUnsafeMutableBufferPointer { buf in
            var i = buf.count - 1
            while i >= 0 {
                if len > 0 {
                    // The common case (the marked item is still visible) touches no reference
                    // counts: this runs for every marker on every insert.
                    let visible = buf[i].ref._withUnsafeGuaranteedRef { p -> Bool in
                        p.marker = false
                        return !p.deleted && p.countable
                    }
                    if !visible {
                        var p = buf[i].p
                        var gone = false
                        while p.deleted || !p.countable {
                            guard let l = p.left else {
                                gone = true
                                break
                            }
                            p = l
                            if !p.deleted && p.countable { buf[i].index -= p.length }
                        }
                        if gone || p.marker {
                            dropped.append(i)
                            i -= 1
                            continue
                        }
                        buf[i].p = p
                    }
                    buf[i].ref._withUnsafeGuaranteedRef { $0.marker = true }
                }
                let mi = buf[i].index
                if index < mi || (len > 0 && index == mi) {
                    buf[i].index = max(index, mi + len)
                }
                i -= 1
            }
        }
        for i in dropped { markers.remove(at: i) }
    }

    /// Moves markers on `right` to `left` when `right` is merged into it.
    static func retarget(_ branch: Branch, from right: Item, to left: Item) {
        guard var markers = branch.searchMarkers else { return }
        let target = Unmanaged.passUnretained(right).toOpaque()
        guard markers.contains(where: { $0.ref.toOpaque() == target }) else { return }
        branch.searchMarkers = nil  // own the array so changes do not copy it
        defer { branch.searchMarkers = markers }
        for i in markers.indices where markers[i].ref.toOpaque() == target {
            markers[i].p = left
            if !left.deleted && left.countable { markers[i].index -= left.length }
        }
        // Yjs leaves `left`'s flag as it was; only a full pass sets it.
        if !left.marker || left.deleted || !left.countable { branch.markersNeedFullPass = true }
    }
}
