"""An attendee's photos: the list, favourites, tag reports and paid downloads."""
