import TestSupport
import XCTest

@testable import YCRDT

/// `StructList` behaves like the array it replaces, through random inserts, removals and
/// lookups that cross chunk boundaries.
final class StructListTests: XCTestCase {
    func testRandomOperationsMatchAnArray() {
        var rng = SplitMix64(seed: 42)
        let list = StructList()
        var model: [Item] = []
        func item() -> Item { Item(gc: ID(client: 1, clock: 0), length: 1) }
        for step in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<3:
                let x = item()
                list.append(x)
                model.append(x)
            case 3..<6:
                let at = Int.random(in: 0...model.count, using: &rng)
                let x = item()
                list.insert(x, at: at)
                model.insert(x, at: at)
            case 6..<8 where !model.isEmpty:
                let at = Int.random(in: 0..<model.count, using: &rng)
                let n = Int.random(in: 1...min(300, model.count - at), using: &rng)
                list.removeSubrange(at..<(at + n))
                model.removeSubrange(at..<(at + n))
            case 8 where !model.isEmpty:
                list.removeLast()
                model.removeLast()
            default:
                if !model.isEmpty {
                    let at = Int.random(in: 0..<model.count, using: &rng)
                    let x = item()
                    list[at] = x
                    model[at] = x
                }
            }
            XCTAssertEqual(list.count, model.count, "step \(step)")
            if step % 97 == 0 || model.count < 5 {
                XCTAssertTrue(zip(list, model).allSatisfy { $0 === $1 }, "step \(step)")
                XCTAssertEqual(Array(list).count, model.count)
                for i in stride(from: 0, to: model.count, by: 7) {
                    XCTAssertTrue(list[i] === model[i], "step \(step) [\(i)]")
                }
            }
            XCTAssertTrue(list.first === model.first && list.last === model.last, "step \(step)")
        }
    }

    func testFindIndexByClock() {
        let list = StructList()
        var clock = 0
        var starts: [Int] = []
        for i in 0..<1_000 {
            let len = 1 + i % 7
            starts.append(clock)
            list.append(Item(gc: ID(client: 1, clock: clock), length: len))
            clock += len
        }
        XCTAssertNil(list.findIndex(clock))
        XCTAssertNil(list.findIndex(-1))
        for (i, start) in starts.enumerated() {
            XCTAssertEqual(list.findIndex(start), i)
            let len = 1 + i % 7
            XCTAssertEqual(list.findIndex(start + len - 1), i)
        }
        XCTAssertEqual(list.endClock, clock)
    }
}
