/// A v1 update decoded and validated once, to be applied to any number of
/// documents without decoding it again.
///
/// An editor holds two copies of its document, the one its UI edits and the
/// one the network side answers sync requests from and saves; an update that
/// reaches both is parsed here once and integrated into each. The decoded
/// strings are shared too: a document that integrates them keeps the same
/// storage until it changes them.
///
/// ```swift
/// let update = try ParsedUpdate(bytes)          // throws on a malformed update
/// try replica.applyUpdate(update, origin: TransactionOrigin.remote)
/// try editorDoc.applyUpdate(update, origin: TransactionOrigin.remote)
/// ```
///
/// Equal when the bytes are equal.
public struct ParsedUpdate: Equatable, @unchecked Sendable {
    // Unchecked because the decoded form holds a `Branch` for each nested-type
    // content, a class; `Doc.applyUpdate(_:origin:)` integrates fresh copies of
    // those and never the ones held here, so nothing in a parsed update is ever
    // mutated or reachable from a document. Everything else in it is a value.

    /// The update as it was received.
    public let bytes: [UInt8]
    let decoded: DecodedUpdate
    /// Whether any struct holds a nested type (rare: a text holds none).
    private let holdsTypes: Bool

    /// Decodes and validates `bytes` completely.
    /// - Throws: the decoder's `YCRDTError` for a malformed update.
    public init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        decoded = try UpdateCodec.decode(bytes)
        holdsTypes = decoded.blocks.contains { block in
            block.structs.contains { if case let .item(w) = $0, w.content.ref == 7 { true } else { false } }
        }
    }

    /// The decoded form to integrate into one document: its own `Branch` for
    /// every nested type.
    func forIntegration() -> DecodedUpdate {
        guard holdsTypes else { return decoded }
        var copy = decoded
        for b in copy.blocks.indices {
            for s in copy.blocks[b].structs.indices {
                guard case var .item(w) = copy.blocks[b].structs[s], case let .type(held) = w.content else {
                    continue
                }
                let fresh = Branch(typeRef: held.typeRef)
                fresh.nodeName = held.nodeName
                w.content = .type(fresh)
                copy.blocks[b].structs[s] = .item(w)
            }
        }
        return copy
    }

    public static func == (a: ParsedUpdate, b: ParsedUpdate) -> Bool { a.bytes == b.bytes }
}

extension Doc {
    /// Integrates an update parsed once (see `ParsedUpdate`) in one transaction,
    /// exactly as `applyUpdate(_ bytes:origin:)` does with its bytes.
    ///
    /// - Throws: `YCRDTError.conflictingStruct` when the update reuses an id of
    ///   this document for other content; nothing changes then.
    public func applyUpdate(_ update: ParsedUpdate, origin: AnyHashable? = nil) throws {
        try integrate(update.forIntegration(), origin: origin)
    }
}
