import DocumentStorage
import YCRDT

extension YjsPersistence {
    /// An autosaver that merges with `YUpdate.merge`, as the editor uses it.
    public init(store: DocumentStore, document: DocumentID, journal: Journal? = nil, options: Options = Options()) {
        self.init(
            store: store, document: document, journal: journal, options: options,
            merge: { try YUpdate.merge($0) })
    }
}
