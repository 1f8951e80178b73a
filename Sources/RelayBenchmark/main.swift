import Foundation
import Logging
import RelayServer

// Load benchmark of the embedded relay: 100 users in one room and 20 rooms of 10,
// each broadcasting `--rate` messages a second for `--seconds`, against the relay and
// against a bare fan-out server measured in the same run. See BenchmarkOptions for
// the command line; the driver re-executes this binary for the server roles.

let options: BenchmarkOptions
do {
    options = try BenchmarkOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch BenchmarkError.helpRequested {
    print(BenchmarkOptions.usage)
    exit(0)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}

/// Tells the driver the server is up: the one line a server role prints on stdout.
func announce(port: Int) {
    FileHandle.standardOutput.write(Data("listening \(port)\n".utf8))
}

do {
    switch options.role {
    case .relay:
        if options.exitWithParent { ParentWatch.exitWhenStdinCloses() }
        try await RelayRole.run(port: options.port)
    case .bare:
        if options.exitWithParent { ParentWatch.exitWhenStdinCloses() }
        announce(port: try await BareFanoutServer.start(port: options.port))
        while true { try await Task.sleep(for: .seconds(3600)) }
    case .driver:
        try await Driver(options: options).run()
    }
} catch {
    FileHandle.standardError.write(Data("RelayBenchmark: \(error)\n".utf8))
    exit(1)
}
