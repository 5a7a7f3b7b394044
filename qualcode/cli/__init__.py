"""The command-line interface: a thin layer over qualcode's library functions."""
