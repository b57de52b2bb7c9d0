"""leodesk.qt."""
