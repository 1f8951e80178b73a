import YCRDT

/// Stored Yjs states of the benchmark text, written by another client.
enum StoredDocument {
    /// The state of a document holding `pieces` in order, one item each: they are
    /// inserted last-first at the start, so no piece's origin is its left
    /// neighbour's end and Yjs cannot merge neighbours into one item.
    static func state(of pieces: [String]) throws -> [UInt8] {
        let author = Doc(clientID: 1)
        let text = author.getText("content")
        for piece in pieces.reversed() { text.insert(piece, at: 0) }
        return try author.encodeStateAsUpdate()
    }

    /// `text` cut into pieces of `count` characters (whole grapheme clusters).
    static func pieces(_ text: String, of count: Int) -> [String] {
        var result: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            result.append(String(rest.prefix(count)))
            rest = rest.dropFirst(count)
        }
        return result
    }
}
