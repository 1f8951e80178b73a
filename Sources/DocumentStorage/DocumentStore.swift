import Foundation

/// Where the Yjs state of documents is kept: the `yjs_documents` table of the
/// shared schema (`Resources/migrations/`), in PostgreSQL or in an SQLite file.
///
/// Stores hold opaque Yjs v1 updates; they do not know Yjs. The merging that a
/// save needs is passed in by the caller, so that a save can run it while it
/// holds the document's lock: that is what makes concurrent saves from several
/// editors lose nothing.
public protocol DocumentStore: Sendable {
    /// Creates or updates the schema. Safe to call at every start-up.
    func migrate() async throws

    /// Every stored state row of the document, oldest first; empty when the
    /// document has never been saved. Callers merge them all, so duplicate rows
    /// written by other tools lose nothing.
    func load(_ document: DocumentID) async throws -> [[UInt8]]

    /// Merge-saves the document: under an exclusive lock on the document, reads
    /// every stored row, calls `merge` with them, and replaces the rows with the
    /// single state `merge` returns (compacting the document to one row). When
    /// `merge` throws, nothing is written and the error is rethrown.
    ///
    /// - Returns: the state that was written.
    @discardableResult
    func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8]

    /// Releases connections and file handles. The store is unusable afterwards.
    func close() async
}
