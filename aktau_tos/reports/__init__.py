"""Management reports that span the apps (docs/architecture.md: they live in aktau_tos)."""
