import Foundation
import XCTest

/// What a test needs from the machine (a database, a Python peer, a program).
///
/// On a developer's machine a missing prerequisite skips the test with how to
/// get it. Under CI (`CI=true`, set by `.ci/run` and `scripts/test.sh`) it is a
/// failure: the test command installs everything, so a skip there would be a
/// test that cannot fail.
public enum Prerequisite {
    /// Whether the test run is CI's (`CI=true`).
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Throws the skip (locally) or records a failure and throws (in CI).
    public static func missing(_ reason: String, file: StaticString = #filePath, line: UInt = #line) -> Error {
        if isCI { XCTFail("missing under CI: \(reason)", file: file, line: line) }
        return XCTSkip(reason)
    }
}

/// The PostgreSQL database the tests use (`scripts/with-postgres.sh` starts a
/// throw-away server and exports its URL).
public enum PostgresTestDatabase {
    /// `QALAM_TEST_DATABASE_URL`, or a skip (locally) or failure (CI) without one.
    public static func url(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if let url = ProcessInfo.processInfo.environment["QALAM_TEST_DATABASE_URL"], !url.isEmpty { return url }
        throw Prerequisite.missing(
            "QALAM_TEST_DATABASE_URL is not set: run under scripts/with-postgres.sh to test PostgreSQL", file: file,
            line: line)
    }
}
