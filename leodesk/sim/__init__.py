"""A faithful simulator of the Leonardo.Ai Production API, served over real HTTP on loopback."""
