// The PostgresStore module. See README.md for the module map.
