"""index ops (being written)."""
__all__ = []
