"""Management reports that span the apps (ARCHITECTURE.md: they live in aktau_tos)."""
