// The Realtime module. See README.md for the module map.
