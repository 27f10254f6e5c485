"""The warehouse's tables by domain: each module owns its tables' DDL, reads and writes,
so assets and commands are wiring and a second warehouse plugs in here."""
