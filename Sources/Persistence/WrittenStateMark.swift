import Crypto

/// Identifies bytes that this editor's replica already contains (the state it
/// last wrote, or the single row it was loaded from) without keeping them: a
/// 10 MB document would otherwise be held once more.
///
/// A save that finds exactly those bytes stored knows the store holds nothing
/// the replica lacks, and writes the replica's own state after a single check
/// (`StoredState.verifiedOwnState`) instead of integrating the rows. The hash
/// is SHA-256 because other writers choose what is stored: a row crafted to
/// collide with a weaker hash would be overwritten instead of merged.
struct WrittenStateMark: Sendable, Equatable {
    private let count: Int
    private let digest: [UInt8]

    init(of bytes: [UInt8]) {
        count = bytes.count
        digest = Array(SHA256.hash(data: bytes))
    }

    /// Whether `rows` is exactly the marked bytes, as one row.
    func isStored(as rows: [[UInt8]]) -> Bool {
        guard rows.count == 1, rows[0].count == count else { return false }
        return Array(SHA256.hash(data: rows[0])) == digest
    }
}
