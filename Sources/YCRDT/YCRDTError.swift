/// Everything that can go wrong when YCRDT reads bytes it did not write itself.
///
/// Decoding is done completely before anything is applied, so when one of these is
/// thrown the document is exactly as it was before the call.
public enum YCRDTError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input ended while `what` was being read.
    case unexpectedEnd(what: String, offset: Int)
    /// A variable-length integer does not fit in 53 bits (JavaScript's safe integer range).
    case integerTooLarge(offset: Int)
    /// A variable-length integer written with redundant zero bytes (no Yjs encoder does that).
    case nonCanonicalInteger(offset: Int)
    /// A declared length is larger than the bytes that remain.
    case lengthExceedsInput(what: String, declared: Int, remaining: Int, offset: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A struct uses a content reference this version does not know.
    case unknownContentRef(UInt8, offset: Int)
    /// A `ContentType` uses a type reference this version does not know.
    case unknownTypeRef(Int, offset: Int)
    /// An `any` value has an unknown tag byte.
    case unknownAnyTag(UInt8, offset: Int)
    /// Clocks or lengths that no Yjs document can produce (zero lengths, overflow, self references).
    case impossibleClock(String)
    /// Bytes follow the end of a complete message.
    case trailingBytes(count: Int)
    /// A JSON text inside the update could not be parsed.
    case invalidJSON(String)
    /// A message type this codec does not know.
    case unknownMessageType(Int)
    /// An argument given by the caller is out of range.
    case invalidArgument(String)
    /// The update reuses an id the document already has (or holds pending) for a struct
    /// with other content, origin, right origin, parent or map key. Yjs would skip the
    /// struct silently and keep its own; such an update is corrupt or forged, so it is
    /// refused whole and nothing of it is applied.
    case conflictingStruct(StructConflict)

    public var description: String {
        switch self {
        case let .unexpectedEnd(what, offset):
            return "update is truncated: input ended while reading \(what) at byte \(offset)"
        case let .integerTooLarge(offset):
            return "variable-length integer at byte \(offset) exceeds 2^53-1; the input is not a Yjs update"
        case let .nonCanonicalInteger(offset):
            return
                "variable-length integer at byte \(offset) has redundant trailing zero bytes; the input is not a Yjs encoding"
        case let .lengthExceedsInput(what, declared, remaining, offset):
            return
                "\(what) at byte \(offset) declares \(declared) bytes but only \(remaining) remain; the input is truncated or corrupt"
        case let .invalidUTF8(offset):
            return "string at byte \(offset) is not valid UTF-8"
        case let .unknownContentRef(ref, offset):
            return "unknown struct content reference \(ref) at byte \(offset) (expected 0-10)"
        case let .unknownTypeRef(ref, offset):
            return "unknown shared type reference \(ref) at byte \(offset) (expected 0-6)"
        case let .unknownAnyTag(tag, offset):
            return "unknown lib0 'any' tag 0x\(String(tag, radix: 16)) at byte \(offset)"
        case let .impossibleClock(why):
            return "update is inconsistent: \(why)"
        case let .trailingBytes(count):
            return "\(count) unexpected bytes after the end of the message"
        case let .invalidJSON(why):
            return "invalid JSON inside the update: \(why)"
        case let .unknownMessageType(type):
            return "unknown message type \(type)"
        case let .invalidArgument(why):
            return "invalid argument: \(why)"
        case let .conflictingStruct(conflict):
            return conflict.description
        }
    }
}

/// Where an update disagrees with a struct of the same id that a document already has
/// (`YCRDTError.conflictingStruct`).
public struct StructConflict: Equatable, Sendable, CustomStringConvertible {
    /// The part of a struct that differs.
    public enum Field: String, Sendable {
        /// The kind of content (text, embed, format, type, ...).
        case kind = "kind of content"
        /// The content itself: other characters, another value, another format.
        case content
        /// The left origin (the id the struct was inserted after).
        case origin
        /// The right origin (the id the struct was inserted before).
        case rightOrigin = "right origin"
        /// The shared type the struct belongs to.
        case parent
        /// The map key the struct is the value of (nil for list content).
        case parentSub = "map key"
    }

    /// The first id (client, clock) at which the update and the document disagree.
    public var id: ID
    /// What differs at `id`.
    public var field: Field
    /// What the document has there, for messages.
    public var existing: String
    /// What the update says, for messages.
    public var incoming: String
    /// True when the document holds the conflicting struct pending (waiting for missing
    /// dependencies) rather than integrated.
    public var pending: Bool

    public init(id: ID, field: Field, existing: String, incoming: String, pending: Bool) {
        self.id = id
        self.field = field
        self.existing = existing
        self.incoming = incoming
        self.pending = pending
    }

    public var description: String {
        let holder = pending ? "a pending update the document holds" : "the document"
        return
            "update refused: id \(id) already exists in \(holder) with another \(field.rawValue) "
            + "(\(existing) there, \(incoming) in the update); the update is corrupt or forged, nothing of it was applied"
    }
}
