/// The transaction origins Qalam's layers agree on, typed so that two spellings
/// of one meaning can never drift apart. `Doc.transact(origin:)` and
/// `Doc.applyUpdate(_:origin:)` accept any `Hashable`; local edits use `nil`
/// (which an `UndoManager` tracks by default).
public enum TransactionOrigin: Hashable, Sendable {
    /// An update made by another replica and received over the network or read
    /// from a store: never sent back out, never undone by the local undo manager.
    case remote
}
