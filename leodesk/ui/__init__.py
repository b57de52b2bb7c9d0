"""leodesk.ui."""
