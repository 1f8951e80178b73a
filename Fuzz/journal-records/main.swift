// libFuzzer harness for the crash journal's record decoder (JournalFormat),
// compiled into one module with it (build.sh), so its internals are reachable.
//
// Every input is decoded as a whole journal file, after a valid header, spliced
// between intact records, and as a flip mask over a valid journal. Decoding must
// never trap, and what it reports must be consistent: re-encoding what it returns
// decodes to the same records with no damage; a record before damage is kept;
// garbage without a record marker in it never costs an intact record after it; an
// untouched journal is intact. (Input crafted to carry valid checksums can forge
// records; the format guards against damage, not against forgery.)

/// Three records anyone could have written, framed.
private let knownRecords: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 0xFE, count: 40)]

private func framed(_ records: [[UInt8]]) -> [UInt8] {
    records.reduce(JournalFormat.header) { $0 + JournalFormat.encode($1) }
}

/// Decoding what a decode returned, re-framed, gives the same records and no damage.
private func checkRoundTrip(_ decoded: JournalFormat.Decoded, _ what: String) {
    let again = JournalFormat.decode(framed(decoded.records))
    precondition(again.records == decoded.records, "\(what): re-encoded records decode differently")
    precondition(again.isIntact, "\(what): re-encoded records decode as damaged")
    precondition(decoded.damagedRecords >= 0, "\(what): negative damage count")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    // The input as a whole file, with and without a valid header.
    checkRoundTrip(JournalFormat.decode(bytes), "raw input")
    checkRoundTrip(JournalFormat.decode(JournalFormat.header + bytes), "input after a header")

    // The input as garbage between intact records.
    let before = framed([knownRecords[0]])
    let after = knownRecords.dropFirst().reduce([UInt8]()) { $0 + JournalFormat.encode($1) }
    let spliced = JournalFormat.decode(before + bytes + after)
    checkRoundTrip(spliced, "spliced input")
    precondition(spliced.records.first == knownRecords[0], "the record before the garbage was lost")
    let markerCount = JournalFormat.marker.count
    let hasMarker =
        bytes.count >= markerCount
        && (0...(bytes.count - markerCount)).contains { Array(bytes[$0..<($0 + markerCount)]) == JournalFormat.marker }
    if !hasMarker {
        precondition(
            spliced.records == knownRecords,
            "garbage without a marker cost intact records: \(spliced.records.count) of \(knownRecords.count)")
        precondition(bytes.isEmpty || spliced.damagedRecords == 1, "garbage was not counted as one damaged stretch")
    }

    // The input as a flip mask over a valid journal.
    var flipped = framed(knownRecords)
    for (index, mask) in bytes.prefix(flipped.count).enumerated() { flipped[index] ^= mask }
    let decoded = JournalFormat.decode(flipped)
    checkRoundTrip(decoded, "flipped journal")
    if bytes.prefix(flipped.count).allSatisfy({ $0 == 0 }) {
        precondition(decoded.records == knownRecords && decoded.isIntact, "an untouched journal lost records")
    }
    return 0
}
