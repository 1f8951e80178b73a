print("RelayBenchmark: not built yet")
