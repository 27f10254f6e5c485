"""The rules of engagement RevOps sets (rules.yml): one validated model that the
allocation, the data-quality rules, dbt and the wiring all read."""
