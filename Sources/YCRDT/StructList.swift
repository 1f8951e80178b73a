/// One client's structs, sorted by clock with no gaps (Yjs keeps a plain array per client).
///
/// Stored in chunks of at most `maxChunk` items, so that inserting or removing in the middle
/// (splitting an item to delete part of it, merging deleted runs back together) moves at
/// most one chunk instead of the whole tail: with one array, deleting in a long document
/// spent a fifth of its time moving pointers. Indices are logical positions as in an array;
/// an access near the previous one costs no search (the chunk found last is tried first).
/// A reference type: the store hands out the list, and changes through it need no
/// write-back into the store's dictionary.
final class StructList: Sequence {
    static let maxChunk = 128

    @exclusivity(unchecked) private var chunks: [[Item]] = []
    /// The clock of every struct, chunk by chunk as in `chunks` (an item's id never changes
    /// once stored): clock searches read these instead of following a pointer per probe.
    @exclusivity(unchecked) private var clocks: [[Int]] = []
    /// Logical index of each chunk's first item.
    @exclusivity(unchecked) private var starts: [Int] = []
    @exclusivity(unchecked) private(set) var count = 0
    /// The chunk of the last access.
    @exclusivity(unchecked) private var hint = 0

    init() {}

    var isEmpty: Bool { count == 0 }
    var first: Item? { chunks.first?.first }
    var last: Item? { chunks.last?.last }

    /// The clock after the last struct (the client's state). Read through buffer pointers:
    /// `chunks.last?.last` would copy (retain) the last chunk's array on every call.
    var endClock: Int {
        chunks.withUnsafeBufferPointer { outer in
            guard let lastChunk = outer.last else { return 0 }
            return lastChunk.withUnsafeBufferPointer { inner in
                guard let l = inner.last else { return 0 }
                return l.id.clock + l.length
            }
        }
    }

    /// The chunk holding logical index `i` (0 <= i < count) and the offset in it.
    @inline(__always)
    private func locate(_ i: Int) -> (chunk: Int, offset: Int) {
        let h = hint
        if h < starts.count {
            let s = starts[h]
            if i >= s {
                let o = i - s
                if o < chunks[h].count { return (h, o) }
                if h + 1 < starts.count, i - starts[h + 1] < chunks[h + 1].count {
                    hint = h + 1
                    return (h + 1, i - starts[h + 1])
                }
            }
        }
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        hint = lo
        return (lo, i - starts[lo])
    }

    subscript(i: Int) -> Item {
        get {
            let (c, o) = locate(i)
            return chunks[c][o]
        }
        set {
            let (c, o) = locate(i)
            chunks[c][o] = newValue
            clocks[c][o] = newValue.id.clock
        }
    }

    func append(_ item: Item) {
        let n = chunks.count
        if n > 0, chunks[n - 1].count < StructList.maxChunk {
            chunks[n - 1].append(item)
            clocks[n - 1].append(item.id.clock)
        } else {
            var chunk: [Item] = []
            chunk.reserveCapacity(StructList.maxChunk)
            chunk.append(item)
            chunks.append(chunk)
            var chunkClocks: [Int] = []
            chunkClocks.reserveCapacity(StructList.maxChunk)
            chunkClocks.append(item.id.clock)
            clocks.append(chunkClocks)
            starts.append(count)
        }
        count += 1
    }

    func insert(_ item: Item, at i: Int) {
        guard i < count else { return append(item) }
        let (c, o) = locate(i)
        chunks[c].insert(item, at: o)
        clocks[c].insert(item.id.clock, at: o)
        shiftStarts(after: c, by: 1)
        count += 1
        if chunks[c].count > StructList.maxChunk {
            // Split in halves, each in an array of its own size: most chunks are not
            // inserted into again, and one that is grows once (doubling). Halves that kept
            // room for a full chunk held twice the memory their items need.
            let half = chunks[c].count / 2
            chunks.insert(Array(chunks[c][half...]), at: c + 1)
            chunks[c] = Array(chunks[c][..<half])
            clocks.insert(Array(clocks[c][half...]), at: c + 1)
            clocks[c] = Array(clocks[c][..<half])
            starts.insert(starts[c] + half, at: c + 1)
        }
    }

    func removeSubrange(_ range: Range<Int>) {
        var remaining = range.count
        let at = range.lowerBound
        while remaining > 0 {
            let (c, o) = locate(at)
            let n = Swift.min(remaining, chunks[c].count - o)
            if n == chunks[c].count {
                chunks.remove(at: c)
                clocks.remove(at: c)
                starts.remove(at: c)
                shiftStarts(after: c - 1, by: -n)
                hint = 0
            } else {
                chunks[c].removeSubrange(o..<(o + n))
                clocks[c].removeSubrange(o..<(o + n))
                shiftStarts(after: c, by: -n)
                mergeIfSmall(c)
            }
            count -= n
            remaining -= n
        }
    }

    func removeLast() {
        let c = chunks.count - 1
        chunks[c].removeLast()
        clocks[c].removeLast()
        count -= 1
        if chunks[c].isEmpty {
            chunks.removeLast()
            clocks.removeLast()
            starts.removeLast()
            hint = 0
        }
    }

    private func shiftStarts(after c: Int, by delta: Int) {
        var k = c + 1
        let n = starts.count
        starts.withUnsafeMutableBufferPointer { buf in
            while k < n {
                buf[k] += delta
                k += 1
            }
        }
    }

    /// Joins chunk `c` with its right neighbour when both are small, so that removals do
    /// not leave a long run of tiny chunks.
    private func mergeIfSmall(_ c: Int) {
        guard c + 1 < chunks.count, chunks[c].count + chunks[c + 1].count <= StructList.maxChunk / 2 else { return }
        let right = chunks.remove(at: c + 1)
        starts.remove(at: c + 1)
        chunks[c].append(contentsOf: right)
        let rightClocks = clocks.remove(at: c + 1)
        clocks[c].append(contentsOf: rightClocks)
        hint = c
    }

    /// Index of the struct containing `clock` (Yjs `findIndexSS`), nil if none.
    func findIndex(_ clock: Int) -> Int? {
        guard clock >= 0, clock < endClock else { return nil }
        return clocks.withUnsafeBufferPointer { outer -> Int? in
            // The chunk: the last one whose first struct starts at or before `clock`. Walks
            // over a list (delete ranges, merges) look near the previous access: try its
            // chunk and its neighbours before searching.
            let n = outer.count
            @inline(__always) func first(_ k: Int) -> Int { outer[k].withUnsafeBufferPointer { $0[0] } }
            var c: Int
            let h = hint
            if first(n - 1) <= clock {
                c = n - 1
            } else if h + 1 < n, first(h) <= clock, clock < first(h + 1) {
                c = h
            } else if h + 2 < n, first(h + 1) <= clock, clock < first(h + 2) {
                c = h + 1
            } else if h >= 1, h < n, first(h - 1) <= clock, clock < first(h) {
                c = h - 1  // walks backwards
            } else {
                var lo = 0
                var hi = n - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if first(mid) <= clock { lo = mid } else { hi = mid - 1 }
                }
                c = lo
                guard first(c) <= clock else { return nil }
            }
            // Unchecked arithmetic: 0 <= lo <= hi < count, so nothing can overflow (the checked
            // form was most of a search's cost).
            let o = outer[c].withUnsafeBufferPointer { buf -> Int in
                var lo = 0
                var hi = buf.count &- 1
                while lo < hi {
                    let mid = (lo &+ hi &+ 1) &>> 1
                    if buf[mid] <= clock { lo = mid } else { hi = mid &- 1 }
                }
                return lo
            }
            hint = c
            return starts[c] + o
        }
    }

    /// The positions `i >= start` (and `>= 1`) whose struct may merge into the one before it
    /// (`Item.mayMerge`), ascending: one walk over the chunks, so that the merge pass at
    /// the end of a transaction asks `tryMerge` only where it can succeed.
    func mergeCandidates(from start: Int) -> [Int] {
        var found: [Int] = []
        let first = Swift.max(start, 1)
        guard first < count else { return found }
        // The previous struct unmanaged: the list holds it, and a strong binding retained
        // and released every struct of the list (a load's merge pass walks them all).
        var previous = Unmanaged.passUnretained(self[first - 1])
        var index = first
        forEach(from: first) { item in
            if previous._withUnsafeGuaranteedRef({ Item.mayMerge($0, item) }) { found.append(index) }
            previous = Unmanaged.passUnretained(item)
            index += 1
        }
        return found
    }

    /// Whether a struct at a position in `range` may merge into the one before it
    /// (`Item.mayMerge`; positions below 1 are left out), read in place: most ranges of a
    /// transaction's delete set hold none, and `tryToMergeWithLefts` is asked for nothing
    /// then.
    func hasMergeCandidate(in range: ClosedRange<Int>) -> Bool {
        let lower = Swift.max(range.lowerBound, 1)
        guard lower <= range.upperBound, range.upperBound < count else { return false }
        var previous = self[lower - 1]
        var remaining = range.upperBound - lower + 1
        var (c, o) = locate(lower)
        while remaining > 0 {
            let hit = chunks[c].withUnsafeBufferPointer { items -> Bool in
                var i = o
                while i < items.count, remaining > 0 {
                    if Item.mayMerge(previous, items[i]) { return true }
                    previous = items[i]
                    remaining -= 1
                    i += 1
                }
                return false
            }
            if hit { return true }
            c += 1
            o = 0
        }
        return false
    }

    /// Whether a struct from logical index `start` on, starting before clock `end`,
    /// satisfies `predicate`; read in place, stopping at the first struct at or after `end`.
    func contains(from start: Int, below end: Int, where predicate: (Item) -> Bool) -> Bool {
        guard start < count else { return false }
        var (c, o) = locate(start)
        while c < chunks.count {
            let hit = chunks[c].withUnsafeBufferPointer { items in
                clocks[c].withUnsafeBufferPointer { chunkClocks -> Bool? in
                    var i = o
                    while i < items.count {
                        if chunkClocks[i] >= end { return false }
                        if predicate(items[i]) { return true }
                        i += 1
                    }
                    return nil
                }
            }
            if let hit { return hit }
            c += 1
            o = 0
        }
        return false
    }

    /// Calls `body` with every struct from logical index `start` on, chunk by chunk (no
    /// per-index lookup, no iterator copy of the chunk list).
    @inline(__always)
    func forEach(from start: Int, _ body: (Item) throws -> Void) rethrows {
        guard start < count else { return }
        var (c, o) = locate(start)
        while c < chunks.count {
            try chunks[c].withUnsafeBufferPointer { buf in
                var i = o
                while i < buf.count {
                    try body(buf[i])
                    i += 1
                }
            }
            c += 1
            o = 0
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate let chunks: [[Item]]
        fileprivate var c = 0
        fileprivate var o = 0

        mutating func next() -> Item? {
            while c < chunks.count {
                if o < chunks[c].count {
                    defer { o += 1 }
                    return chunks[c][o]
                }
                c += 1
                o = 0
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(chunks: chunks) }
}
