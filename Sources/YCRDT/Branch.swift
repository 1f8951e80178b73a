/// A shared type's list and map (Yjs `AbstractType`). Root types have a `rootName`;
/// nested types are owned by the item holding their ContentType.
final class Branch {
    var start: Item?
    var map: [String: Item] = [:]
    /// The item whose ContentType holds this type; nil for root types.
    var item: Item?
    var rootName: String?
    /// Sum of the lengths of non-deleted countable items in the list.
    var length = 0
    var typeRef: UInt8
    /// XML element node name or XML hook name.
    var nodeName: String?
    /// nil disables search markers (Yjs does so for types that ever held formatting).
    var searchMarkers: [SearchMarker]?
    var hasFormatting = false
    /// The text API object handed out for this branch, if any.
    weak var textHandle: YText?

    init(typeRef: UInt8) {
        self.typeRef = typeRef
        self.searchMarkers = typeRef == TypeRef.text || typeRef == TypeRef.xmlText || typeRef == TypeRef.array
            || typeRef == TypeRef.xmlElement || typeRef == TypeRef.xmlFragment ? [] : nil
    }
}

/// A cached (item, index) pair that speeds up index lookups (Yjs `ArraySearchMarker`).
/// Yjs's marker choice decides which neighbour a local insert takes as its origin, so this
/// follows Yjs exactly (it affects the bytes emitted, not only the speed).
final class SearchMarker {
    nonisolated(unsafe) static var globalTimestamp = 0
    static let maxMarkers = 80

    var p: Item
    var index: Int
    var timestamp: Int

    init(p: Item, index: Int) {
        p.marker = true
        self.p = p
        self.index = index
        self.timestamp = SearchMarker.nextTimestamp()
    }

    static func nextTimestamp() -> Int {
        globalTimestamp += 1
        return globalTimestamp
    }

    func refresh() { timestamp = SearchMarker.nextTimestamp() }

    func overwrite(p: Item, index: Int) {
        self.p.marker = false
        self.p = p
        p.marker = true
        self.index = index
        self.timestamp = SearchMarker.nextTimestamp()
    }

    static func markPosition(_ branch: Branch, p: Item, index: Int) -> SearchMarker {
        if let markers = branch.searchMarkers, markers.count >= maxMarkers {
            var oldest = markers[0]
            for m in markers where m.timestamp < oldest.timestamp { oldest = m }
            oldest.overwrite(p: p, index: index)
            return oldest
        }
        let m = SearchMarker(p: p, index: index)
        branch.searchMarkers?.append(m)
        return m
    }

    /// Yjs `findMarker`.
    static func find(_ branch: Branch, index: Int) -> SearchMarker? {
        guard let start = branch.start, index != 0, let markers = branch.searchMarkers else { return nil }
        var marker: SearchMarker? = nil
        if !markers.isEmpty {
            var best = markers[0]
            for m in markers.dropFirst() where !(abs(index - best.index) < abs(index - m.index)) { best = m }
            marker = best
        }
        var p = start
        var pindex = 0
        if let m = marker {
            p = m.p
            pindex = m.index
            m.refresh()
        }
        while let r = p.right, pindex < index {
            if !p.deleted && p.countable {
                if index < pindex + p.length { break }
                pindex += p.length
            }
            p = r
        }
        while let l = p.left, pindex > index {
            p = l
            if !p.deleted && p.countable { pindex -= p.length }
        }
        while let l = p.left, l.id.client == p.id.client, l.id.clock + l.length == p.id.clock {
            p = l
            if !p.deleted && p.countable { pindex -= p.length }
        }
        if let m = marker, Double(abs(m.index - pindex)) < Double(branch.length) / Double(maxMarkers) {
            m.overwrite(p: p, index: pindex)
            return m
        }
        return markPosition(branch, p: p, index: pindex)
    }

    /// Yjs `updateMarkerChanges`.
    static func updateChanges(_ branch: Branch, index: Int, len: Int) {
        guard var markers = branch.searchMarkers else { return }
        var i = markers.count - 1
        while i >= 0 {
            let m = markers[i]
            if len > 0 {
                var p: Item? = m.p
                p?.marker = false
                while let q = p, q.deleted || !q.countable {
                    p = q.left
                    if let l = p, !l.deleted, l.countable { m.index -= l.length }
                }
                guard let q = p, !q.marker else {
                    markers.remove(at: i)
                    i -= 1
                    continue
                }
                m.p = q
                q.marker = true
            }
            if index < m.index || (len > 0 && index == m.index) {
                m.index = max(index, m.index + len)
            }
            i -= 1
        }
        branch.searchMarkers = markers
    }
}
