"""Albums: ordered sets of a project's photos, kept by its staff (media API) and browsed by its
members (main API)."""
