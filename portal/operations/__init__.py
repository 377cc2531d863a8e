"""Operations: running the portal in production (the background worker and its jobs, health,
logs and metrics)."""
