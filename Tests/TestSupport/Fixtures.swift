import Foundation
import XCTest

/// The repository's test data (`Fixtures/` at the package root): the Yjs
/// reference vectors and the editing traces, with their provenance in
/// `Fixtures/README.md`.
public enum Fixtures {
    /// The package root, found from this file's path (`Tests/TestSupport/Fixtures.swift`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Fixtures/<relativePath>`; the URL of a file that must exist.
    public static func url(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
    }

    /// The bytes of `Fixtures/<relativePath>`. A missing fixture is an error that
    /// names the path, never an empty file: a test must not pass on nothing.
    public static func data(_ relativePath: String) throws -> Data {
        let url = url(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError.missing(url.path)
        }
        return try Data(contentsOf: url)
    }

    /// A Yjs vector file, `Fixtures/yjs-vectors/<name>`.
    public static func yjsVector(_ name: String) throws -> Data {
        try data("yjs-vectors/" + name)
    }
}

/// Why a fixture could not be read.
public enum FixtureError: Error, CustomStringConvertible {
    case missing(String)

    public var description: String {
        switch self {
        case let .missing(path):
            return "fixture \(path) is missing: the repository's Fixtures/ folder is incomplete"
        }
    }
}
