print("EditorBenchmark: not built yet")
