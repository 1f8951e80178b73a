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
    @exclusivity(unchecked) var searchMarkers: SearchMarkers?
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
                || typeRef == TypeRef.xmlElement || typeRef == TypeRef.xmlFragment ? SearchMarkers() : nil
    }
}
