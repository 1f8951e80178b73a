import XCTest

@testable import Collab

final class StateVectorMapTests: XCTestCase {
    func testDecodesYjsStateVectors() throws {
        // {1: 2} as in docs/reference/yjs-format.md §8.1 (doc "hi" of client 1), and {3000000000: 300, 7: 0}.
        XCTAssertEqual(try StateVectorMap(decoding: [0x01, 0x01, 0x02]).clocks, [1: 2])
        XCTAssertEqual(try StateVectorMap(decoding: [0x00]).clocks, [:])
        XCTAssertEqual(
            try StateVectorMap(decoding: [0x02, 0x80, 0xBC, 0xC1, 0x96, 0x0B, 0xAC, 0x02, 0x07, 0x00]).clocks,
            [3_000_000_000: 300, 7: 0])
    }

    func testRejectsDamagedVectors() {
        for bytes: [UInt8] in [
            [], [0x01], [0x01, 0x01], [0x05, 0x01, 0x01], [0x01, 0x01, 0x01, 0x00],
            [0x01] + [UInt8](repeating: 0xFF, count: 11) + [0x01, 0x01],
            [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        ] {
            XCTAssertThrowsError(try StateVectorMap(decoding: bytes), "\(bytes)")
        }
    }

    func testCoverage() {
        let mine = StateVectorMap([1: 5, 2: 3])
        XCTAssertTrue(mine.isCovered(by: StateVectorMap([1: 5, 2: 3])))
        XCTAssertFalse(mine.isCovered(by: StateVectorMap([1: 5])))
        XCTAssertTrue(mine.isCovered(by: StateVectorMap([1: 5]), StateVectorMap([2: 4])))
        XCTAssertTrue(mine.isAhead(of: StateVectorMap([1: 4, 2: 3])))
        XCTAssertFalse(StateVectorMap().isAhead(of: mine))
    }
}
