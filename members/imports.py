"""The member import spec (filled in with the member registry's import at scale)."""
