"""The Jira webhook receiver: verify, classify, persist, acknowledge."""
