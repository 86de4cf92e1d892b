"""A plane made up for the tests: it shows how a plane adds its console pages."""
