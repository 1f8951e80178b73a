import Realtime
import RealtimeProtocol
import YCRDT

/// Converts Yjs relative positions between their binary encoding (what the editor's
/// `RelativePosition.encode()` gives) and their JSON form (`relativePositionToJSON`,
/// what editor bindings put in awareness states as `cursor.anchor` / `cursor.head`).
///
/// The codecs are YCRDT's `RelativePosition`; this adds the checks a position from
/// the network needs before it is trusted. Anything unexpected makes the position
/// unusable (`nil`), never a crash: a peer's broken cursor must not break the editor.
public enum RelativePositionJSON {
    /// The JSON object for an encoded relative position, or `nil` when the bytes are not one.
    public static func json(fromEncoded bytes: [UInt8]) -> JSONValue? {
        guard let position = try? RelativePosition(decoding: bytes) else { return nil }
        return JSONValue(position.json)
    }

    /// The binary encoding of a JSON relative position, or `nil` when it is not one.
    /// Like Yjs, `item` wins over `tname`, which wins over `type`; unused fields may be
    /// `null` (as y-codemirror sends them).
    public static func encoded(fromJSON value: JSONValue) -> [UInt8]? {
        guard let fields = value.objectValue else { return nil }
        // YCRDT's reader skips a field of the wrong kind; here the field that decides
        // the position must be of the right kind, or the position is unusable.
        let present = { (key: String) in fields[key].map { !$0.isNull } ?? false }
        guard let winner = ["item", "tname", "type"].first(where: present) else { return nil }
        if winner == "tname" {
            guard fields[winner]?.stringValue != nil else { return nil }
        } else {
            guard fields[winner]?.objectValue != nil else { return nil }
        }
        if let assoc = fields["assoc"], !assoc.isNull, assoc.intValue == nil { return nil }
        guard let position = try? RelativePosition(json: AnyValue(value)) else { return nil }
        let bytes = position.encode()
        // Decoding back applies YCRDT's bounds (ids below 2^53, assoc within 32 bits),
        // so nothing is sent that a Yjs peer would refuse.
        guard (try? RelativePosition(decoding: bytes)) != nil else { return nil }
        return bytes
    }
}
