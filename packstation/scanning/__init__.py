"""What a scan means, and what the station does about it. No Qt."""
