import YCRDT

/// The rule for what is stored: the *integrated* document, never a byte-level
/// merge of raw updates.
///
/// For well-formed updates Yjs's `mergeUpdates` and applying them agree; for
/// updates that reuse ids with other content they do not, and a merge can
/// store a state that reopens empty while every editor shows the text. So
/// every writer (the autosaver, `PUT /api/documents/{id}/yjs`, `qalam import`)
/// applies the stored rows and its own state to a document, encodes *that*
/// document, and checks before committing that the bytes load back to the
/// same content in every root. A reader applies the rows one by one too.
public enum StoredState {
    /// A document holding every stored row, applied in order.
    ///
    /// - Throws: `StoredStateError.invalidRow` naming the first row that does
    ///   not apply.
    public static func document(from rows: [[UInt8]]) throws -> Doc {
        try document(from: parse(rows))
    }

    /// Every stored row decoded and validated, to be applied to more than one
    /// document without decoding it again.
    ///
    /// - Throws: `StoredStateError.invalidRow` naming the first row that is
    ///   not a well-formed update.
    public static func parse(_ rows: [[UInt8]]) throws -> [ParsedUpdate] {
        try rows.enumerated().map { index, row in
            do {
                return try ParsedUpdate(row)
            } catch {
                throw StoredStateError.invalidRow(index: index, count: rows.count, reason: "\(error)")
            }
        }
    }

    /// A document holding every parsed row, applied in order.
    ///
    /// - Throws: `StoredStateError.invalidRow` naming the first row that does
    ///   not apply to the rows before it.
    public static func document(from rows: [ParsedUpdate]) throws -> Doc {
        let doc = Doc()
        for (index, row) in rows.enumerated() {
            do {
                try doc.applyUpdate(row)
            } catch {
                throw StoredStateError.invalidRow(index: index, count: rows.count, reason: "\(error)")
            }
        }
        return doc
    }

    /// The state to write: the stored rows with `updates` applied on top,
    /// encoded and verified.
    ///
    /// - Throws: `StoredStateError.invalidRow` when a stored row does not
    ///   apply, `.refusedUpdate` when one of `updates` does not, `.mismatch`
    ///   when the encoding would not load back to the same document. Nothing
    ///   should be written then.
    public static func integrate(rows: [[UInt8]], with updates: [[UInt8]]) throws -> [UInt8] {
        let doc = try document(from: rows)
        for update in updates {
            do {
                try doc.applyUpdate(update)
            } catch {
                throw StoredStateError.refusedUpdate(reason: "\(error)")
            }
        }
        return try encodeVerified(doc, containing: updates)
    }

    /// The state to write when the store holds nothing that `state` lacks (it
    /// holds what this writer last wrote, and `state` is the whole document
    /// that writing was integrated into): `state` itself, once it is checked to
    /// load and to encode back to the same bytes.
    ///
    /// Applying the stored rows would add nothing, so the integrated document
    /// is `state` loaded alone. When that document encodes to `state` byte for
    /// byte, loading what is written rebuilds that same document (decoding is
    /// deterministic), so the general check's second load has nothing to find.
    /// One decode of the document instead of a save's usual four.
    ///
    /// - Throws: `StoredStateError.refusedUpdate` when `state` does not load,
    ///   `.mismatch` as `encodeVerified` does. Nothing should be written then.
    public static func verifiedOwnState(_ state: [UInt8]) throws -> [UInt8] {
        let doc = Doc()
        do {
            try doc.applyUpdate(state)
        } catch {
            throw StoredStateError.refusedUpdate(reason: "\(error)")
        }
        if let bytes = try? doc.encodeStateAsUpdate(), bytes == state { return bytes }
        return try encodeVerified(doc, containing: [state])
    }

    /// `doc`'s whole state, checked to load back to the same content in every
    /// root and to already contain each of `updates` (applying one to what
    /// was loaded changes nothing).
    public static func encodeVerified(_ doc: Doc, containing updates: [[UInt8]] = []) throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try doc.encodeStateAsUpdate()
        } catch {
            throw StoredStateError.mismatch(detail: "the document cannot be encoded: \(error)")
        }
        let reloaded = Doc()
        do {
            try reloaded.applyUpdate(bytes)
        } catch {
            throw StoredStateError.mismatch(detail: "the encoded state does not load: \(error)")
        }
        if let difference = difference(doc, reloaded) {
            throw StoredStateError.mismatch(detail: "it loads back differently (\(difference))")
        }
        // An update equal to the encoding is what `reloaded` was loaded from:
        // applying it again could add nothing (and would decode it once more).
        for update in updates where update != bytes {
            do {
                try reloaded.applyUpdate(update)
            } catch {
                throw StoredStateError.mismatch(detail: "an edit does not apply to what would be stored: \(error)")
            }
            if let difference = difference(doc, reloaded) {
                throw StoredStateError.mismatch(detail: "it lacks edits the editor shows (\(difference))")
            }
        }
        return bytes
    }

    /// `nil` when `a` and `b` hold the same: the same content in every root
    /// (`Doc.contentDigest`), the same state vector and the same pending
    /// state; else what differs first.
    static func difference(_ a: Doc, _ b: Doc) -> String? {
        if a.encodeStateVector() != b.encodeStateVector() { return "the state vectors differ" }
        if a.hasPending != b.hasPending {
            return a.hasPending ? "updates left pending are lost" : "updates become pending"
        }
        if !a.hasSameContent(as: b) { return "the content differs" }
        return nil
    }
}

/// Why a state was not stored, or a stored one not read.
public enum StoredStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Row `index` of the stored rows is not an update the document accepts.
    case invalidRow(index: Int, count: Int, reason: String)
    /// An update to be saved is not one the stored document accepts.
    case refusedUpdate(reason: String)
    /// The bytes about to be written would not load back to what was integrated.
    case mismatch(detail: String)

    public var description: String {
        switch self {
        case let .invalidRow(index, count, reason):
            return
                "the stored document is damaged: row \(index + 1) of \(count) does not apply to the rows before it (\(reason))"
        case let .refusedUpdate(reason):
            return "the update conflicts with the stored document: \(reason)"
        case let .mismatch(detail):
            return "the state to be stored failed its check: \(detail); nothing was written"
        }
    }
}
