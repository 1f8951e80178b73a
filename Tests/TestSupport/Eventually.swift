import XCTest

/// Polls `condition` until it holds or `timeout` passes, then fails the test
/// with `message`. Generous by default: CI is a loaded two-core machine. For
/// conditions that nothing can signal (another process, a socket, a database);
/// code of our own that can notify should be awaited instead.
public func eventually(
    timeout: Duration = .seconds(20), _ message: @autoclosure () -> String = "condition never held",
    file: StaticString = #filePath, line: UInt = #line,
    _ condition: () async throws -> Bool
) async rethrows {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try? await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    XCTFail("timed out after \(timeout): \(message())", file: file, line: line)
}
