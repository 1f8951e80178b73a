// The TextLayout module. See README.md for the module map.
