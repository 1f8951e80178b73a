// The RelayServer module. See README.md for the module map.
