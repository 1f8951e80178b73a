// swift-tools-version:6.0
//
// Qalam: a terminal collaborative editor, byte-compatible with Yjs, that syncs over
// Supabase Realtime. The module map and the reasons behind it are in README.md.

import PackageDescription

#if canImport(Foundation)
    import Foundation
#endif

// MARK: - Targets

/// Every target of the package, lowest layer first. Names in `deps` are targets of
/// this package; `products` are `(product, package)` pairs from `externalPackages`.
struct Module {
    enum Kind {
        case library
        case system(pkgConfig: String, apt: String)
        case executable, test, testSupport
    }
    let name: String
    let kind: Kind
    var deps: [String] = []
    var products: [(String, String)] = []
}

let modules: [Module] = [
    // System libraries, found through pkg-config; nothing is vendored.
    Module(name: "CNcursesw", kind: .system(pkgConfig: "ncursesw", apt: "libncurses-dev")),
    Module(name: "CLibPQ", kind: .system(pkgConfig: "libpq", apt: "libpq-dev")),
    Module(name: "CSQLite", kind: .system(pkgConfig: "sqlite3", apt: "libsqlite3-dev")),
    Module(name: "CFriBidi", kind: .system(pkgConfig: "fribidi", apt: "libfribidi-dev")),

    Module(name: "YCRDT", kind: .library),
    Module(name: "RealtimeProtocol", kind: .library),
    Module(
        name: "Realtime", kind: .library, deps: ["RealtimeProtocol"],
        products: [
            ("WSClient", "swift-websocket"), ("NIOSSL", "swift-nio-ssl"),
            ("NIOCore", "swift-nio"), ("NIOPosix", "swift-nio"), ("NIOWebSocket", "swift-nio"),
            ("Logging", "swift-log")
        ]),
    Module(name: "DocumentStorage", kind: .library),
    Module(name: "SQLiteStore", kind: .library, deps: ["DocumentStorage", "CSQLite"]),
    Module(name: "PostgresStore", kind: .library, deps: ["DocumentStorage", "CLibPQ"]),
    Module(
        name: "RelayServer", kind: .library, deps: ["RealtimeProtocol", "YCRDT", "DocumentStorage", "Persistence"],
        products: [
            ("Hummingbird", "hummingbird"), ("HummingbirdWebSocket", "hummingbird-websocket"),
            ("HummingbirdCore", "hummingbird"), ("HTTPTypes", "swift-http-types"),
            ("ServiceLifecycle", "swift-service-lifecycle"), ("UnixSignals", "swift-service-lifecycle"),
            ("Crypto", "swift-crypto"), ("Logging", "swift-log"), ("NIOCore", "swift-nio"),
            ("NIOHTTP1", "swift-nio"), ("NIOWebSocket", "swift-nio")
        ]),
    // The autosaver and the crash journal: knows Yjs and stores, nothing of networks.
    Module(
        name: "Persistence", kind: .library, deps: ["YCRDT", "DocumentStorage", "SQLiteStore", "PostgresStore"],
        products: [("Crypto", "swift-crypto")]),
    Module(
        name: "Collab", kind: .library,
        deps: ["YCRDT", "Realtime", "RealtimeProtocol", "DocumentStorage", "Persistence"],
        products: [("Logging", "swift-log")]),
    Module(name: "TextLayout", kind: .library, deps: ["CFriBidi"]),
    // The editor itself: state, document protocol, keymap, commands; no curses, no network.
    Module(name: "EditorCore", kind: .library, deps: ["TextLayout", "YCRDT"]),
    // The ncursesw front end of the editor core.
    Module(name: "TUI", kind: .library, deps: ["EditorCore", "TextLayout", "CNcursesw"]),
    Module(
        name: "qalam", kind: .executable,
        deps: [
            "YCRDT", "Realtime", "RealtimeProtocol", "DocumentStorage", "SQLiteStore", "PostgresStore",
            "Persistence", "RelayServer", "Collab", "TextLayout", "EditorCore", "TUI"
        ],
        products: [("ArgumentParser", "swift-argument-parser"), ("Logging", "swift-log")]),
    Module(name: "Benchmarks", kind: .executable, deps: ["YCRDT"]),
    // The editor's latency: opening a large document and keystroke-to-screen time.
    // With its session: open from a store to the first screen, keys through the journal, autosave.
    Module(
        name: "EditorBenchmark", kind: .executable,
        deps: [
            "EditorCore", "TUI", "TextLayout", "YCRDT", "Collab", "DocumentStorage", "SQLiteStore", "PostgresStore",
            "RelayServer"
        ]),
    // Keystroke in one editor to applied in another, through the relay.
    Module(
        name: "LatencyBenchmark", kind: .executable,
        deps: [
            "Collab", "Realtime", "RealtimeProtocol", "RelayServer", "DocumentStorage", "SQLiteStore", "YCRDT",
            "EditorCore", "TUI", "TextLayout"
        ]),
    // Load on the relay: many Realtime clients on loopback, beside a bare fan-out baseline.
    Module(
        name: "RelayBenchmark", kind: .executable, deps: ["Realtime", "RealtimeProtocol", "RelayServer"],
        products: [
            ("WSClient", "swift-websocket"), ("NIOCore", "swift-nio"), ("NIOPosix", "swift-nio"),
            ("NIOHTTP1", "swift-nio"), ("NIOWebSocket", "swift-nio"), ("Logging", "swift-log")
        ]),
    // A replica driven line by line over stdin/stdout by the differential tests
    // against pycrdt (Tests/python); not installed.
    Module(name: "YCRDTPeer", kind: .executable, deps: ["YCRDT"]),

    // Helpers every test target shares (fixtures, polling); not a product.
    Module(name: "TestSupport", kind: .testSupport),
    Module(name: "YCRDTTests", kind: .test, deps: ["YCRDT"]),
    Module(name: "RealtimeProtocolTests", kind: .test, deps: ["RealtimeProtocol"]),
    Module(
        name: "RealtimeTests", kind: .test, deps: ["Realtime", "RealtimeProtocol", "RelayServer"],
        products: [("NIOSSL", "swift-nio-ssl"), ("Logging", "swift-log")]),
    Module(
        name: "RelayServerTests", kind: .test,
        deps: ["RelayServer", "RealtimeProtocol", "YCRDT", "DocumentStorage", "SQLiteStore"],
        products: [
            ("WSClient", "swift-websocket"), ("Logging", "swift-log"), ("NIOCore", "swift-nio"),
            ("NIOWebSocket", "swift-nio"), ("NIOEmbedded", "swift-nio")
        ]),
    Module(name: "StoreTests", kind: .test, deps: ["DocumentStorage", "SQLiteStore", "PostgresStore"]),
    Module(
        name: "PersistenceTests", kind: .test,
        deps: ["Persistence", "YCRDT", "DocumentStorage", "SQLiteStore", "PostgresStore"]),
    Module(
        name: "CollabTests", kind: .test,
        deps: [
            "Collab", "YCRDT", "Realtime", "RealtimeProtocol", "RelayServer", "DocumentStorage", "Persistence",
            "SQLiteStore", "PostgresStore"
        ]),
    Module(name: "TextLayoutTests", kind: .test, deps: ["TextLayout"]),
    Module(name: "EditorCoreTests", kind: .test, deps: ["EditorCore", "TextLayout", "YCRDT"]),
    Module(name: "TUITests", kind: .test, deps: ["TUI", "EditorCore", "TextLayout", "YCRDT"])
]

let externalPackages: [String: Package.Dependency] = [
    "swift-argument-parser": .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    "swift-log": .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    "swift-nio": .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    "swift-nio-ssl": .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
    "swift-crypto": .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
    "swift-websocket": .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.0"),
    "hummingbird": .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
    "swift-http-types": .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    "swift-service-lifecycle": .package(
        url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    "hummingbird-websocket": .package(
        url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0")
]

// MARK: - Working on one layer at a time

/// `QALAM_MODULES="YCRDT TextLayout"` keeps only those targets, their tests and what
/// they depend on, so a layer can be built and tested without compiling the whole
/// graph (Hummingbird and NIO-SSL take minutes on two cores). Use it with a scratch
/// path of its own and `--manifest-cache local`. Unset, the whole package is built.
#if canImport(Foundation)
    let requested =
        ProcessInfo.processInfo.environment["QALAM_MODULES"]?
        .split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) ?? []
#else
    let requested: [String] = []
#endif

func closure(of names: [String]) -> Set<String> {
    var keep = Set<String>()
    var queue = names + names.map { $0 + "Tests" } + ["TestSupport"]
    while let name = queue.popLast() {
        guard let module = modules.first(where: { $0.name == name }), keep.insert(name).inserted else { continue }
        queue += module.deps
    }
    return keep
}

let kept = requested.isEmpty ? modules : modules.filter { closure(of: requested).contains($0.name) }
let keptPackages = Set(kept.flatMap { $0.products.map { $0.1 } })

func target(_ module: Module) -> Target {
    let dependencies: [Target.Dependency] =
        module.deps.map { .target(name: $0) } + module.products.map { .product(name: $0.0, package: $0.1) }
    switch module.kind {
    case .library:
        return .target(name: module.name, dependencies: dependencies)
    case let .system(pkgConfig, apt):
        return .systemLibrary(name: module.name, pkgConfig: pkgConfig, providers: [.apt([apt])])
    case .executable:
        return .executableTarget(name: module.name, dependencies: dependencies)
    case .test:
        return .testTarget(name: module.name, dependencies: dependencies + [.target(name: "TestSupport")])
    case .testSupport:
        return .target(name: module.name, dependencies: dependencies, path: "Tests/\(module.name)")
    }
}

let package = Package(
    name: "Qalam",
    platforms: [.macOS(.v14)],
    products: kept.compactMap { module in
        switch module.kind {
        case .library: return .library(name: module.name, targets: [module.name])
        case .executable: return .executable(name: module.name, targets: [module.name])
        default: return nil
        }
    },
    dependencies: externalPackages.filter { keptPackages.contains($0.key) }.sorted { $0.key < $1.key }.map(\.value),
    targets: kept.map(target),
    swiftLanguageModes: [.v5]
)
