/// The bytes of a crash journal file: a file header, then records that each
/// carry a sync marker and two checksums, so that damage anywhere costs only
/// the records it touches and a reader finds the next intact record after it.
///
/// Version 2 (written since 0.x; `QALAMJ2\n`):
///
///     record = marker (4 bytes: FE 51 4A FF)
///              · length of payload (UInt32 LE)
///              · CRC-32 of marker and length (UInt32 LE)
///              · CRC-32 of payload (UInt32 LE)
///              · payload
///
/// The header checksum makes a damaged length detectable (it would otherwise
/// swallow the records after it); the marker lets the reader resynchronise
/// after a damaged stretch by scanning for the next position where a marker
/// starts a record whose checksums both hold.
///
/// Version 1 (`QALAMJ1\n`, `length · CRC-32 of payload · payload`) is still
/// read, so journals left by an older build are recovered; it has no marker,
/// so damage there ends the replay (and is reported as such).
///
/// Only the standard library is used: the fuzz target compiles this file alone.
enum JournalFormat {
    static let header: [UInt8] = Array("QALAMJ2\n".utf8)
    static let headerV1: [UInt8] = Array("QALAMJ1\n".utf8)
    static let marker: [UInt8] = [0xFE, 0x51, 0x4A, 0xFF]
    /// Marker, length, header checksum, payload checksum.
    static let recordHeaderLength = 16
    /// Larger records are taken for damage; no single Yjs update is this big.
    static let maximumRecordLength = 1 << 30

    /// What reading a journal file found.
    struct Decoded: Equatable {
        /// The intact records, in file order.
        var records: [[UInt8]] = []
        /// Stretches of the file that held no intact record: each damaged
        /// record, each run of garbage between intact ones, and a torn end.
        var damagedRecords = 0
        /// Whether the file header itself was not one this build writes
        /// (the records after it are still recovered where intact).
        var headerDamaged = false

        /// Whether every byte of the file was accounted for by intact records.
        var isIntact: Bool { damagedRecords == 0 && !headerDamaged }
    }

    /// The framed bytes of one record.
    static func encode(_ payload: [UInt8]) -> [UInt8] {
        var record = marker
        record.reserveCapacity(recordHeaderLength + payload.count)
        appendLittleEndian(UInt32(payload.count), to: &record)
        appendLittleEndian(CRC32.checksum(record), to: &record)
        appendLittleEndian(CRC32.checksum(payload), to: &record)
        record += payload
        return record
    }

    /// Every intact record of a journal file and an account of the damage.
    /// Never traps, whatever the bytes.
    static func decode(_ bytes: [UInt8]) -> Decoded {
        if bytes.starts(with: headerV1) { return decodeV1(bytes) }
        var result = Decoded()
        var offset = header.count
        if !bytes.starts(with: header) {
            // A journal nobody could write the header of is empty; anything
            // else with a damaged header still has its records looked for.
            guard !bytes.isEmpty else { return result }
            result.headerDamaged = true
            offset = 0
        }
        var inDamage = false
        while offset < bytes.count {
            switch record(in: bytes, at: offset) {
            case let .intact(payload, next):
                result.records.append(payload)
                offset = next
                inDamage = false
            case let .damagedPayload(next):
                // The frame is sound, only the payload is not: exactly one record lost.
                result.damagedRecords += 1
                offset = next
                inDamage = false
            case .truncated, .invalid:
                if !inDamage {
                    result.damagedRecords += 1
                    inDamage = true
                }
                guard let next = nextCandidate(in: bytes, after: offset) else { return result }
                offset = next
            }
        }
        return result
    }

    private enum Frame {
        case intact(payload: [UInt8], next: Int)
        case damagedPayload(next: Int)
        /// The frame is sound but the file ends inside its payload.
        case truncated
        case invalid
    }

    private static func record(in bytes: [UInt8], at offset: Int) -> Frame {
        guard bytes.count - offset >= recordHeaderLength,
            bytes[offset] == marker[0], bytes[offset + 1] == marker[1],
            bytes[offset + 2] == marker[2], bytes[offset + 3] == marker[3]
        else { return .invalid }
        let length = Int(readLittleEndian(bytes, at: offset + 4))
        let headerChecksum = readLittleEndian(bytes, at: offset + 8)
        guard CRC32.checksum(bytes[offset..<(offset + 8)]) == headerChecksum, length <= maximumRecordLength else {
            return .invalid
        }
        let start = offset + recordHeaderLength
        guard length <= bytes.count - start else { return .truncated }
        let payload = Array(bytes[start..<(start + length)])
        guard CRC32.checksum(payload) == readLittleEndian(bytes, at: offset + 12) else {
            return .damagedPayload(next: start + length)
        }
        return .intact(payload: payload, next: start + length)
    }

    /// The next offset after `offset` where a marker starts a frame whose
    /// header checksum holds.
    private static func nextCandidate(in bytes: [UInt8], after offset: Int) -> Int? {
        var position = offset + 1
        while position + recordHeaderLength <= bytes.count {
            if bytes[position] == marker[0], bytes[position + 1] == marker[1], bytes[position + 2] == marker[2],
                bytes[position + 3] == marker[3],
                CRC32.checksum(bytes[position..<(position + 8)]) == readLittleEndian(bytes, at: position + 8)
            {
                return position
            }
            position += 1
        }
        return nil
    }

    /// Version 1: no marker, so the first damaged record ends what can be read.
    private static func decodeV1(_ bytes: [UInt8]) -> Decoded {
        var result = Decoded()
        var offset = headerV1.count
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else { break }
            let length = Int(readLittleEndian(bytes, at: offset))
            let checksum = readLittleEndian(bytes, at: offset + 4)
            guard length <= maximumRecordLength, length <= bytes.count - offset - 8 else { break }
            let payload = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32.checksum(payload) == checksum else { break }
            result.records.append(payload)
            offset += 8 + length
        }
        if offset < bytes.count { result.damagedRecords = 1 }
        return result
    }

    static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32($1 * 8) }
    }
}
