import XCTest

@testable import YCRDT

/// Malformed updates throw a `YCRDTError` and leave the document exactly as it was.
final class BadInputTests: XCTestCase {
    private func populatedDoc() throws -> Doc {
        let doc = Doc(clientID: 1)
        doc.getText().insert("hello مرحبا 😀", at: 0)
        doc.getText().format(at: 0, length: 5, attributes: ["bold": .bool(true)])
        let other = Doc(clientID: 2)
        other.getText().insert("x", at: 0)
        try doc.applyUpdate(try other.encodeStateAsUpdate())
        return doc
    }

    private func assertRejected(_ update: [UInt8], _ label: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let doc = try populatedDoc()
        let before = try doc.encodeStateAsUpdate()
        let sv = doc.encodeStateVector()
        var events = 0
        doc.onUpdate { _, _ in events += 1 }
        XCTAssertThrowsError(try doc.applyUpdate(update), label, file: file, line: line) { error in
            XCTAssertTrue(error is YCRDTError, "\(label): \(error)", file: file, line: line)
            XCTAssertFalse((error as? YCRDTError)?.description.isEmpty ?? true, file: file, line: line)
        }
        XCTAssertThrowsError(try YUpdate.validate(update), label, file: file, line: line)
        XCTAssertThrowsError(try YUpdate.merge([update, before]), label, file: file, line: line)
        XCTAssertEqual(try doc.encodeStateAsUpdate(), before, "\(label): doc changed", file: file, line: line)
        XCTAssertEqual(doc.encodeStateVector(), sv, file: file, line: line)
        XCTAssertEqual(events, 0, "\(label): an update event fired", file: file, line: line)
        XCTAssertFalse(doc.hasPending, file: file, line: line)
    }

    private let valid = hex("01020100040107636f6e74656e740568656c6c6f8401040620776f726c640101010102")

    func testValidUpdateIsAccepted() throws {
        try YUpdate.validate(valid)
        let d = Doc()
        try d.applyUpdate(valid)
        XCTAssertEqual(d.getText().toString(), "hlo world")
    }

    func testEveryTruncationIsRejected() throws {
        for n in 0..<valid.count {
            try assertRejected(Array(valid[0..<n]), "truncated to \(n) bytes")
        }
    }

    func testGarbageAndTrailingBytes() throws {
        try assertRejected(valid + [0x00], "trailing byte")
        try assertRejected([0xFF, 0xFF, 0xFF], "garbage")
        var rng = SystemRandomNumberGenerator()
        var rejected = 0
        for i in 0..<300 {
            let junk = (0..<(1 + i % 40)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let doc = try populatedDoc()
            let before = try doc.encodeStateAsUpdate()
            do { try doc.applyUpdate(junk) } catch {
                XCTAssertTrue(error is YCRDTError)
                XCTAssertEqual(try doc.encodeStateAsUpdate(), before)
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 250)
    }

    func testHugeDeclaredLengths() throws {
        // 2^53-1 clients, a string claiming 4 GB, a struct count larger than the input.
        try assertRejected([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], "huge client count")
        try assertRejected(hex("01010100040107636f6e74656e74ffffffff0f68656c6c6f00"), "huge string length")
        try assertRejected(hex("01ffffff7f0100040107636f6e74656e740568656c6c6f00"), "huge struct count")
        try assertRejected([0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varUint beyond 2^53")
    }

    func testInvalidUTF8() throws {
        try assertRejected(hex("01010100040107636f6e74656e7402c3280000"), "invalid UTF-8 in content")
        try assertRejected(hex("010101000401076366ff6e74656e740568656c6c6f00"), "invalid UTF-8 in root name")
    }

    func testImpossibleClocksAndReferences() throws {
        // Origin pointing at the item itself; a zero-length GC; clocks beyond 2^53.
        try assertRejected(hex("0101010584010506" + "0568656c6c6f00"), "origin at or after itself")
        try assertRejected(hex("01010100000000"), "zero-length struct")
        try assertRejected(hex("010101feffffffffffff0f00ffffffff0f00"), "clock overflow")
        try assertRejected(hex("01010100" + "1f" + "00"), "unknown content ref")
        try assertRejected(hex("0101010007010163" + "0763" + "00"), "unknown type ref")
        try assertRejected(hex("010101000601076" + "36f6e74656e7401620374727500"), "format value that is not JSON")
        try assertRejected(hex("01010100040207636f6e74656e740568656c6c6f00"), "parent info neither 0 nor 1")
    }

    /// An update of one GC struct per listed client (clients written as one-byte numbers).
    private func gcBlocks(_ clients: [UInt8]) -> [UInt8] {
        [UInt8(clients.count)] + clients.flatMap { [0x01, $0, 0x00, 0x00, 0x01] } + [0x00]
    }

    func testTwoBlocksOfOneClientAreRefusedAmongFewOrManyBlocks() throws {
        // Checked by a scan of the blocks read so far while there are few, by a set once
        // there are many: both sides of that switch.
        let distinct = Array(UInt8(10)..<UInt8(40))
        let doc = Doc(clientID: 1)
        try doc.applyUpdate(gcBlocks(distinct))
        XCTAssertEqual(Set(doc.store.stateVector.keys), Set(distinct.map(ClientID.init)))
        try assertRejected(gcBlocks([10, 10]), "the second block repeats the first")
        try assertRejected(gcBlocks(Array(distinct[0..<15]) + [12]), "the sixteenth block repeats the third")
        try assertRejected(gcBlocks(Array(distinct[0..<16]) + [12]), "the seventeenth block repeats the third")
        try assertRejected(gcBlocks(Array(distinct[0..<25]) + [30]), "the twenty-sixth block repeats the twenty-first")
    }

    func testErrorsNameTheProblem() {
        XCTAssertThrowsError(try YUpdate.validate([0x01, 0x01])) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try YUpdate.validate(hex("01010100040107636f6e74656e74ffffffff0f68656c6c6f00"))) { error in
            XCTAssertTrue("\(error)".contains("declares"), "\(error)")
        }
    }

    func testStateVectorAndDiffInputsAreValidated() throws {
        let doc = try populatedDoc()
        XCTAssertThrowsError(try doc.encodeStateAsUpdate(since: [0x05, 0x01]))
        XCTAssertThrowsError(try YUpdate.diff(valid, against: [0x01]))
        XCTAssertThrowsError(try YUpdate.stateVector(of: [0x01]))
    }
}

final class DeepNestingTests: XCTestCase {
    /// 20 000 nested arrays in one update, then the outermost deleted: no recursion deep
    /// enough to overflow the stack, and gc collects everything inside.
    func testDeeplyNestedTypesDeleteAndCollectIteratively() throws {
        var e = Lib0Encoder()
        let depth = 20_000
        e.writeVarUInt(1)
        e.writeVarUInt(depth)
        e.writeVarUInt(UInt64(9))
        e.writeVarUInt(0)
        for i in 0..<depth {
            e.writeUInt8(7)  // ContentType, no origins: parent info follows
            if i == 0 {
                e.writeVarUInt(1)
                e.writeVarString("nest")
            } else {
                e.writeVarUInt(0)
                ID(client: 9, clock: i - 1).write(to: &e)
            }
            e.writeVarUInt(0)  // Y.Array
        }
        e.writeVarUInt(1)  // delete set: client 9, the outermost array
        e.writeVarUInt(UInt64(9))
        e.writeVarUInt(1)
        e.writeVarUInt(0)
        e.writeVarUInt(1)
        let doc = Doc(clientID: 1)
        try doc.applyUpdate(e.bytes)
        XCTAssertEqual(doc.encodeStateVector(), StateVector.encode([9: depth]))
        let state = try doc.encodeStateAsUpdate()
        let decoded = try UpdateCodec.decode(state)
        let gcCount = decoded.blocks.flatMap(\.structs).filter {
            if case .gc = $0 { return true }
            return false
        }.count
        XCTAssertGreaterThan(gcCount, 0, "children of the deleted array are collected")
        XCTAssertNoThrow(try Doc(clientID: 2).applyUpdate(state))
    }
}
