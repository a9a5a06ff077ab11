"""Portfolio pages in Confluence storage format, rendered from Jinja2 templates (autoescaped)."""
