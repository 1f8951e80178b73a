// The Persistence module. See README.md for the module map.
