"""leodesk.core.api."""
