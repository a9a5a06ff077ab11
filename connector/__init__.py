"""The only door between pmokit and Atlassian: Jira and Confluence clients and the translation layer."""
