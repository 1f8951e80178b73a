/// Index lookups for relative positions that start from the branch's search markers
/// instead of the list start, so that creating and resolving a position costs a walk from
/// the nearest marker rather than one over the whole text.
///
/// The markers are only READ here. `SearchMarkers.find` also refreshes LRU timestamps and
/// moves or adds markers; in Yjs only index-based edits do that, and the marker a local
/// insert starts from decides which neighbour becomes its origin. Calling `find` from
/// `createRelativePositionFromTypeIndex` would therefore change the bytes later inserts
/// emit, so the nearest marker is picked here without touching the marker state.
extension Branch {
    /// Markers that are safe to read for an index lookup, or nil when a walk from the
    /// start is needed. Inside a transaction a remote integration may have moved items
    /// without updating the markers (a remote transaction clears them only when it ends),
    /// so markers are trusted only between transactions.
    ///
    /// Known gap, shared with Yjs: an update applied inside an enclosing local transaction
    /// joins it as local, so the markers are not cleared and stay stale until the next
    /// remote transaction or undo; index-based inserts then misplace text (as in Yjs) and
    /// positions created here follow the same stale markers.
    func trustedMarkers(_ doc: Doc) -> SearchMarkers? {
        guard doc.currentTransaction == nil, let markers = searchMarkers, !markers.isEmpty else { return nil }
        return markers
    }

    /// The visible item whose run holds `index` (0 <= index < length) and the offset into
    /// it, found from the marker nearest to `index`; nil when `index` is past the end.
    func visibleItem(at index: Int, markers: SearchMarkers) -> (item: Item, offset: Int)? {
        // Same choice rule as `SearchMarkers.find` (the later of equally close markers).
        guard index >= 0, index < length, let best = markers.nearest(to: index) else { return nil }
        let marked = markers.item(at: best)
        var p: Item? = marked
        var pindex = markers.index(at: best)  // visible units before `p`
        if pindex <= index {
            while let x = p {
                if !x.deleted && x.countable {
                    if index < pindex + x.length { return (x, index - pindex) }
                    pindex += x.length
                }
                p = x.right
            }
            return nil
        }
        p = marked.left
        while let x = p {
            if !x.deleted && x.countable {
                pindex -= x.length
                if pindex <= index { return (x, index - pindex) }
            }
            p = x.left
        }
        return nil
    }

    /// The last item of the list (deleted or not), walking right from the rightmost marker.
    func lastItem(markers: SearchMarkers) -> Item? {
        guard var p = markers.last.map(markers.item(at:)) ?? start else { return nil }
        while let r = p.right { p = r }
        return p
    }

    /// The number of visible units left of `item` (which must be in this list), counted
    /// from whichever comes first on a walk outwards from `item`: a marked item (whose
    /// marker knows its index) or the list start.
    func visibleUnits(before item: Item, markers: SearchMarkers) -> Int {
        // Walk left and right in lockstep; the side that reaches a marker first wins.
        var left = item.left
        var leftSum = 0  // visible units strictly between the left walker and `item`
        var right: Item? = item
        var rightSum = 0  // visible units from `item` up to (not including) the right walker
        while true {
            if let r = right {
                if r.marker, let m = markers.index(ofMarkerOn: r) { return m - rightSum }
                if !r.deleted && r.countable { rightSum += r.length }
                right = r.right
            }
            guard let l = left else { return leftSum }
            if l.marker, let m = markers.index(ofMarkerOn: l) {
                return m + ((!l.deleted && l.countable) ? l.length : 0) + leftSum
            }
            if !l.deleted && l.countable { leftSum += l.length }
            left = l.left
        }
    }
}
