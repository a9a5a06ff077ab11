"""Portfolio reports: the inputs gathered from the store, the roll-ups (pure pandas), the pages (Confluence
storage format from autoescaped templates), the charts, the HTML preview, and publishing through the connector."""
