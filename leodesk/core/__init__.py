"""Qt-free core: API client, paths, secrets, settings. Never imports PySide6."""
