"""Flask front end (placeholder)."""
