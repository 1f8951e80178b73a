import DocumentStorage
import Foundation
import YCRDT

/// Plain text in and out of a stored document's root `Y.Text` "content":
/// what `qalam export` and `qalam import` do.
public enum DocumentText {
    /// The name of the root text in the document contract.
    public static let rootName = "content"

    /// What `importText` did.
    public enum ImportOutcome: Equatable, Sendable {
        /// The text was replaced; `state` is the document state written.
        case replaced(state: [UInt8])
        /// The document already held exactly this text; nothing was written.
        case unchanged
    }

    /// The text of the stored document.
    ///
    /// - Throws: `DocumentTextError.notFound` when it was never saved.
    public static func export(_ document: DocumentID, from store: DocumentStore) async throws -> String {
        let rows = try await store.load(document)
        guard !rows.isEmpty else { throw DocumentTextError.notFound(document: document.name) }
        let doc = try Self.doc(from: rows)
        return doc.getText(rootName).toString()
    }

    /// Replaces the document's text with `bytes` (UTF-8), as one transaction
    /// saved under the document's lock: the stored rows are applied to a
    /// document, its text replaced, and that document's state written after
    /// the check that it loads back the same (`StoredState`). Edits other
    /// editors saved are kept, and so are the document's other root types.
    ///
    /// - Throws: `DocumentTextError.invalidUTF8` (nothing written) when
    ///   `bytes` is not UTF-8; `DocumentTextError.damaged` (nothing written)
    ///   when the stored document cannot be read or the result fails its check.
    @discardableResult
    public static func importText(
        _ bytes: [UInt8], into document: DocumentID,
        store: DocumentStore
    ) async throws -> ImportOutcome {
        let text = try decodeUTF8(bytes)
        let result = ImportResult()
        let written = try await store.save(document) { rows in
            let doc = try Self.doc(from: rows)
            let content = doc.getText(rootName)
            if content.toString() == text, !rows.isEmpty {
                result.unchanged = true
            } else {
                doc.transact { _ in
                    content.delete(at: 0, length: content.length)
                    content.insert(text, at: 0)
                }
            }
            do {
                return try StoredState.encodeVerified(doc)
            } catch {
                throw DocumentTextError.damaged(reason: "\(error)")
            }
        }
        return result.unchanged ? .unchanged : .replaced(state: written)
    }

    /// A document holding every row, applied in order.
    static func doc(from rows: [[UInt8]]) throws -> Doc {
        do {
            return try StoredState.document(from: rows)
        } catch {
            throw DocumentTextError.damaged(reason: "\(error)")
        }
    }

    /// The text, or the offset of the first byte that is not UTF-8.
    static func decodeUTF8(_ bytes: [UInt8]) throws -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(scalar):
                offset += scalar.count
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                throw DocumentTextError.invalidUTF8(offset: offset)
            }
        }
    }
}

/// Why a document's text could not be read or replaced.
public enum DocumentTextError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The document was never saved in this database.
    case notFound(document: String)
    /// The input is not UTF-8; `offset` is the first bad byte.
    case invalidUTF8(offset: Int)
    /// The stored state cannot be read, or the new one failed its check
    /// before it was written; `reason` says which.
    case damaged(reason: String)

    public var description: String {
        switch self {
        case let .notFound(document):
            return
                "document \(document) has never been saved in this database; check the name and --database-url / DATABASE_URL"
        case let .invalidUTF8(offset):
            return
                "the file is not valid UTF-8 (first bad byte at offset \(offset)); convert it to UTF-8 first, e.g. with iconv. Nothing was imported"
        case let .damaged(reason):
            return reason
        }
    }
}

/// Carries `importText`'s finding out of the store's merge closure.
private final class ImportResult: @unchecked Sendable {
    var unchanged = false
}
