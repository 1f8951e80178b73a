// The YCRDT module. See README.md for the module map.
