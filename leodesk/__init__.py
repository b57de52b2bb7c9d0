"""leodesk: a desktop client for the Leonardo.Ai Production API."""

__version__ = "0.1.0"
