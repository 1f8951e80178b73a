// The SQLiteStore module. See README.md for the module map.
