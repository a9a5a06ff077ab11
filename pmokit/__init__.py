"""pmokit: a Project Management Office on top of Jira and Confluence."""

__version__ = "0.1.0"
