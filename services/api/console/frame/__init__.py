"""The console's frame: sign-in and sessions, the page layout, words in two languages, money and time."""
