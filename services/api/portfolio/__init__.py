"""The portfolio: the caller's loans counted by stage and by five-tier classification (the bank's view of its book;
a district's of its district). The console's chart draws these figures."""
