"""Server-rendered pictures: deterministic layouts (pure geometry) for SVG drawings."""
