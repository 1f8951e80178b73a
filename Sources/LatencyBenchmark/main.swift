import Foundation

// `swift run -c release LatencyBenchmark [--edits 1000] [--interval-ms 20]`
exit(await EndToEndLatency.main(arguments: Array(CommandLine.arguments.dropFirst())))
