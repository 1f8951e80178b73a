// The DocumentStorage module. See README.md for the module map.
