/// The search markers of one list (Yjs `ArraySearchMarker`s): cached (item, index) pairs that
/// speed up index lookups. Yjs's marker choice decides which neighbour a local insert takes
/// as its origin, so this follows Yjs exactly (it affects the bytes emitted, not only the
/// speed).
///
/// Yjs keeps up to 80 markers in an array and goes over all of them on every lookup (for the
/// nearest) and on every insert (to shift those after it). Here they are kept sorted by
/// index: the nearest is found by a binary search, and an insert shifts only the markers
/// after it, in one pass over a plain array of indices. Each marker keeps its rank in Yjs's
/// array (`order`), which breaks ties between equally close markers and orders the full pass.
struct SearchMarkers {
    static let maxMarkers = 80

    struct Info {
        /// Owned by the store; markers are moved off items before they leave it. Unmanaged so
        /// that passing over markers costs no reference counting.
        var ref: Unmanaged<Item>
        var timestamp: Int
        /// The marker's place in Yjs's array: a later marker has a larger order.
        var order: Int
    }

    /// Ascending; equal indices in any order.
    private var indices: [Int] = []
    /// `infos[i]` belongs to `indices[i]`.
    private var infos: [Info] = []
    private var nextOrder = 0

    init() {}

    var count: Int { indices.count }
    var isEmpty: Bool { indices.isEmpty }

    /// Drops every marker (Yjs empties the array; the items keep their `marker` flags).
    mutating func removeAll() {
        guard !indices.isEmpty else { return }
        indices.removeAll()
        infos.removeAll()
    }

    func item(at i: Int) -> Item { infos[i].ref.takeUnretainedValue() }
    func index(at i: Int) -> Int { indices[i] }

    /// The position of the marker with the largest index (nil when there is none).
    var last: Int? { indices.isEmpty ? nil : indices.count - 1 }

    /// The first position whose index is at least `index` (`strictly`: above it).
    private func lowerBound(_ index: Int, strictly: Bool = false) -> Int {
        indices.withUnsafeBufferPointer { idx in
            var lo = 0
            var hi = idx.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if idx[mid] < index || (strictly && idx[mid] == index) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// Yjs's choice (`findMarker`'s reduce): the marker closest to `index`, of equally close
    /// ones the latest in Yjs's array. Nil when there is none.
    func nearest(to index: Int) -> Int? {
        let n = indices.count
        guard n > 0 else { return nil }
        let j = lowerBound(index)
        return indices.withUnsafeBufferPointer { idx in
            infos.withUnsafeBufferPointer { info -> Int in
                let right = j < n ? idx[j] - index : Int.max
                let left = j > 0 ? index - idx[j - 1] : Int.max
                let d = Swift.min(left, right)
                var best = -1
                var bestOrder = Int.min
                if right == d {
                    var k = j
                    while k < n, idx[k] == idx[j] {
                        if info[k].order > bestOrder { (best, bestOrder) = (k, info[k].order) }
                        k += 1
                    }
                }
                if left == d {
                    var k = j - 1
                    while k >= 0, idx[k] == idx[j - 1] {
                        if info[k].order > bestOrder { (best, bestOrder) = (k, info[k].order) }
                        k -= 1
                    }
                }
                return best
            }
        }
    }

    /// The index of the first marker (in Yjs's array) on `item`, nil when none is.
    func index(ofMarkerOn item: Item) -> Int? {
        let target = Unmanaged.passUnretained(item).toOpaque()
        var found: (index: Int, order: Int)?
        for i in infos.indices where infos[i].ref.toOpaque() == target {
            if found == nil || infos[i].order < found!.order { found = (indices[i], infos[i].order) }
        }
        return found?.index
    }

    /// Whether a marker other than the one at `except` points at `item`.
    private func isMarked(_ item: Unmanaged<Item>, except: Int) -> Bool {
        let target = item.toOpaque()
        return infos.withUnsafeBufferPointer { buf in
            for i in buf.indices where i != except && buf[i].ref.toOpaque() == target { return true }
            return false
        }
    }

    /// Keeps `markersNeedFullPass` true when `p`, just marked, breaks its invariant.
    @inline(__always)
    private static func noteMarked(_ p: Item, _ branch: Branch) {
        if p.deleted || !p.countable { branch.markersNeedFullPass = true }
    }

    /// Moves the marker at `i` to where its index sorts it.
    private mutating func reposition(_ i: Int) {
        var i = i
        let v = indices[i]
        while i > 0, indices[i - 1] > v {
            indices.swapAt(i - 1, i)
            infos.swapAt(i - 1, i)
            i -= 1
        }
        while i + 1 < indices.count, indices[i + 1] < v {
            indices.swapAt(i, i + 1)
            infos.swapAt(i, i + 1)
            i += 1
        }
    }

    /// Sorts every marker by index again (after a pass that may move several).
    private mutating func resort() {
        for i in indices.indices.dropFirst() where indices[i - 1] > indices[i] { reposition(i) }
    }

    /// Yjs `overwriteMarker` on the marker at `i`; a flag cleared on an item another marker
    /// still points at (Yjs does the same) breaks the fast path's invariant.
    private mutating func overwrite(_ i: Int, _ branch: Branch, p: Item, index: Int) {
        let old = infos[i].ref
        let new = Unmanaged.passUnretained(p)
        old._withUnsafeGuaranteedRef { $0.marker = false }
        infos[i].ref = new
        p.marker = true
        infos[i].timestamp = branch.markerClock
        let moved = indices[i] != index
        indices[i] = index
        if old.toOpaque() != new.toOpaque(), isMarked(old, except: i) { branch.markersNeedFullPass = true }
        SearchMarkers.noteMarked(p, branch)
        if moved { reposition(i) }
    }

    /// Yjs `markPosition`: a new marker, or the least recently used one moved.
    private mutating func markPosition(_ branch: Branch, p: Item, index: Int) {
        branch.markerClock += 1
        if indices.count >= SearchMarkers.maxMarkers {
            // Timestamps are unique: the oldest is the same whatever the order.
            let oldest = infos.withUnsafeBufferPointer { buf -> Int in
                var oldest = 0
                for i in buf.indices where buf[i].timestamp < buf[oldest].timestamp { oldest = i }
                return oldest
            }
            overwrite(oldest, branch, p: p, index: index)
            return
        }
        p.marker = true
        let at = lowerBound(index, strictly: true)
        indices.insert(index, at: at)
        infos.insert(Info(ref: .passUnretained(p), timestamp: branch.markerClock, order: nextOrder), at: at)
        nextOrder += 1
        SearchMarkers.noteMarked(p, branch)
    }

    /// Yjs `findMarker`: the (item, index) to start a walk from, or nil for the list start.
    static func find(_ branch: Branch, index: Int) -> (p: Item, index: Int)? {
        guard let start = branch.start, index != 0, branch.searchMarkers != nil else { return nil }
        let best = branch.searchMarkers!.nearest(to: index)
        // The walk only reads links between items the store owns, and frees none: it holds
        // them unmanaged, so a step costs no reference counting (a strong binding of each
        // neighbour retained and released it).
        var p = Unmanaged.passUnretained(start)
        var pindex = 0
        var bestIndex = 0
        if let b = best {
            p = branch.searchMarkers!.infos[b].ref
            pindex = branch.searchMarkers!.indices[b]
            bestIndex = pindex
            branch.markerClock += 1
            branch.searchMarkers!.infos[b].timestamp = branch.markerClock
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
        if let b = best, Double(abs(bestIndex - pindex)) < Double(branch.length) / Double(maxMarkers) {
            branch.markerClock += 1
            branch.searchMarkers!.overwrite(b, branch, p: item, index: pindex)
        } else {
            branch.searchMarkers!.markPosition(branch, p: item, index: pindex)
        }
        return (item, pindex)
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
        guard let isEmpty = branch.searchMarkers?.isEmpty, !isEmpty else { return }
        if len <= 0 || !branch.markersNeedFullPass {
            // Every marked item is visible and flagged (or nothing is inserted): Yjs's pass
            // would touch no item, only shift indices.
            branch.searchMarkers!.shift(from: index, by: len)
            return
        }
        branch.markersNeedFullPass = false
        branch.searchMarkers!.fullPass(index: index, len: len)
    }

    /// Yjs's index rule for markers at or after `index` when nothing else changes: with
    /// `len > 0` those at or after it move by `len`; otherwise those after it move back,
    /// to `index` at most. Both keep the indices sorted.
    private mutating func shift(from index: Int, by len: Int) {
        if len > 0 {
            let from = lowerBound(index)
            // Wrapping: indices are far below Int.max, and the loop stays a plain add.
            indices.withUnsafeMutableBufferPointer { buf in
                var k = from
                while k < buf.count {
                    buf[k] &+= len
                    k += 1
                }
            }
        } else if len < 0 {
            let from = lowerBound(index, strictly: true)
            indices.withUnsafeMutableBufferPointer { buf in
                var k = from
                while k < buf.count {
                    buf[k] = Swift.max(index, buf[k] &+ len)
                    k += 1
                }
            }
        }
    }

    /// Yjs's whole pass, last marker (in Yjs's array) first: a marker on an invisible item
    /// moves to the visible item on its left, and is dropped when there is none or another
    /// marker already holds that item.
    private mutating func fullPass(index: Int, len: Int) {
        let allVisible = infos.withUnsafeBufferPointer { buf in
            buf.allSatisfy { m in m.ref._withUnsafeGuaranteedRef { !$0.deleted && $0.countable } }
        }
        if allVisible {
            // No marker moves or is dropped, so the order of the pass does not matter: every
            // flag ends up set, and the indices shift as in the fast path.
            infos.withUnsafeBufferPointer { buf in
                for m in buf { m.ref._withUnsafeGuaranteedRef { $0.marker = true } }
            }
            shift(from: index, by: len)
            return
        }
        // Yjs's array order: positions (below 128) packed under their order, sorted by
        // insertion (at most 80 keys, mostly in order already, as markers are mostly added
        // left to right), then taken last first.
        var yjsOrder = infos.indices.map { infos[$0].order << 7 | $0 }
        yjsOrder.withUnsafeMutableBufferPointer { keys in
            for i in keys.indices.dropFirst() {
                let key = keys[i]
                var j = i
                while j > 0, keys[j - 1] > key {
                    keys[j] = keys[j - 1]
                    j -= 1
                }
                keys[j] = key
            }
        }
        var dropped: [Int] = []
        for key in yjsOrder.reversed() {
            let i = key & 0x7F
            if len > 0 {
                let visible = infos[i].ref._withUnsafeGuaranteedRef { p -> Bool in
                    p.marker = false
                    return !p.deleted && p.countable
                }
                if !visible {
                    var p = infos[i].ref.takeUnretainedValue()
                    var gone = false
                    while p.deleted || !p.countable {
                        guard let l = p.left else {
                            gone = true
                            break
                        }
                        p = l
                        if !p.deleted && p.countable { indices[i] -= p.length }
                    }
                    if gone || p.marker {
                        dropped.append(i)
                        continue
                    }
                    infos[i].ref = Unmanaged.passUnretained(p)
                }
                infos[i].ref._withUnsafeGuaranteedRef { $0.marker = true }
            }
            let mi = indices[i]
            if index < mi || (len > 0 && index == mi) {
                indices[i] = Swift.max(index, mi + len)
            }
        }
        for i in dropped.sorted(by: >) {
            indices.remove(at: i)
            infos.remove(at: i)
        }
        resort()
    }

    /// Moves markers on `right` to `left` when `right` is merged into it.
    static func retarget(_ branch: Branch, from right: Item, to left: Item) {
        guard let moved = branch.searchMarkers?.retarget(from: right, to: left), moved else { return }
        // Yjs leaves `left`'s flag as it was; only a full pass sets it.
        if !left.marker || left.deleted || !left.countable { branch.markersNeedFullPass = true }
    }

    private mutating func retarget(from right: Item, to left: Item) -> Bool {
        let target = Unmanaged.passUnretained(right).toOpaque()
        guard infos.contains(where: { $0.ref.toOpaque() == target }) else { return false }
        for i in infos.indices where infos[i].ref.toOpaque() == target {
            infos[i].ref = Unmanaged.passUnretained(left)
            if !left.deleted && left.countable { indices[i] -= left.length }
        }
        resort()
        return true
    }
}
