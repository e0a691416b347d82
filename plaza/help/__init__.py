"""Help in emergencies (求助 · 应急): help requests found in posts and filed on forms, verified,
dispatched to responders and published when help arrived; incidents and official warnings."""
