// The TUI module. See README.md for the module map.
