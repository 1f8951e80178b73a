/// What the editor core refuses, with what to do about it.
public enum EditorError: Error, Equatable, CustomStringConvertible {
    /// An edit reached outside the text; nothing was changed.
    case rangeOutOfBounds(range: Range<Int>, length: Int)
    /// The document is open read-only here; nothing was changed.
    case readOnly(reason: String)

    public var description: String {
        switch self {
        case let .rangeOutOfBounds(range, length):
            return
                "edit \(range.lowerBound)..<\(range.upperBound) lies outside the text (length \(length)); nothing was changed"
        case let .readOnly(reason):
            return "read-only: \(reason); nothing was changed"
        }
    }
}
