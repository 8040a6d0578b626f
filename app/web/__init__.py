"""The pages: routes that render from the public API, the blueprint's layout and SVG as pure
functions of the feed, and the static files the pages load."""
