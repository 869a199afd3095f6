"""Server-rendered pictures, one SVG stack: deterministic layouts (`layout`, pure geometry), the
drawing helpers every picture shares (`svg`: escaping, the frame, shapes per kind, axes, legend
marks), and the pictures of an actor's pages (`actors`); kg.analytics.pictures draws with them too.
Pictures are SVG text; web/ marks them safe for its templates."""
