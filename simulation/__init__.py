"""Traffic simulation for the Aktau hub: a seeded traffic model (`traffic`) replayed through the real services
(`runner`); `manage.py simulate` runs it."""
