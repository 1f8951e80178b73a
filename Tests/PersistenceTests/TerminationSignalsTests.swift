import Foundation
import Persistence
import XCTest

final class TerminationSignalsTests: XCTestCase {
    /// A real signal sent to this process runs the handler, once.
    func testSignalRunsTheHandlerOnce() async throws {
        let received = ReceivedSignals()
        let signals = TerminationSignals(signals: [SIGUSR2]) { number in
            await received.add(number)
        }
        kill(getpid(), SIGUSR2)
        try await Task.sleep(for: .milliseconds(300))
        kill(getpid(), SIGUSR2)
        let deadline = ContinuousClock.now + .seconds(20)
        while await received.all.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        let all = await received.all
        XCTAssertEqual(all, [SIGUSR2])
        withExtendedLifetime(signals) {}
    }
}

private actor ReceivedSignals {
    var all: [Int32] = []
    func add(_ number: Int32) { all.append(number) }
}
